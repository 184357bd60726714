//! `axon sweep`: a parameter sweep over one backtest config.

use std::path::PathBuf;
use std::sync::Mutex;

use axon_sweep::{Objective, Param, SweepSpec, run_sweep};

use crate::exit::Failure;
use crate::output::{Progress, table};

/// What a sweep searches: the base config, the space and the objective
/// (shared by `axon sweep` and `axon walkforward`).
#[derive(Debug, clap::Args)]
pub struct Search {
    /// Base config file (a backtest's).
    #[arg(short, long)]
    pub config: PathBuf,
    /// KEY=START:STOP:STEP (both ends included) or KEY=a,b,c; any config
    /// key (strategy.fast, strategy.params.n1, risk.max_position, ...).
    #[arg(long = "param", required = true)]
    pub params: Vec<String>,
    /// Only points where this holds ("strategy.fast < strategy.slow").
    #[arg(long)]
    pub constraint: Option<String>,
    /// The statistic to maximize (default: sharpe).
    #[arg(long, conflicts_with = "minimize")]
    pub maximize: Option<String>,
    /// The statistic to minimize (max_drawdown_pct, ...).
    #[arg(long)]
    pub minimize: Option<String>,
    /// Run N points drawn at random from the grid instead of all.
    #[arg(long)]
    pub random: Option<usize>,
    /// Seed of --random.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: every core).
    #[arg(short, long)]
    pub jobs: Option<usize>,
}

impl Search {
    /// The sweep these arguments describe, writing into `out`.
    pub fn spec(self, out: PathBuf, journals: bool) -> Result<SweepSpec, Failure> {
        let params = self
            .params
            .iter()
            .map(|p| Param::parse(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::input(e.to_string()))?;
        let objective = match (self.maximize, self.minimize) {
            (Some(key), None) => Objective {
                key,
                maximize: true,
            },
            (None, Some(key)) => Objective {
                key,
                maximize: false,
            },
            (None, None) => Objective {
                key: "sharpe".into(),
                maximize: true,
            },
            (Some(_), Some(_)) => {
                return Err(Failure::input("give --maximize or --minimize, not both"));
            }
        };
        let jobs = self.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        if jobs == 0 {
            return Err(Failure::input("-j must be at least 1"));
        }
        Ok(SweepSpec {
            config: self.config,
            params,
            constraint: self.constraint,
            random: self.random.map(|n| (n, self.seed)),
            objective,
            jobs,
            out,
            journals,
        })
    }
}

/// The command line's sweep.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub search: Search,
    /// Output folder; rerunning the same sweep into it skips finished runs.
    #[arg(long)]
    pub out: PathBuf,
    /// Write every run's journal under OUT/journals/.
    #[arg(long)]
    pub journals: bool,
    /// No progress bar, no table.
    #[arg(long)]
    pub quiet: bool,
}

/// `axon sweep`.
pub fn sweep(args: Args) -> anyhow::Result<()> {
    let spec = args.search.spec(args.out, args.journals)?;
    let jobs = spec.jobs;
    let progress = Mutex::new(Progress::new("sweep", "runs", args.quiet));
    let outcome = run_sweep(&spec, &|done, total| {
        if let Ok(mut p) = progress.lock() {
            p.update(done, total);
        }
    })
    .map_err(|e| Failure::input(e.to_string()))?;
    if let Ok(p) = progress.into_inner() {
        p.finish();
    }
    if args.quiet {
        return Ok(());
    }
    let best = outcome.best();
    let ran = outcome.runs.len() - outcome.skipped;
    let runs_per_sec = ran as f64 / outcome.run_secs.max(1e-9);
    table(
        "Sweep",
        &[
            (
                "runs",
                format!(
                    "{} ({ran} run, {} from an earlier attempt)",
                    outcome.runs.len(),
                    outcome.skipped
                ),
            ),
            (
                "data",
                format!("{} rows, read in {:.2} s", outcome.rows, outcome.load_secs),
            ),
            (
                "speed",
                format!(
                    "{:.2} s, {runs_per_sec:.1} runs/s on {jobs} workers",
                    outcome.run_secs
                ),
            ),
            ("best", best.describe(&spec.params)),
            (
                spec.objective.key.as_str(),
                format!("{}", best.stat(&spec.objective.key)),
            ),
            ("return", format!("{:.2} %", best.stat("return_pct"))),
            ("trades", format!("{}", best.stat("trades"))),
            ("head hash", best.head_hash.clone()),
            (
                "written",
                format!(
                    "{0}/results.parquet, {0}/best.toml, {0}/heatmap.html",
                    spec.out.display()
                ),
            ),
        ],
    );
    Ok(())
}
