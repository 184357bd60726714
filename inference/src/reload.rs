//! Hot reload: watch a model file, and when its bytes change (debounced),
//! hash them, load the new model off the predicting thread, check it, swap
//! it in, bump the version and tell everyone. A file that is half-written,
//! corrupt or of the wrong shape is rejected and reported; the old model
//! keeps serving and the next change is tried again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::watch;

use crate::backend::{Backend, digest, load_backend_bytes};
use crate::config::ModelConfig;
use crate::error::{InferenceError, Result};
use crate::shared::SharedModel;

/// What to watch and how to load it.
#[derive(Debug, Clone)]
pub struct HotReloadConfig {
    /// The model file and load options (backend, shape, device, threads).
    pub model: ModelConfig,
    /// Quiet time after the last file event before reloading.
    pub debounce: Duration,
}

impl HotReloadConfig {
    /// Watches `model.path` with the default 500 ms debounce.
    pub fn new(model: ModelConfig) -> Self {
        Self {
            model,
            debounce: Duration::from_millis(500),
        }
    }
}

/// The outcome of one reload attempt, given to listeners.
#[derive(Debug, Clone)]
pub enum ReloadEvent {
    /// A new model serves.
    Swapped {
        /// Its version.
        version: u64,
        /// SHA-256 of its bytes.
        sha256: [u8; 32],
        /// The bytes (to put in a journal's store).
        bytes: Arc<Vec<u8>>,
        /// The loaded model (to stage for the engine).
        model: Arc<dyn Backend>,
        /// Time to load and check it.
        load_time: Duration,
    },
    /// The file changed but could not be used; the old model serves.
    Rejected {
        /// SHA-256 of the bytes read, if any were.
        sha256: Option<[u8; 32]>,
        /// Why.
        reason: String,
    },
}

type Listener = Box<dyn Fn(&ReloadEvent) + Send + Sync>;

/// Reloads a [`SharedModel`] from its file.
pub struct ModelHotReloader {
    inner: Arc<Reloader>,
}

struct Reloader {
    model: SharedModel,
    config: HotReloadConfig,
    current_sha: Mutex<[u8; 32]>,
    /// The last bytes refused: seen again, they are not retried or re-reported.
    rejected_sha: Mutex<Option<[u8; 32]>>,
    listeners: Mutex<Vec<Listener>>,
    swaps: AtomicU64,
    failures: AtomicU64,
}

impl std::fmt::Debug for ModelHotReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelHotReloader")
            .field("path", &self.inner.config.model.path)
            .field("version", &self.inner.model.version())
            .finish()
    }
}

/// Keeps the watcher alive; dropping it stops watching.
pub struct WatchHandle {
    _debouncer: Debouncer<RecommendedWatcher>,
}

impl std::fmt::Debug for WatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchHandle")
    }
}

impl ModelHotReloader {
    /// A reloader for `model`, whose current bytes are those of the file
    /// now (unchanged bytes never swap).
    pub fn new(model: SharedModel, config: HotReloadConfig) -> Self {
        let sha = model.info().sha256;
        Self {
            inner: Arc::new(Reloader {
                model,
                config,
                current_sha: Mutex::new(sha),
                rejected_sha: Mutex::new(None),
                listeners: Mutex::new(Vec::new()),
                swaps: AtomicU64::new(0),
                failures: AtomicU64::new(0),
            }),
        }
    }

    /// A receiver of the model version.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.model.subscribe()
    }

    /// The model being reloaded.
    pub fn model(&self) -> &SharedModel {
        &self.inner.model
    }

    /// Calls `f` after every reload attempt, on the watcher's thread.
    pub fn on_event(&self, f: impl Fn(&ReloadEvent) + Send + Sync + 'static) {
        self.inner
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
    }

    /// Successful swaps so far.
    pub fn swaps(&self) -> u64 {
        self.inner.swaps.load(Ordering::Relaxed)
    }

    /// Rejected reloads so far.
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// Reloads now if the file's bytes changed; returns the event, or None
    /// when the bytes are those already serving.
    pub fn reload_now(&self) -> Option<ReloadEvent> {
        self.inner.reload()
    }

    /// Starts watching the model file's folder (so that editors' and
    /// deployers' atomic renames are seen) on notify's thread, debounced.
    pub fn spawn_watcher(&self) -> Result<WatchHandle> {
        let path = self.inner.config.model.path.clone();
        let watch_err = |e: notify::Error| InferenceError::Watch {
            path: path.clone(),
            detail: e.to_string(),
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = path.file_name().map(|n| n.to_os_string());
        let inner = self.inner.clone();
        let mut debouncer = new_debouncer(
            self.inner.config.debounce,
            move |res: DebounceEventResult| match res {
                Ok(events) if events.iter().any(|e| e.path.file_name() == name.as_deref()) => {
                    inner.reload();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "model file watcher error"),
            },
        )
        .map_err(watch_err)?;
        debouncer
            .watcher()
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(watch_err)?;
        tracing::info!(path = %path.display(), "watching model file");
        Ok(WatchHandle {
            _debouncer: debouncer,
        })
    }
}

impl Reloader {
    fn reload(&self) -> Option<ReloadEvent> {
        let started = Instant::now();
        let path: &PathBuf = &self.config.model.path;
        let event = match std::fs::read(path) {
            Err(e) => ReloadEvent::Rejected {
                sha256: None,
                reason: format!("{}: {e}", path.display()),
            },
            Ok(bytes) => {
                let sha = digest(&bytes);
                if sha == *self.current_sha.lock().unwrap_or_else(|p| p.into_inner())
                    || Some(sha) == *self.rejected_sha.lock().unwrap_or_else(|p| p.into_inner())
                {
                    return None;
                }
                match self.load(&bytes) {
                    Ok(model) => {
                        let model: Arc<dyn Backend> = Arc::from(model);
                        let version = self.model.swap(model.clone());
                        *self.current_sha.lock().unwrap_or_else(|p| p.into_inner()) = sha;
                        self.swaps.fetch_add(1, Ordering::Relaxed);
                        ReloadEvent::Swapped {
                            version,
                            sha256: sha,
                            bytes: Arc::new(bytes),
                            model,
                            load_time: started.elapsed(),
                        }
                    }
                    Err(e) => {
                        *self.rejected_sha.lock().unwrap_or_else(|p| p.into_inner()) = Some(sha);
                        ReloadEvent::Rejected {
                            sha256: Some(sha),
                            reason: e.to_string(),
                        }
                    }
                }
            }
        };
        match &event {
            ReloadEvent::Swapped {
                version,
                sha256,
                load_time,
                ..
            } => tracing::info!(
                version,
                sha256 = %hex::encode(sha256),
                load_ms = load_time.as_secs_f64() * 1e3,
                "model swapped"
            ),
            ReloadEvent::Rejected { reason, .. } => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(reason = %reason, "model reload rejected; the previous model keeps serving");
            }
        }
        for l in self
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            l(&event);
        }
        Some(event)
    }

    /// Loads the bytes and checks them against the serving model: same
    /// input shape and output width, and a finite prediction on zeros.
    fn load(&self, bytes: &[u8]) -> Result<Box<dyn Backend>> {
        let label = self.config.model.path.display().to_string();
        let model = load_backend_bytes(bytes, &self.config.model, &label)?;
        let serving = self.model.info();
        let info = model.info();
        if info.input_shape != serving.input_shape || info.output_dim != serving.output_dim {
            return Err(InferenceError::bad(
                label,
                format!(
                    "shape {:?} -> {} differs from the serving model's {:?} -> {}",
                    info.input_shape, info.output_dim, serving.input_shape, serving.output_dim
                ),
            ));
        }
        let y = model.predict(&vec![0.0; info.input_len()])?;
        if y.iter().any(|v| !v.is_finite()) {
            return Err(InferenceError::bad(
                label,
                format!("non-finite output on a zero input: {y:?}"),
            ));
        }
        Ok(model)
    }
}
