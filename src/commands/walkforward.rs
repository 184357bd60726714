//! `axon walkforward`: optimise on each training window, trade the next
//! test window, stitch the test windows into one journaled session.

use std::path::PathBuf;
use std::sync::Mutex;

use axon_sweep::walkforward::{Span, WalkForwardSpec, run_walkforward};

use crate::commands::sweep::Search;
use crate::exit::Failure;
use crate::output::{Progress, table};

/// The command line's walk-forward.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub search: Search,
    /// Training window: bars (500) or a duration (180d, 12h, 4w).
    #[arg(long)]
    pub train: String,
    /// Test window, also the step between windows: bars or a duration.
    #[arg(long)]
    pub test: String,
    /// Every training window starts at the first bar (else they roll).
    #[arg(long)]
    pub anchored: bool,
    /// Output folder: journal/, windows.parquet, summary.json, report.html.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar, no table.
    #[arg(long)]
    pub quiet: bool,
}

/// `axon walkforward`.
pub fn walkforward(args: Args) -> anyhow::Result<()> {
    let train = Span::parse(&args.train).map_err(|e| Failure::input(format!("--train: {e}")))?;
    let test = Span::parse(&args.test).map_err(|e| Failure::input(format!("--test: {e}")))?;
    let spec = WalkForwardSpec {
        sweep: args.search.spec(args.out, false)?,
        train,
        test,
        anchored: args.anchored,
    };
    let progress = Mutex::new(Progress::new("walk-forward", "runs", args.quiet));
    let outcome = run_walkforward(&spec, &|done, total| {
        if let Ok(mut p) = progress.lock() {
            p.update(done, total);
        }
    })
    .map_err(|e| Failure::input(e.to_string()))?;
    if let Ok(p) = progress.into_inner() {
        p.finish();
    }
    let report = spec.sweep.out.join("report.html");
    axon_report::write_report(&outcome.journal, &report, None)
        .map_err(|e| Failure::input(e.to_string()))?;
    if args.quiet {
        return Ok(());
    }
    let s = &outcome.stitched.summary;
    let key = spec.sweep.objective.key.as_str();
    let mut rows = vec![(
        "windows",
        format!(
            "{} × {} runs in {:.2} s",
            outcome.windows.len(),
            outcome.runs_per_window,
            outcome.secs
        ),
    )];
    for (i, w) in outcome.windows.iter().enumerate() {
        rows.push((
            if i == 0 { "chosen" } else { "" },
            format!(
                "{i}: {}  ({key} in sample {:.3}, out of sample {:.3})",
                w.in_sample.describe(&spec.sweep.params),
                w.in_sample.stat(key),
                stat(&w.out_of_sample, key)
            ),
        ));
    }
    rows.extend([
        ("out of sample", format!("{key} {:.3}", stat(s, key))),
        ("return", format!("{:.2} %", s.return_pct)),
        ("trades", s.trades.to_string()),
        ("head hash", outcome.stitched.head_hash.clone()),
        (
            "written",
            format!(
                "{0}/journal/, {0}/windows.parquet, {0}/summary.json, {0}/report.html",
                spec.sweep.out.display()
            ),
        ),
    ]);
    table("Walk-forward", &rows);
    Ok(())
}

/// A statistic of a summary by its key (NaN if there is none).
fn stat(s: &axon_engine::Summary, key: &str) -> f64 {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.get(key).and_then(serde_json::Value::as_f64))
        .unwrap_or(f64::NAN)
}
