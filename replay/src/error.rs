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
    /// The strategy failed (a Python strategy's exception) on the input at
    /// `seq`: the run stopped there, its journal closed.
    #[error(
        "strategy failed at seq {seq}: {reason}; the journal up to there is closed and replays"
    )]
    StrategyFault {
        /// The input it failed on.
        seq: u64,
        /// Where and why (a Python strategy's file, line and exception).
        reason: String,
    },
    /// The journal has no records, so no session to replay.
    #[error("{}: the journal is empty", journal.display())]
    EmptyJournal {
        /// The journal.
        journal: PathBuf,
    },
    /// The journal's first record is not a session start.
    #[error(
        "{}: record {seq} is {}, expected SessionStart",
        journal.display(),
        axon_engine::event::kind::name(*kind)
    )]
    NotSessionStart {
        /// The journal.
        journal: PathBuf,
        /// The record (always 0).
        seq: u64,
        /// Its kind (`axon_engine::event::kind`).
        kind: u16,
    },
    /// The session-start record's engine configuration builds no engine.
    #[error("{}: {reason}", journal.display())]
    SessionConfig {
        /// The journal.
        journal: PathBuf,
        /// The session-start record.
        seq: u64,
        /// Why the engine refused it.
        reason: String,
    },
    /// Models the journal swapped in could not be built from its artifact
    /// store (missing, corrupt, or unloadable): the cause to report before
    /// any divergence they led to.
    #[error(
        "{}: models in the journal's store could not be loaded: {}",
        journal.display(),
        errors.join("; ")
    )]
    ModelsUnavailable {
        /// The journal.
        journal: PathBuf,
        /// One line per failed swap: its slot, version and why.
        errors: Vec<String>,
    },
    /// The journal cannot answer the request: an audit target that is not
    /// there or not a decision, or a replay that never reached it.
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
    /// The engine refused the plan's configuration.
    #[error(transparent)]
    Engine(#[from] axon_engine::EngineError),
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
