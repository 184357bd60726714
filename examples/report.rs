//! A run report: backtest, then `axon_report::write_report` on the journal.
//!
//! Writes 3000 daily bars (a seeded random walk with drift), backtests the
//! built-in Donchian breakout on them into a journal, and writes the
//! journal's report to `target/report-example/report.html`: price with
//! entries and exits, equity, drawdown, trade PnL and position on one
//! zoomable time scale, rolling Sharpe, monthly returns, statistics, trades
//! and the session's hashes. Open it in a browser; it needs no network.
//! With Chromium installed, pass `--pdf` to print it to `report.pdf` too.
//!
//! `cargo run --release --example report [-- --pdf]`
//!
//! The same from the command line: `axon report --journal DIR --html report.html`.

use axon_config::Config;
use axon_replay::run_backtest;
use axon_report::write_report;

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pdf = std::env::args().any(|a| a == "--pdf");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-example");
    std::fs::create_dir_all(&dir)?;
    common::daily_walk(
        &dir.join("xyz.parquet"),
        "XYZ",
        3000,
        1_400_000_000_000_000_000,
        5,
        0.01,
        |day, u| 0.03 * u + 0.0006 * (day as f64 / 250.0).sin(),
    )?;
    let journal = dir.join("journal");
    if journal.exists() {
        std::fs::remove_dir_all(&journal)?;
    }
    let config = "[session]\ncash = 100000.0\nseed = 3\n\n[data]\npath = \"xyz.parquet\"\n\n\
                  [strategy]\nkind = \"donchian\"\nn = 40\nexit_n = 15\nshort = true\n\n\
                  [execution]\nfill = \"next_open\"\nsizing = \"fraction\"\nfraction = 0.5\n\
                  commission_bps = 5.0\n\n[journal]\npath = \"journal\"\n";
    let plan = Config::parse(config.to_owned(), &dir.join("backtest.toml"))?.backtest_plan()?;
    let run = run_backtest(&plan, &mut |_, _| {})?;
    println!(
        "backtest: {} trades, return {:.2} %, head {}",
        run.summary.trades,
        run.summary.return_pct,
        &run.head_hash[..16]
    );
    let html = dir.join("report.html");
    let pdf_path = dir.join("report.pdf");
    let written = write_report(&journal, &html, pdf.then_some(pdf_path.as_path()))?;
    println!(
        "report: {} ({:.2} MB, {} market events, {} trades)",
        html.display(),
        written.html_bytes as f64 / 1e6,
        written.run.market_events,
        written.run.trades.len()
    );
    if pdf {
        println!("pdf:    {}", pdf_path.display());
    }
    Ok(())
}
