//! # axon-replicate
//!
//! A live session's journal, replicated to NATS JetStream as it is
//! written, and rebuilt or followed from there on another machine.
//!
//! - [`Replicator`]: follows the local journal ([`axon_journal::Tail`]) and
//!   publishes every record, in order, after it is written locally, each
//!   with its session and sequence number as the message id (a retry is a
//!   duplicate the stream drops), awaiting the stream's acknowledgements.
//!   While NATS is unreachable the session trades on its local journal
//!   and the lag ([`Lag`]) grows; when NATS returns, the replicator resumes
//!   after the last record the stream holds, from the local journal, so
//!   nothing is skipped or stored twice.
//! - [`pull`]: rebuilds the journal from the stream with the original
//!   format parameters (the same segment files, the same head hash,
//!   checked against the session's own after a clean close).
//! - [`tail`]: follows a session from elsewhere, record by record.
//!
//! The wire format is in [`wire`].

mod error;
mod publish;
mod pull;
pub mod wire;

use std::time::Duration;

use async_nats::jetstream;

pub use error::ReplicateError;
pub use publish::{Lag, Replicator};
pub use pull::{Pulled, pull, tail};

/// Where a journal is replicated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The NATS server, `nats://host:port`.
    pub url: String,
    /// The JetStream stream (created if missing, subjects `STREAM.>`).
    pub stream: String,
}

impl Target {
    /// Checks the stream name NATS accepts (no `.`, `*`, `>` or blanks).
    pub fn check(&self) -> Result<(), String> {
        if self.stream.is_empty()
            || self
                .stream
                .chars()
                .any(|c| matches!(c, '.' | '*' | '>') || c.is_whitespace())
        {
            return Err(format!(
                "stream {:?} is not a JetStream stream name (letters, digits, - and _)",
                self.stream
            ));
        }
        if !self.url.starts_with("nats://") {
            return Err(format!("url {:?} must start with nats://", self.url));
        }
        Ok(())
    }
}

/// How long a connection attempt or a JetStream request may take.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Connects to `url` (failing at once when the server is not there).
async fn connect(url: &str) -> Result<jetstream::Context, ReplicateError> {
    connect_watching(url, None).await
}

/// [`connect`], keeping `connected` up to date as the client loses and
/// regains the server.
async fn connect_watching(
    url: &str,
    connected: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> Result<jetstream::Context, ReplicateError> {
    use std::sync::atomic::Ordering;
    let client = async_nats::ConnectOptions::new()
        .name("axon")
        .connection_timeout(TIMEOUT)
        .request_timeout(Some(TIMEOUT))
        .event_callback(move |event| {
            let connected = connected.clone();
            async move {
                if let Some(c) = connected {
                    match event {
                        async_nats::Event::Connected => c.store(true, Ordering::Relaxed),
                        async_nats::Event::Disconnected => c.store(false, Ordering::Relaxed),
                        _ => {}
                    }
                }
            }
        })
        .connect(url)
        .await
        .map_err(|e| ReplicateError::Nats(format!("{url}: {e}")))?;
    Ok(jetstream::ContextBuilder::new()
        .timeout(TIMEOUT)
        .build(client))
}

/// The stream, created if missing.
async fn stream(
    js: &jetstream::Context,
    target: &Target,
    create: bool,
) -> Result<jetstream::stream::Stream, ReplicateError> {
    let name = target.stream.clone();
    let nats = |e: String| ReplicateError::Nats(format!("{}: stream {name}: {e}", target.url));
    if !create {
        return js.get_stream(&name).await.map_err(|e| nats(e.to_string()));
    }
    js.get_or_create_stream(jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![format!("{name}.>")],
        storage: jetstream::stream::StorageType::File,
        duplicate_window: Duration::from_secs(600),
        allow_direct: true,
        ..Default::default()
    })
    .await
    .map_err(|e| nats(e.to_string()))
}
