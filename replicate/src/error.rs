//! What replication can fail with.

/// A replication error; each names the server, stream or journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicateError {
    /// NATS or JetStream refused or could not be reached.
    #[error("nats: {0}")]
    Nats(String),
    /// The local journal could not be read or written.
    #[error(transparent)]
    Journal(#[from] axon_journal::JournalError),
    /// A message is not what the wire format says.
    #[error("replicated message: {0}")]
    Wire(String),
    /// The stream holds no such session, or not all of it.
    #[error("{0}")]
    Missing(String),
    /// The rebuilt journal's head hash is not the session's.
    #[error("the rebuilt journal's head hash {rebuilt} is not the session's {session}")]
    HeadMismatch {
        /// Of the rebuilt journal.
        rebuilt: String,
        /// Recorded by the session at its close.
        session: String,
    },
    /// The output folder cannot be used.
    #[error("{path}: {reason}")]
    Output {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
}
