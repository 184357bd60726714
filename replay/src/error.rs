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
    /// An audit asked for a slot that holds no ML model.
    #[error("slot {slot} has no ML model in this decision (ML slots: {ml_slots:?})")]
    NoSuchSlot {
        /// The slot asked for.
        slot: u16,
        /// The decision's ML slots.
        ml_slots: Vec<u16>,
    },
    /// The audited decision has only rule models: nothing to explain.
    #[error("{}: the decision at seq {seq} has no ML model to explain (only rule models)", journal.display())]
    NothingToExplain {
        /// The journal.
        journal: PathBuf,
        /// The decision.
        seq: u64,
    },
    /// The explainer failed on the audited decision.
    #[error("{}: seq {seq}: {source}", journal.display())]
    Explain {
        /// The journal.
        journal: PathBuf,
        /// The decision.
        seq: u64,
        /// Why.
        #[source]
        source: axon_explain::ExplainError,
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
