//! The ONNX Runtime backend (`ort`, library loaded at run time).

use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::ep::{self, ExecutionProvider};
use ort::session::Session;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::value::TensorRef;

use crate::backend::{Backend, ModelInfo, check_input, digest, read_model, resolve_shape};
use crate::config::{Device, InferenceBackend, ModelConfig, OptLevel};
use crate::error::{InferenceError, Result};

/// The process-wide ONNX Runtime environment, loaded once.
fn environment() -> Result<&'static Environment> {
    static ENV: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let lib = crate::runtime::onnxruntime_library()?;
        let builder =
            ort::init_from(&lib).map_err(|e| format!("loading {}: {e}", lib.display()))?;
        builder
            .with_name("axon")
            .build()
            .map_err(|e| format!("starting ONNX Runtime from {}: {e}", lib.display()))
    })
    .as_ref()
    .map_err(|detail| InferenceError::RuntimeMissing {
        what: "ONNX Runtime",
        detail: detail.clone(),
    })
}

/// A model on ONNX Runtime.
#[derive(Debug)]
pub struct OnnxBackend {
    info: ModelInfo,
    // ort's `run` needs `&mut Session`; predictions from several threads
    // take turns (the engine predicts from one thread).
    session: Mutex<Session>,
    shape: Vec<i64>,
    /// Whether the graph's batch dimension is symbolic (any batch runs in
    /// one call).
    batch_dynamic: bool,
}

impl OnnxBackend {
    /// Loads the model file `config.path` names.
    pub fn load(config: &ModelConfig) -> Result<Self> {
        let (bytes, label) = read_model(config)?;
        Self::from_bytes(&bytes, config, &label)
    }

    /// Swaps in a new session from `config.path`; on error the current one
    /// keeps serving.
    pub fn replace_session(&mut self, config: &ModelConfig) -> Result<()> {
        *self = Self::load(config)?;
        Ok(())
    }

    /// Loads from the bytes of an `.onnx` file.
    pub fn from_bytes(bytes: &[u8], config: &ModelConfig, label: &str) -> Result<Self> {
        let env = environment()?;
        let mut builder = session_builder(env, config, label)?;
        let session = builder
            .commit_from_memory(bytes)
            .map_err(|e| InferenceError::bad(label, e))?;
        let (input_shape, batch_dynamic) = input_shape(&session, config, label)?;
        let output_dim = session
            .outputs()
            .first()
            .and_then(|o| o.dtype().tensor_shape())
            .and_then(|s| s.last().copied())
            .and_then(|d| usize::try_from(d).ok())
            .unwrap_or(config.output_dim);
        if config.fp16 {
            // The graph's own types decide precision in ONNX Runtime; an fp32
            // graph is not silently run otherwise.
            tracing::warn!(
                model = label,
                "fp16 requested: ONNX models run in the precision their graph declares"
            );
        }
        Ok(Self {
            shape: input_shape.iter().map(|&d| d as i64).collect(),
            info: ModelInfo {
                backend: InferenceBackend::Onnx,
                input_shape,
                output_dim,
                sha256: digest(bytes),
                device: config.device.to_string(),
                fp16: false,
            },
            session: Mutex::new(session),
            batch_dynamic,
        })
    }
}

/// A session builder with the config's optimisation level and threads, on
/// CUDA when the config asks for it.
fn session_builder(env: &Environment, config: &ModelConfig, label: &str) -> Result<SessionBuilder> {
    let ort_err = |e: ort::Error<_>| InferenceError::bad(label, e);
    let level = match config.opt_level {
        OptLevel::Disable => GraphOptimizationLevel::Disable,
        OptLevel::Basic => GraphOptimizationLevel::Level1,
        OptLevel::Extended => GraphOptimizationLevel::Level2,
        OptLevel::All => GraphOptimizationLevel::All,
    };
    let threads = config.num_threads.max(1);
    let builder = Session::builder(env)
        .map_err(|e| InferenceError::bad(label, e))?
        .with_optimization_level(level)
        .map_err(ort_err)?
        .with_intra_threads(threads)
        .map_err(ort_err)?
        .with_inter_threads(1)
        .map_err(ort_err)?
        .with_parallel_execution(false)
        .map_err(ort_err)?;
    let Device::Cuda(n) = config.device else {
        return Ok(builder);
    };
    let unavailable = |detail: String| InferenceError::DeviceUnavailable {
        backend: "onnx",
        device: config.device.to_string(),
        detail,
    };
    if !ep::CUDA::is_available().unwrap_or(false) {
        return Err(unavailable(
            "this ONNX Runtime library has no CUDA execution provider (the onnxruntime-gpu build has)".into(),
        ));
    }
    builder
        .with_execution_providers([ep::CUDA::default()
            .with_device_id(n as i32)
            .build()
            .error_on_failure()])
        .map_err(|e| unavailable(e.to_string()))
}

/// The shape of the model's one input, checked against the config, and
/// whether its batch dimension is symbolic.
fn input_shape(session: &Session, config: &ModelConfig, label: &str) -> Result<(Vec<usize>, bool)> {
    let [input] = session.inputs() else {
        return Err(InferenceError::bad(
            label,
            format!(
                "the model has {} inputs; one is supported",
                session.inputs().len()
            ),
        ));
    };
    // A symbolic batch dimension (-1) is taken as 1.
    let dims: Option<Vec<i64>> = input
        .dtype()
        .tensor_shape()
        .map(|s| s.iter().copied().collect());
    let batch_dynamic = dims
        .as_ref()
        .is_some_and(|d| d.first().is_some_and(|&b| b < 0));
    let declared = dims.and_then(|s| {
        s.iter()
            .enumerate()
            .map(|(i, &d)| {
                if i == 0 && d < 0 {
                    Some(1)
                } else {
                    usize::try_from(d).ok()
                }
            })
            .collect::<Option<Vec<_>>>()
    });
    Ok((resolve_shape(declared, config, label)?, batch_dynamic))
}

impl OnnxBackend {
    fn run(&self, shape: &[i64], input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        let tensor = TensorRef::from_array_view((shape, input))
            .map_err(|e| InferenceError::run("onnx", e))?;
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session
            .run(ort::inputs![tensor])
            .map_err(|e| InferenceError::run("onnx", e))?;
        let (_, y) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| InferenceError::run("onnx", e))?;
        out.clear();
        out.extend_from_slice(y);
        Ok(())
    }
}

impl Backend for OnnxBackend {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict_batch(&self, inputs: &[f32], batch: usize, out: &mut Vec<f32>) -> Result<()> {
        let n = self.info.input_len();
        if batch == 0 || inputs.len() != n * batch {
            return Err(InferenceError::Shape {
                got: inputs.len(),
                expected: n * batch,
                shape: self.info.input_shape.clone(),
            });
        }
        if !self.batch_dynamic {
            // A fixed batch of 1: one call per input.
            let mut one = Vec::new();
            out.clear();
            for row in inputs.chunks_exact(n) {
                self.predict_into(row, &mut one)?;
                out.extend_from_slice(&one);
            }
            return Ok(());
        }
        let mut shape = self.shape.clone();
        shape[0] = batch as i64;
        self.run(&shape, inputs, out)
    }

    fn predict_into(&self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        check_input(&self.info, input)?;
        self.run(&self.shape, input, out)
    }
}
