//! The replicator: a task that follows the local journal and publishes
//! what it finds, in order, acknowledged by the stream.

use std::collections::{BTreeSet, VecDeque};
use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use axon_journal::Tail;
use bytes::Bytes;

use crate::wire::{self, Meta};
use crate::{ReplicateError, Target, connect_watching, stream};

/// Records read ahead of the acknowledgements.
const WINDOW: usize = 512;
/// Pause when there is nothing new.
const IDLE: Duration = Duration::from_millis(20);
/// Pause before reconnecting after a failure.
const RETRY: Duration = Duration::from_millis(500);

/// How far the replica is behind the local journal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lag {
    /// Records written locally and not yet acknowledged by the stream.
    pub records: u64,
    /// Age of the oldest of them, seconds (0 when none).
    pub seconds: f64,
    /// Whether the replicator is connected to NATS.
    pub connected: bool,
}

/// Shared between the session and the replicator task.
#[derive(Debug, Default)]
struct State {
    /// Records the session has written (its journal's next seq).
    written: AtomicU64,
    /// Records the stream has acknowledged (the next seq to acknowledge).
    acked: AtomicU64,
    /// Event time of the oldest unacknowledged record read so far (0: none).
    oldest_ns: AtomicI64,
    connected: Arc<AtomicBool>,
    /// The journal is closed: publish what is left, then the close.
    closing: AtomicBool,
}

/// A running replicator; see the [crate docs](crate).
#[derive(Debug)]
pub struct Replicator {
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
    target: Target,
}

impl Replicator {
    /// Starts replicating the journal in `dir` (session `tag`) to `target`,
    /// on the current tokio runtime; `written` is the journal's record
    /// count now.
    pub fn spawn(target: Target, dir: PathBuf, tag: String, written: u64) -> Self {
        let state = Arc::new(State::default());
        state.written.store(written, Ordering::Relaxed);
        let task = tokio::spawn(run(target.clone(), dir, tag, state.clone()));
        Self {
            state,
            task,
            target,
        }
    }

    /// The session wrote up to `next_seq` (exclusive).
    pub fn written(&self, next_seq: u64) {
        self.state.written.store(next_seq, Ordering::Relaxed);
    }

    /// The replica's lag now.
    pub fn lag(&self) -> Lag {
        lag_of(&self.state)
    }

    /// The replication target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// After the journal closed: publishes what is left and the close,
    /// waiting up to `limit`. Returns the lag left (none when complete).
    pub async fn finish(self, limit: Duration) -> Lag {
        self.state.closing.store(true, Ordering::Relaxed);
        let Self {
            state, mut task, ..
        } = self;
        if tokio::time::timeout(limit, &mut task).await.is_err() {
            task.abort();
        }
        lag_of(&state)
    }
}

fn lag_of(state: &State) -> Lag {
    let written = state.written.load(Ordering::Relaxed);
    let acked = state.acked.load(Ordering::Relaxed);
    let records = written.saturating_sub(acked);
    let oldest = state.oldest_ns.load(Ordering::Relaxed);
    let seconds = if records == 0 || oldest == 0 {
        0.0
    } else {
        ((now_ns() - oldest) as f64 / 1e9).max(0.0)
    };
    Lag {
        records,
        seconds,
        connected: state.connected.load(Ordering::Relaxed),
    }
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Reconnects until the journal is replicated and closed.
async fn run(target: Target, dir: PathBuf, tag: String, state: Arc<State>) {
    loop {
        match replicate(&target, &dir, &tag, &state).await {
            Ok(()) => return,
            Err(e) => {
                state.connected.store(false, Ordering::Relaxed);
                tracing::warn!(error = %e, url = %target.url, "journal replication interrupted; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// One connection's worth of replication: resumes after the last record
/// the stream holds and publishes until the journal is closed and every
/// record is acknowledged (`Ok`), or a failure (`Err`, to reconnect).
async fn replicate(
    target: &Target,
    dir: &Path,
    tag: &str,
    state: &State,
) -> Result<(), ReplicateError> {
    let js = connect_watching(&target.url, Some(state.connected.clone())).await?;
    let stream = stream(&js, target, true).await?;
    state.connected.store(true, Ordering::Relaxed);
    let subject = wire::records(&target.stream, tag);
    let resume = match stream.direct_get_last_for_subject(&subject).await {
        Ok(m) => wire::decode_record(&m.payload)?.seq + 1,
        Err(e) if e.kind() == jetstream::stream::DirectGetErrorKind::NotFound => 0,
        Err(e) => return Err(ReplicateError::Nats(e.to_string())),
    };
    state.acked.store(resume, Ordering::Relaxed);
    publish_meta(&js, target, tag, dir, "open").await?;
    let mut tail = Tail::open(dir, resume)?;
    let mut artifacts = BTreeSet::new();
    let mut inflight: VecDeque<(u64, i64, PublishAckFuture)> = VecDeque::new();
    loop {
        let mut read = Vec::new();
        tail.poll(WINDOW.saturating_sub(inflight.len()), |r| {
            read.push((
                r.seq,
                r.time_ns,
                wire::encode_record(r.seq, r.time_ns, r.kind, r.version, r.payload),
            ));
        })?;
        // Artifacts a record names were stored before it was written:
        // listed after reading the records, they go out before them.
        publish_artifacts(&js, target, tag, dir, &mut artifacts).await?;
        for (seq, time_ns, bytes) in read {
            if inflight.is_empty() {
                state.oldest_ns.store(time_ns, Ordering::Relaxed);
            }
            let send = js.send_publish(
                subject.clone(),
                PublishMessage::build()
                    .payload(Bytes::from(bytes))
                    .message_id(format!("{tag}.r.{seq}")),
            );
            let ack = bounded(send, seq).await?;
            inflight.push_back((seq, time_ns, ack));
        }
        let idle = inflight.is_empty();
        while let Some((seq, _, ack)) = inflight.pop_front() {
            bounded(ack.into_future(), seq).await?;
            state.acked.store(seq + 1, Ordering::Relaxed);
            let oldest = inflight.front().map_or(0, |f| f.1);
            state.oldest_ns.store(oldest, Ordering::Relaxed);
            if inflight.len() < WINDOW / 2 {
                break;
            }
        }
        if idle {
            if state.closing.load(Ordering::Relaxed)
                && tail.poll(1, |_| {})? == 0
                && state.acked.load(Ordering::Relaxed) >= state.written.load(Ordering::Relaxed)
            {
                publish_meta(&js, target, tag, dir, "closed").await?;
                return Ok(());
            }
            tokio::time::sleep(IDLE).await;
        }
    }
}

/// A publish or an acknowledgement, with a deadline of its own: after an
/// outage the client may hold a request the old connection lost, and the
/// replicator must not wait on it forever.
async fn bounded<T, E: std::fmt::Display>(
    step: impl std::future::Future<Output = Result<T, E>>,
    seq: u64,
) -> Result<T, ReplicateError> {
    match tokio::time::timeout(2 * crate::TIMEOUT, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ReplicateError::Nats(format!("record {seq}: {e}"))),
        Err(_) => Err(ReplicateError::Nats(format!(
            "record {seq}: no answer in {} s",
            (2 * crate::TIMEOUT).as_secs()
        ))),
    }
}

/// Publishes every artifact of the journal's store not yet published.
async fn publish_artifacts(
    js: &jetstream::Context,
    target: &Target,
    tag: &str,
    dir: &Path,
    done: &mut BTreeSet<String>,
) -> Result<(), ReplicateError> {
    let store = dir.join("artifacts").join("sha256");
    let Ok(entries) = std::fs::read_dir(&store) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.len() == 64 && !done.contains(n))
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(store.join(&name))
            .map_err(|e| ReplicateError::Wire(format!("{}: {e}", store.join(&name).display())))?;
        js.send_publish(
            wire::artifacts(&target.stream, tag),
            PublishMessage::build()
                .payload(Bytes::from(bytes))
                .message_id(format!("{tag}.a.{name}")),
        )
        .await
        .map_err(|e| ReplicateError::Nats(e.to_string()))?
        .await
        .map_err(|e| ReplicateError::Nats(format!("artifact {name} not acknowledged: {e}")))?;
        done.insert(name);
    }
    Ok(())
}

/// Publishes the journal's description: its manifest (after a close, with
/// its end and head hash) and the config file beside it.
async fn publish_meta(
    js: &jetstream::Context,
    target: &Target,
    tag: &str,
    dir: &Path,
    when: &str,
) -> Result<(), ReplicateError> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let meta = Meta {
        manifest: read("manifest.json"),
        config: read("config.toml"),
    };
    // A resumed session closes again: each close has its own id.
    let end = serde_json::from_str::<serde_json::Value>(&meta.manifest)
        .ok()
        .and_then(|m| m["closed"]["next_seq"].as_u64());
    let id = match end {
        Some(n) if when == "closed" => format!("{tag}.m.closed.{n}"),
        _ => format!("{tag}.m.{when}"),
    };
    let body = serde_json::to_vec(&meta).map_err(|e| ReplicateError::Wire(e.to_string()))?;
    js.send_publish(
        wire::meta(&target.stream, tag),
        PublishMessage::build()
            .payload(Bytes::from(body))
            .message_id(id),
    )
    .await
    .map_err(|e| ReplicateError::Nats(e.to_string()))?
    .await
    .map_err(|e| ReplicateError::Nats(format!("journal description not acknowledged: {e}")))?;
    Ok(())
}
