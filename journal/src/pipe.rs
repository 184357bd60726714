//! The hash chain, computed on a second thread. SHA-256 costs about 60 ns
//! per small frame, more than framing and CRC together, so the writer hands
//! each buffer it writes to the OS to this thread and never hashes on the
//! append path. Buffers arrive in write order and hold whole frames, so the
//! chain is exactly the one a single thread would compute; the writer waits
//! for it only where it needs a chain value (a segment roll, `head_hash`,
//! `close`).

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::Hash;
use crate::chain::ChainHasher;
use crate::format::FRAME_HEADER_LEN;

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
}

/// The writer's handle on the hashing thread.
#[derive(Debug)]
pub(crate) struct ChainPipe {
    tx: Option<SyncSender<Vec<u8>>>,
    spare: Receiver<Vec<u8>>,
    shared: Arc<(Mutex<State>, Condvar)>,
    handle: Option<JoinHandle<()>>,
    sent: u64,
    block_records: u64,
}

/// Calls `f` with each frame of a buffer of whole frames the writer built
/// (so lengths are trusted, but clamped rather than assumed).
fn for_each_frame(bytes: &[u8], mut f: impl FnMut(&[u8])) {
    let mut at = 0;
    while at + FRAME_HEADER_LEN <= bytes.len() {
        let len =
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let end = (at + FRAME_HEADER_LEN + len).min(bytes.len());
        f(&bytes[at..end]);
        at = end;
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ChainPipe {
    /// Starts hashing after `chain`, whose next frame has sequence `next_seq`.
    pub fn start(chain: ChainHasher, next_seq: u64, block_records: u32) -> std::io::Result<Self> {
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
            }),
            Condvar::new(),
        ));
        let (tx, rx) = sync_channel::<Vec<u8>>(DEPTH);
        let (give_back, spare) = sync_channel::<Vec<u8>>(DEPTH + 2);
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name("axon-journal-chain".into())
            .spawn(move || {
                let (m, cv) = &*thread_shared;
                let mut chain = lock(m).chain.clone();
                let mut seq = lock(m).next_seq;
                while let Ok(mut chunk) = rx.recv() {
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
            handle: Some(handle),
            sent: 0,
            block_records,
        })
    }

    /// Hands a written buffer of `frames` whole frames to the hasher and
    /// returns an empty buffer to fill next; `Err` if the hash thread is
    /// gone (a bug: it cannot fail), since the chain would then be wrong.
    pub fn send(&mut self, chunk: Vec<u8>, frames: u64, capacity: usize) -> Result<Vec<u8>, ()> {
        let next = match self.spare.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(capacity),
        };
        if frames > 0 {
            match &self.tx {
                Some(tx) if tx.send(chunk).is_ok() => self.sent += frames,
                _ => return Err(()),
            }
        }
        Ok(next)
    }

    /// Waits until every frame sent has been hashed; returns the state.
    fn caught_up(&self) -> MutexGuard<'_, State> {
        let (m, cv) = &*self.shared;
        let mut st = lock(m);
        while st.hashed < self.sent && !st.dead {
            st = cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st
    }

    /// The head hash over every frame sent plus the whole frames in
    /// `pending` (bytes not yet written, hashed here on a copy of the state).
    pub fn head(&self, pending: &[u8]) -> Hash {
        let mut chain = self.caught_up().chain.clone();
        for_each_frame(pending, |frame| {
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
