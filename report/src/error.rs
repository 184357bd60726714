//! What making a report can fail with; each names the file or journal.

use std::path::PathBuf;

/// Everything a report can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The journal does not open or does not replay.
    #[error(transparent)]
    Replay(#[from] axon_replay::ReplayError),
    /// The journal layer failed (I/O, corruption, not a journal).
    #[error(transparent)]
    Journal(#[from] axon_journal::JournalError),
    /// The journal has no ticks or bars to chart.
    #[error("{}: the journal has no market data (ticks or bars) to report on", journal.display())]
    NoMarketData {
        /// The journal.
        journal: PathBuf,
    },
    /// The page template failed to render (a defect, not bad input).
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
    /// Writing an output file failed.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No Chromium to print the PDF with.
    #[error(
        "--pdf prints the page with headless Chromium, and none was found: install chromium \
         or set AXON_CHROMIUM to its path"
    )]
    NoChromium,
    /// Chromium did not print the PDF.
    #[error("{}: printing with {chromium} failed: {reason}", path.display())]
    Pdf {
        /// The PDF asked for.
        path: PathBuf,
        /// The browser used.
        chromium: String,
        /// What went wrong.
        reason: String,
    },
}
