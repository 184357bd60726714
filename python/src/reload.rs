//! Hot reload from Python: `ModelHotReloader(backend, config)` watches the
//! config's file and swaps the backend's model (AXON's reloader: 500 ms
//! debounce, SHA-256, load and check off the predicting threads, atomic
//! swap); `subscribe()` gives a receiver to `await rx.changed()` from
//! asyncio and read with `rx.borrow()`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axon_inference::{HotReloadConfig, ModelHotReloader, ReloadEvent, WatchHandle};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokio::sync::watch;

use crate::errors::{axon_error, inference};
use crate::inference::{PyBackend, PyModelConfig};

/// Watches a model file and swaps the backend's model when it changes.
#[pyclass(name = "ModelHotReloader", module = "axon_quant")]
#[derive(Debug)]
pub struct PyHotReloader {
    inner: ModelHotReloader,
    watcher: Mutex<Option<WatchHandle>>,
}

fn event_dict<'py>(py: Python<'py>, e: &ReloadEvent) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match e {
        ReloadEvent::Swapped {
            version,
            sha256,
            load_time,
            ..
        } => {
            d.set_item("swapped", true)?;
            d.set_item("version", version)?;
            d.set_item("sha256", hex::encode(sha256))?;
            d.set_item("load_seconds", load_time.as_secs_f64())?;
        }
        ReloadEvent::Rejected { sha256, reason, .. } => {
            d.set_item("swapped", false)?;
            d.set_item("sha256", sha256.map(hex::encode))?;
            d.set_item("reason", reason)?;
        }
    }
    Ok(d)
}

#[pymethods]
impl PyHotReloader {
    /// `engine`: the backend whose model is swapped (it must be loaded);
    /// `config`: the file to watch and how to load it.
    #[new]
    #[pyo3(signature = (engine, config, debounce_ms=500))]
    fn new(
        engine: PyRef<'_, PyBackend>,
        config: PyModelConfig,
        debounce_ms: u64,
    ) -> PyResult<Self> {
        let mut cfg = HotReloadConfig::new(config.inner);
        cfg.debounce = Duration::from_millis(debounce_ms);
        Ok(Self {
            inner: ModelHotReloader::new(engine.shared()?, cfg),
            watcher: Mutex::new(None),
        })
    }

    /// Starts watching the file (a background thread); idempotent.
    fn spawn_watcher(&self) -> PyResult<()> {
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_none() {
            *w = Some(self.inner.spawn_watcher().map_err(inference)?);
        }
        Ok(())
    }

    /// Stops watching.
    fn stop(&self) {
        self.watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// Reloads now, without waiting for a file event; None if the file's
    /// bytes did not change.
    fn reload_now<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let event = py.detach(|| self.inner.reload_now());
        event.map(|e| event_dict(py, &e)).transpose()
    }

    /// A receiver of the serving version.
    fn subscribe(&self) -> PyVersionReceiver {
        let rx = self.inner.subscribe();
        PyVersionReceiver {
            current: Mutex::new(rx.clone()),
            waiter: Arc::new(tokio::sync::Mutex::new(rx)),
        }
    }

    /// Successful swaps so far.
    #[getter]
    fn swaps(&self) -> u64 {
        self.inner.swaps()
    }

    /// Refused files so far.
    #[getter]
    fn failures(&self) -> u64 {
        self.inner.failures()
    }
}

/// The serving version: `await rx.changed()` waits for the next swap,
/// `rx.borrow()` reads the version now.
#[pyclass(name = "VersionReceiver", module = "axon_quant")]
#[derive(Debug)]
pub struct PyVersionReceiver {
    current: Mutex<watch::Receiver<u64>>,
    waiter: Arc<tokio::sync::Mutex<watch::Receiver<u64>>>,
}

#[pymethods]
impl PyVersionReceiver {
    /// An awaitable that completes at the next version change.
    fn changed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let waiter = self.waiter.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut rx = waiter.lock().await;
            rx.changed()
                .await
                .map_err(|_| axon_error("the model this receiver follows was dropped"))?;
            Ok(*rx.borrow_and_update())
        })
    }

    /// The version serving now.
    fn borrow(&self) -> u64 {
        *self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .borrow()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyHotReloader>()?;
    m.add_class::<PyVersionReceiver>()?;
    Ok(())
}
