//! Models: `ModelConfig`, the three backends behind one base class, and
//! `predict` from NumPy. A contiguous float32 array is read in place (no
//! copy); anything else is converted once. Predictions run with the
//! interpreter released.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axon_inference::{Backend, Device, InferenceBackend, ModelConfig, SharedModel, load_backend};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{inference, value_error};

/// Which runtime executes a model.
#[pyclass(
    name = "InferenceBackend",
    module = "axon_quant",
    eq,
    eq_int,
    hash,
    frozen,
    from_py_object
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms, reason = "the names users write")]
pub enum PyInferenceBackend {
    /// ONNX Runtime.
    ONNX,
    /// LibTorch (TorchScript).
    TCH,
    /// candle (safetensors MLPs).
    CANDLE,
}

impl From<PyInferenceBackend> for InferenceBackend {
    fn from(b: PyInferenceBackend) -> Self {
        match b {
            PyInferenceBackend::ONNX => Self::Onnx,
            PyInferenceBackend::TCH => Self::Tch,
            PyInferenceBackend::CANDLE => Self::Candle,
        }
    }
}

impl From<InferenceBackend> for PyInferenceBackend {
    fn from(b: InferenceBackend) -> Self {
        match b {
            InferenceBackend::Onnx => Self::ONNX,
            InferenceBackend::Tch => Self::TCH,
            InferenceBackend::Candle => Self::CANDLE,
        }
    }
}

/// Where a model runs: `Device.CPU` or `Device.CUDA(0)`.
#[pyclass(
    name = "Device",
    module = "axon_quant",
    frozen,
    eq,
    hash,
    from_py_object
)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyDevice(pub Device);

#[pymethods]
#[allow(non_snake_case, reason = "the names users write")]
impl PyDevice {
    /// The CPU.
    #[classattr]
    fn CPU() -> Self {
        Self(Device::Cpu)
    }

    /// CUDA device `index`.
    #[staticmethod]
    fn CUDA(index: usize) -> Self {
        Self(Device::Cuda(index))
    }

    fn __repr__(&self) -> String {
        match self.0 {
            Device::Cpu => "Device.CPU".into(),
            Device::Cuda(i) => format!("Device.CUDA({i})"),
        }
    }
}

/// A model file and how to run it.
#[pyclass(name = "ModelConfig", module = "axon_quant", from_py_object)]
#[derive(Debug, Clone)]
pub struct PyModelConfig {
    pub inner: ModelConfig,
}

#[pymethods]
impl PyModelConfig {
    /// `backend` defaults to the file's extension (candle if unknown).
    #[new]
    #[pyo3(signature = (path, input_shape, backend=None, device=None, output_dim=3, fp16=false, num_threads=1))]
    fn new(
        path: PathBuf,
        input_shape: Vec<usize>,
        backend: Option<PyInferenceBackend>,
        device: Option<PyDevice>,
        output_dim: usize,
        fp16: bool,
        num_threads: usize,
    ) -> PyResult<Self> {
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(value_error(format!(
                "input_shape {input_shape:?}: every dimension must be > 0"
            )));
        }
        let mut inner = ModelConfig::new(path, input_shape);
        if let Some(b) = backend {
            inner.backend = b.into();
        }
        if let Some(d) = device {
            inner.device = d.0;
        }
        inner.output_dim = output_dim;
        inner.fp16 = fp16;
        inner.num_threads = num_threads.max(1);
        Ok(Self { inner })
    }

    /// The model file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path.clone()
    }
    /// Input shape, batch first.
    #[getter]
    fn input_shape(&self) -> Vec<usize> {
        self.inner.input_shape.clone()
    }
    /// The runtime.
    #[getter]
    fn backend(&self) -> PyInferenceBackend {
        self.inner.backend.into()
    }
    /// Where it runs.
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice(self.inner.device)
    }
    /// Output width (3: buy, sell, hold).
    #[getter]
    fn output_dim(&self) -> usize {
        self.inner.output_dim
    }
    /// Whether it computes in half precision where the backend allows.
    #[getter]
    fn fp16(&self) -> bool {
        self.inner.fp16
    }
    /// Intra-op threads.
    #[getter]
    fn num_threads(&self) -> usize {
        self.inner.num_threads
    }

    fn __repr__(&self) -> String {
        format!(
            "ModelConfig(path={:?}, input_shape={:?}, backend={}, output_dim={}, fp16={}, num_threads={})",
            self.inner.path.display().to_string(),
            self.inner.input_shape,
            self.inner.backend.name(),
            self.inner.output_dim,
            if self.inner.fp16 { "True" } else { "False" },
            self.inner.num_threads
        )
    }
}

/// A loaded model. `OnnxBackend`, `TchBackend` and `CandleBackend` are
/// this class with their runtime fixed. The model sits behind AXON's
/// `SharedModel`, so a hot reloader can swap it while others predict.
#[pyclass(name = "Backend", module = "axon_quant", subclass)]
#[derive(Debug)]
pub struct PyBackend {
    kind: InferenceBackend,
    config: RwLock<ModelConfig>,
    shared: RwLock<Option<SharedModel>>,
}

impl PyBackend {
    fn with_kind(config: &PyModelConfig, kind: InferenceBackend) -> Self {
        let mut config = config.inner.clone();
        config.backend = kind;
        Self {
            kind,
            config: RwLock::new(config),
            shared: RwLock::new(None),
        }
    }

    /// The shared model, or an error saying `load` comes first.
    pub fn shared(&self) -> PyResult<SharedModel> {
        self.shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| value_error("no model loaded: call load(path) first"))
    }

    /// The model serving now.
    pub fn current(&self) -> PyResult<Arc<dyn Backend>> {
        Ok(self.shared()?.current())
    }

    pub fn model_config(&self) -> ModelConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Loads `path` (or the config's path) and installs it.
    fn load_path(&self, py: Python<'_>, path: Option<PathBuf>) -> PyResult<u64> {
        let mut config = self.model_config();
        if let Some(p) = path {
            config.path = p;
        }
        config.backend = self.kind;
        let model = py.detach(|| load_backend(&config)).map_err(inference)?;
        let mut shared = self.shared.write().unwrap_or_else(|e| e.into_inner());
        let version = match shared.as_ref() {
            Some(s) => s.swap(Arc::from(model)),
            None => {
                let s = SharedModel::new(model);
                let v = s.version();
                *shared = Some(s);
                v
            }
        };
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        Ok(version)
    }
}

/// The values of `x` as contiguous float32: borrowed when they already
/// are, converted by NumPy once otherwise.
pub fn with_f32<R>(
    x: &Bound<'_, PyAny>,
    f: impl FnOnce(&[f32], &[usize]) -> PyResult<R>,
) -> PyResult<R> {
    if let Ok(a) = x.extract::<PyReadonlyArrayDyn<'_, f32>>()
        && let Ok(slice) = a.as_slice()
    {
        return f(slice, a.shape());
    }
    let np = x.py().import("numpy")?;
    let converted = np.call_method1("ascontiguousarray", (x, "float32"))?;
    let a = converted.extract::<PyReadonlyArrayDyn<'_, f32>>()?;
    let slice = a.as_slice().map_err(value_error)?;
    f(slice, a.shape())
}

#[pymethods]
impl PyBackend {
    #[new]
    fn new(config: PyModelConfig) -> Self {
        Self::with_kind(&config, config.inner.backend)
    }

    /// Loads the model at `path` (default: the config's) and returns self;
    /// loading again replaces the model (a new version).
    #[pyo3(signature = (path=None))]
    fn load(slf: Bound<'_, Self>, path: Option<PathBuf>) -> PyResult<Bound<'_, Self>> {
        slf.borrow().load_path(slf.py(), path)?;
        Ok(slf)
    }

    /// Replaces the model with the one at `path`; returns the new version.
    fn replace_session(&self, py: Python<'_>, path: PathBuf) -> PyResult<u64> {
        self.load_path(py, Some(path))
    }

    /// Runs the model. `x` holds one input of the model's shape, or a batch
    /// of them; the result is `(batch, output_dim)` float32.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let model = self.current()?;
        let (out, batch) = predict_any(py, model.as_ref(), x)?;
        let dim = out.len() / batch.max(1);
        PyArray1::from_vec(py, out).reshape([batch, dim])
    }

    /// Times `n` predictions of `x` inside Rust (no Python in the loop);
    /// returns each call's nanoseconds. For measuring what the Python
    /// binding adds: compare with timing `predict` from Python.
    #[pyo3(signature = (x, n=10000))]
    fn time_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>, n: usize) -> PyResult<Vec<u64>> {
        let model = self.current()?;
        with_f32(x, |values, _| {
            let mut out = Vec::with_capacity(model.info().output_dim);
            py.detach(|| {
                let mut times = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = std::time::Instant::now();
                    model.predict_into(values, &mut out)?;
                    times.push(t.elapsed().as_nanos() as u64);
                }
                Ok(times)
            })
            .map_err(inference)
        })
    }

    /// What the loaded model is: backend, shapes, SHA-256, device, fp16.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = self.current()?.info().clone();
        let d = PyDict::new(py);
        d.set_item("backend", info.backend.name())?;
        d.set_item("input_shape", info.input_shape)?;
        d.set_item("output_dim", info.output_dim)?;
        d.set_item("sha256", hex::encode(info.sha256))?;
        d.set_item("device", info.device)?;
        d.set_item("fp16", info.fp16)?;
        Ok(d)
    }

    /// The serving model's version (1 after the first load).
    #[getter]
    fn version(&self) -> PyResult<u64> {
        Ok(self.shared()?.version())
    }

    /// The config the model was loaded with.
    #[getter]
    fn config(&self) -> PyModelConfig {
        PyModelConfig {
            inner: self.model_config(),
        }
    }
}

/// Runs `model` on one input or a batch; returns the flat outputs and the
/// batch size.
pub fn predict_any(
    py: Python<'_>,
    model: &dyn Backend,
    x: &Bound<'_, PyAny>,
) -> PyResult<(Vec<f32>, usize)> {
    let n = model.info().input_len();
    with_f32(x, |values, shape| {
        if n == 0 || values.len() % n != 0 || values.is_empty() {
            return Err(value_error(format!(
                "input of shape {shape:?} ({} values) is not a whole number of the model's inputs {:?} ({n} values)",
                values.len(),
                model.info().input_shape
            )));
        }
        let batch = values.len() / n;
        let mut out = Vec::with_capacity(batch * model.info().output_dim);
        py.detach(|| {
            if batch == 1 {
                model.predict_into(values, &mut out)
            } else {
                model.predict_batch(values, batch, &mut out)
            }
        })
        .map_err(inference)?;
        Ok((out, batch))
    })
}

macro_rules! backend_class {
    ($name:ident, $py:literal, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(name = $py, module = "axon_quant", extends = PyBackend)]
        #[derive(Debug)]
        pub struct $name;

        #[pymethods]
        impl $name {
            #[new]
            fn new(config: PyModelConfig) -> PyClassInitializer<Self> {
                PyClassInitializer::from(PyBackend::with_kind(&config, $kind)).add_subclass($name)
            }
        }
    };
}

backend_class!(
    PyOnnxBackend,
    "OnnxBackend",
    InferenceBackend::Onnx,
    "ONNX Runtime."
);
backend_class!(
    PyCandleBackend,
    "CandleBackend",
    InferenceBackend::Candle,
    "candle (safetensors MLPs, format axon-mlp-v1)."
);
backend_class!(
    PyTchBackend,
    "TchBackend",
    InferenceBackend::Tch,
    "LibTorch (TorchScript); loading fails with a clear error unless the package was built with the `tch` feature."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyInferenceBackend>()?;
    m.add_class::<PyDevice>()?;
    m.add_class::<PyModelConfig>()?;
    m.add_class::<PyBackend>()?;
    m.add_class::<PyOnnxBackend>()?;
    m.add_class::<PyCandleBackend>()?;
    m.add_class::<PyTchBackend>()?;
    m.add("TCH_AVAILABLE", cfg!(feature = "tch"))?;
    Ok(())
}
