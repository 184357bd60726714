//! The real file system. Fail points (feature `failpoints`) sit here, in the
//! code that does the I/O, so tests exercise the real error paths.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use super::{FileSyncer, Storage, StorageFile};

/// The file whose OS lock marks the journal's one writer.
pub const LOCK_FILE: &str = "writer.lock";

/// Storage on the local file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsStorage;

#[cfg(feature = "failpoints")]
fn injected(name: &str) -> io::Result<()> {
    fail::fail_point!(name, |arg| {
        let kind = match arg.as_deref() {
            Some("enospc") => return Err(io::Error::from_raw_os_error(28)),
            Some("eio") | None => io::ErrorKind::Other,
            Some(_) => io::ErrorKind::Other,
        };
        Err(io::Error::new(kind, format!("injected failure at {name}")))
    });
    Ok(())
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
fn injected(_name: &str) -> io::Result<()> {
    Ok(())
}

impl Storage for FsStorage {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Ok(names)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn lock_writer(&self, dir: &Path) -> io::Result<Option<super::WriterLock>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(super::WriterLock(Some(file)))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn read_into(&self, path: &Path, buf: &mut Vec<u8>) -> io::Result<()> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        buf.clear();
        buf.reserve(usize::try_from(len).unwrap_or(0));
        file.read_to_end(buf)?;
        Ok(())
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        injected("storage::create")?;
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)?;
        Ok(Box::new(FsFile::new(file)))
    }

    fn open_append(&self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Box::new(FsFile::new(file)))
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(len)?;
        file.sync_all()
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        injected("storage::write_atomic")?;
        let tmp = path.with_extension("tmp");
        {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        match path.parent() {
            Some(dir) => self.sync_dir(dir),
            None => Ok(()),
        }
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        injected("storage::sync_dir")?;
        File::open(dir)?.sync_all()
    }
}

/// Bytes appended between two starts of writeback (see [`FsFile`]).
const WRITEBACK_EVERY: u64 = 4 << 20;

/// A segment open for appending. Every [`WRITEBACK_EVERY`] bytes it asks
/// the kernel to start writing them to disk, without waiting: otherwise
/// the dirty pages of a whole segment (64 MiB by default) would all be
/// written by the fdatasync that seals it, stalling the appender for tens
/// of milliseconds, although nothing asked for them sooner.
#[derive(Debug)]
struct FsFile {
    file: File,
    unstarted: u64,
}

impl FsFile {
    fn new(file: File) -> Self {
        Self { file, unstarted: 0 }
    }

    /// Starts writeback of the file's dirty pages (Linux: sync_file_range
    /// with SYNC_FILE_RANGE_WRITE only). Advisory: it promises nothing
    /// about durability, and a write error it meets is reported by the
    /// fdatasync that does, so its own result is not an error here.
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code, reason = "a system call on a file descriptor we own")]
    fn start_writeback(&self) {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is open for the duration of the call
        // (borrowed from `self.file`); offset 0 and length 0 mean the whole
        // file; the call reads no memory of ours.
        let rc = unsafe {
            libc::sync_file_range(self.file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE)
        };
        if rc != 0 {
            tracing::debug!(error = %io::Error::last_os_error(), "sync_file_range");
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&self) {}
}

impl StorageFile for FsFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        #[cfg(feature = "failpoints")]
        {
            // A short write: half the buffer reaches the file, then the error.
            fail::fail_point!("storage::short_write", |_| {
                self.file.write_all(&buf[..buf.len() / 2])?;
                Err(io::Error::from_raw_os_error(28))
            });
        }
        injected("storage::write")?;
        self.file.write_all(buf)?;
        self.unstarted += buf.len() as u64;
        if self.unstarted >= WRITEBACK_EVERY {
            self.unstarted = 0;
            self.start_writeback();
        }
        Ok(())
    }

    fn sync_data(&mut self) -> io::Result<()> {
        injected("storage::fsync")?;
        self.unstarted = 0;
        self.file.sync_data()
    }

    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        Ok(Box::new(FsSyncer {
            file: self.file.try_clone()?,
        }))
    }
}

#[derive(Debug)]
struct FsSyncer {
    file: File,
}

impl FileSyncer for FsSyncer {
    fn sync_data(&self) -> io::Result<()> {
        injected("storage::fsync")?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_across_writeback_starts_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        let mut file = FsStorage.create(&path).unwrap();
        // 9 MiB in 1 MiB pieces: writeback starts twice on the way.
        let piece: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
        for _ in 0..9 {
            file.write_all(&piece).unwrap();
        }
        file.sync_data().unwrap();
        drop(file);
        let back = FsStorage.read(&path).unwrap();
        assert_eq!(back.len(), 9 << 20);
        assert!(back.chunks(piece.len()).all(|c| c == piece.as_slice()));
    }
}
