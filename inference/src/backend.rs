//! The backend interface and loading a model by config.

use std::fmt::Debug;

use sha2::{Digest, Sha256};

use crate::config::{InferenceBackend, ModelConfig};
use crate::error::{InferenceError, Result};

/// What a loaded model is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The runtime executing it.
    pub backend: InferenceBackend,
    /// Input shape, batch first.
    pub input_shape: Vec<usize>,
    /// Output width.
    pub output_dim: usize,
    /// SHA-256 of the model bytes.
    pub sha256: [u8; 32],
    /// Device, as text (`cpu`, `cuda:0`).
    pub device: String,
    /// Whether it computes in half precision.
    pub fp16: bool,
}

impl ModelInfo {
    /// Number of input values.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }
}

/// A loaded model. `predict_into` takes `&self` so that many readers can
/// predict while a hot reload prepares the next model beside it.
pub trait Backend: Send + Sync + Debug {
    /// What this model is.
    fn info(&self) -> &ModelInfo;

    /// Runs the model on one input (row-major, `info().input_len()` values)
    /// and writes `info().output_dim` values into `out`.
    fn predict_into(&self, input: &[f32], out: &mut Vec<f32>) -> Result<()>;

    /// Runs the model on `batch` inputs laid end to end (each
    /// `info().input_len()` values) and writes `batch × output_dim` values.
    /// Backends that can run a batch in one call override this; the default
    /// predicts one input at a time.
    fn predict_batch(&self, inputs: &[f32], batch: usize, out: &mut Vec<f32>) -> Result<()> {
        let n = self.info().input_len();
        if inputs.len() != n * batch {
            return Err(InferenceError::Shape {
                got: inputs.len(),
                expected: n * batch,
                shape: self.info().input_shape.clone(),
            });
        }
        out.clear();
        let mut one = Vec::with_capacity(self.info().output_dim);
        for row in inputs.chunks_exact(n.max(1)) {
            self.predict_into(row, &mut one)?;
            out.extend_from_slice(&one);
        }
        Ok(())
    }

    /// Runs the model on one input and returns the output vector.
    fn predict(&self, input: &[f32]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.info().output_dim);
        self.predict_into(input, &mut out)?;
        Ok(out)
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Loads the model `config.path` names with `config.backend`.
pub fn load_backend(config: &ModelConfig) -> Result<Box<dyn Backend>> {
    let (bytes, label) = read_model(config)?;
    load_backend_bytes(&bytes, config, &label)
}

/// The bytes of the model file `config.path` names, and its name for errors.
pub(crate) fn read_model(config: &ModelConfig) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(&config.path).map_err(|source| InferenceError::Io {
        path: config.path.clone(),
        source,
    })?;
    Ok((bytes, config.path.display().to_string()))
}

/// Loads a model from its bytes; `label` names it in errors (a path or a
/// SHA-256). `config.path` is not read. `config.output_dim` 0 accepts any
/// output width.
pub fn load_backend_bytes(
    bytes: &[u8],
    config: &ModelConfig,
    label: &str,
) -> Result<Box<dyn Backend>> {
    let backend: Box<dyn Backend> = match config.backend {
        InferenceBackend::Candle => {
            Box::new(crate::CandleBackend::from_bytes(bytes, config, label)?)
        }
        #[cfg(feature = "onnx")]
        InferenceBackend::Onnx => Box::new(crate::OnnxBackend::from_bytes(bytes, config, label)?),
        #[cfg(not(feature = "onnx"))]
        InferenceBackend::Onnx => return Err(InferenceError::BackendUnavailable("onnx")),
        #[cfg(feature = "tch")]
        InferenceBackend::Tch => Box::new(crate::TchBackend::from_bytes(bytes, config, label)?),
        #[cfg(not(feature = "tch"))]
        InferenceBackend::Tch => return Err(InferenceError::BackendUnavailable("tch")),
    };
    let info = backend.info();
    if config.output_dim != 0 && info.output_dim != config.output_dim {
        return Err(InferenceError::bad(
            label,
            format!(
                "the model outputs {} values, the config says output_dim = {}",
                info.output_dim, config.output_dim
            ),
        ));
    }
    Ok(backend)
}

/// Checks an input's length against the model's shape.
pub(crate) fn check_input(info: &ModelInfo, input: &[f32]) -> Result<()> {
    let expected = info.input_len();
    if input.len() == expected {
        Ok(())
    } else {
        Err(InferenceError::Shape {
            got: input.len(),
            expected,
            shape: info.input_shape.clone(),
        })
    }
}

/// Reconciles the shape a model declares with the one configured: an empty
/// config shape takes the model's; otherwise they must match.
pub(crate) fn resolve_shape(
    declared: Option<Vec<usize>>,
    config: &ModelConfig,
    label: &str,
) -> Result<Vec<usize>> {
    match declared {
        Some(d) if !config.input_shape.is_empty() && d != config.input_shape => {
            Err(InferenceError::bad(
                label,
                format!(
                    "the model takes input shape {d:?}, the config says {:?}",
                    config.input_shape
                ),
            ))
        }
        Some(d) => Ok(d),
        None if config.input_shape.is_empty() => Err(InferenceError::bad(
            label,
            "the model does not declare its input shape; give input_shape in the config",
        )),
        None => Ok(config.input_shape.clone()),
    }
}

pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
