//! Parameter sweeps: many backtests of one configuration, each with other
//! values at some of its keys, over one dataset read once.
//!
//! - The space: `--param KEY=START:STOP:STEP` or `KEY=a,b,c` for any key
//!   (strategy, Python strategy params `strategy.params.NAME`, risk,
//!   execution, ensemble), a grid or a seeded random sample of it, filtered
//!   by a constraint ([`space`], [`constraint`]).
//! - Each run is a backtest of the base file with its values set
//!   ([`overrides`]), over the data loaded once and shared
//!   ([`axon_replay::LoadedData`]). Its records are hashed as the journal
//!   would hash them (the head hash a `--journals` run writes), and written
//!   only with `journals`.
//! - Runs go to `jobs` workers; results are written as they finish
//!   (`runs.jsonl`, so a rerun into the same folder skips them) and, at the
//!   end, in run order (`results.parquet`): identical for any `jobs`.
//! - `best.toml` is the base file with the best run's values;
//!   `heatmap.html` shows the objective over any two parameters.

pub mod constraint;
mod error;
pub mod heatmap;
pub mod overrides;
pub mod results;
pub mod space;
pub mod walkforward;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use axon_config::{Config, StrategyKind};
use axon_engine::Summary;
use axon_replay::{LoadedData, run_backtest_loaded};
use sha2::{Digest, Sha256};
use toml_edit::DocumentMut;

pub use constraint::Constraint;
pub use error::SweepError;
pub use results::RunResult;
pub use space::{Param, Point, Value};

/// What to optimise: a summary statistic (`sharpe`, `return_pct`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The statistic's key in the summary.
    pub key: String,
    /// Higher is better (else lower).
    pub maximize: bool,
}

/// A sweep.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// The base configuration file (a backtest's).
    pub config: PathBuf,
    /// The parameters, in column order.
    pub params: Vec<Param>,
    /// A constraint over the parameters' keys.
    pub constraint: Option<String>,
    /// A random sample of this many points, with this seed, instead of the
    /// whole grid.
    pub random: Option<(usize, u64)>,
    /// The objective.
    pub objective: Objective,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// The output folder.
    pub out: PathBuf,
    /// Write every run's journal (`out/journals/run-NNNNNN`).
    pub journals: bool,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Every run of the sweep, in run order.
    pub runs: Vec<RunResult>,
    /// Runs a previous attempt had finished (not run again).
    pub skipped: usize,
    /// The best run's index in `runs`.
    pub best: usize,
    /// Rows in the data.
    pub rows: u64,
    /// Seconds spent reading the data.
    pub load_secs: f64,
    /// Seconds spent running.
    pub run_secs: f64,
}

impl SweepOutcome {
    /// The best run.
    pub fn best(&self) -> &RunResult {
        &self.runs[self.best]
    }
}

/// The points a spec runs, in run order.
pub fn points(spec: &SweepSpec) -> Result<Vec<Point>, SweepError> {
    if spec.params.is_empty() {
        return Err(SweepError::Spec("give at least one --param".into()));
    }
    for (i, p) in spec.params.iter().enumerate() {
        if spec.params[..i].iter().any(|q| q.key == p.key) {
            return Err(SweepError::Spec(format!(
                "--param {} is given twice",
                p.key
            )));
        }
    }
    let mut points = space::grid(&spec.params);
    if let Some(text) = &spec.constraint {
        let c = Constraint::parse(text, &spec.params)?;
        let mut kept = Vec::with_capacity(points.len());
        for p in points {
            if c.admits(&p)? {
                kept.push(p);
            }
        }
        points = kept;
    }
    if let Some((n, seed)) = spec.random {
        points = space::sample(points, n, seed);
    }
    if points.is_empty() {
        return Err(SweepError::Spec(
            "no point of the grid meets the constraint".into(),
        ));
    }
    Ok(points)
}

/// A sweep's runs: its points and each run's config text, every config
/// checked.
#[derive(Debug)]
pub struct Plan {
    base: Config,
    base_doc: DocumentMut,
    points: Vec<Point>,
    texts: Vec<String>,
}

impl Plan {
    /// The points and configs of `spec`. Every run's config must build
    /// before any data is read: a bad value is an error at once, naming
    /// the run. A Python strategy is loaded by the first run's check only
    /// (a host per run would be a process per point); the others load
    /// theirs when they run.
    pub fn new(spec: &SweepSpec) -> Result<Self, SweepError> {
        let base = Config::load(&spec.config)?;
        let base_doc: DocumentMut = base.text.parse().map_err(|e: toml_edit::TomlError| {
            SweepError::Spec(format!("{}: {e}", spec.config.display()))
        })?;
        let points = points(spec)?;
        check_objective(&spec.objective)?;
        let mut texts = Vec::with_capacity(points.len());
        for (i, point) in points.iter().enumerate() {
            let text = overrides::apply(&base_doc, &spec.params, point)?;
            let config = Config::parse(text.clone(), &spec.config)
                .map_err(|e| run_error(spec, i, point, e))?;
            if i == 0 || config.file.strategy.kind != StrategyKind::Python {
                config
                    .engine_config()
                    .map_err(|e| run_error(spec, i, point, e))?;
            }
            texts.push(text);
        }
        Ok(Self {
            base,
            base_doc,
            points,
            texts,
        })
    }

    /// Runs in the sweep.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether it has no runs (never: [`Plan::new`] refuses that).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Run `i`'s config text.
    pub fn text(&self, i: usize) -> Option<&str> {
        self.texts.get(i).map(String::as_str)
    }

    /// Run `i`'s parameter values.
    pub fn point(&self, i: usize) -> Option<&Point> {
        self.points.get(i)
    }

    /// The base configuration.
    pub fn base(&self) -> &Config {
        &self.base
    }

    /// The data every run reads, read once.
    pub fn load_data(&self) -> Result<LoadedData, SweepError> {
        Ok(LoadedData::load(&self.base.backtest_plan()?)?)
    }

    /// Runs `runs` (indices) over `data` on `spec.jobs` workers, handing
    /// each result to `each` as it finishes; stops at the first error.
    pub fn run(
        &self,
        spec: &SweepSpec,
        data: &LoadedData,
        runs: &[usize],
        each: &(dyn Fn(RunResult) -> Result<(), SweepError> + Sync),
    ) -> Result<(), SweepError> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error: Mutex<Option<SweepError>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..spec.jobs.max(1).min(runs.len().max(1)) {
                s.spawn(|| {
                    while !failed.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = runs.get(k) else { break };
                        let outcome = match (self.texts.get(i), self.points.get(i)) {
                            (Some(text), Some(point)) => run_one(spec, text, data, i, point),
                            _ => Err(SweepError::Spec(format!(
                                "run {i}: the sweep has {} runs",
                                self.len()
                            ))),
                        }
                        .and_then(each);
                        if let Err(e) = outcome {
                            failed.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e);
                        }
                    }
                });
            }
        });
        match first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The output folder of a sweep: created, checked to hold this sweep (or
/// none), with the runs an earlier attempt finished.
#[derive(Debug)]
pub struct Output {
    log: Mutex<results::DoneLog>,
    done: Mutex<BTreeMap<usize, RunResult>>,
    skipped: usize,
}

impl Output {
    /// Opens `spec.out` for `plan`.
    pub fn open(spec: &SweepSpec, plan: &Plan) -> Result<Self, SweepError> {
        std::fs::create_dir_all(&spec.out).map_err(|e| results::output(&spec.out, e))?;
        check_definition(spec, &plan.base.text)?;
        let log_path = spec.out.join("runs.jsonl");
        let mut done = results::read_done(&log_path)?;
        done.retain(|i, r| plan.points.get(*i).is_some_and(|p| *p == r.point));
        Ok(Self {
            log: Mutex::new(results::DoneLog::open(&log_path)?),
            skipped: done.len(),
            done: Mutex::new(done),
        })
    }

    /// The runs not finished yet, in run order.
    pub fn pending(&self, plan: &Plan) -> Vec<usize> {
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        (0..plan.len()).filter(|i| !done.contains_key(i)).collect()
    }

    /// Runs finished so far.
    pub fn finished(&self) -> usize {
        self.done.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Logs a finished run. It is kept as its line reads back, as resumed
    /// runs are: the same values either way.
    pub fn push(&self, r: RunResult) -> Result<(), SweepError> {
        let line = r.to_line();
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(&r)?;
        let r = results::read_line(&line).unwrap_or(r);
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(r.run, r);
        Ok(())
    }

    /// Logs a run from its line (as a remote worker returned it).
    pub fn push_line(&self, line: &str) -> Result<(), SweepError> {
        let r = results::read_line(line)
            .ok_or_else(|| SweepError::Spec(format!("not a run's result: {line:?}")))?;
        self.push(r)
    }

    /// Writes `results.parquet`, `best.toml` and `heatmap.html` once every
    /// run is done; returns the runs in order and the best one's index.
    pub fn finish(
        self,
        spec: &SweepSpec,
        plan: &Plan,
    ) -> Result<(Vec<RunResult>, usize), SweepError> {
        let done = self.done.into_inner().unwrap_or_else(|e| e.into_inner());
        if done.len() != plan.len() {
            return Err(SweepError::Spec(format!(
                "{} of {} runs are done",
                done.len(),
                plan.len()
            )));
        }
        let runs: Vec<RunResult> = done.into_values().collect();
        let best = best_run(&runs, &spec.objective)?;
        write_outputs(spec, &plan.base_doc, &runs, best)?;
        Ok((runs, best))
    }
}

/// Runs a sweep; `progress(done, total)` after each run.
pub fn run_sweep(
    spec: &SweepSpec,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<SweepOutcome, SweepError> {
    let plan = Plan::new(spec)?;
    let output = Output::open(spec, &plan)?;
    let skipped = output.skipped;
    let started = Instant::now();
    let data = plan.load_data()?;
    let load_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let total = plan.len() as u64;
    progress(output.finished() as u64, total);
    let pending = output.pending(&plan);
    plan.run(spec, &data, &pending, &|r| {
        output.push(r)?;
        progress(output.finished() as u64, total);
        Ok(())
    })?;
    let run_secs = started.elapsed().as_secs_f64();
    let (runs, best) = output.finish(spec, &plan)?;
    Ok(SweepOutcome {
        runs,
        skipped,
        best,
        rows: data.rows(),
        load_secs,
        run_secs,
    })
}

/// A run whose config is refused.
fn run_error(
    spec: &SweepSpec,
    i: usize,
    point: &[Value],
    e: axon_config::ConfigError,
) -> SweepError {
    SweepError::Spec(format!(
        "run {i} ({}): {e}",
        results::describe(&spec.params, point)
    ))
}

/// One run: its backtest over the shared data.
fn run_one(
    spec: &SweepSpec,
    text: &str,
    data: &LoadedData,
    i: usize,
    point: &[Value],
) -> Result<RunResult, SweepError> {
    let failed = |source| SweepError::Run {
        run: i,
        params: results::describe(&spec.params, point),
        source: Box::new(source),
    };
    let mut plan = Config::parse(text.to_owned(), &spec.config)
        .and_then(|c| c.backtest_plan())
        .map_err(|e| run_error(spec, i, point, e))?;
    if spec.journals {
        plan.session.journal_dir = journal_dir(&spec.out, i);
        if plan.session.journal_dir.exists() {
            // A journal an interrupted attempt left unfinished.
            std::fs::remove_dir_all(&plan.session.journal_dir)
                .map_err(|e| results::output(&plan.session.journal_dir, e))?;
        }
    }
    let report = run_backtest_loaded(&plan, data, spec.journals).map_err(failed)?;
    let stats = match serde_json::to_value(&report.summary) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Ok(RunResult {
        run: i,
        point: point.to_vec(),
        stats,
        head_hash: report.head_hash,
    })
}

/// The objective must be a statistic of the summary.
fn check_objective(objective: &Objective) -> Result<(), SweepError> {
    let Ok(serde_json::Value::Object(stats)) = serde_json::to_value(Summary::default()) else {
        return Ok(());
    };
    if stats.contains_key(&objective.key) {
        return Ok(());
    }
    let keys: Vec<&str> = stats.keys().map(String::as_str).collect();
    Err(SweepError::Spec(format!(
        "{} is not a statistic (statistics: {})",
        objective.key,
        keys.join(", ")
    )))
}

/// The best run by the objective (ties: the first); runs whose objective
/// is undefined never win.
pub(crate) fn best_run(runs: &[RunResult], objective: &Objective) -> Result<usize, SweepError> {
    let Some(first) = runs.first() else {
        return Err(SweepError::Spec("the sweep has no runs".into()));
    };
    if !first.stats.contains_key(&objective.key) {
        let keys: Vec<&String> = first.stats.keys().collect();
        return Err(SweepError::Spec(format!(
            "{} is not a statistic (statistics: {})",
            objective.key,
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, r) in runs.iter().enumerate() {
        let v = r.stat(&objective.key);
        if !v.is_finite() {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, b)) => {
                if objective.maximize {
                    v > b
                } else {
                    v < b
                }
            }
        };
        if better {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i).ok_or_else(|| {
        SweepError::Spec(format!(
            "no run has a defined {} (every run's is NaN)",
            objective.key
        ))
    })
}

/// `results.parquet`, `best.toml` and `heatmap.html`.
fn write_outputs(
    spec: &SweepSpec,
    base: &DocumentMut,
    runs: &[RunResult],
    best: usize,
) -> Result<(), SweepError> {
    results::write_parquet(&spec.out.join("results.parquet"), &spec.params, runs)?;
    let dir = spec.config.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let portable = overrides::absolute_paths(base, dir);
    let best_text = overrides::apply(&portable, &spec.params, &runs[best].point)?;
    let best_path = spec.out.join("best.toml");
    std::fs::write(&best_path, best_text).map_err(|e| results::output(&best_path, e))?;
    let page = heatmap::html(
        &spec.params,
        runs,
        &spec.objective.key,
        spec.objective.maximize,
    );
    let page_path = spec.out.join("heatmap.html");
    std::fs::write(&page_path, page).map_err(|e| results::output(&page_path, e))
}

/// `sweep.json` describes the sweep a folder holds; a rerun must be the
/// same sweep (the same config text, parameters, constraint, sample and
/// objective) to resume it.
fn check_definition(spec: &SweepSpec, config_text: &str) -> Result<(), SweepError> {
    let params: Vec<serde_json::Value> = spec
        .params
        .iter()
        .map(|p| {
            let values: Vec<String> = p.values.iter().map(Value::to_string).collect();
            serde_json::json!({"key": p.key, "values": values})
        })
        .collect();
    let definition = serde_json::json!({
        "config_sha256": hex::encode(Sha256::digest(config_text.as_bytes())),
        "params": params,
        "constraint": spec.constraint,
        "random": spec.random.map(|(n, seed)| serde_json::json!({"n": n, "seed": seed})),
        "objective": {"key": spec.objective.key, "maximize": spec.objective.maximize},
        "journals": spec.journals,
    });
    let text = serde_json::to_string_pretty(&definition).unwrap_or_default() + "\n";
    let path = spec.out.join("sweep.json");
    match std::fs::read_to_string(&path) {
        Ok(old) if old == text => Ok(()),
        Ok(_) => Err(results::output(
            &path,
            "this folder holds another sweep (other config, parameters, constraint, sample or objective): give a new --out",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::write(&path, text).map_err(|e| results::output(&path, e))
        }
        Err(e) => Err(results::output(&path, e)),
    }
}

/// Where `--journals` puts run `i`'s journal.
pub fn journal_dir(out: &Path, i: usize) -> PathBuf {
    out.join("journals").join(format!("run-{i:06}"))
}
