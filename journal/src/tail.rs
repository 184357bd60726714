//! Following a journal while its writer appends to it: each poll reads
//! only the bytes appended since the last one and yields the whole frames
//! among them (CRC checked), moving to the next segment once the writer
//! has rolled to it. A frame the writer has not finished is read at a later
//! poll. Used to ship a live session's records elsewhere as they are
//! written (replication); it never writes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{CorruptReason, JournalError, Result};
use crate::format::{DecodeError, RecordRef, SEGMENT_HEADER_LEN, decode_frame};
use crate::layout::segment_path;
use crate::recovery::list_segments;
use crate::storage::FsStorage;

/// A reader that follows a journal's growth; see the [module](self).
#[derive(Debug)]
pub struct Tail {
    dir: PathBuf,
    /// First sequence number of the segment being read.
    segment: u64,
    file: File,
    /// Bytes of the segment file consumed into `buf` so far.
    offset: u64,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// The sequence number of the next record to yield.
    next_seq: u64,
}

impl Tail {
    /// Follows the journal in `dir` from record `from_seq` on.
    pub fn open(dir: impl AsRef<Path>, from_seq: u64) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let segments = list_segments(&FsStorage, &dir)?;
        let i = segments
            .partition_point(|&s| s <= from_seq)
            .saturating_sub(1);
        let Some(&segment) = segments.get(i) else {
            return Err(JournalError::NotAJournal {
                path: dir,
                reason: "no segment files".into(),
            });
        };
        let path = segment_path(&dir, segment);
        let file = File::open(&path).map_err(|e| JournalError::io("open", &path, e))?;
        Ok(Self {
            dir,
            segment,
            file,
            offset: 0,
            buf: Vec::new(),
            pos: SEGMENT_HEADER_LEN,
            next_seq: from_seq,
        })
    }

    /// The sequence number of the next record [`Tail::poll`] yields.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Hands up to `max` records appended since the last poll to `each`,
    /// in order; returns how many. Zero: nothing new yet.
    pub fn poll(&mut self, max: usize, mut each: impl FnMut(RecordRef<'_>)) -> Result<usize> {
        let mut yielded = 0;
        while yielded < max {
            self.read_new()?;
            let mut progressed = false;
            while yielded < max && self.pos < self.buf.len() {
                match decode_frame(&self.buf[self.pos..]) {
                    Ok((rec, len)) => {
                        self.pos += len;
                        progressed = true;
                        if rec.seq >= self.next_seq {
                            self.next_seq = rec.seq + 1;
                            each(rec);
                            yielded += 1;
                        }
                    }
                    Err(DecodeError::Incomplete { .. }) => break,
                    // A frame being written can look corrupt until it is
                    // whole; only a rolled segment's bytes are final.
                    Err(e) if self.rolled()? => {
                        return Err(JournalError::Corrupt {
                            segment: segment_path(&self.dir, self.segment),
                            offset: self.offset - (self.buf.len() - self.pos) as u64,
                            seq: Some(self.next_seq),
                            reason: CorruptReason::Decode(e),
                        });
                    }
                    Err(_) => break,
                }
            }
            self.compact();
            if yielded >= max || progressed {
                continue;
            }
            if !self.next_segment()? {
                break;
            }
        }
        Ok(yielded)
    }

    /// Reads what the writer appended to the current segment.
    fn read_new(&mut self) -> Result<()> {
        let path = || segment_path(&self.dir, self.segment);
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(|e| JournalError::io("seek", path(), e))?;
        let n = (&self.file)
            .read_to_end(&mut self.buf)
            .map_err(|e| JournalError::io("read", path(), e))?;
        self.offset += n as u64;
        Ok(())
    }

    /// Drops consumed bytes (the segment header stays counted).
    fn compact(&mut self) {
        if self.pos > 1 << 20 || self.pos == self.buf.len() {
            self.buf.drain(..self.pos.min(self.buf.len()));
            self.pos = 0;
        }
    }

    /// Whether the writer has moved on to a later segment.
    fn rolled(&self) -> Result<bool> {
        Ok(list_segments(&FsStorage, &self.dir)?
            .iter()
            .any(|&s| s > self.segment))
    }

    /// Moves to the next segment once the current one is finished (a later
    /// one exists and this one has no whole frame left); returns whether it
    /// moved.
    fn next_segment(&mut self) -> Result<bool> {
        let segments = list_segments(&FsStorage, &self.dir)?;
        let Some(&next) = segments.iter().find(|&&s| s > self.segment) else {
            return Ok(false);
        };
        // Bytes written before the roll may have arrived since the last read.
        self.read_new()?;
        if self.pos < self.buf.len() && decode_frame(&self.buf[self.pos..]).is_ok() {
            return Ok(false);
        }
        let path = segment_path(&self.dir, next);
        self.file = File::open(&path).map_err(|e| JournalError::io("open", &path, e))?;
        self.segment = next;
        self.offset = 0;
        self.buf.clear();
        self.pos = SEGMENT_HEADER_LEN;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Durability, Journal, JournalOptions, JournalReader};

    #[test]
    fn a_tail_follows_appends_and_segment_rolls() {
        let dir = tempfile::tempdir().unwrap();
        let opts = JournalOptions {
            durability: Durability::None,
            segment_bytes: 4096,
            block_records: 8,
            ..JournalOptions::default()
        };
        let mut j = Journal::create(dir.path(), opts).unwrap();
        let mut tail = Tail::open(dir.path(), 3).unwrap();
        let mut seen = Vec::new();
        let mut total = 0u64;
        for round in 0..20u64 {
            for i in 0..25u64 {
                let n = round * 25 + i;
                j.append(n as i64, 7, 1, &vec![n as u8; (n % 90) as usize])
                    .unwrap();
            }
            j.flush().unwrap();
            total += 25;
            while tail
                .poll(10, |r| seen.push((r.seq, r.time_ns, r.payload.len())))
                .unwrap()
                > 0
            {}
            assert_eq!(tail.next_seq(), total, "round {round}");
        }
        let closed = j.close().unwrap();
        assert!(
            JournalReader::open(dir.path())
                .unwrap()
                .cursor(0, false)
                .is_ok()
        );
        let want: Vec<(u64, i64, usize)> = (3..total)
            .map(|n| (n, n as i64, (n % 90) as usize))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(closed.next_seq, total);
        assert!(
            list_segments(&FsStorage, dir.path()).unwrap().len() > 3,
            "several segments were followed"
        );
    }
}
