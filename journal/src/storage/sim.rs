//! An in-memory storage that separates written bytes from durable ones, the
//! way a disk cache does. [`SimStorage::crash`] throws away what was not
//! made durable, optionally keeping a torn prefix of it, as a power cut would.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{FileSyncer, Storage, StorageFile};

/// What survives of un-synced bytes in a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Only durable bytes survive.
    DropUnsynced,
    /// Durable bytes plus the first `n` un-synced bytes of each file (a torn write).
    KeepPrefix(usize),
}

#[derive(Debug, Default, Clone)]
struct SimFile {
    written: Vec<u8>,
    durable_len: usize,
    /// Whether the directory entry is durable (the file survives a crash).
    entry_durable: bool,
}

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<PathBuf, SimFile>,
    dirs: Vec<PathBuf>,
}

/// In-memory storage for crash-consistency tests.
#[derive(Debug, Default, Clone)]
pub struct SimStorage {
    state: Arc<Mutex<State>>,
}

impl SimStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not hide this one's result.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Simulates a power cut: files whose directory entry was never synced
    /// vanish; the rest keep their durable bytes (plus a torn prefix).
    pub fn crash(&self, mode: CrashMode) {
        let mut st = self.lock();
        st.files.retain(|_, f| f.entry_durable);
        for f in st.files.values_mut() {
            let keep = match mode {
                CrashMode::DropUnsynced => f.durable_len,
                CrashMode::KeepPrefix(n) => (f.durable_len + n).min(f.written.len()),
            };
            f.written.truncate(keep);
            f.durable_len = keep;
        }
    }

    /// Current bytes of a file (for tests that corrupt or inspect it).
    pub fn file_bytes(&self, path: &Path) -> Option<Vec<u8>> {
        self.lock().files.get(path).map(|f| f.written.clone())
    }

    /// Replaces a file's bytes, durably (for tests that corrupt a journal).
    pub fn set_file_bytes(&self, path: &Path, bytes: Vec<u8>) {
        let mut st = self.lock();
        let f = st.files.entry(path.to_path_buf()).or_default();
        f.durable_len = bytes.len();
        f.written = bytes;
        f.entry_durable = true;
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} not found", path.display()),
    )
}

impl Storage for SimStorage {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.lock();
        if !st.dirs.iter().any(|d| d == dir) {
            st.dirs.push(dir.to_path_buf());
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let st = self.lock();
        Ok(st
            .files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect())
    }

    fn exists(&self, path: &Path) -> bool {
        let st = self.lock();
        st.files.contains_key(path)
            || st.dirs.iter().any(|d| d == path)
            || st.files.keys().any(|p| p.starts_with(path))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.lock()
            .files
            .get(path)
            .map(|f| f.written.clone())
            .ok_or_else(|| not_found(path))
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        let mut st = self.lock();
        if st.files.contains_key(path) {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
        }
        st.files.insert(path.to_path_buf(), SimFile::default());
        Ok(Box::new(SimHandle {
            storage: self.clone(),
            path: path.to_path_buf(),
        }))
    }

    fn open_append(&self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        if !self.lock().files.contains_key(path) {
            return Err(not_found(path));
        }
        Ok(Box::new(SimHandle {
            storage: self.clone(),
            path: path.to_path_buf(),
        }))
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let mut st = self.lock();
        let f = st.files.get_mut(path).ok_or_else(|| not_found(path))?;
        f.written.truncate(len as usize);
        f.durable_len = f.written.len();
        Ok(())
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut st = self.lock();
        st.files.insert(
            path.to_path_buf(),
            SimFile {
                written: bytes.to_vec(),
                durable_len: bytes.len(),
                entry_durable: true,
            },
        );
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.lock();
        for (p, f) in st.files.iter_mut() {
            if p.parent() == Some(dir) {
                f.entry_durable = true;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct SimHandle {
    storage: SimStorage,
    path: PathBuf,
}

impl SimHandle {
    fn with<R>(&self, f: impl FnOnce(&mut SimFile) -> R) -> io::Result<R> {
        let mut st = self.storage.lock();
        let file = st
            .files
            .get_mut(&self.path)
            .ok_or_else(|| not_found(&self.path))?;
        Ok(f(file))
    }
}

impl StorageFile for SimHandle {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.with(|f| f.written.extend_from_slice(buf))
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.with(|f| f.durable_len = f.written.len())
    }

    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        Ok(Box::new(self.clone()))
    }
}

impl FileSyncer for SimHandle {
    fn sync_data(&self) -> io::Result<()> {
        self.with(|f| f.durable_len = f.written.len())
    }
}
