//! Where things live in a journal directory, and the small metadata files:
//! the manifest (JSON) and the per-segment sparse index (binary).
//!
//! ```text
//! run1/
//!   manifest.json
//!   00000000000000000000.seg   segment, named by its first sequence number
//!   00000000000000000000.idx   sparse index, written when the segment is sealed
//!   00000000000000131072.seg
//!   artifacts/sha256/<64 hex>  content-addressed blobs (model bytes)
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::format::{FORMAT_VERSION, SEGMENT_HEADER_LEN};

/// File name of the manifest.
pub const MANIFEST: &str = "manifest.json";
const SEG_EXT: &str = "seg";
const IDX_EXT: &str = "idx";
const INDEX_MAGIC: [u8; 8] = *b"AXONIDX1";
const INDEX_ENTRY_LEN: usize = 48;

/// Path of the segment starting at `first_seq`.
pub fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{first_seq:020}.{SEG_EXT}"))
}

/// Path of the sparse index of the segment starting at `first_seq`.
pub fn index_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{first_seq:020}.{IDX_EXT}"))
}

/// First sequence numbers of the segments named in `names`, sorted.
pub fn segment_seqs(names: &[String]) -> Vec<u64> {
    let mut seqs: Vec<u64> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".seg"))
        .filter(|stem| stem.len() == 20)
        .filter_map(|stem| stem.parse().ok())
        .collect();
    seqs.sort_unstable();
    seqs
}

/// The manifest: the journal's fixed parameters and, after a clean close,
/// where it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `"axon-journal"`.
    pub format: String,
    /// On-disk format version.
    pub format_version: u16,
    /// Records per hash-chain block.
    pub block_records: u32,
    /// Segment size at which the writer rolls (at the next block boundary).
    pub segment_bytes: u64,
    /// Set by a clean close, cleared when a writer opens the journal.
    pub closed: Option<Closed>,
}

/// Where a cleanly closed journal ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    /// The sequence number the next record would get (= record count).
    pub next_seq: u64,
    /// Head hash, hex.
    pub head_hash: String,
}

impl Manifest {
    /// A manifest for a new journal.
    pub fn new(block_records: u32, segment_bytes: u64) -> Self {
        Self {
            format: "axon-journal".into(),
            format_version: FORMAT_VERSION,
            block_records,
            segment_bytes,
            closed: None,
        }
    }

    /// Serializes to pretty JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses and checks a manifest.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let m: Self = serde_json::from_slice(bytes).map_err(|e| format!("bad manifest: {e}"))?;
        if m.format != "axon-journal" {
            return Err(format!(
                "manifest format is {:?}, expected \"axon-journal\"",
                m.format
            ));
        }
        if m.format_version != FORMAT_VERSION {
            return Err(format!(
                "format version {} is not supported (this build reads {FORMAT_VERSION})",
                m.format_version
            ));
        }
        if m.block_records == 0 {
            return Err("block_records must be > 0".into());
        }
        Ok(m)
    }
}

/// One sparse-index entry: the start of a chain block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// First sequence number of the block.
    pub seq: u64,
    /// Byte offset of that record's frame in the segment.
    pub offset: u64,
    /// Chain value before the block.
    pub chain: Hash,
}

/// The sparse index of a sealed segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentIndex {
    /// One entry per block, in order.
    pub entries: Vec<IndexEntry>,
    /// Sequence number after the segment's last record.
    pub end_seq: u64,
    /// Length of the sealed segment file.
    pub end_len: u64,
    /// Chain value after the segment's last record.
    pub chain_out: Hash,
}

impl SegmentIndex {
    /// Encodes: magic, count, entries, trailer, CRC32C (all little-endian).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(16 + self.entries.len() * INDEX_ENTRY_LEN + 52);
        b.extend_from_slice(&INDEX_MAGIC);
        b.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        for e in &self.entries {
            b.extend_from_slice(&e.seq.to_le_bytes());
            b.extend_from_slice(&e.offset.to_le_bytes());
            b.extend_from_slice(&e.chain);
        }
        b.extend_from_slice(&self.end_seq.to_le_bytes());
        b.extend_from_slice(&self.end_len.to_le_bytes());
        b.extend_from_slice(&self.chain_out);
        let crc = crc32c::crc32c(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes, returning `None` for anything malformed (the index is only an
    /// accelerator: a reader falls back to scanning the segment).
    pub fn decode(b: &[u8]) -> Option<Self> {
        if b.len() < 16 + 52 || b[0..8] != INDEX_MAGIC {
            return None;
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32c::crc32c(body) != u32::from_le_bytes(crc.try_into().ok()?) {
            return None;
        }
        let count = u32::from_le_bytes(body[8..12].try_into().ok()?) as usize;
        if body.len() != 16 + count.checked_mul(INDEX_ENTRY_LEN)? + 48 {
            return None;
        }
        let u64_at = |at: usize| u64::from_le_bytes(body[at..at + 8].try_into().unwrap_or([0; 8]));
        let hash_at = |at: usize| -> Hash { body[at..at + 32].try_into().unwrap_or([0; 32]) };
        let entries = (0..count)
            .map(|i| {
                let at = 16 + i * INDEX_ENTRY_LEN;
                IndexEntry {
                    seq: u64_at(at),
                    offset: u64_at(at + 8),
                    chain: hash_at(at + 16),
                }
            })
            .collect();
        let t = 16 + count * INDEX_ENTRY_LEN;
        let idx = Self {
            entries,
            end_seq: u64_at(t),
            end_len: u64_at(t + 8),
            chain_out: hash_at(t + 16),
        };
        let sane = idx.end_len >= SEGMENT_HEADER_LEN as u64
            && idx
                .entries
                .iter()
                .all(|e| e.offset < idx.end_len && e.seq < idx.end_seq)
            && idx
                .entries
                .windows(2)
                .all(|w| w[0].seq < w[1].seq && w[0].offset < w[1].offset);
        sane.then_some(idx)
    }

    /// The entry to start a scan for `seq` from: the last block start at or before it.
    pub fn seek(&self, seq: u64) -> Option<IndexEntry> {
        let i = self.entries.partition_point(|e| e.seq <= seq);
        i.checked_sub(1).map(|i| self.entries[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trip_and_seek() {
        let idx = SegmentIndex {
            entries: vec![
                IndexEntry {
                    seq: 0,
                    offset: 64,
                    chain: [1; 32],
                },
                IndexEntry {
                    seq: 4,
                    offset: 400,
                    chain: [2; 32],
                },
            ],
            end_seq: 8,
            end_len: 800,
            chain_out: [3; 32],
        };
        let b = idx.encode();
        assert_eq!(SegmentIndex::decode(&b), Some(idx.clone()));
        assert_eq!(idx.seek(5).map(|e| e.offset), Some(400));
        assert_eq!(idx.seek(3).map(|e| e.offset), Some(64));
        let mut bad = b.clone();
        bad[20] ^= 1;
        assert_eq!(SegmentIndex::decode(&bad), None);
        assert_eq!(SegmentIndex::decode(&b[..10]), None);
    }

    #[test]
    fn segment_names_sort_by_seq() {
        let names = vec![
            "00000000000000000100.seg".to_string(),
            "manifest.json".to_string(),
            "00000000000000000000.seg".to_string(),
            "00000000000000000000.idx".to_string(),
        ];
        assert_eq!(segment_seqs(&names), vec![0, 100]);
    }
}
