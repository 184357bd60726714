//! The segment file's writes and the hash chain, on a second thread.
//! SHA-256 costs about 60 ns per small frame, more than framing and CRC
//! together, and copying a buffer into the page cache costs about as much
//! again per record; so the writer hands each full buffer to this thread,
//! which writes it to the segment and then hashes it, and neither happens
//! on the append path. Buffers arrive in order and hold whole frames, so
//! the file and the chain are exactly what a single thread would produce.
//! The writer waits for this thread where it needs what it did: a flush
//! (bytes handed to the OS), a sync, a segment roll, a chain value.
//!
//! The frames' CRCs go to whichever side has time: a writer that does
//! other work per record (the engine) hands its frames unsealed and this
//! thread seals them before writing; a writer that finds this thread still
//! busy with an earlier buffer (nothing but appends to do) seals its own.
//! A CRC is a function of the frame's bytes, so the file is the same.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::Hash;
use crate::chain::ChainHasher;
use crate::error::JournalError;
use crate::format::{FRAME_HEADER_LEN, seal_frame};
use crate::storage::StorageFile;

/// A write error, kept to be reported to the writer (an `io::Error` is not
/// `Clone`): the OS error code when there is one, else its kind and text.
#[derive(Debug)]
struct Failure {
    os: Option<i32>,
    kind: std::io::ErrorKind,
    text: String,
}

impl Failure {
    fn of(e: &std::io::Error) -> Self {
        Self {
            os: e.raw_os_error(),
            kind: e.kind(),
            text: e.to_string(),
        }
    }

    fn error(&self) -> std::io::Error {
        match self.os {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::Error::new(self.kind, self.text.clone()),
        }
    }
}

/// What the writer hands the thread, in order.
enum Msg {
    /// Whole frames to append to the current segment, then hash; `sealed`
    /// when their CRCs are already written.
    Chunk { bytes: Vec<u8>, sealed: bool },
    /// The segment file later chunks go to (after a roll).
    File(PathBuf, Box<dyn StorageFile>),
}

/// Chunks in flight before the writer waits for the hasher.
const DEPTH: usize = 4;

#[derive(Debug)]
struct State {
    chain: ChainHasher,
    /// Frames hashed so far (since the pipe started).
    hashed: u64,
    /// Chain value before each block that starts at the given seq.
    boundaries: BTreeMap<u64, Hash>,
    /// Sequence number of the next frame to hash.
    next_seq: u64,
    /// The hasher thread died (it cannot fail; a panic is a bug).
    dead: bool,
    /// The first failed write (file and error); nothing is written or
    /// hashed after it.
    failed: Option<(PathBuf, Failure)>,
}

/// The writer's handle on the hashing thread.
#[derive(Debug)]
pub(crate) struct ChainPipe {
    tx: Option<SyncSender<Msg>>,
    spare: Receiver<Vec<u8>>,
    shared: Arc<(Mutex<State>, Condvar)>,
    /// Set with `State::failed`, read on every append without a lock.
    failed: Arc<AtomicBool>,
    /// Chunks the thread has written and hashed (after a failed write the
    /// writer is poisoned, so the count no longer matters).
    done: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
    sent: u64,
    sent_chunks: u64,
    block_records: u64,
}

/// The end of the frame starting at `at` in a buffer of whole frames the
/// writer built (so lengths are trusted, but clamped rather than assumed).
#[inline]
fn frame_end(bytes: &[u8], at: usize) -> usize {
    let len = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (at + FRAME_HEADER_LEN + len as usize).min(bytes.len())
}

/// Calls `f` with each frame of a buffer of whole frames.
fn for_each_frame(bytes: &[u8], mut f: impl FnMut(&[u8])) {
    let mut at = 0;
    while at + FRAME_HEADER_LEN <= bytes.len() {
        let end = frame_end(bytes, at);
        f(&bytes[at..end]);
        at = end;
    }
}

/// Writes the CRC of each frame of a buffer of whole frames the writer
/// closed but did not seal.
fn seal_frames(bytes: &mut [u8]) {
    let mut at = 0;
    while at + FRAME_HEADER_LEN <= bytes.len() {
        let end = frame_end(bytes, at);
        seal_frame(&mut bytes[at..end]);
        at = end;
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ChainPipe {
    /// Starts writing to `file` (at `path`) and hashing after `chain`, whose
    /// next frame has sequence `next_seq`.
    pub fn start(
        chain: ChainHasher,
        next_seq: u64,
        block_records: u32,
        path: PathBuf,
        file: Box<dyn StorageFile>,
    ) -> std::io::Result<Self> {
        let block_records = u64::from(block_records.max(1));
        let mut boundaries = BTreeMap::new();
        if chain.in_block() == 0 {
            boundaries.insert(next_seq, chain.chain());
        }
        let shared = Arc::new((
            Mutex::new(State {
                chain,
                hashed: 0,
                boundaries,
                next_seq,
                dead: false,
                failed: None,
            }),
            Condvar::new(),
        ));
        let failed = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel::<Msg>(DEPTH);
        let (give_back, spare) = sync_channel::<Vec<u8>>(DEPTH + 2);
        let thread_shared = shared.clone();
        let thread_failed = failed.clone();
        let done = Arc::new(AtomicU64::new(0));
        let thread_done = done.clone();
        let handle = std::thread::Builder::new()
            .name("axon-journal-chain".into())
            .spawn(move || {
                let (m, cv) = &*thread_shared;
                let mut chain = lock(m).chain.clone();
                let mut seq = lock(m).next_seq;
                let (mut path, mut file) = (path, file);
                while let Ok(msg) = rx.recv() {
                    let (mut chunk, sealed) = match msg {
                        Msg::File(p, f) => {
                            (path, file) = (p, f);
                            continue;
                        }
                        Msg::Chunk { bytes, sealed } => (bytes, sealed),
                    };
                    if thread_failed.load(Ordering::Acquire) {
                        continue;
                    }
                    if !sealed {
                        seal_frames(&mut chunk);
                    }
                    if let Err(e) = file.write_all(&chunk) {
                        lock(m).failed = Some((path.clone(), Failure::of(&e)));
                        thread_failed.store(true, Ordering::Release);
                        cv.notify_all();
                        continue;
                    }
                    let mut frames = 0u64;
                    let mut done = Vec::new();
                    for_each_frame(&chunk, |frame| {
                        if let Some(h) = chain.push_frame(frame) {
                            done.push((seq + 1, h));
                        }
                        seq += 1;
                        frames += 1;
                    });
                    {
                        let mut st = lock(m);
                        st.chain = chain.clone();
                        st.hashed += frames;
                        st.next_seq = seq;
                        st.boundaries.extend(done);
                    }
                    thread_done.fetch_add(1, Ordering::Release);
                    cv.notify_all();
                    chunk.clear();
                    let _ = give_back.try_send(chunk);
                }
                lock(m).dead = true;
                cv.notify_all();
            })?;
        Ok(Self {
            tx: Some(tx),
            spare,
            shared,
            failed,
            done,
            handle: Some(handle),
            sent: 0,
            sent_chunks: 0,
            block_records,
        })
    }

    /// Hands a buffer of `frames` whole frames, closed but not sealed, to
    /// the thread to write and hash, and returns an empty buffer to fill
    /// next; `Err` if the thread is gone (a bug: it cannot fail), since the
    /// chain would then be wrong.
    pub fn send(
        &mut self,
        mut chunk: Vec<u8>,
        frames: u64,
        capacity: usize,
    ) -> Result<Vec<u8>, ()> {
        let next = match self.spare.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(capacity),
        };
        if frames > 0 {
            // The thread still has an earlier chunk: it is the slower side.
            let sealed = self.sent_chunks > self.done.load(Ordering::Acquire);
            if sealed {
                seal_frames(&mut chunk);
            }
            match &self.tx {
                Some(tx)
                    if tx
                        .send(Msg::Chunk {
                            bytes: chunk,
                            sealed,
                        })
                        .is_ok() =>
                {
                    self.sent += frames;
                    self.sent_chunks += 1;
                }
                _ => return Err(()),
            }
        }
        Ok(next)
    }

    /// Later chunks go to `file` (the next segment, after a roll).
    pub fn set_file(&mut self, path: PathBuf, file: Box<dyn StorageFile>) -> Result<(), ()> {
        match &self.tx {
            Some(tx) if tx.send(Msg::File(path, file)).is_ok() => Ok(()),
            _ => Err(()),
        }
    }

    /// Whether a write failed (cheap: no lock).
    #[inline]
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Waits until every chunk sent is written and hashed; the first
    /// failed write, if any, instead.
    pub fn written(&self) -> Result<(), JournalError> {
        let st = self.caught_up();
        match &st.failed {
            Some((path, f)) => Err(JournalError::io("write", path, f.error())),
            None if st.dead => Err(JournalError::Poisoned {
                cause: "the journal's write thread stopped".into(),
            }),
            None => Ok(()),
        }
    }

    /// Waits until every frame sent has been written and hashed (or a
    /// write failed); returns the state.
    fn caught_up(&self) -> MutexGuard<'_, State> {
        let (m, cv) = &*self.shared;
        let mut st = lock(m);
        while st.hashed < self.sent && !st.dead && st.failed.is_none() {
            st = cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st
    }

    /// The head hash over every frame sent plus the whole frames in
    /// `pending` (bytes not yet written or sealed, hashed here on a copy of
    /// the state).
    pub fn head(&self, pending: &[u8]) -> Hash {
        let mut chain = self.caught_up().chain.clone();
        let mut sealed = pending.to_vec();
        seal_frames(&mut sealed);
        for_each_frame(&sealed, |frame| {
            chain.push_frame(frame);
        });
        chain.head()
    }

    /// The chain value before the block starting at `seq`, once hashed.
    pub fn boundary(&self, seq: u64) -> Option<Hash> {
        debug_assert!(seq.is_multiple_of(self.block_records));
        let st = self.caught_up();
        st.boundaries.get(&seq).copied()
    }

    /// Drops boundaries before `seq` (after a roll has used them).
    pub fn forget_before(&self, seq: u64) {
        let mut st = self.caught_up();
        let keep = st.boundaries.split_off(&seq);
        st.boundaries = keep;
    }
}

impl Drop for ChainPipe {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::genesis;
    use crate::format::{begin_frame, close_frame, finish_frame};
    use crate::storage::{FsStorage, Storage};

    /// `frames` closed (unsealed) frames from `seq`, and the same sealed.
    fn frames(seq: u64, frames: u64) -> (Vec<u8>, Vec<u8>) {
        let (mut open, mut sealed) = (Vec::new(), Vec::new());
        for s in seq..seq + frames {
            let payload = s.to_le_bytes().repeat(1 + (s % 5) as usize);
            let at = begin_frame(&mut open, s, s as i64, 1, 1);
            open.extend_from_slice(&payload);
            close_frame(&mut open, at).unwrap();
            let at = begin_frame(&mut sealed, s, s as i64, 1, 1);
            sealed.extend_from_slice(&payload);
            finish_frame(&mut sealed, at).unwrap();
        }
        (open, sealed)
    }

    #[test]
    fn chunks_sealed_by_either_side_make_the_same_file_and_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        let file = FsStorage.create(&path).unwrap();
        let mut pipe =
            ChainPipe::start(ChainHasher::new(64, genesis()), 0, 64, path.clone(), file).unwrap();
        let (mut expected, mut chain) = (Vec::new(), ChainHasher::new(64, genesis()));
        let per_chunk = 20_000;
        let mut chunks = Vec::new();
        for c in 0..12 {
            let (open, sealed) = frames(c * per_chunk, per_chunk);
            for_each_frame(&sealed, |f| {
                chain.push_frame(f);
            });
            expected.extend_from_slice(&sealed);
            chunks.push(open);
        }
        // Sent back to back, the thread is still busy with one chunk when
        // the next comes, so some are sealed here and some there.
        for open in chunks {
            pipe.send(open, per_chunk, 0).unwrap();
        }
        pipe.written().unwrap();
        assert_eq!(pipe.head(&[]), chain.head());
        // Frames not yet sent count too, sealed on a copy.
        let (pending, tail) = frames(12 * per_chunk, 3);
        for_each_frame(&tail, |f| {
            chain.push_frame(f);
        });
        assert_eq!(pipe.head(&pending), chain.head());
        drop(pipe);
        let written = FsStorage.read(&path).unwrap();
        assert_eq!(written, expected);
    }
}
