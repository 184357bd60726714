//! How a journal travels through JetStream.
//!
//! One stream (`[journal.replicate] stream`, subjects `STREAM.>`) holds any
//! number of sessions, each under its session tag:
//!
//! | subject | message id | payload |
//! |---|---|---|
//! | `STREAM.TAG.records` | `TAG.r.SEQ` | one record: seq (u64), time (i64), kind (u16), version (u16) little-endian, then its payload |
//! | `STREAM.TAG.artifacts` | `TAG.a.SHA256` | an artifact's bytes (a model, a strategy bundle), before the records that name it |
//! | `STREAM.TAG.meta` | `TAG.m.open` / `TAG.m.closed.N` | JSON: the journal's manifest (its format parameters; after a clean close, its end and head hash) and the config file beside it |
//!
//! The message ids make a retried publish a duplicate the stream drops, so
//! nothing is stored twice; records are published in order and a publisher
//! resumes after the last record the stream holds, so nothing is skipped.

use serde::{Deserialize, Serialize};

use crate::ReplicateError;

/// Bytes before a record's payload.
pub const RECORD_HEADER: usize = 20;

/// The subject of a session's records.
pub fn records(stream: &str, tag: &str) -> String {
    format!("{stream}.{tag}.records")
}

/// The subject of a session's artifacts.
pub fn artifacts(stream: &str, tag: &str) -> String {
    format!("{stream}.{tag}.artifacts")
}

/// The subject of a session's journal description.
pub fn meta(stream: &str, tag: &str) -> String {
    format!("{stream}.{tag}.meta")
}

/// A record as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRecord {
    /// Sequence number.
    pub seq: u64,
    /// Event time.
    pub time_ns: i64,
    /// Kind.
    pub kind: u16,
    /// Payload version.
    pub version: u16,
    /// Payload.
    pub payload: Vec<u8>,
}

/// Encodes a record.
pub fn encode_record(seq: u64, time_ns: i64, kind: u16, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(RECORD_HEADER + payload.len());
    b.extend_from_slice(&seq.to_le_bytes());
    b.extend_from_slice(&time_ns.to_le_bytes());
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&version.to_le_bytes());
    b.extend_from_slice(payload);
    b
}

/// Decodes a record message.
pub fn decode_record(bytes: &[u8]) -> Result<WireRecord, ReplicateError> {
    if bytes.len() < RECORD_HEADER {
        return Err(ReplicateError::Wire(format!(
            "a record message of {} bytes (at least {RECORD_HEADER} expected)",
            bytes.len()
        )));
    }
    let u64_at = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(a)
    };
    Ok(WireRecord {
        seq: u64_at(0),
        time_ns: u64_at(8) as i64,
        kind: u16::from_le_bytes([bytes[16], bytes[17]]),
        version: u16::from_le_bytes([bytes[18], bytes[19]]),
        payload: bytes[RECORD_HEADER..].to_vec(),
    })
}

/// The journal's description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// `manifest.json`'s text.
    pub manifest: String,
    /// `config.toml`'s text beside the journal (empty: none).
    pub config: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_short_messages_are_errors() {
        let b = encode_record(7, -3, 64, 1, b"abc");
        assert_eq!(
            decode_record(&b).unwrap(),
            WireRecord {
                seq: 7,
                time_ns: -3,
                kind: 64,
                version: 1,
                payload: b"abc".to_vec()
            }
        );
        assert!(decode_record(&b[..10]).is_err());
        assert_eq!(records("AXON", "ab12"), "AXON.ab12.records");
    }
}
