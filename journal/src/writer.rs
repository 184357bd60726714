//! The journal writer: create/open, append, sync, acknowledgements.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Hash;
use crate::active::Active;
use crate::artifacts::ArtifactStore;
use crate::chain::genesis;
use crate::error::{JournalError, Result};
use crate::layout::{Closed, MANIFEST, Manifest};
use crate::options::{Durability, JournalOptions, SyncObserver};
use crate::recovery::{RecoveryReport, list_segments, read_manifest, recover};
use crate::storage::{FsStorage, Storage, WriterLock};

/// The single writer of a journal. Appends are assigned dense sequence
/// numbers from 0. See the crate docs for the guarantees.
#[derive(Debug)]
pub struct Journal {
    inner: Inner,
    durability: Durability,
    storage: Arc<dyn Storage>,
    dir: PathBuf,
    manifest: Manifest,
    artifacts: ArtifactStore,
    /// The OS lock that makes this the journal's only writer.
    _lock: WriterLock,
}

#[derive(Debug)]
enum Inner {
    /// `None` and `Every`: no other thread, no lock on the append path.
    Direct(Box<Active>),
    /// `Group`: the active segment is shared with the sync thread.
    Group(Arc<Shared>, Option<JoinHandle<()>>),
}

#[derive(Debug)]
struct Shared {
    active: Mutex<Active>,
    /// Wakes the sync thread (which waits on it holding `active`).
    work: Condvar,
    /// Threads about to lock `active` that the appender must not starve: it
    /// locks `active` for every record, and an unfair mutex would let it
    /// re-take the lock ahead of the sync thread for milliseconds. While
    /// non-zero, the appender yields before locking.
    contending: AtomicUsize,
    /// `Active::next_seq` and `Active::durable_seq`, published after every
    /// change under the `active` lock, so that waiters check and wait for
    /// acknowledgements without taking `active`.
    next_seq: AtomicU64,
    durable_seq: AtomicU64,
    /// Set, with `cause`, once the writer is poisoned.
    poisoned: AtomicBool,
    cause: Mutex<Option<String>>,
    /// Waiters sleep on `acked` with `ack_lock`; a publisher takes
    /// `ack_lock` before notifying, so no wake-up is lost.
    ack_lock: Mutex<()>,
    acked: Condvar,
    /// Threads blocked in `wait`: the sync thread syncs at once for them.
    waiters: AtomicUsize,
    /// Set by `close`/drop; checked under the `active` lock.
    stop: AtomicBool,
}

impl Shared {
    fn new(active: Active) -> Self {
        Self {
            next_seq: AtomicU64::new(active.next_seq),
            durable_seq: AtomicU64::new(active.durable_seq),
            poisoned: AtomicBool::new(false),
            cause: Mutex::new(None),
            active: Mutex::new(active),
            work: Condvar::new(),
            contending: AtomicUsize::new(0),
            ack_lock: Mutex::new(()),
            acked: Condvar::new(),
            waiters: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// Locks `active` ahead of the appender.
    fn lock_ahead(&self) -> MutexGuard<'_, Active> {
        self.contending.fetch_add(1, Ordering::SeqCst);
        let guard = lock(&self.active);
        self.contending.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Publishes `active`'s state to waiters (call holding the `active`
    /// lock, after anything that may have changed it); wakes them when the
    /// durable seq moved or the writer was poisoned.
    fn publish(&self, active: &Active) {
        self.next_seq.store(active.next_seq, Ordering::Release);
        let moved = self.durable_seq.load(Ordering::Acquire) != active.durable_seq;
        let poisoned = active.poisoned.is_some() && !self.poisoned.load(Ordering::Acquire);
        if !moved && !poisoned {
            return;
        }
        if poisoned {
            *lock(&self.cause) = active.poisoned.clone();
            self.poisoned.store(true, Ordering::Release);
        }
        self.durable_seq
            .store(active.durable_seq, Ordering::Release);
        // A waiter checks under `ack_lock` and sleeps releasing it: taking it
        // here orders this store before its check or after its sleep began.
        drop(lock(&self.ack_lock));
        self.acked.notify_all();
    }

    fn poisoned_error(&self) -> JournalError {
        JournalError::Poisoned {
            cause: lock(&self.cause).clone().unwrap_or_default(),
        }
    }
}

/// Waits for acknowledgements of a group-commit journal from any thread.
#[derive(Debug, Clone)]
pub struct AckHandle {
    shared: Option<Arc<Shared>>,
}

impl Journal {
    /// Creates a new journal in `dir` (created if missing; must not hold a journal).
    pub fn create(dir: impl AsRef<Path>, opts: JournalOptions) -> Result<Self> {
        Self::create_with(Arc::new(FsStorage), dir.as_ref(), opts)
    }

    /// Opens an existing journal for appending, recovering it first.
    pub fn open(dir: impl AsRef<Path>, opts: JournalOptions) -> Result<(Self, RecoveryReport)> {
        Self::open_with(Arc::new(FsStorage), dir.as_ref(), opts)
    }

    /// [`create`](Self::create) on the given storage.
    pub fn create_with(
        storage: Arc<dyn Storage>,
        dir: &Path,
        opts: JournalOptions,
    ) -> Result<Self> {
        storage
            .create_dir_all(dir)
            .map_err(|e| JournalError::io("create_dir", dir, e))?;
        let lock = take_lock(&*storage, dir)?;
        let mpath = dir.join(MANIFEST);
        if storage.exists(&mpath) || !list_segments(&*storage, dir)?.is_empty() {
            return Err(JournalError::AlreadyExists {
                path: dir.to_path_buf(),
            });
        }
        let block_records = opts.block_records.max(1);
        let manifest = Manifest::new(block_records, opts.segment_bytes);
        storage
            .write_atomic(&mpath, &manifest.to_bytes())
            .map_err(|e| JournalError::io("write", &mpath, e))?;
        Active::create_segment(&*storage, dir, 0, block_records, genesis())?;
        let (journal, _) = Self::open_locked(storage, dir, opts, lock)?;
        Ok(journal)
    }

    /// [`open`](Self::open) on the given storage.
    pub fn open_with(
        storage: Arc<dyn Storage>,
        dir: &Path,
        opts: JournalOptions,
    ) -> Result<(Self, RecoveryReport)> {
        // Nothing is read or repaired before this writer is the only one.
        read_manifest(&*storage, dir)?;
        let lock = take_lock(&*storage, dir)?;
        Self::open_locked(storage, dir, opts, lock)
    }

    fn open_locked(
        storage: Arc<dyn Storage>,
        dir: &Path,
        opts: JournalOptions,
        lock: WriterLock,
    ) -> Result<(Self, RecoveryReport)> {
        let mut manifest = read_manifest(&*storage, dir)?;
        let (resume, report) = recover(&*storage, dir, &manifest, opts.recovery)?;
        if manifest.closed.take().is_some() {
            // Cleared while a writer holds the journal: a crash leaves no stale head.
            let mpath = dir.join(MANIFEST);
            storage
                .write_atomic(&mpath, &manifest.to_bytes())
                .map_err(|e| JournalError::io("write", &mpath, e))?;
        }
        let active = Active::resume(storage.clone(), dir, &opts, manifest.block_records, resume)?;
        let inner = match opts.durability {
            Durability::None | Durability::Every => Inner::Direct(Box::new(active)),
            Durability::Group {
                interval,
                max_bytes,
            } => {
                let shared = Arc::new(Shared::new(active));
                let thread_shared = shared.clone();
                let observer = opts.on_sync.clone();
                let handle = std::thread::Builder::new()
                    .name("axon-journal-sync".into())
                    .spawn(move || sync_loop(&thread_shared, interval, max_bytes, observer))
                    .map_err(|e| JournalError::io("spawn", dir, e))?;
                Inner::Group(shared, Some(handle))
            }
        };
        let artifacts = ArtifactStore::new(storage.clone(), dir);
        Ok((
            Self {
                inner,
                durability: opts.durability,
                storage,
                dir: dir.to_path_buf(),
                manifest,
                artifacts,
                _lock: lock,
            },
            report,
        ))
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The content-addressed artifact store of this journal.
    pub fn artifacts(&self) -> &ArtifactStore {
        &self.artifacts
    }

    /// Records per chain block.
    pub fn block_records(&self) -> u32 {
        self.manifest.block_records
    }

    /// Appends a record and returns its sequence number. In `Every` mode the
    /// record is durable on return; in `Group` mode use
    /// [`wait_durable`](Self::wait_durable) or an [`AckHandle`].
    #[inline]
    pub fn append(&mut self, time_ns: i64, kind: u16, version: u16, payload: &[u8]) -> Result<u64> {
        self.append_with(time_ns, kind, version, |buf| buf.extend_from_slice(payload))
    }

    /// Appends a record whose payload `encode` writes straight into the
    /// journal's buffer (no intermediate copy).
    #[inline]
    pub fn append_with(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<u64> {
        match &mut self.inner {
            Inner::Direct(active) => {
                let seq = active.append_with(time_ns, kind, version, encode)?;
                if self.durability == Durability::Every {
                    active.sync()?;
                }
                Ok(seq)
            }
            Inner::Group(shared, _) => {
                while shared.contending.load(Ordering::Relaxed) != 0 {
                    std::thread::yield_now();
                }
                let mut active = lock(&shared.active);
                let before = active.handed_seq;
                let result = active.append_with(time_ns, kind, version, encode);
                shared.publish(&active);
                if active.handed_seq != before {
                    // A buffer went to the write thread: let the sync thread
                    // flush and sync it.
                    shared.work.notify_one();
                }
                result
            }
        }
    }

    /// The sequence number the next append gets (= number of records).
    pub fn next_seq(&self) -> u64 {
        self.with_active(|a| a.next_seq)
    }

    /// Frame bytes this writer has appended since it opened the journal.
    pub fn bytes_appended(&self) -> u64 {
        self.with_active(|a| a.bytes_total)
    }

    /// Every record below this sequence number is durable.
    pub fn durable_seq(&self) -> u64 {
        self.with_active(|a| a.durable_seq)
    }

    /// The head hash: covers every byte of every record so far.
    pub fn head_hash(&self) -> Hash {
        self.with_active(Active::head)
    }

    fn with_active<R>(&self, f: impl FnOnce(&Active) -> R) -> R {
        match &self.inner {
            Inner::Direct(a) => f(a),
            Inner::Group(shared, _) => f(&lock(&shared.active)),
        }
    }

    /// Hands buffered records to the OS (durable against a process crash).
    pub fn flush(&mut self) -> Result<()> {
        match &mut self.inner {
            Inner::Direct(a) => a.flush(),
            Inner::Group(shared, _) => {
                let mut active = lock(&shared.active);
                let r = active.flush();
                shared.publish(&active);
                r
            }
        }
    }

    /// Makes every record appended so far durable; returns the durable seq bound.
    pub fn sync(&mut self) -> Result<u64> {
        match &mut self.inner {
            Inner::Direct(a) => a.sync(),
            Inner::Group(shared, _) => {
                let mut active = lock(&shared.active);
                let r = active.sync();
                shared.publish(&active);
                r
            }
        }
    }

    /// Blocks until record `seq` is acknowledged: durable in `Group` and
    /// `Every` modes, handed to the OS in `None` mode.
    pub fn wait_durable(&mut self, seq: u64) -> Result<()> {
        match &mut self.inner {
            Inner::Direct(a) if self.durability == Durability::None => {
                if a.written_seq <= seq {
                    a.flush()?;
                }
                Ok(())
            }
            Inner::Direct(a) => {
                if a.durable_seq <= seq {
                    a.sync()?;
                }
                Ok(())
            }
            Inner::Group(shared, _) => wait_group(shared, seq),
        }
    }

    /// A handle for waiting on acknowledgements from other threads
    /// (group commit only; in other modes `wait` returns at once).
    pub fn ack_handle(&self) -> AckHandle {
        match &self.inner {
            Inner::Group(shared, _) => AckHandle {
                shared: Some(shared.clone()),
            },
            Inner::Direct(_) => AckHandle { shared: None },
        }
    }

    /// Syncs, stops the sync thread and records the head in the manifest.
    pub fn close(mut self) -> Result<Closed> {
        self.sync()?;
        self.stop_thread();
        let (next_seq, head) = self.with_active(|a| (a.next_seq, a.head()));
        let closed = Closed {
            next_seq,
            head_hash: hex::encode(head),
        };
        self.manifest.closed = Some(closed.clone());
        let mpath = self.dir.join(MANIFEST);
        self.storage
            .write_atomic(&mpath, &self.manifest.to_bytes())
            .map_err(|e| JournalError::io("write", &mpath, e))?;
        Ok(closed)
    }

    fn stop_thread(&mut self) {
        if let Inner::Group(shared, handle) = &mut self.inner
            && let Some(handle) = handle.take()
        {
            {
                // Set under the lock the thread waits with, so it cannot miss it.
                let _active = lock(&shared.active);
                shared.stop.store(true, Ordering::SeqCst);
                shared.work.notify_all();
            }
            let _ = handle.join();
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Best effort on drop: data reaches the OS; `close` is the durable path.
        let _ = self.flush();
        self.stop_thread();
    }
}

impl AckHandle {
    /// Blocks until record `seq` is durable (group commit).
    pub fn wait(&self, seq: u64) -> Result<()> {
        match &self.shared {
            Some(shared) => wait_group(shared, seq),
            None => Ok(()),
        }
    }

    /// Every record below this is durable (group commit); `None` otherwise.
    pub fn durable_seq(&self) -> Option<u64> {
        self.shared
            .as_ref()
            .map(|s| s.durable_seq.load(Ordering::Acquire))
    }
}

fn take_lock(storage: &dyn Storage, dir: &Path) -> Result<WriterLock> {
    storage
        .lock_writer(dir)
        .map_err(|e| JournalError::io("lock", dir, e))?
        .ok_or_else(|| JournalError::Locked {
            path: dir.to_path_buf(),
        })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn wait_group(shared: &Shared, seq: u64) -> Result<()> {
    let next = shared.next_seq.load(Ordering::Acquire);
    if next <= seq {
        return Err(JournalError::SeqOutOfRange { seq, next });
    }
    if shared.durable_seq.load(Ordering::Acquire) > seq {
        return Ok(());
    }
    shared.waiters.fetch_add(1, Ordering::SeqCst);
    {
        // Under the sync thread's lock, so the wake-up cannot fall between
        // its check of `waiters` and its sleep. It then syncs back to back
        // while `waiters` is non-zero, so one wake-up is enough.
        let _active = shared.lock_ahead();
        shared.work.notify_one();
    }
    let mut guard = lock(&shared.ack_lock);
    let result = loop {
        if shared.durable_seq.load(Ordering::Acquire) > seq {
            break Ok(());
        }
        if shared.poisoned.load(Ordering::Acquire) {
            break Err(shared.poisoned_error());
        }
        guard = shared.acked.wait(guard).unwrap_or_else(|e| e.into_inner());
    };
    drop(guard);
    shared.waiters.fetch_sub(1, Ordering::SeqCst);
    result
}

/// The group-commit thread: hands buffered bytes to the OS under the lock,
/// then fdatasyncs outside it so appends continue while the disk works.
fn sync_loop(shared: &Shared, interval: Duration, max_bytes: u64, observer: Option<SyncObserver>) {
    let mut active = lock(&shared.active);
    let mut oldest_unsynced: Option<Instant> = None;
    loop {
        if active.poisoned.is_some() {
            shared.publish(&active);
            return;
        }
        let pending = active.next_seq > active.durable_seq;
        if !pending {
            oldest_unsynced = None;
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            active = wait(&shared.work, active, interval);
            continue;
        }
        let started = *oldest_unsynced.get_or_insert_with(Instant::now);
        let due = shared.waiters.load(Ordering::SeqCst) > 0
            || shared.stop.load(Ordering::SeqCst)
            || started.elapsed() >= interval
            || active.unsynced_bytes() >= max_bytes;
        if !due {
            let left = interval.saturating_sub(started.elapsed());
            active = wait(&shared.work, active, left);
            continue;
        }
        if active.flush().is_err() {
            continue; // poisoned: reported to appenders and waiters above
        }
        let (target, target_bytes) = (active.written_seq, active.bytes_total);
        let syncer = active.syncer.clone();
        let path = active.seg_path.clone();
        drop(active);
        let t0 = Instant::now();
        let result = syncer.sync_data();
        let took = t0.elapsed();
        active = shared.lock_ahead();
        match result {
            Ok(()) => {
                if let Some(obs) = &observer {
                    obs(took);
                }
                active.mark_durable(target, target_bytes);
                oldest_unsynced = None;
            }
            Err(e) => {
                active.poison(JournalError::io("fdatasync", path, e));
            }
        }
        shared.publish(&active);
    }
}

fn wait<'a>(
    cv: &Condvar,
    guard: MutexGuard<'a, Active>,
    timeout: Duration,
) -> MutexGuard<'a, Active> {
    let timeout = timeout.max(Duration::from_micros(100));
    cv.wait_timeout(guard, timeout)
        .map(|(g, _)| g)
        .unwrap_or_else(|e| e.into_inner().0)
}
