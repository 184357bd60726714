//! What a model is and how to run it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which runtime executes a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InferenceBackend {
    /// ONNX Runtime (`.onnx`).
    Onnx,
    /// LibTorch (TorchScript `.pt`).
    Tch,
    /// candle (`.safetensors` MLP).
    Candle,
}

impl InferenceBackend {
    /// The name used in configs, journals and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Self::Onnx => "onnx",
            Self::Tch => "tch",
            Self::Candle => "candle",
        }
    }

    /// The backend a file extension implies (`.onnx`, `.pt`/`.pth`, `.safetensors`).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "onnx" => Some(Self::Onnx),
            "pt" | "pth" => Some(Self::Tch),
            "safetensors" => Some(Self::Candle),
            _ => None,
        }
    }
}

impl fmt::Display for InferenceBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for InferenceBackend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "onnx" => Ok(Self::Onnx),
            "tch" => Ok(Self::Tch),
            "candle" => Ok(Self::Candle),
            other => Err(format!(
                "unknown backend {other:?}: expected onnx, tch or candle"
            )),
        }
    }
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Device {
    /// The CPU.
    #[default]
    Cpu,
    /// A CUDA GPU by ordinal.
    Cuda(usize),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => f.write_str("cpu"),
            Self::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl FromStr for Device {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "cpu" {
            return Ok(Self::Cpu);
        }
        let n = s
            .strip_prefix("cuda:")
            .or_else(|| (s == "cuda").then_some("0"))
            .ok_or_else(|| format!("unknown device {s:?}: expected cpu, cuda or cuda:N"))?;
        n.parse()
            .map(Self::Cuda)
            .map_err(|_| format!("unknown device {s:?}: expected cpu, cuda or cuda:N"))
    }
}

/// ONNX Runtime graph optimisation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptLevel {
    /// No graph rewrites.
    Disable,
    /// Semantics-preserving rewrites.
    Basic,
    /// Plus node fusions.
    Extended,
    /// Everything, including layout optimisations.
    #[default]
    All,
}

/// A model and how to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The model file.
    pub path: PathBuf,
    /// The runtime.
    pub backend: InferenceBackend,
    /// Where it runs.
    #[serde(default)]
    pub device: Device,
    /// Input shape, batch first (e.g. `[1, 64, 128]` or `[1, 4]`).
    pub input_shape: Vec<usize>,
    /// Output width; 3 means Buy / Sell / Hold (0: whatever the model has).
    #[serde(default = "default_output_dim")]
    pub output_dim: usize,
    /// Run in half precision where the backend and device allow it.
    #[serde(default)]
    pub fp16: bool,
    /// Intra-op threads (fixed, so backtests and replays compute the same).
    #[serde(default = "default_threads")]
    pub num_threads: usize,
    /// ONNX Runtime graph optimisation level.
    #[serde(default)]
    pub opt_level: OptLevel,
}

fn default_output_dim() -> usize {
    3
}

fn default_threads() -> usize {
    1
}

impl ModelConfig {
    /// A CPU, fp32, one-thread config for `path`, the backend taken from
    /// its extension (candle if unknown).
    pub fn new(path: impl Into<PathBuf>, input_shape: Vec<usize>) -> Self {
        let path = path.into();
        Self {
            backend: InferenceBackend::from_path(&path).unwrap_or(InferenceBackend::Candle),
            path,
            device: Device::Cpu,
            input_shape,
            output_dim: 3,
            fp16: false,
            num_threads: 1,
            opt_level: OptLevel::All,
        }
    }

    /// Number of input values (product of the shape).
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }
}
