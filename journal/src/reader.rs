//! Reading a journal: seek by sequence number through the sparse index,
//! iterate with CRC and chain checks, verify everything.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

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
            bytes: Arc::new(Vec::new()),
            end: 0,
            pos: 0,
            next_seq: 0,
            from_seq,
            verify_chain,
            chain_job: None,
            chain: None,
            finished: false,
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
///
/// With chain verification on, each segment's hash chain is computed on a
/// second thread while the cursor checks CRCs and hands out records (every
/// segment starts at a block boundary with its chain value in its header,
/// so segments hash independently). A chain mismatch is therefore reported
/// when the cursor reaches the end of the segment it is in, not at the
/// record itself.
#[derive(Debug)]
pub struct Cursor {
    reader: JournalReader,
    seg: usize,
    bytes: Arc<Vec<u8>>,
    /// End of the usable bytes (short of the file at a torn tail).
    end: usize,
    pos: usize,
    next_seq: u64,
    from_seq: u64,
    verify_chain: bool,
    /// The chain of the current segment, being computed.
    chain_job: Option<JoinHandle<ChainOutcome>>,
    /// The chain after the last segment whose check finished.
    chain: Option<ChainHasher>,
    /// Whether `next` has returned the end of the journal.
    finished: bool,
    index: Option<SegmentIndex>,
    torn_tail_at: Option<u64>,
}

/// What a segment's chain check found.
#[derive(Debug)]
struct ChainOutcome {
    chain: ChainHasher,
    mismatch: Option<JournalError>,
}

/// Hashes the frames of `bytes[pos..]` (stopping at the first that does not
/// decode, where the cursor stops too) and checks every block start against
/// the segment's index.
fn check_chain(
    bytes: &[u8],
    mut pos: usize,
    mut chain: ChainHasher,
    index: Option<&SegmentIndex>,
    idx_path: PathBuf,
) -> ChainOutcome {
    while pos < bytes.len() {
        let Ok((rec, n)) = decode_frame(&bytes[pos..]) else {
            break;
        };
        if chain.in_block() == 0 {
            let stored = index.and_then(|idx| {
                idx.entries
                    .binary_search_by_key(&rec.seq, |e| e.seq)
                    .ok()
                    .map(|i| idx.entries[i])
            });
            if let Some(e) = stored
                && (e.chain != chain.chain() || e.offset != pos as u64)
            {
                let mismatch = JournalError::ChainMismatch {
                    segment: idx_path,
                    offset: e.offset,
                    seq: e.seq,
                    stored: hex::encode(e.chain),
                    computed: hex::encode(chain.chain()),
                };
                return ChainOutcome {
                    chain,
                    mismatch: Some(mismatch),
                };
            }
        }
        chain.push_frame(&bytes[pos..pos + n]);
        pos += n;
    }
    ChainOutcome {
        chain,
        mismatch: None,
    }
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
        // The previous segment's check has been joined, so the buffer is
        // ours again and is reused.
        self.reader
            .storage
            .read_into(&path, Arc::make_mut(&mut self.bytes))
            .map_err(|e| JournalError::io("read", &path, e))?;
        self.end = self.bytes.len();
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
        if self.verify_chain {
            let block = self.reader.manifest.block_records;
            let bytes = self.bytes.clone();
            let index = self.index.clone();
            let idx_path = index_path(&self.reader.dir, first);
            let (pos, chain) = (start.0, ChainHasher::new(block, start.2));
            let job = std::thread::Builder::new()
                .name("axon-journal-verify".into())
                .spawn(move || check_chain(&bytes, pos, chain, index.as_ref(), idx_path))
                .map_err(|e| JournalError::io("spawn", &path, e))?;
            self.chain_job = Some(job);
        }
        Ok(())
    }

    /// Waits for the current segment's chain check and reports a mismatch.
    fn finish_chain(&mut self) -> Result<()> {
        let Some(job) = self.chain_job.take() else {
            return Ok(());
        };
        let outcome = job.join().map_err(|_| JournalError::Poisoned {
            cause: "the chain verification thread panicked".into(),
        })?;
        if let Some(err) = outcome.mismatch {
            return Err(err);
        }
        self.chain = Some(outcome.chain);
        Ok(())
    }

    /// The head hash over every record, once the cursor has reached the end
    /// of the journal with chain verification on; `None` before that.
    pub fn head_hash(&self) -> Option<Hash> {
        self.finished
            .then(|| self.chain.as_ref().map(ChainHasher::head))
            .flatten()
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
            if self.pos >= self.end {
                if !self.end_of_segment()? {
                    self.finish_chain()?;
                    self.finished = true;
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
                        self.end = off;
                        self.finish_chain()?;
                        self.finished = true;
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
        self.finish_chain()?;
        if let (Some(idx), Some(chain)) = (&self.index, &self.chain)
            && idx.end_len == self.end as u64
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
                self.end,
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
