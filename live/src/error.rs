//! How a live session fails.

use std::path::PathBuf;

use axon_adapters::exchange::venue::VenueError;
use axon_journal::JournalError;

/// Why a live session could not start, or stopped on an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The venue refused or could not be reached.
    #[error(transparent)]
    Venue(#[from] VenueError),
    /// The journal could not be created, opened or written.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Writing beside the journal or replaying it failed.
    #[error(transparent)]
    Replay(#[from] axon_replay::ReplayError),
    /// The engine refused its configuration.
    #[error(transparent)]
    Engine(#[from] axon_engine::EngineError),
    /// The journal in `dir` cannot be continued.
    #[error("{}: cannot resume: {reason}", dir.display())]
    Resume { dir: PathBuf, reason: String },
    /// A paper session's journal exists: its simulated orders are gone.
    #[error(
        "{}: holds a journal; paper sessions keep their simulated orders in memory and cannot be resumed: give a new --journal folder",
        dir.display()
    )]
    PaperResume { dir: PathBuf },
    /// Model slots failed to load.
    #[error("model slots failed: {0}")]
    Models(String),
    /// A watched slot could not be set up.
    #[error("slot {slot}: {reason}")]
    Watch { slot: u16, reason: String },
    /// The control socket (`axon ctl`) could not be set up.
    #[error("{}: control socket: {reason}", path.display())]
    Control { path: PathBuf, reason: String },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A stream stayed down past its retries: the session stopped, its
    /// journal closed and replayable.
    #[error("{reason}; the journal is closed and replays ({records} records)")]
    StreamLost { reason: String, records: u64 },
    /// The strategy failed (a Python strategy's exception): the session
    /// stopped at that input, its journal closed and replayable.
    #[error("strategy failed: {reason}; the journal is closed and replays ({records} records)")]
    Strategy { reason: String, records: u64 },
}
