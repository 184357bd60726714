//! `DynamicWeightedEnsemble` from Python: the engine's ensemble, whose
//! slots are AXON backends or any Python object with a `predict` method
//! (a rule written in Python). Each `predict(observation)` hands the same
//! observation to every slot; weighting, scoring and the weight rule are
//! the engine's.

use std::sync::{Arc, Mutex};

use axon_engine::DynamicWeightedEnsemble;
use axon_engine::ensemble::Evaluation;
use axon_engine::event::Action;
use axon_engine::model::{Model, ModelInput};
use axon_inference::SharedModel;
use pyo3::prelude::*;

use crate::errors::{axon_error, value_error};
use crate::inference::{PyBackend, with_f32};
use crate::journal::from_json;

/// The observation of the call in progress, as the slots read it.
#[derive(Debug, Default)]
struct Observation {
    values: Vec<f32>,
    object: Option<Py<PyAny>>,
}

#[derive(Debug)]
enum Predictor {
    Axon(SharedModel),
    Python(Py<PyAny>),
}

/// One slot: runs its predictor on the current observation.
#[derive(Debug)]
struct ObservationModel {
    predictor: Predictor,
    observation: Arc<Mutex<Observation>>,
    /// The first error of the call in progress (the call raises it).
    error: Arc<Mutex<Option<String>>>,
    slot: usize,
}

impl ObservationModel {
    fn scores(&self) -> Result<Vec<f64>, String> {
        let obs = self.observation.lock().unwrap_or_else(|e| e.into_inner());
        match &self.predictor {
            Predictor::Axon(m) => m
                .predict(&obs.values)
                .map(|v| v.into_iter().map(f64::from).collect())
                .map_err(|e| e.to_string()),
            Predictor::Python(obj) => Python::attach(|py| {
                let x = obs.object.as_ref().map(|o| o.bind(py).clone());
                let out = obj
                    .bind(py)
                    .call_method1("predict", (x,))
                    .and_then(|r| {
                        py.import("numpy")?
                            .call_method1("asarray", (r, "float64"))?
                            .call_method0("ravel")?
                            .extract::<Vec<f64>>()
                    })
                    .map_err(|e| e.to_string())?;
                Ok(out)
            }),
        }
    }
}

impl Model for ObservationModel {
    fn evaluate(&mut self, _input: &ModelInput, features: &mut Vec<f64>) -> [f64; 3] {
        features.clear();
        match self.scores() {
            Ok(v) if v.len() >= 3 && v[..3].iter().all(|x| x.is_finite()) => [v[0], v[1], v[2]],
            Ok(v) => {
                self.fail(format!(
                    "model {}: predict returned {v:?}; expected three finite scores (buy, sell, hold)",
                    self.slot
                ));
                [0.0, 0.0, 1.0]
            }
            Err(e) => {
                self.fail(format!("model {}: {e}", self.slot));
                [0.0, 0.0, 1.0]
            }
        }
    }
}

impl ObservationModel {
    fn fail(&self, message: String) {
        let mut e = self.error.lock().unwrap_or_else(|p| p.into_inner());
        e.get_or_insert(message);
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Buy => "buy",
        Action::Sell => "sell",
        Action::Hold => "hold",
    }
}

/// Weighted models; weights follow each model's recent Sharpe.
#[pyclass(name = "DynamicWeightedEnsemble", module = "axon_quant.ensemble")]
#[derive(Debug)]
pub struct PyEnsemble {
    inner: Mutex<DynamicWeightedEnsemble>,
    observation: Arc<Mutex<Observation>>,
    error: Arc<Mutex<Option<String>>>,
    /// Whether any slot calls back into Python (then the interpreter is
    /// kept during a prediction).
    python_slots: bool,
    calls: Mutex<i64>,
}

#[pymethods]
impl PyEnsemble {
    /// `models`: AXON backends or objects with `predict(observation)`
    /// returning (buy, sell, hold) scores; `initial_weights` one per model;
    /// Sharpe over `performance_window` returns.
    #[new]
    #[pyo3(signature = (models, initial_weights=None, performance_window=100))]
    fn new(
        models: Vec<Bound<'_, PyAny>>,
        initial_weights: Option<Vec<f64>>,
        performance_window: usize,
    ) -> PyResult<Self> {
        if models.is_empty() {
            return Err(value_error("models: give at least one"));
        }
        let observation = Arc::new(Mutex::new(Observation::default()));
        let error = Arc::new(Mutex::new(None));
        let mut slots: Vec<Box<dyn Model>> = Vec::with_capacity(models.len());
        let mut python_slots = false;
        for (slot, m) in models.iter().enumerate() {
            let predictor = if let Ok(b) = m.cast::<PyBackend>() {
                Predictor::Axon(b.borrow().shared()?)
            } else if m.hasattr("predict")? {
                python_slots = true;
                Predictor::Python(m.clone().unbind())
            } else {
                return Err(value_error(format!(
                    "models[{slot}]: not an AXON backend and has no predict method"
                )));
            };
            slots.push(Box::new(ObservationModel {
                predictor,
                observation: observation.clone(),
                error: error.clone(),
                slot,
            }));
        }
        let n = slots.len();
        let weights = initial_weights.unwrap_or_else(|| vec![1.0 / n as f64; n]);
        let inner = DynamicWeightedEnsemble::new(slots, weights, performance_window)
            .map_err(value_error)?;
        Ok(Self {
            inner: Mutex::new(inner),
            observation,
            error,
            python_slots,
            calls: Mutex::new(0),
        })
    }

    /// Runs every model on `observation` and combines them: a dict with
    /// `action`, `score`, each model's `outputs` and the `weights` used.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        observation: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        {
            let mut obs = self.observation.lock().unwrap_or_else(|e| e.into_inner());
            obs.values = with_f32(observation, |v, _| Ok(v.to_vec()))?;
            obs.object = Some(observation.clone().unbind());
        }
        let time_ns = {
            let mut c = self.calls.lock().unwrap_or_else(|e| e.into_inner());
            *c += 1;
            *c
        };
        let input = ModelInput {
            instrument: 0,
            time_ns,
            price: f64::NAN,
        };
        let mut out = Evaluation {
            models: Vec::new(),
            score: 0.0,
            action: Action::Hold,
        };
        let mut run = || {
            let mut e = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            e.predict(&input, &mut out);
            e.weights().to_vec()
        };
        // Python slots need the interpreter; AXON backends run without it.
        let weights = if self.python_slots {
            run()
        } else {
            py.detach(run)
        };
        self.observation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .object = None;
        if let Some(e) = self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(axon_error(e));
        }
        let v = serde_json::json!({
            "action": action_name(out.action),
            "score": out.score,
            "outputs": out.models.iter().map(|m| m.raw.to_vec()).collect::<Vec<_>>(),
            "weights": weights,
        });
        from_json(py, &v)
    }

    /// Feeds each model's latest return (its performance); returns the new
    /// weights when they changed, else None.
    fn update_weights(&self, performances: Vec<f64>) -> PyResult<Option<Vec<f64>>> {
        let mut e = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if performances.len() != e.len() {
            return Err(value_error(format!(
                "performances: {} values for {} models",
                performances.len(),
                e.len()
            )));
        }
        Ok(e.update_weights(&performances).map(<[f64]>::to_vec))
    }

    /// Statistics: `sharpe`, `active_count`, `weight_changes`, and per model.
    fn get_metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let m = self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_metrics();
        from_json(py, &serde_json::to_value(m).map_err(axon_error)?)
    }

    /// Current weights.
    #[getter]
    fn weights(&self) -> Vec<f64> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .weights()
            .to_vec()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEnsemble>()
}
