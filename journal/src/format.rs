//! The bytes on disk: segment header and record frames. Pure functions, no I/O,
//! so the decoder can be fuzzed. See `FORMAT.md` for the layout.

use crate::Hash;

/// Magic at the start of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"AXONSEG1";
/// Current on-disk format version.
pub const FORMAT_VERSION: u16 = 1;
/// Size of the segment header in bytes.
pub const SEGMENT_HEADER_LEN: usize = 64;
/// Size of a frame header in bytes (everything before the payload).
pub const FRAME_HEADER_LEN: usize = 28;
/// Largest payload a frame may carry. Large blobs (model bytes) belong in the
/// artifact store; the limit keeps a corrupt length field from causing a huge
/// allocation.
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

/// The fixed part of a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Records per chain block, fixed for the journal's lifetime.
    pub block_records: u32,
    /// Sequence number of the first record in the segment.
    pub first_seq: u64,
    /// Chain hash after every record before `first_seq`.
    pub chain_in: Hash,
}

/// Why a header or frame could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header or frame needs (a torn tail when at the end).
    Incomplete { needed: usize, available: usize },
    /// The segment header's magic is wrong.
    BadMagic,
    /// A format version this build does not read.
    UnsupportedVersion(u16),
    /// The stored CRC32C does not match the bytes.
    BadCrc { stored: u32, computed: u32 },
    /// The length field is larger than [`MAX_PAYLOAD`].
    LengthTooLarge(u32),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Incomplete { needed, available } => {
                write!(
                    f,
                    "incomplete: needed {needed} bytes, {available} available"
                )
            }
            Self::BadMagic => write!(f, "bad magic (not an AXON segment)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            Self::BadCrc { stored, computed } => write!(
                f,
                "CRC32C mismatch: stored {stored:#010x}, computed {computed:#010x}"
            ),
            Self::LengthTooLarge(len) => {
                write!(f, "frame length {len} exceeds the maximum {MAX_PAYLOAD}")
            }
        }
    }
}

impl SegmentHeader {
    /// Encodes the header into its 64 bytes.
    pub fn encode(&self) -> [u8; SEGMENT_HEADER_LEN] {
        let mut b = [0u8; SEGMENT_HEADER_LEN];
        b[0..8].copy_from_slice(&SEGMENT_MAGIC);
        b[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[10..12].copy_from_slice(&(SEGMENT_HEADER_LEN as u16).to_le_bytes());
        b[12..16].copy_from_slice(&self.block_records.to_le_bytes());
        b[16..24].copy_from_slice(&self.first_seq.to_le_bytes());
        b[24..56].copy_from_slice(&self.chain_in);
        // 56..60 reserved, zero.
        let crc = crc32c::crc32c(&b[0..60]);
        b[60..64].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes and checks a header from the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() < SEGMENT_HEADER_LEN {
            return Err(DecodeError::Incomplete {
                needed: SEGMENT_HEADER_LEN,
                available: bytes.len(),
            });
        }
        let b = &bytes[..SEGMENT_HEADER_LEN];
        if b[0..8] != SEGMENT_MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let stored = u32_at(b, 60);
        let computed = crc32c::crc32c(&b[0..60]);
        if stored != computed {
            return Err(DecodeError::BadCrc { stored, computed });
        }
        let version = u16::from_le_bytes([b[8], b[9]]);
        if version != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let mut chain_in = [0u8; 32];
        chain_in.copy_from_slice(&b[24..56]);
        Ok(Self {
            block_records: u32_at(b, 12),
            first_seq: u64_at(b, 16),
            chain_in,
        })
    }
}

/// A decoded record borrowing its payload from the segment bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    /// Sequence number, dense from 0.
    pub seq: u64,
    /// Event time in nanoseconds since the Unix epoch (UTC).
    pub time_ns: i64,
    /// Record type, defined by the journal's user.
    pub kind: u16,
    /// Version of the record type's payload encoding.
    pub version: u16,
    /// The payload bytes.
    pub payload: &'a [u8],
}

impl RecordRef<'_> {
    /// Copies the record into an owned [`Record`].
    pub fn to_owned(&self) -> Record {
        Record {
            seq: self.seq,
            time_ns: self.time_ns,
            kind: self.kind,
            version: self.version,
            payload: self.payload.to_vec(),
        }
    }
}

/// An owned record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Sequence number, dense from 0.
    pub seq: u64,
    /// Event time in nanoseconds since the Unix epoch (UTC).
    pub time_ns: i64,
    /// Record type.
    pub kind: u16,
    /// Payload encoding version.
    pub version: u16,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

/// Appends the frame header placeholder for a record and returns its start
/// offset; the payload is written after it and [`finish_frame`] fills in the
/// length and CRC. Encoding in place avoids copying the payload twice.
#[inline]
pub fn begin_frame(buf: &mut Vec<u8>, seq: u64, time_ns: i64, kind: u16, version: u16) -> usize {
    let start = buf.len();
    let mut h = [0u8; FRAME_HEADER_LEN];
    h[8..16].copy_from_slice(&seq.to_le_bytes());
    h[16..24].copy_from_slice(&time_ns.to_le_bytes());
    h[24..26].copy_from_slice(&kind.to_le_bytes());
    h[26..28].copy_from_slice(&version.to_le_bytes());
    buf.extend_from_slice(&h);
    start
}

/// Completes the frame begun at `start`; returns the payload length, or an
/// error (after removing the partial frame) when the payload is too large.
#[inline]
pub fn finish_frame(buf: &mut Vec<u8>, start: usize) -> Result<usize, usize> {
    let len = close_frame(buf, start)?;
    seal_frame(&mut buf[start..]);
    Ok(len)
}

/// Completes the frame begun at `start` but for its CRC, which
/// [`seal_frame`] writes later (the journal's write thread does, off the
/// append path). Returns the payload length, or an error (after removing the
/// partial frame) when the payload is too large.
#[inline]
pub fn close_frame(buf: &mut Vec<u8>, start: usize) -> Result<usize, usize> {
    let len = buf.len() - start - FRAME_HEADER_LEN;
    if len > MAX_PAYLOAD {
        buf.truncate(start);
        return Err(len);
    }
    buf[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(len)
}

/// Writes the CRC32C of `frame`, one whole frame [`close_frame`] completed,
/// into its header.
#[inline]
pub fn seal_frame(frame: &mut [u8]) {
    let crc = crc32c::crc32c(&frame[8..]);
    frame[4..8].copy_from_slice(&crc.to_le_bytes());
}

/// Decodes the frame at the start of `bytes`, checking its CRC. Returns the
/// record and the frame's total length. Never panics, never allocates.
#[inline]
pub fn decode_frame(bytes: &[u8]) -> Result<(RecordRef<'_>, usize), DecodeError> {
    if bytes.len() < FRAME_HEADER_LEN {
        return Err(DecodeError::Incomplete {
            needed: FRAME_HEADER_LEN,
            available: bytes.len(),
        });
    }
    let len = u32_at(bytes, 0);
    if len as usize > MAX_PAYLOAD {
        return Err(DecodeError::LengthTooLarge(len));
    }
    let total = FRAME_HEADER_LEN + len as usize;
    if bytes.len() < total {
        return Err(DecodeError::Incomplete {
            needed: total,
            available: bytes.len(),
        });
    }
    let stored = u32_at(bytes, 4);
    let computed = crc32c::crc32c(&bytes[8..total]);
    if stored != computed {
        return Err(DecodeError::BadCrc { stored, computed });
    }
    Ok((record_of(&bytes[..total]), total))
}

/// The record in `frame`, a whole frame that [`decode_frame`] accepted, read
/// again without checking it (so a reader that has checked a frame does not
/// pay for its CRC twice).
#[inline]
pub(crate) fn record_of(frame: &[u8]) -> RecordRef<'_> {
    RecordRef {
        seq: u64_at(frame, 8),
        time_ns: u64_at(frame, 16) as i64,
        kind: u16::from_le_bytes([frame[24], frame[25]]),
        version: u16::from_le_bytes([frame[26], frame[27]]),
        payload: &frame[FRAME_HEADER_LEN..],
    }
}

/// Reads the sequence number field of a frame without checking anything, for
/// error messages about frames that failed to decode.
pub fn peek_seq(bytes: &[u8]) -> Option<u64> {
    (bytes.len() >= 16).then(|| u64_at(bytes, 8))
}

#[inline]
fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

#[inline]
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_round_trip() {
        let mut buf = Vec::new();
        let start = begin_frame(&mut buf, 7, -3, 2, 1);
        buf.extend_from_slice(b"hello");
        assert_eq!(finish_frame(&mut buf, start), Ok(5));
        let (rec, n) = decode_frame(&buf).unwrap();
        assert_eq!(n, FRAME_HEADER_LEN + 5);
        assert_eq!((rec.seq, rec.time_ns, rec.kind, rec.version), (7, -3, 2, 1));
        assert_eq!(rec.payload, b"hello");
    }

    #[test]
    fn a_frame_sealed_later_is_the_same_bytes() {
        let mut whole = Vec::new();
        let start = begin_frame(&mut whole, 9, 4, 2, 1);
        whole.extend_from_slice(b"payload");
        finish_frame(&mut whole, start).unwrap();
        let mut later = Vec::new();
        let start = begin_frame(&mut later, 9, 4, 2, 1);
        later.extend_from_slice(b"payload");
        assert_eq!(close_frame(&mut later, start), Ok(7));
        assert!(
            decode_frame(&later).is_err(),
            "an unsealed frame must not decode"
        );
        seal_frame(&mut later[start..]);
        assert_eq!(later, whole);
    }

    #[test]
    fn every_flipped_bit_is_detected() {
        let mut buf = Vec::new();
        let start = begin_frame(&mut buf, 1, 2, 3, 4);
        buf.extend_from_slice(&[9u8; 40]);
        finish_frame(&mut buf, start).unwrap();
        for byte in 0..buf.len() {
            for bit in 0..8 {
                let mut b = buf.clone();
                b[byte] ^= 1 << bit;
                assert!(decode_frame(&b).is_err(), "flip at {byte}.{bit} undetected");
            }
        }
    }

    #[test]
    fn header_round_trip_and_checks() {
        let h = SegmentHeader {
            block_records: 1024,
            first_seq: 4096,
            chain_in: [7u8; 32],
        };
        let b = h.encode();
        assert_eq!(SegmentHeader::decode(&b), Ok(h));
        let mut bad = b;
        bad[20] ^= 1;
        assert!(matches!(
            SegmentHeader::decode(&bad),
            Err(DecodeError::BadCrc { .. })
        ));
        assert_eq!(
            SegmentHeader::decode(&b[..10]),
            Err(DecodeError::Incomplete {
                needed: 64,
                available: 10
            })
        );
    }
}
