//! `axon report`: a session's HTML (and PDF) report from its journal.

use std::path::PathBuf;
use std::time::Instant;

use axon_report::write_report;

use crate::exit::Failure;
use crate::output::table;

/// The command line's report.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Journal folder (a backtest's, a paper or live session's).
    #[arg(long)]
    pub journal: PathBuf,
    /// Write the interactive page here (one self-contained file).
    #[arg(long)]
    pub html: PathBuf,
    /// Also print the page to this PDF (needs Chromium: AXON_CHROMIUM or
    /// chromium on PATH).
    #[arg(long)]
    pub pdf: Option<PathBuf>,
    /// Print nothing.
    #[arg(long)]
    pub quiet: bool,
}

pub fn report(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let written = write_report(&args.journal, &args.html, args.pdf.as_deref())
        .map_err(|e| Failure::input(e.to_string()))?;
    if !args.quiet {
        let run = &written.run;
        let mut rows = vec![
            ("html", args.html.display().to_string()),
            (
                "html size",
                format!("{:.2} MB", written.html_bytes as f64 / 1e6),
            ),
            ("market events", run.market_events.to_string()),
            ("trades", run.trades.len().to_string()),
            ("head hash", run.head_hash.clone()),
            ("seconds", format!("{:.2}", started.elapsed().as_secs_f64())),
        ];
        if let Some(pdf) = &args.pdf {
            rows.insert(2, ("pdf", pdf.display().to_string()));
        }
        table("report", &rows);
    }
    Ok(())
}
