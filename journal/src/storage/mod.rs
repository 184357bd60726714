//! The storage port: the few file operations the journal needs. [`FsStorage`]
//! is the real file system; [`SimStorage`] keeps written and durable bytes
//! apart so tests can crash it at any point. Only whole-buffer writes go
//! through this trait (never one call per record), so dynamic dispatch is off
//! the hot path.

mod fs;
mod sim;

use std::fmt::Debug;
use std::io;
use std::path::Path;

pub use fs::FsStorage;
pub use sim::{CrashMode, SimStorage};

/// File operations the journal uses.
pub trait Storage: Send + Sync + Debug {
    /// Creates a directory and its parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Names of the entries in a directory (files only), unsorted.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Whether a file exists.
    fn exists(&self, path: &Path) -> bool;
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Reads a whole file into `buf`, replacing its contents. Readers call it
    /// segment after segment with the same buffer, so a backend that can
    /// reuse the allocation (no fresh pages to fault in per segment) should.
    fn read_into(&self, path: &Path, buf: &mut Vec<u8>) -> io::Result<()> {
        *buf = self.read(path)?;
        Ok(())
    }
    /// Takes an exclusive lock for the journal's one writer, held until the
    /// returned guard drops. `Ok(None)` means another writer holds it.
    /// Backends without processes to exclude (memory) always grant it.
    fn lock_writer(&self, _dir: &Path) -> io::Result<Option<WriterLock>> {
        Ok(Some(WriterLock(None)))
    }
    /// Creates a new file (failing if it exists) and opens it for appending.
    fn create(&self, path: &Path) -> io::Result<Box<dyn StorageFile>>;
    /// Opens an existing file for appending at its end.
    fn open_append(&self, path: &Path) -> io::Result<Box<dyn StorageFile>>;
    /// Cuts a file to `len` bytes and makes that durable.
    fn truncate(&self, path: &Path, len: u64) -> io::Result<()>;
    /// Writes a small file atomically: temp file, fsync, rename, directory fsync.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Makes a directory's entries (created, renamed files) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// Holds a journal's writer lock (an OS file lock) while alive.
#[derive(Debug)]
pub struct WriterLock(
    #[allow(
        dead_code,
        reason = "held for its Drop: closing the file releases the lock"
    )]
    pub(crate) Option<std::fs::File>,
);

/// A file open for appending.
pub trait StorageFile: Send + Debug {
    /// Appends all of `buf`.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable (fdatasync).
    fn sync_data(&mut self) -> io::Result<()>;
    /// A handle that can fdatasync this file from another thread, so group
    /// commit does not block appends while the disk works.
    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>>;
}

/// Syncs a file from another thread.
pub trait FileSyncer: Send + Sync + Debug {
    /// fdatasync: everything written before the call is durable after it.
    fn sync_data(&self) -> io::Result<()>;
}
