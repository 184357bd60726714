//! `axon backtest` and `axon validate-config`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use axon_config::{Config, Source};
use axon_metrics::MetricsCollector;
use axon_replay::{BacktestPlan, BacktestReport, run_backtest};

use crate::exit::Failure;
use crate::output::{Progress, table};

/// Runs a plan with a progress bar.
pub fn run(plan: &BacktestPlan, quiet: bool) -> Result<BacktestReport, Failure> {
    let mut progress = Progress::new("backtest", "rows", quiet);
    let report = run_backtest(plan, &mut |done, total| progress.update(done, total))?;
    progress.finish();
    Ok(report)
}

/// A statistic for the table: `n/a` when undefined.
fn stat(v: f64, decimals: usize, unit: &str) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}{unit}")
    } else if v.is_nan() {
        "n/a".to_owned()
    } else {
        format!("{v}")
    }
}

/// Prints the summary table.
pub fn print_summary(r: &BacktestReport, journal: &Path) {
    let s = &r.summary;
    table(
        "Backtest",
        &[
            ("data", format!("{} {}", r.rows, r.kind)),
            ("trades", s.trades.to_string()),
            ("equity start", format!("{:.2}", s.equity_start)),
            ("equity final", format!("{:.2}", s.equity_final)),
            ("return", stat(s.return_pct, 2, " %")),
            ("buy & hold return", stat(s.buy_hold_return_pct, 2, " %")),
            ("return (ann.)", stat(s.return_ann_pct, 2, " %")),
            ("volatility (ann.)", stat(s.volatility_ann_pct, 2, " %")),
            ("max drawdown", stat(s.max_drawdown_pct, 2, " %")),
            (
                "max drawdown duration",
                stat(s.max_drawdown_duration, 2, " days"),
            ),
            ("sharpe", stat(s.sharpe, 3, "")),
            ("sortino", stat(s.sortino, 3, "")),
            ("calmar", stat(s.calmar, 3, "")),
            ("win rate", stat(s.win_rate_pct, 1, " %")),
            ("profit factor", stat(s.profit_factor, 3, "")),
            ("avg. trade", stat(s.avg_trade_pct, 3, " %")),
            ("sqn", stat(s.sqn, 3, "")),
            ("exposure", stat(s.exposure_pct, 1, " %")),
            (
                "journal",
                format!("{} ({} records)", journal.display(), r.events),
            ),
            ("head hash", r.head_hash.clone()),
            (
                "data read",
                format!("{} rows, {} bytes of Parquet", r.rows, r.data_bytes_read),
            ),
            (
                "speed",
                format!(
                    "{:.2} s, {:.0} rows/s, {:.0} events/s",
                    r.elapsed_secs,
                    r.rows as f64 / r.elapsed_secs.max(1e-9),
                    r.events as f64 / r.elapsed_secs.max(1e-9)
                ),
            ),
        ],
    );
}

/// Writes the closed trades as CSV.
pub fn write_trades_csv(r: &BacktestReport, path: &Path) -> anyhow::Result<()> {
    let mut out = String::from(
        "symbol,size,entry_bar,exit_bar,entry_time_ns,exit_time_ns,entry_price,exit_price,pnl\n",
    );
    for t in &r.trades {
        let sym = r
            .symbols
            .get(t.instrument as usize)
            .map_or("?", String::as_str);
        out.push_str(&format!(
            "{sym},{},{},{},{},{},{},{},{}\n",
            t.size,
            t.entry_bar,
            t.exit_bar,
            t.entry_time_ns,
            t.exit_time_ns,
            t.entry_price,
            t.exit_price,
            t.pnl
        ));
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

/// Where `axon backtest` writes besides the journal.
#[derive(Debug, Default)]
pub struct Outputs {
    /// Journal folder overriding the config's.
    pub journal: Option<PathBuf>,
    /// Summary JSON file.
    pub summary_json: Option<PathBuf>,
    /// Trades CSV file.
    pub trades_csv: Option<PathBuf>,
    /// Serve metrics during the run.
    pub metrics: Option<MetricsServe>,
}

/// The metrics server of a run.
#[derive(Debug)]
pub struct MetricsServe {
    /// Bind address.
    pub addr: SocketAddr,
    /// How long to keep serving after the run.
    pub hold: Duration,
}

/// `axon backtest`.
pub fn backtest(config_path: &Path, out: &Outputs, quiet: bool) -> anyhow::Result<()> {
    let mut plan = Config::load(config_path)?.backtest_plan()?;
    if let Some(j) = &out.journal {
        plan.session.journal_dir = j.clone();
    }
    let exporter = match &out.metrics {
        Some(serve) => {
            let metrics = MetricsCollector::new()?;
            let exporter = metrics.export_prometheus(serve.addr).map_err(|e| {
                Failure::input(format!(
                    "--metrics-port: cannot listen on {}: {e}",
                    serve.addr
                ))
            })?;
            eprintln!("metrics: http://{}/metrics", exporter.addr());
            plan.metrics = Some(metrics);
            Some((exporter, serve.hold))
        }
        None => None,
    };
    let report = run(&plan, quiet)?;
    if let Some(p) = &out.summary_json {
        let text = serde_json::to_string_pretty(&report.summary_json(&plan.session.journal_dir))?;
        std::fs::write(p, text + "\n").with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &out.trades_csv {
        write_trades_csv(&report, p)?;
    }
    if !quiet {
        print_summary(&report, &plan.session.journal_dir);
    }
    if let Some((exporter, hold)) = exporter {
        // The run is over; the last values stay up for a final scrape.
        std::thread::sleep(hold);
        drop(exporter);
    }
    Ok(())
}

/// `axon validate-config`: every problem one line, exit 2 if any.
pub fn validate_config(config_path: &Path) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let mut problems = Vec::new();
    // A live session's file: credentials present (never printed), sizing
    // a venue can take, limits sane; a backtest's: its data exists.
    let (journal_dir, what) = if let Source::Exchange(_) = config.file.source {
        (config.live_plan()?.session.journal_dir, "live sessions")
    } else {
        let plan = config.backtest_plan()?;
        let key = if plan.catalog.is_some() {
            "data.catalog"
        } else {
            "data.path"
        };
        if !axon_data::is_object_url(&plan.data_path) && !plan.data_path.exists() {
            problems.push(format!(
                "{}: key {key}: {} does not exist",
                config_path.display(),
                plan.data_path.display()
            ));
        } else if let Some(query) = &plan.catalog
            && let Err(e) = axon_data::Catalog::new(&plan.data_path).select(query)
        {
            problems.push(format!("{}: key data.symbols: {e}", config_path.display()));
        }
        (plan.session.journal_dir, "backtests")
    };
    if journal_dir.join("manifest.json").exists() {
        problems.push(format!(
            "{}: key journal.path: {} already holds a journal ({what} write a new one)",
            config_path.display(),
            journal_dir.display()
        ));
    } else {
        let parent = existing_ancestor(&journal_dir);
        let readonly = std::fs::metadata(&parent)
            .map(|m| m.permissions().readonly())
            .unwrap_or(true);
        if readonly {
            problems.push(format!(
                "{}: key journal.path: {} is not writable",
                config_path.display(),
                parent.display()
            ));
        }
    }
    if problems.is_empty() {
        println!("{}: ok", config_path.display());
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    Err(Failure::input(format!(
        "{} problem(s) in {}",
        problems.len(),
        config_path.display()
    ))
    .into())
}

/// The nearest folder of `dir` (itself or a parent) that exists.
fn existing_ancestor(dir: &Path) -> PathBuf {
    let mut p = Some(dir);
    while let Some(d) = p {
        if d.exists() {
            return d.to_path_buf();
        }
        p = d.parent().filter(|x| !x.as_os_str().is_empty());
    }
    PathBuf::from(".")
}
