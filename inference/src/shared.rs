//! A model shared between predicting threads and a reloader.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use crate::backend::{Backend, ModelInfo};
use crate::error::Result;

/// A model behind a read-write lock: predictions take the read lock, a swap
/// takes the write lock only to exchange one pointer (the new model is
/// loaded beforehand, outside the lock). Every swap increments the version
/// and broadcasts it.
#[derive(Debug, Clone)]
pub struct SharedModel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    model: RwLock<Arc<dyn Backend>>,
    version: AtomicU64,
    tx: watch::Sender<u64>,
}

impl SharedModel {
    /// Wraps a loaded model as version 1.
    pub fn new(model: Box<dyn Backend>) -> Self {
        Self::at_version(Arc::from(model), 1)
    }

    /// Wraps a model already serving at `version` (a slot that was swapped
    /// before, e.g. in an earlier run of a resumed session), so the next
    /// swap continues its numbering.
    pub fn at_version(model: Arc<dyn Backend>, version: u64) -> Self {
        let (tx, _) = watch::channel(version);
        Self {
            inner: Arc::new(Inner {
                model: RwLock::new(model),
                version: AtomicU64::new(version),
                tx,
            }),
        }
    }

    /// The current model (a cheap handle; it stays valid across swaps).
    pub fn current(&self) -> Arc<dyn Backend> {
        self.inner
            .model
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the current model is.
    pub fn info(&self) -> ModelInfo {
        self.current().info().clone()
    }

    /// Runs the current model.
    pub fn predict(&self, input: &[f32]) -> Result<Vec<f32>> {
        let guard = self.inner.model.read().unwrap_or_else(|p| p.into_inner());
        guard.predict(input)
    }

    /// The current version (1 for the first model).
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    /// Installs a loaded model; returns its version.
    pub fn swap(&self, model: Arc<dyn Backend>) -> u64 {
        {
            let mut guard = self.inner.model.write().unwrap_or_else(|p| p.into_inner());
            *guard = model;
        }
        let version = self.inner.version.fetch_add(1, Ordering::AcqRel) + 1;
        self.inner.tx.send_replace(version);
        version
    }

    /// A receiver of the version: `changed().await`, then `borrow()`.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.tx.subscribe()
    }
}
