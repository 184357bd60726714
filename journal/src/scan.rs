//! Scanning a segment's frames: shared by recovery (the writer's open) and by
//! readers. One place decides what a torn tail is.

use std::path::Path;

use crate::chain::ChainHasher;
use crate::error::{CorruptReason, JournalError, Result};
use crate::format::{DecodeError, FRAME_HEADER_LEN, SEGMENT_HEADER_LEN, decode_frame};
use crate::layout::IndexEntry;

/// Whether a decode failure at `off` is a torn tail (an interrupted append)
/// rather than corruption: the frame is cut short, or everything from `off` to
/// the end is zeros (space allocated but never written), or the bad frame ends
/// exactly at end of file (its last sector never reached the disk). Only
/// meaningful for the last segment.
pub(crate) fn is_torn_tail(bytes: &[u8], off: usize, err: &DecodeError) -> bool {
    let rest = &bytes[off..];
    match err {
        DecodeError::Incomplete { .. } => true,
        _ if rest.iter().all(|&b| b == 0) => true,
        DecodeError::BadCrc { .. } => {
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            FRAME_HEADER_LEN + len == rest.len()
        }
        _ => false,
    }
}

/// The result of scanning a whole segment.
#[derive(Debug)]
pub(crate) struct SegmentScan {
    /// Byte offset after the last good frame.
    pub end: usize,
    /// Sequence number after the last good frame.
    pub next_seq: u64,
    /// Chain state after the last good frame.
    pub chain: ChainHasher,
    /// Block-start index entries.
    pub entries: Vec<IndexEntry>,
    /// Set when the scan stopped at a torn tail: the decode error there.
    pub torn: Option<DecodeError>,
}

/// Scans every frame of a segment from its header, checking CRCs, sequence
/// continuity and building the chain. `last` allows a torn tail.
pub(crate) fn scan_segment(
    path: &Path,
    bytes: &[u8],
    first_seq: u64,
    chain: ChainHasher,
    last: bool,
) -> Result<SegmentScan> {
    let mut scan = SegmentScan {
        end: SEGMENT_HEADER_LEN,
        next_seq: first_seq,
        chain,
        entries: Vec::new(),
        torn: None,
    };
    while scan.end < bytes.len() {
        let off = scan.end;
        match decode_frame(&bytes[off..]) {
            Ok((rec, n)) => {
                if rec.seq != scan.next_seq {
                    return Err(JournalError::Corrupt {
                        segment: path.to_path_buf(),
                        offset: off as u64,
                        seq: Some(scan.next_seq),
                        reason: CorruptReason::SeqGap {
                            expected: scan.next_seq,
                            found: rec.seq,
                        },
                    });
                }
                if scan.chain.in_block() == 0 {
                    scan.entries.push(IndexEntry {
                        seq: rec.seq,
                        offset: off as u64,
                        chain: scan.chain.chain(),
                    });
                }
                scan.chain.push_frame(&bytes[off..off + n]);
                scan.end += n;
                scan.next_seq += 1;
            }
            Err(err) if last && is_torn_tail(bytes, off, &err) => {
                scan.torn = Some(err);
                break;
            }
            Err(err) => {
                return Err(JournalError::Corrupt {
                    segment: path.to_path_buf(),
                    offset: off as u64,
                    seq: Some(scan.next_seq),
                    reason: CorruptReason::Decode(err),
                });
            }
        }
    }
    Ok(scan)
}
