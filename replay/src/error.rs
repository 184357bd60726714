//! Errors of the drivers. Each says which file or record is at fault.

use std::path::PathBuf;

/// Everything a driver can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The journal layer failed (I/O, corruption, not a journal).
    #[error(transparent)]
    Journal(#[from] axon_journal::JournalError),
    /// Market data is missing or bad.
    #[error(transparent)]
    Data(#[from] axon_data::DataError),
    /// A record's payload does not decode.
    #[error("{}: seq {seq}: {source}", journal.display())]
    Decode {
        /// The journal.
        journal: PathBuf,
        /// The record.
        seq: u64,
        /// Why.
        #[source]
        source: axon_engine::DecodeError,
    },
    /// The journal does not start with a session-start record, or its
    /// config cannot build an engine.
    #[error("{}: {reason}", journal.display())]
    BadSession {
        /// The journal.
        journal: PathBuf,
        /// Why.
        reason: String,
    },
    /// The backtest plan is inconsistent.
    #[error("{0}")]
    Plan(String),
    /// Writing an export failed.
    #[error("{}: {reason}", path.display())]
    Export {
        /// The output file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
