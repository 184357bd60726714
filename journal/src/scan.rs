//! Scanning a segment's frames: shared by recovery (the writer's open) and by
//! readers. One place decides what a torn tail is.

use std::path::Path;

use crate::chain::ChainHasher;
use crate::error::{CorruptReason, JournalError, Result};
use crate::format::{DecodeError, FRAME_HEADER_LEN, SEGMENT_HEADER_LEN, decode_frame, peek_seq};
use crate::layout::IndexEntry;

/// Whether a decode failure at `off` is a torn tail (an interrupted append)
/// rather than corruption. Only meaningful for the last segment; `next_seq` is
/// the sequence number the frame at `off` should carry.
///
/// A torn tail is one of:
/// - the frame is cut short ([`DecodeError::Incomplete`]: fewer than 28 header
///   bytes, or fewer payload bytes than its length field claims);
/// - everything from `off` to the end of the file is zeros (space the file
///   system allocated but the write never reached);
/// - a CRC mismatch on a frame that ends exactly at the end of the file (its
///   last sector never reached the disk).
///
/// and, for the first and the last shape (zeros hold no frame), no intact
/// frame with a later sequence number follows `off`: an interrupted append
/// leaves nothing valid after the tear, so a later intact frame means the
/// bytes at `off` were damaged after they were written (say a flipped bit in
/// a length field that made the frame claim to run past the end), and
/// cutting there would throw away records that were acknowledged.
pub(crate) fn is_torn_tail(bytes: &[u8], off: usize, err: &DecodeError, next_seq: u64) -> bool {
    let rest = &bytes[off..];
    let shape = match err {
        DecodeError::Incomplete { .. } => true,
        _ if rest.iter().all(|&b| b == 0) => return true,
        DecodeError::BadCrc { .. } => {
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            FRAME_HEADER_LEN + len == rest.len()
        }
        _ => false,
    };
    shape && !later_frame_follows(bytes, off, next_seq)
}

/// Whether an intact frame with a sequence number above `next_seq` starts
/// anywhere after `off`. Only frames that could physically follow are tried:
/// `k` frames after the one at `off` need at least `k * 28` bytes, which keeps
/// CRC checks rare.
fn later_frame_follows(bytes: &[u8], off: usize, next_seq: u64) -> bool {
    let last_start = bytes.len().saturating_sub(FRAME_HEADER_LEN);
    (off + FRAME_HEADER_LEN..=last_start).any(|p| {
        let Some(seq) = peek_seq(&bytes[p..]) else {
            return false;
        };
        let max_ahead = ((p - off) / FRAME_HEADER_LEN) as u64;
        seq > next_seq
            && seq - next_seq <= max_ahead
            && matches!(decode_frame(&bytes[p..]), Ok((rec, _)) if rec.seq == seq)
    })
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
            Err(err) if last && is_torn_tail(bytes, off, &err, scan.next_seq) => {
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
