//! Reading a journal: seek by sequence number through the sparse index,
//! iterate with CRC and chain checks, verify everything.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Hash;
use crate::chain::{ChainHasher, genesis};
use crate::error::{CorruptReason, JournalError, Result};
use crate::format::{RecordRef, SEGMENT_HEADER_LEN, SegmentHeader, decode_frame, record_of};
use crate::layout::{Manifest, SegmentIndex, index_path, segment_path};
use crate::recovery::{list_segments, read_manifest};
use crate::scan::is_torn_tail;
use crate::storage::{FsStorage, Storage};

/// Read-only access to a journal directory. Never changes a byte on disk.
#[derive(Debug, Clone)]
pub struct JournalReader {
    storage: Arc<dyn Storage>,
    dir: PathBuf,
    manifest: Manifest,
    segments: Vec<u64>,
}

/// What a full verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records read.
    pub records: u64,
    /// Segment files.
    pub segments: usize,
    /// Recomputed head hash.
    pub head_hash: Hash,
    /// Set when the last segment ends in a torn tail (not yet recovered by a
    /// writer): its offset. Records before it were all verified.
    pub torn_tail_at: Option<u64>,
}

impl JournalReader {
    /// Opens a journal directory for reading.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(Arc::new(FsStorage), dir.as_ref())
    }

    /// [`open`](Self::open) on the given storage.
    pub fn open_with(storage: Arc<dyn Storage>, dir: &Path) -> Result<Self> {
        if !storage.exists(dir) {
            return Err(JournalError::NotAJournal {
                path: dir.to_path_buf(),
                reason: "no such directory".into(),
            });
        }
        let manifest = read_manifest(&*storage, dir)?;
        let segments = list_segments(&*storage, dir)?;
        if segments.is_empty() {
            return Err(JournalError::NotAJournal {
                path: dir.to_path_buf(),
                reason: "no segment files".into(),
            });
        }
        Ok(Self {
            storage,
            dir: dir.to_path_buf(),
            manifest,
            segments,
        })
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest (format parameters; head hash after a clean close).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The artifact store of this journal.
    pub fn artifacts(&self) -> crate::ArtifactStore {
        crate::ArtifactStore::new(self.storage.clone(), &self.dir)
    }

    /// A cursor positioned at `from_seq`, found through the sparse index
    /// (scanning at most one chain block). `verify_chain` recomputes the hash
    /// chain from there and checks it against segment headers and indexes.
    pub fn cursor(&self, from_seq: u64, verify_chain: bool) -> Result<Cursor> {
        let i = self
            .segments
            .partition_point(|&s| s <= from_seq)
            .saturating_sub(1);
        let mut cursor = Cursor {
            reader: self.clone(),
            seg: i,
            bytes: Vec::new(),
            pos: 0,
            next_seq: 0,
            from_seq,
            chain: None,
            verify_chain,
            index: None,
            torn_tail_at: None,
        };
        cursor.load_segment(i, Some(from_seq))?;
        Ok(cursor)
    }

    /// Reads every record, checking CRCs, sequence continuity, the hash chain
    /// against headers and indexes, and the manifest's head after a clean close.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut cursor = self.cursor(0, true)?;
        let mut records = 0u64;
        while cursor.next()?.is_some() {
            records += 1;
        }
        let head = cursor.head_hash().unwrap_or_else(genesis);
        if let Some(closed) = &self.manifest.closed {
            let computed = hex::encode(head);
            if closed.head_hash != computed || closed.next_seq != records {
                return Err(JournalError::ChainMismatch {
                    segment: self.dir.join(crate::layout::MANIFEST),
                    offset: 0,
                    seq: closed.next_seq,
                    stored: closed.head_hash.clone(),
                    computed,
                });
            }
        }
        Ok(VerifyReport {
            records,
            segments: self.segments.len(),
            head_hash: head,
            torn_tail_at: cursor.torn_tail_at,
        })
    }
}

/// Iterates records in sequence order. A lending iterator: each record
/// borrows the cursor's segment buffer, so reading allocates per segment,
/// not per record.
#[derive(Debug)]
pub struct Cursor {
    reader: JournalReader,
    seg: usize,
    bytes: Vec<u8>,
    pos: usize,
    next_seq: u64,
    from_seq: u64,
    chain: Option<ChainHasher>,
    verify_chain: bool,
    index: Option<SegmentIndex>,
    torn_tail_at: Option<u64>,
}

impl Cursor {
    fn seg_path(&self) -> PathBuf {
        segment_path(&self.reader.dir, self.reader.segments[self.seg])
    }

    fn corrupt(&self, offset: usize, reason: CorruptReason) -> JournalError {
        JournalError::Corrupt {
            segment: self.seg_path(),
            offset: offset as u64,
            seq: Some(self.next_seq),
            reason,
        }
    }

    fn load_segment(&mut self, i: usize, seek: Option<u64>) -> Result<()> {
        self.seg = i;
        let first = self.reader.segments[i];
        let path = self.seg_path();
        self.reader
            .storage
            .read_into(&path, &mut self.bytes)
            .map_err(|e| JournalError::io("read", &path, e))?;
        let header = SegmentHeader::decode(&self.bytes)
            .map_err(|e| self.corrupt(0, CorruptReason::Decode(e)))?;
        let expect_first = if seek.is_some() { first } else { self.next_seq };
        if header.first_seq != first || header.first_seq != expect_first {
            return Err(self.corrupt(
                0,
                CorruptReason::Layout(format!(
                    "segment header says first_seq {}, expected {expect_first}",
                    header.first_seq
                )),
            ));
        }
        if let Some(chain) = &self.chain
            && chain.head() != header.chain_in
        {
            return Err(JournalError::ChainMismatch {
                segment: path,
                offset: 0,
                seq: first,
                stored: hex::encode(header.chain_in),
                computed: hex::encode(chain.head()),
            });
        }
        self.index = self
            .reader
            .storage
            .read(&index_path(&self.reader.dir, first))
            .ok()
            .and_then(|b| SegmentIndex::decode(&b));
        let mut start = (SEGMENT_HEADER_LEN, first, header.chain_in);
        if let (Some(target), Some(idx)) = (seek, &self.index)
            && let Some(e) = idx.seek(target)
            && (e.offset as usize) < self.bytes.len()
        {
            start = (e.offset as usize, e.seq, e.chain);
        }
        self.pos = start.0;
        self.next_seq = start.1;
        let block = self.reader.manifest.block_records;
        self.chain = self.verify_chain.then(|| ChainHasher::new(block, start.2));
        Ok(())
    }

    /// The chain head over the records read so far (when verifying the chain).
    pub fn head_hash(&self) -> Option<Hash> {
        self.chain.as_ref().map(ChainHasher::head)
    }

    /// The sequence number of the next record this cursor would return.
    pub fn next_seq(&self) -> u64 {
        self.next_seq.max(self.from_seq)
    }

    /// The next record, `None` at the end of the journal.
    #[allow(
        clippy::should_implement_trait,
        reason = "lending iterator: records borrow the cursor"
    )]
    pub fn next(&mut self) -> Result<Option<RecordRef<'_>>> {
        // `advance` checks the frame and returns where it is; reading its
        // fields again here costs a few loads, not a second CRC.
        Ok(self
            .advance()?
            .map(|(off, n)| record_of(&self.bytes[off..off + n])))
    }

    /// Moves past the next frame at or after `from_seq`, checking it, and
    /// returns its offset and length; `None` at the end of the journal.
    fn advance(&mut self) -> Result<Option<(usize, usize)>> {
        loop {
            if self.pos >= self.bytes.len() {
                if !self.end_of_segment()? {
                    return Ok(None);
                }
                continue;
            }
            let off = self.pos;
            let (seq, n) = match decode_frame(&self.bytes[off..]) {
                Ok((rec, n)) => (rec.seq, n),
                Err(err) => {
                    let last = self.seg + 1 == self.reader.segments.len();
                    if last && is_torn_tail(&self.bytes, off, &err, self.next_seq) {
                        tracing::warn!(segment = %self.seg_path().display(), offset = off, "torn tail: the journal was not closed cleanly; stopping before it");
                        self.torn_tail_at = Some(off as u64);
                        self.bytes.truncate(off);
                        return Ok(None);
                    }
                    return Err(self.corrupt(off, CorruptReason::Decode(err)));
                }
            };
            if seq != self.next_seq {
                return Err(self.corrupt(
                    off,
                    CorruptReason::SeqGap {
                        expected: self.next_seq,
                        found: seq,
                    },
                ));
            }
            if let Some(chain) = &mut self.chain {
                if chain.in_block() == 0 {
                    let stored = self.index.as_ref().and_then(|idx| {
                        idx.entries
                            .binary_search_by_key(&seq, |e| e.seq)
                            .ok()
                            .map(|i| idx.entries[i])
                    });
                    if let Some(e) = stored
                        && (e.chain != chain.chain() || e.offset != off as u64)
                    {
                        return Err(JournalError::ChainMismatch {
                            segment: index_path(&self.reader.dir, self.reader.segments[self.seg]),
                            offset: e.offset,
                            seq: e.seq,
                            stored: hex::encode(e.chain),
                            computed: hex::encode(chain.chain()),
                        });
                    }
                }
                chain.push_frame(&self.bytes[off..off + n]);
            }
            self.pos += n;
            self.next_seq += 1;
            if seq >= self.from_seq {
                return Ok(Some((off, n)));
            }
        }
    }

    /// Moves to the next segment; false at the end of the journal.
    fn end_of_segment(&mut self) -> Result<bool> {
        if self.seg + 1 >= self.reader.segments.len() {
            return Ok(false);
        }
        if let (Some(idx), Some(chain)) = (&self.index, &self.chain)
            && idx.end_len == self.bytes.len() as u64
            && idx.chain_out != chain.head()
        {
            return Err(JournalError::ChainMismatch {
                segment: index_path(&self.reader.dir, self.reader.segments[self.seg]),
                offset: idx.end_len,
                seq: idx.end_seq,
                stored: hex::encode(idx.chain_out),
                computed: hex::encode(chain.head()),
            });
        }
        let next = self.seg + 1;
        if self.reader.segments[next] != self.next_seq {
            let found = self.reader.segments[next];
            return Err(self.corrupt(
                self.bytes.len(),
                CorruptReason::Layout(format!(
                    "segment ends before seq {}, but the next segment starts at {found}",
                    self.next_seq
                )),
            ));
        }
        self.load_segment(next, None)?;
        Ok(true)
    }
}
