//! An ML backend behind the engine's `Model` port.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axon_engine::FeatureWindow;
use axon_engine::model::{Model, ModelInput};

use crate::backend::{Backend, digest};
use crate::observe::LatencySink;

/// Runs a backend on the engine's feature window, one window per
/// instrument. Output `[buy, sell, hold]` is the model's output as is; the
/// model is not run (and votes Hold) until the window is full.
#[derive(Debug)]
pub struct MlModel {
    backend: Arc<dyn Backend>,
    template: FeatureWindow,
    windows: Vec<FeatureWindow>,
    input: Vec<f32>,
    output: Vec<f32>,
    ran: bool,
    failures: Arc<AtomicU64>,
    latency: Option<LatencySink>,
}

impl MlModel {
    /// Wraps a backend; its input shape must be one the feature window fills.
    pub fn new(backend: Arc<dyn Backend>) -> Result<Self, String> {
        Self::with_failure_counter(backend, Arc::default())
    }

    /// Like [`new`](Self::new), counting failed predictions into `failures`
    /// (shared by every model a registry builds).
    pub fn with_failure_counter(
        backend: Arc<dyn Backend>,
        failures: Arc<AtomicU64>,
    ) -> Result<Self, String> {
        let info = backend.info();
        if info.output_dim != 3 {
            return Err(format!(
                "the engine needs 3 outputs (buy, sell, hold); the model has {}",
                info.output_dim
            ));
        }
        let template = FeatureWindow::for_shape(&info.input_shape).map_err(|e| e.to_string())?;
        Ok(Self {
            input: Vec::with_capacity(template.len()),
            template,
            windows: Vec::new(),
            output: Vec::with_capacity(3),
            backend,
            ran: false,
            failures,
            latency: None,
        })
    }

    /// Times each prediction into `sink` (outside the engine's decisions).
    pub fn with_latency(mut self, sink: LatencySink) -> Self {
        self.latency = Some(sink);
        self
    }

    /// Predictions that failed (each voted Hold).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

impl MlModel {
    /// Runs the backend on `self.input` (timed where a sink is set);
    /// counts failures.
    fn run(&mut self) -> Result<[f64; 3], String> {
        self.ran = false;
        let started = self.latency.as_ref().map(|_| std::time::Instant::now());
        let result = self.backend.predict_into(&self.input, &mut self.output);
        if let (Some(sink), Some(t)) = (&self.latency, started) {
            sink.record(t.elapsed().as_secs_f64());
        }
        let outputs = match result {
            Ok(()) if self.output.len() == 3 => {
                self.ran = true;
                return Ok([
                    f64::from(self.output[0]),
                    f64::from(self.output[1]),
                    f64::from(self.output[2]),
                ]);
            }
            Ok(()) => format!("the model gave {} outputs, not 3", self.output.len()),
            Err(e) => e.to_string(),
        };
        self.failures.fetch_add(1, Ordering::Relaxed);
        Err(outputs)
    }
}

impl Model for MlModel {
    fn evaluate(&mut self, input: &ModelInput, features: &mut Vec<f64>) -> [f64; 3] {
        let i = input.instrument as usize;
        while self.windows.len() <= i {
            self.windows.push(self.template.clone());
        }
        let window = &mut self.windows[i];
        window.push(input.price);
        self.ran = false;
        if !window.ready() {
            features.clear();
            return [0.0, 0.0, 1.0];
        }
        window.fill(&mut self.input);
        window.latest_row(&self.input, features);
        self.run().unwrap_or_else(|e| {
            tracing::error!(error = %e, "prediction failed; voting Hold");
            [0.0, 0.0, 1.0]
        })
    }

    fn evaluate_input(&mut self, input: &[f32]) -> Result<[f64; 3], String> {
        let want = self.template.len();
        if input.len() != want {
            return Err(format!(
                "the model takes {want} inputs (shape {:?}), got {}",
                self.backend.info().input_shape,
                input.len()
            ));
        }
        if let Some(i) = input.iter().position(|v| !v.is_finite()) {
            return Err(format!("input {i} is {}, not a finite number", input[i]));
        }
        self.input.clear();
        self.input.extend_from_slice(input);
        self.run()
    }

    fn last_input(&self) -> Option<&[f32]> {
        self.ran.then_some(self.input.as_slice())
    }

    fn input_digest(&self) -> [u8; 32] {
        if !self.ran {
            return [0; 32];
        }
        let mut bytes = Vec::with_capacity(self.input.len() * 4);
        for v in &self.input {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        digest(&bytes)
    }
}
