//! The content-addressed artifact store: blobs (model bytes, configs) named by
//! the SHA-256 of their bytes, under `artifacts/sha256/`. Records refer to
//! artifacts by hash, so a journal copied elsewhere carries every model that
//! decided, and an audit loads the very bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::Hash;
use crate::error::{JournalError, Result};
use crate::storage::Storage;

/// A content-addressed blob store inside a journal directory.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    storage: Arc<dyn Storage>,
    dir: PathBuf,
}

impl ArtifactStore {
    pub(crate) fn new(storage: Arc<dyn Storage>, journal_dir: &Path) -> Self {
        Self {
            storage,
            dir: journal_dir.join("artifacts").join("sha256"),
        }
    }

    /// A store in memory, for runs that keep no journal (its blobs go
    /// with it).
    pub fn in_memory() -> Self {
        Self::new(
            Arc::new(crate::storage::SimStorage::new()),
            Path::new("memory"),
        )
    }

    /// The directory blobs are stored in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, sha256_hex: &str) -> PathBuf {
        self.dir.join(sha256_hex)
    }

    /// Stores `bytes` durably (idempotent) and returns their SHA-256.
    pub fn put(&self, bytes: &[u8]) -> Result<Hash> {
        let hash: Hash = Sha256::digest(bytes).into();
        let path = self.path_of(&hex::encode(hash));
        if !self.storage.exists(&path) {
            self.storage
                .create_dir_all(&self.dir)
                .map_err(|e| JournalError::io("create_dir", &self.dir, e))?;
            self.storage
                .write_atomic(&path, bytes)
                .map_err(|e| JournalError::io("write", &path, e))?;
        }
        Ok(hash)
    }

    /// Whether a blob is present.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.storage.exists(&self.path_of(&hex::encode(hash)))
    }

    /// Loads a blob and checks that its bytes still hash to its name.
    pub fn get(&self, hash: &Hash) -> Result<Vec<u8>> {
        let hex_name = hex::encode(hash);
        let path = self.path_of(&hex_name);
        if !self.storage.exists(&path) {
            return Err(JournalError::ArtifactMissing {
                sha256: hex_name,
                store: self.dir.clone(),
            });
        }
        let bytes = self
            .storage
            .read(&path)
            .map_err(|e| JournalError::io("read", &path, e))?;
        let computed: Hash = Sha256::digest(&bytes).into();
        if &computed != hash {
            return Err(JournalError::ArtifactCorrupt {
                path,
                computed: hex::encode(computed),
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SimStorage;

    #[test]
    fn put_get_and_detect_corruption() {
        let sim = SimStorage::new();
        let store = ArtifactStore::new(Arc::new(sim.clone()), Path::new("/j"));
        let h = store.put(b"model bytes").unwrap();
        assert_eq!(store.put(b"model bytes").unwrap(), h);
        assert!(store.contains(&h));
        assert_eq!(store.get(&h).unwrap(), b"model bytes");
        let path = store.dir().join(hex::encode(h));
        sim.set_file_bytes(&path, b"tampered".to_vec());
        assert!(matches!(
            store.get(&h),
            Err(JournalError::ArtifactCorrupt { .. })
        ));
        assert!(matches!(
            store.get(&[0; 32]),
            Err(JournalError::ArtifactMissing { .. })
        ));
    }
}
