//! Typed errors of the inference layer.

use std::path::PathBuf;

use thiserror::Error;

/// Result alias.
pub type Result<T> = std::result::Result<T, InferenceError>;

/// What can go wrong loading or running a model.
#[derive(Debug, Error)]
pub enum InferenceError {
    /// Reading a model file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A native runtime library is missing or failed to load.
    #[error("{what}: {detail}; run `./scripts/fetch-runtimes.sh` to fetch it")]
    RuntimeMissing {
        /// Which runtime.
        what: &'static str,
        /// Where it was looked for, or the loader's message.
        detail: String,
    },
    /// The backend was not compiled into this build.
    #[error("backend {0} is not available in this build (enable the cargo feature `{0}`)")]
    BackendUnavailable(&'static str),
    /// The requested device cannot be used.
    #[error("{backend}: device {device} is not available: {detail}")]
    DeviceUnavailable {
        /// Backend.
        backend: &'static str,
        /// Device asked for.
        device: String,
        /// Why.
        detail: String,
    },
    /// The model file is not a model this backend understands.
    #[error("{model}: {detail}")]
    BadModel {
        /// The model (path or SHA-256).
        model: String,
        /// What was wrong.
        detail: String,
    },
    /// An input of the wrong size or shape.
    #[error("input has {got} values, the model takes shape {shape:?} ({expected} values)")]
    Shape {
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
        /// The model's input shape.
        shape: Vec<usize>,
    },
    /// The backend failed while running the model.
    #[error("{backend} inference failed: {detail}")]
    Run {
        /// Backend.
        backend: &'static str,
        /// The backend's message.
        detail: String,
    },
    /// The artifact store refused (missing or corrupted model).
    #[error(transparent)]
    Store(#[from] axon_journal::JournalError),
    /// The file watcher could not be set up.
    #[error("watching {path}: {detail}")]
    Watch {
        /// The watched file.
        path: PathBuf,
        /// The watcher's message.
        detail: String,
    },
}

impl InferenceError {
    pub(crate) fn bad(model: impl Into<String>, detail: impl ToString) -> Self {
        Self::BadModel {
            model: model.into(),
            detail: detail.to_string(),
        }
    }

    pub(crate) fn run(backend: &'static str, detail: impl ToString) -> Self {
        Self::Run {
            backend,
            detail: detail.to_string(),
        }
    }
}
