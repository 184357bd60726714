//! # axon-report
//!
//! `axon report`: one self-contained HTML page (and optionally a PDF) for a
//! session, from its journal alone (backtest, paper or live). The session
//! is replayed through its rebuilt engine ([`collect`]), so the page shows
//! the engine's own equity, positions, trades and statistics: price with
//! entries and exits, equity, drawdown, trade PnL and position on one
//! zoomable time scale, a rolling Sharpe ratio, monthly returns, the
//! statistics, the trade list and the session's identity (configuration,
//! data and model hashes, head hash).
//!
//! The charts are TradingView's Lightweight Charts, vendored from npm by
//! `scripts/vendor-charts.sh` and embedded at build time with its licence.
//! Runs too large to draw point by point are downsampled per time bucket,
//! keeping each bucket's extremes ([`downsample`]).

mod analytics;
mod collect;
pub mod downsample;
mod error;
mod format;
mod html;
mod pdf;

use std::path::Path;

pub use analytics::{RollingSharpe, YearRow, monthly_returns, rolling_sharpe};
pub use collect::{RunData, collect};
pub use error::ReportError;
pub use html::{CHARTS_VERSION, MAX_MARKED_TRADES, MAX_TRADE_ROWS, render};
pub use pdf::{find_chromium, print_pdf};

/// What [`write_report`] wrote.
#[derive(Debug)]
pub struct Written {
    /// The run's data, as collected.
    pub run: RunData,
    /// Bytes of the HTML page.
    pub html_bytes: u64,
}

/// Replays the journal in `journal` and writes its report to `html`, and
/// when asked, prints it to `pdf`.
pub fn write_report(
    journal: &Path,
    html: &Path,
    pdf: Option<&Path>,
) -> Result<Written, ReportError> {
    let run = collect(journal)?;
    let page = render(&run, &journal.display().to_string())?;
    std::fs::write(html, &page).map_err(|source| ReportError::Write {
        path: html.to_path_buf(),
        source,
    })?;
    if let Some(pdf) = pdf {
        print_pdf(html, pdf)?;
    }
    Ok(Written {
        run,
        html_bytes: page.len() as u64,
    })
}
