//! The active (last) segment: the write buffer, the open file, the chain and
//! the in-memory index. All of the writer's file I/O happens here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::chain::ChainHasher;
use crate::error::{JournalError, Result};
use crate::format::{FRAME_HEADER_LEN, MAX_PAYLOAD, SegmentHeader, begin_frame, close_frame};
use crate::layout::{IndexEntry, SegmentIndex, index_path, segment_path};
use crate::options::JournalOptions;
use crate::pipe::ChainPipe;
use crate::storage::{FileSyncer, Storage};

#[derive(Debug)]
pub(crate) struct Active {
    pub storage: Arc<dyn Storage>,
    pub dir: PathBuf,
    pub segment_bytes: u64,
    pub block_records: u32,
    pub buffer_bytes: usize,
    pub syncer: Arc<dyn FileSyncer>,
    pub seg_path: PathBuf,
    /// Bytes not yet handed to the OS.
    pub buf: Vec<u8>,
    /// Length of the segment including `buf`.
    pub seg_len: u64,
    pub next_seq: u64,
    /// The segment's writes and the hash chain, on their own thread.
    pub chain: ChainPipe,
    /// Frames in `buf`.
    pub buf_frames: u64,
    /// Block starts of this segment; chain values of blocks appended since
    /// the writer opened are filled in from `chain` when the segment seals.
    pub index: Vec<IndexEntry>,
    /// Every seq below this has been handed to the OS.
    pub written_seq: u64,
    /// Every seq below this has been handed to the write thread.
    pub handed_seq: u64,
    /// Every seq below this is durable.
    pub durable_seq: u64,
    /// Frame bytes appended by this writer, and how many of them are durable
    /// (drives group commit's byte trigger).
    pub bytes_total: u64,
    pub bytes_synced: u64,
    /// Set by the first fatal I/O error; the writer refuses work after it.
    pub poisoned: Option<String>,
}

/// Where the writer resumes: the state recovery found.
#[derive(Debug)]
pub(crate) struct Resume {
    pub seg_first_seq: u64,
    pub seg_len: u64,
    pub next_seq: u64,
    pub chain: ChainHasher,
    pub index: Vec<IndexEntry>,
}

impl Active {
    /// Opens the segment recovery left as the last one, for appending.
    pub fn resume(
        storage: Arc<dyn Storage>,
        dir: &Path,
        opts: &JournalOptions,
        block_records: u32,
        r: Resume,
    ) -> Result<Self> {
        let seg_path = segment_path(dir, r.seg_first_seq);
        let file = storage
            .open_append(&seg_path)
            .map_err(|e| JournalError::io("open", &seg_path, e))?;
        let syncer: Arc<dyn FileSyncer> = file
            .syncer()
            .map_err(|e| JournalError::io("dup", &seg_path, e))?
            .into();
        let chain = ChainPipe::start(r.chain, r.next_seq, block_records, seg_path.clone(), file)
            .map_err(|e| JournalError::io("spawn", dir, e))?;
        Ok(Self {
            storage,
            dir: dir.to_path_buf(),
            segment_bytes: opts.segment_bytes,
            block_records,
            buffer_bytes: opts.buffer_bytes.max(4096),
            syncer,
            seg_path,
            buf: Vec::with_capacity(opts.buffer_bytes.max(4096) + 4096),
            seg_len: r.seg_len,
            next_seq: r.next_seq,
            chain,
            buf_frames: 0,
            index: r.index,
            written_seq: r.next_seq,
            handed_seq: r.next_seq,
            durable_seq: r.next_seq,
            bytes_total: 0,
            bytes_synced: 0,
            poisoned: None,
        })
    }

    /// Creates a fresh segment file starting at `first_seq` with its header,
    /// synced, with its directory entry synced.
    pub fn create_segment(
        storage: &dyn Storage,
        dir: &Path,
        first_seq: u64,
        block_records: u32,
        chain_in: crate::Hash,
    ) -> Result<()> {
        let path = segment_path(dir, first_seq);
        let mut file = storage
            .create(&path)
            .map_err(|e| JournalError::io("create", &path, e))?;
        let header = SegmentHeader {
            block_records,
            first_seq,
            chain_in,
        };
        file.write_all(&header.encode())
            .map_err(|e| JournalError::io("write", &path, e))?;
        file.sync_data()
            .map_err(|e| JournalError::io("fdatasync", &path, e))?;
        #[cfg(feature = "failpoints")]
        fail::fail_point!("roll::before_dir_sync", |_| Err(JournalError::io(
            "sync_dir",
            dir,
            std::io::Error::other("injected crash during segment roll")
        )));
        storage
            .sync_dir(dir)
            .map_err(|e| JournalError::io("sync_dir", dir, e))
    }

    #[inline]
    pub fn check(&mut self) -> Result<()> {
        // A write the thread failed: its error, once; `Poisoned` after.
        if self.chain.has_failed()
            && self.poisoned.is_none()
            && let Err(e) = self.chain.written()
        {
            return Err(self.poison(e));
        }
        match &self.poisoned {
            None => Ok(()),
            Some(cause) => Err(JournalError::Poisoned {
                cause: cause.clone(),
            }),
        }
    }

    /// Remembers a fatal error and returns it.
    pub fn poison(&mut self, err: JournalError) -> JournalError {
        if self.poisoned.is_none() {
            tracing::error!(error = %err, "journal writer stopped");
            self.poisoned = Some(err.to_string());
        }
        err
    }

    /// Frames one record, its payload written by `encode`, into the buffer.
    #[inline]
    pub fn append_with(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<u64> {
        self.check()?;
        let seq = self.next_seq;
        let start = begin_frame(&mut self.buf, seq, time_ns, kind, version);
        encode(&mut self.buf);
        // The write thread seals the frame (its CRC) before writing it.
        let len =
            close_frame(&mut self.buf, start).map_err(|len| JournalError::PayloadTooLarge {
                len,
                max: MAX_PAYLOAD,
            })?;
        // Blocks are every `block_records` seqs from 0; the chain value
        // before this block is filled in when the segment seals.
        let k = u64::from(self.block_records);
        if seq.is_multiple_of(k) {
            self.index.push(IndexEntry {
                seq,
                offset: self.seg_len,
                chain: [0; 32],
            });
        }
        let block_done = (seq + 1).is_multiple_of(k);
        self.buf_frames += 1;
        self.seg_len += (FRAME_HEADER_LEN + len) as u64;
        self.bytes_total += (FRAME_HEADER_LEN + len) as u64;
        self.next_seq += 1;
        if self.buf.len() >= self.buffer_bytes {
            self.hand_off()?;
        }
        if block_done && self.seg_len >= self.segment_bytes {
            self.roll()?;
        }
        Ok(seq)
    }

    /// Hands buffered bytes to the OS: to the write thread, then waits
    /// until it has written them.
    pub fn flush(&mut self) -> Result<()> {
        self.hand_off()?;
        if let Err(e) = self.chain.written() {
            return Err(self.poison(e));
        }
        self.written_seq = self.next_seq;
        Ok(())
    }

    /// Hands buffered bytes to the write thread, without waiting for it.
    fn hand_off(&mut self) -> Result<()> {
        self.check()?;
        if !self.buf.is_empty() {
            let written = std::mem::take(&mut self.buf);
            let capacity = self.buffer_bytes + 4096;
            match self.chain.send(written, self.buf_frames, capacity) {
                Ok(next) => self.buf = next,
                Err(()) => {
                    let err = JournalError::Poisoned {
                        cause: "the hash chain thread stopped".into(),
                    };
                    return Err(self.poison(err));
                }
            }
            self.buf_frames = 0;
        }
        self.handed_seq = self.next_seq;
        Ok(())
    }

    /// Flushes and fdatasyncs everything appended so far.
    pub fn sync(&mut self) -> Result<u64> {
        self.flush()?;
        if self.durable_seq < self.written_seq {
            if let Err(e) = self.syncer.sync_data() {
                let err = JournalError::io("fdatasync", &self.seg_path, e);
                return Err(self.poison(err));
            }
            self.mark_durable(self.written_seq, self.bytes_total);
        }
        Ok(self.durable_seq)
    }

    /// Bytes appended but not yet known durable.
    pub fn unsynced_bytes(&self) -> u64 {
        self.bytes_total - self.bytes_synced
    }

    /// Records that every seq below `seq` (and `bytes` bytes) are durable.
    pub fn mark_durable(&mut self, seq: u64, bytes: u64) {
        self.durable_seq = self.durable_seq.max(seq);
        self.bytes_synced = self.bytes_synced.max(bytes);
    }

    /// The head hash over everything appended (waits for the hash thread).
    pub fn head(&self) -> crate::Hash {
        self.chain.head(&self.buf)
    }

    /// Seals the current segment (synced, index written) and starts the next.
    /// Called at a block boundary, so the head is the chain value there.
    pub fn roll(&mut self) -> Result<()> {
        self.sync()?;
        let first_seq = self.index.first().map_or(self.next_seq, |e| e.seq);
        let seg_first = segment_first_seq(&self.seg_path).unwrap_or(first_seq);
        let mut entries = std::mem::take(&mut self.index);
        for e in &mut entries {
            if let Some(chain) = self.chain.boundary(e.seq) {
                e.chain = chain;
            }
        }
        let chain_out = self.head();
        self.chain.forget_before(self.next_seq);
        let index = SegmentIndex {
            entries,
            end_seq: self.next_seq,
            end_len: self.seg_len,
            chain_out,
        };
        let idx_path = index_path(&self.dir, seg_first);
        let result = self
            .storage
            .write_atomic(&idx_path, &index.encode())
            .map_err(|e| JournalError::io("write", &idx_path, e))
            .and_then(|()| {
                Self::create_segment(
                    &*self.storage,
                    &self.dir,
                    self.next_seq,
                    self.block_records,
                    chain_out,
                )
            })
            .and_then(|()| {
                let path = segment_path(&self.dir, self.next_seq);
                let file = self
                    .storage
                    .open_append(&path)
                    .map_err(|e| JournalError::io("open", &path, e))?;
                let syncer = file
                    .syncer()
                    .map_err(|e| JournalError::io("dup", &path, e))?;
                Ok((path, file, syncer))
            });
        match result {
            Ok((path, file, syncer)) => {
                tracing::debug!(segment = %path.display(), "journal segment rolled");
                if self.chain.set_file(path.clone(), file).is_err() {
                    let err = JournalError::Poisoned {
                        cause: "the journal's write thread stopped".into(),
                    };
                    return Err(self.poison(err));
                }
                self.seg_path = path;
                self.syncer = syncer.into();
                self.seg_len = crate::format::SEGMENT_HEADER_LEN as u64;
                Ok(())
            }
            Err(e) => Err(self.poison(e)),
        }
    }
}

fn segment_first_seq(path: &Path) -> Option<u64> {
    path.file_stem()?.to_str()?.parse().ok()
}
