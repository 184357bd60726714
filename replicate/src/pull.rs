//! From the stream back to a journal: [`pull`] rebuilds one, [`tail`]
//! follows one.

use std::path::Path;
use std::time::Duration;

use async_nats::jetstream::consumer::{DeliverPolicy, pull::OrderedConfig};
use async_nats::jetstream::stream::{DirectGetErrorKind, Stream};
use axon_journal::{Durability, Journal, JournalOptions, Manifest};
use futures_util::StreamExt;

use crate::wire::{self, Meta, WireRecord};
use crate::{ReplicateError, Target, connect, stream};

/// What [`pull`] rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// Records.
    pub records: u64,
    /// Artifacts.
    pub artifacts: u64,
    /// Head hash of the rebuilt journal, hex.
    pub head_hash: String,
    /// Whether the session had closed its journal (then the head hash was
    /// checked against the one it recorded).
    pub session_closed: bool,
}

/// The last message of `subject`, if any.
async fn last(stream: &Stream, subject: &str) -> Result<Option<(u64, Vec<u8>)>, ReplicateError> {
    match stream.direct_get_last_for_subject(subject).await {
        Ok(m) => Ok(Some((m.sequence, m.payload.to_vec()))),
        Err(e) if e.kind() == DirectGetErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReplicateError::Nats(format!("{subject}: {e}"))),
    }
}

/// Every message of `subject`, in order, from the first; the consumer
/// recreates itself after an outage (short pulls, so within seconds).
async fn ordered(
    stream: &Stream,
    subject: &str,
) -> Result<async_nats::jetstream::consumer::pull::Ordered, ReplicateError> {
    let nats = |e: String| ReplicateError::Nats(format!("{subject}: {e}"));
    let consumer = stream
        .create_consumer(OrderedConfig {
            filter_subject: subject.to_owned(),
            deliver_policy: DeliverPolicy::All,
            max_expires: Duration::from_secs(4),
            ..Default::default()
        })
        .await
        .map_err(|e| nats(e.to_string()))?;
    consumer.messages().await.map_err(|e| nats(e.to_string()))
}

/// Reads every message of `subject` up to stream sequence `until`.
async fn read_until(
    stream: &Stream,
    subject: &str,
    until: u64,
    mut each: impl FnMut(&[u8]) -> Result<(), ReplicateError>,
) -> Result<(), ReplicateError> {
    let nats = |e: String| ReplicateError::Nats(format!("{subject}: {e}"));
    let mut messages = ordered(stream, subject).await?;
    while let Some(m) = messages.next().await {
        let m = m.map_err(|e| nats(e.to_string()))?;
        let at = m.info().map_err(|e| nats(e.to_string()))?.stream_sequence;
        each(&m.payload)?;
        if at >= until {
            break;
        }
    }
    Ok(())
}

/// Rebuilds session `tag`'s journal from `target` into `out` (a folder
/// that holds no journal): the records in order, every artifact, the
/// config file, with the journal's own format parameters. After a clean
/// close of the session, checks that the stream holds every record and
/// that the head hash is the session's.
pub async fn pull(target: &Target, tag: &str, out: &Path) -> Result<Pulled, ReplicateError> {
    if out.join("manifest.json").exists() {
        return Err(ReplicateError::Output {
            path: out.display().to_string(),
            reason: "holds a journal already: give an empty or new folder".into(),
        });
    }
    let js = connect(&target.url).await?;
    let stream = stream(&js, target, false).await?;
    let missing = || {
        ReplicateError::Missing(format!(
            "stream {} on {} holds no session {tag:?}",
            target.stream, target.url
        ))
    };
    let (_, meta) = last(&stream, &wire::meta(&target.stream, tag))
        .await?
        .ok_or_else(missing)?;
    let meta: Meta = serde_json::from_slice(&meta)
        .map_err(|e| ReplicateError::Wire(format!("journal description: {e}")))?;
    let manifest = Manifest::parse(meta.manifest.as_bytes()).map_err(ReplicateError::Wire)?;
    let mut journal = Journal::create(
        out,
        JournalOptions {
            durability: Durability::None,
            block_records: manifest.block_records,
            segment_bytes: manifest.segment_bytes,
            ..JournalOptions::default()
        },
    )?;
    let mut artifacts = 0u64;
    if let Some((until, _)) = last(&stream, &wire::artifacts(&target.stream, tag)).await? {
        let store = journal.artifacts().clone();
        read_until(
            &stream,
            &wire::artifacts(&target.stream, tag),
            until,
            |bytes| {
                store.put(bytes)?;
                artifacts += 1;
                Ok(())
            },
        )
        .await?;
    }
    let records = wire::records(&target.stream, tag);
    if let Some((until, _)) = last(&stream, &records).await? {
        read_until(&stream, &records, until, |bytes| {
            let r = wire::decode_record(bytes)?;
            let next = journal.next_seq();
            if r.seq != next {
                return Err(ReplicateError::Missing(format!(
                    "record {next} is missing from the stream (the next one there is {})",
                    r.seq
                )));
            }
            journal.append(r.time_ns, r.kind, r.version, &r.payload)?;
            Ok(())
        })
        .await?;
    }
    if !meta.config.is_empty() {
        let path = out.join("config.toml");
        std::fs::write(&path, &meta.config).map_err(|e| ReplicateError::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    let closed = journal.close()?;
    if let Some(session) = &manifest.closed {
        if closed.next_seq != session.next_seq {
            return Err(ReplicateError::Missing(format!(
                "the stream holds {} records of session {tag:?}, which closed at {}: replication is incomplete",
                closed.next_seq, session.next_seq
            )));
        }
        if closed.head_hash != session.head_hash {
            return Err(ReplicateError::HeadMismatch {
                rebuilt: closed.head_hash,
                session: session.head_hash.clone(),
            });
        }
    }
    Ok(Pulled {
        records: closed.next_seq,
        artifacts,
        head_hash: closed.head_hash,
        session_closed: manifest.closed.is_some(),
    })
}

/// Follows session `tag` on `target` from record `from` on, handing each
/// record to `each` until it returns `false`. Waits for new records
/// (reconnecting as the client does) for as long as `each` wants more.
pub async fn tail(
    target: &Target,
    tag: &str,
    from: u64,
    mut each: impl FnMut(WireRecord) -> bool,
) -> Result<(), ReplicateError> {
    let js = connect(&target.url).await?;
    let stream = stream(&js, target, false).await?;
    let mut messages = ordered(&stream, &wire::records(&target.stream, tag)).await?;
    while let Some(m) = messages.next().await {
        let m = match m {
            Ok(m) => m,
            // The consumer recreates itself after an outage; keep following.
            Err(e) => {
                tracing::warn!(error = %e, "tail: NATS interrupted; following on");
                continue;
            }
        };
        let r = wire::decode_record(&m.payload)?;
        if r.seq >= from && !each(r) {
            break;
        }
    }
    Ok(())
}
