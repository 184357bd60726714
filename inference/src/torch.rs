//! The LibTorch backend (`tch`): TorchScript modules.
//!
//! On a GPU host, CUDA comes from the PyTorch installed there: this build
//! links only `libtorch_cpu`, so before the first CUDA use the backend
//! loads that PyTorch's `libtorch_cuda.so` globally, which registers its
//! CUDA kernels with the already-loaded LibTorch.

use std::io::Cursor;
use std::sync::{Mutex, OnceLock};

use tch::{CModule, Device as TDevice, Kind, Tensor};

use crate::backend::{Backend, ModelInfo, check_input, digest, read_model, resolve_shape};
use crate::config::{Device, InferenceBackend, ModelConfig};
use crate::error::{InferenceError, Result};

/// A TorchScript module on LibTorch.
#[derive(Debug)]
pub struct TchBackend {
    info: ModelInfo,
    // `CModule` is not `Sync`; the engine predicts from one thread.
    module: Mutex<CModule>,
    device: TDevice,
    kind: Kind,
    shape: Vec<i64>,
}

impl TchBackend {
    /// Loads the model file `config.path` names.
    pub fn load(config: &ModelConfig) -> Result<Self> {
        let (bytes, label) = read_model(config)?;
        Self::from_bytes(&bytes, config, &label)
    }

    /// Swaps in the module at `config.path`; on error the current one stays.
    pub fn replace_session(&mut self, config: &ModelConfig) -> Result<()> {
        *self = Self::load(config)?;
        Ok(())
    }

    /// Loads from the bytes of a TorchScript file.
    pub fn from_bytes(bytes: &[u8], config: &ModelConfig, label: &str) -> Result<Self> {
        let input_shape = resolve_shape(None, config, label)?;
        let device = match config.device {
            Device::Cpu => TDevice::Cpu,
            Device::Cuda(n) => {
                ensure_cuda().map_err(|detail| InferenceError::DeviceUnavailable {
                    backend: "tch",
                    device: config.device.to_string(),
                    detail,
                })?;
                TDevice::Cuda(n)
            }
        };
        tch::set_num_threads(config.num_threads.max(1) as i32);
        set_interop_once(1);
        let mut module = CModule::load_data_on_device(&mut Cursor::new(bytes), device)
            .map_err(|e| InferenceError::bad(label, e))?;
        module.set_eval();
        let kind = if config.fp16 && device != TDevice::Cpu {
            Kind::Half
        } else {
            Kind::Float
        };
        if kind == Kind::Half {
            module.to(device, kind, false);
        }
        let shape: Vec<i64> = input_shape.iter().map(|&d| d as i64).collect();
        let mut backend = Self {
            info: ModelInfo {
                backend: InferenceBackend::Tch,
                input_shape,
                output_dim: 0,
                sha256: digest(bytes),
                device: config.device.to_string(),
                fp16: kind == Kind::Half,
            },
            module: Mutex::new(module),
            device,
            kind,
            shape,
        };
        // TorchScript does not declare output shapes: run once to learn it.
        let probe = backend
            .forward(&vec![0.0; backend.info.input_len()])
            .map_err(|e| InferenceError::bad(label, format!("running on a zero input: {e}")))?;
        backend.info.output_dim = probe.len();
        Ok(backend)
    }

    fn forward(&self, input: &[f32]) -> std::result::Result<Vec<f32>, tch::TchError> {
        tch::no_grad(|| {
            let mut x = Tensor::from_slice(input).reshape(&self.shape);
            if self.device != TDevice::Cpu {
                x = x.to_device(self.device);
            }
            if self.kind != Kind::Float {
                x = x.to_kind(self.kind);
            }
            let module = self.module.lock().unwrap_or_else(|p| p.into_inner());
            let y = module.forward_ts(&[x])?;
            let y = if self.kind == Kind::Float && self.device == TDevice::Cpu {
                y.flatten(0, -1)
            } else {
                y.to_kind(Kind::Float)
                    .to_device(TDevice::Cpu)
                    .flatten(0, -1)
            };
            Vec::<f32>::try_from(&y)
        })
    }
}

impl Backend for TchBackend {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict_into(&self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        check_input(&self.info, input)?;
        let y = self
            .forward(input)
            .map_err(|e| InferenceError::run("tch", e))?;
        out.clear();
        out.extend_from_slice(&y);
        Ok(())
    }
}

/// Process-wide LibTorch settings, applied once before the first module
/// loads: inter-op threads can be set only once, and the TorchScript graph
/// executor's optimisation passes (profiling, fusion) buy nothing for small
/// inference graphs but cost about 4 µs per call on the reference MLP.
fn set_interop_once(n: i32) {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        tch::set_num_interop_threads(n);
        tch::jit::set_graph_executor_optimize(false);
    });
}

/// Makes CUDA available to LibTorch, loading an installed PyTorch's CUDA
/// library if this process's LibTorch has none.
fn ensure_cuda() -> std::result::Result<(), String> {
    static CUDA: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    CUDA.get_or_init(|| {
        if tch::Cuda::is_available() {
            return Ok(());
        }
        let lib = crate::runtime::torch_cuda_library()?;
        crate::runtime::load_global(&lib)?;
        if tch::Cuda::is_available() {
            Ok(())
        } else {
            Err(format!(
                "loaded {} but LibTorch sees no CUDA device",
                lib.display()
            ))
        }
    })
    .clone()
}
