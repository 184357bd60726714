//! Explanations from Python: `KernelSHAP`, `CounterfactualGenerator` and
//! `ReportGenerator` over a loaded backend, AXON's explainers all three.

use std::path::PathBuf;
use std::sync::Arc;

use axon_explain::{
    Counterfactual, CounterfactualGenerator, CounterfactualOptions, Explanation, FeatureChange,
    KernelSHAP, Report, ReportGenerator, ShapOptions,
};
use axon_inference::Backend;
use pyo3::prelude::*;

use crate::errors::{explain, io_error, value_error};
use crate::inference::{PyBackend, with_f32};

/// An action as an output index: an int, or "buy", "sell", "hold".
fn action_index(action: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(i) = action.extract::<usize>() {
        return Ok(i);
    }
    let name: String = action
        .extract()
        .map_err(|_| value_error("action: expected an output index or buy/sell/hold"))?;
    match name.to_ascii_lowercase().as_str() {
        "buy" => Ok(0),
        "sell" => Ok(1),
        "hold" => Ok(2),
        other => Err(value_error(format!(
            "action {other:?}: expected buy, sell, hold or an output index"
        ))),
    }
}

fn observation(model: &dyn Backend, x: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    let n = model.info().input_len();
    with_f32(x, |v, shape| {
        if v.len() != n {
            return Err(value_error(format!(
                "observation of shape {shape:?} has {} values; the model takes {:?} ({n})",
                v.len(),
                model.info().input_shape
            )));
        }
        Ok(v.to_vec())
    })
}

/// Background rows: an array of shape (rows, *input_shape) or anything
/// NumPy reads as one.
fn background(model: &dyn Backend, x: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<f32>>> {
    let n = model.info().input_len();
    with_f32(x, |v, shape| {
        if n == 0 || v.is_empty() || v.len() % n != 0 {
            return Err(value_error(format!(
                "background_data of shape {shape:?} is not rows of the model's input {:?}",
                model.info().input_shape
            )));
        }
        Ok(v.chunks_exact(n).map(<[f32]>::to_vec).collect())
    })
}

/// Shapley values of one prediction.
#[pyclass(name = "Explanation", module = "axon_quant.explain", get_all, frozen)]
#[derive(Debug)]
pub struct PyExplanation {
    /// Feature names.
    feature_names: Vec<String>,
    /// One Shapley value per feature for the explained action's output.
    feature_importances: Vec<f64>,
    /// Per output class, one value per feature.
    shap_values: Vec<Vec<f64>>,
    /// The explained action (output index).
    action: usize,
    /// E[f(background)] for the action's output.
    base_value: f64,
    /// f(observation) for the action's output.
    prediction: f64,
    /// Whether every coalition was enumerated (exact values).
    exact: bool,
    /// Coalitions evaluated.
    coalitions: usize,
}

impl From<Explanation> for PyExplanation {
    fn from(e: Explanation) -> Self {
        Self {
            feature_names: e.feature_names,
            feature_importances: e.feature_importances,
            shap_values: e.shap_values,
            action: e.action,
            base_value: e.base_value,
            prediction: e.prediction,
            exact: e.exact,
            coalitions: e.coalitions,
        }
    }
}

#[pymethods]
impl PyExplanation {
    fn __repr__(&self) -> String {
        format!(
            "Explanation(action={}, features={}, exact={}, base_value={:.6}, prediction={:.6})",
            self.action,
            self.feature_names.len(),
            self.exact,
            self.base_value,
            self.prediction
        )
    }
}

/// Kernel SHAP over a backend (exact up to 14 features, else sampled).
#[pyclass(name = "KernelSHAP", module = "axon_quant.explain")]
#[derive(Debug)]
pub struct PyKernelShap {
    inner: KernelSHAP,
    model: Arc<dyn Backend>,
}

fn shap_options(
    n_samples: Option<usize>,
    seed: u64,
    feature_names: Option<Vec<String>>,
    per_cell: bool,
) -> ShapOptions {
    ShapOptions {
        per_cell,
        samples: n_samples,
        seed,
        feature_names,
        ..ShapOptions::default()
    }
}

#[pymethods]
impl PyKernelShap {
    #[new]
    #[pyo3(signature = (model, n_samples=None, seed=0, feature_names=None, per_cell=false))]
    fn new(
        model: PyRef<'_, PyBackend>,
        n_samples: Option<usize>,
        seed: u64,
        feature_names: Option<Vec<String>>,
        per_cell: bool,
    ) -> PyResult<Self> {
        let model = model.current()?;
        let options = shap_options(n_samples, seed, feature_names, per_cell);
        Ok(Self {
            inner: KernelSHAP::with_options(model.clone(), options),
            model,
        })
    }

    /// Shapley values of the model's `action` output at `observation`
    /// against `background_data`.
    fn explain(
        &self,
        py: Python<'_>,
        observation: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        background_data: &Bound<'_, PyAny>,
    ) -> PyResult<PyExplanation> {
        let x = self::observation(self.model.as_ref(), observation)?;
        let bg = background(self.model.as_ref(), background_data)?;
        let action = action_index(action)?;
        py.detach(|| self.inner.explain(&x, action, &bg))
            .map(PyExplanation::from)
            .map_err(explain)
    }
}

/// One feature's part of a counterfactual.
#[pyclass(name = "FeatureChange", module = "axon_quant.explain", get_all, frozen)]
#[derive(Debug, Clone)]
pub struct PyFeatureChange {
    /// The feature changed.
    feature_name: String,
    /// Its index in the layout.
    feature_index: usize,
    /// The change (added to every cell of the feature).
    delta: f64,
    /// The feature's value in the observation (its newest cell).
    original_value: f64,
    /// Its value after the change.
    counterfactual_value: f64,
}

impl From<FeatureChange> for PyFeatureChange {
    fn from(c: FeatureChange) -> Self {
        Self {
            feature_name: c.feature_name,
            feature_index: c.feature_index,
            delta: c.delta,
            original_value: c.original_value,
            counterfactual_value: c.counterfactual_value,
        }
    }
}

#[pymethods]
impl PyFeatureChange {
    fn __repr__(&self) -> String {
        format!(
            "FeatureChange(feature_name={:?}, delta={:.6}, original_value={:.6}, counterfactual_value={:.6})",
            self.feature_name, self.delta, self.original_value, self.counterfactual_value
        )
    }
}

/// A change of one feature, or of a few together, that flips the model's
/// decision. `feature_name`, `delta` and the values describe the first
/// changed feature; `changes` lists every one.
#[pyclass(
    name = "Counterfactual",
    module = "axon_quant.explain",
    get_all,
    frozen
)]
#[derive(Debug)]
pub struct PyCounterfactual {
    /// The (first) feature changed.
    feature_name: String,
    /// Its index in the layout.
    feature_index: usize,
    /// Its change (added to every cell of the feature).
    delta: f64,
    /// Its value in the observation (its newest cell).
    original_value: f64,
    /// Its value after the change.
    counterfactual_value: f64,
    /// Every feature changed, by feature index.
    changes: Vec<PyFeatureChange>,
    /// The action the model then chooses.
    new_action: usize,
    /// Its name.
    new_action_name: String,
    /// The model's outputs after the change.
    new_outputs: Vec<f32>,
    /// Σ |delta| over each feature's scale.
    distance: f64,
}

impl From<Counterfactual> for PyCounterfactual {
    fn from(c: Counterfactual) -> Self {
        let changes: Vec<PyFeatureChange> =
            c.changes.into_iter().map(PyFeatureChange::from).collect();
        let first = changes.first().cloned().unwrap_or(PyFeatureChange {
            feature_name: String::new(),
            feature_index: 0,
            delta: 0.0,
            original_value: f64::NAN,
            counterfactual_value: f64::NAN,
        });
        Self {
            feature_name: first.feature_name,
            feature_index: first.feature_index,
            delta: first.delta,
            original_value: first.original_value,
            counterfactual_value: first.counterfactual_value,
            changes,
            new_action: c.new_action,
            new_action_name: c.new_action_name,
            new_outputs: c.new_outputs,
            distance: c.distance,
        }
    }
}

#[pymethods]
impl PyCounterfactual {
    fn __repr__(&self) -> String {
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{}{:+.6}", c.feature_name, c.delta))
            .collect();
        format!(
            "Counterfactual(changes=[{}], new_action={}, distance={:.6})",
            changes.join(", "),
            self.new_action,
            self.distance
        )
    }
}

/// Counterfactuals: the smallest changes of one feature (else two or three)
/// that flip the model's decision, nearest first.
#[pyclass(name = "CounterfactualGenerator", module = "axon_quant.explain")]
#[derive(Debug)]
pub struct PyCounterfactualGenerator {
    inner: CounterfactualGenerator,
    model: Arc<dyn Backend>,
}

#[pymethods]
impl PyCounterfactualGenerator {
    #[new]
    #[pyo3(signature = (model, seed=0, feature_names=None, per_cell=false))]
    fn new(
        model: PyRef<'_, PyBackend>,
        seed: u64,
        feature_names: Option<Vec<String>>,
        per_cell: bool,
    ) -> PyResult<Self> {
        let model = model.current()?;
        let options = CounterfactualOptions {
            per_cell,
            seed,
            feature_names,
            ..CounterfactualOptions::default()
        };
        Ok(Self {
            inner: CounterfactualGenerator::with_options(model.clone(), options),
            model,
        })
    }

    /// Changes that make the model choose another action than
    /// `original_action` (its choice at `observation`), verified on the
    /// model. Each feature is searched outward on its own scale: its range
    /// in `background_data`, or without one its value's magnitude (at least
    /// 1); `n_samples` candidates per feature in the first scale.
    #[pyo3(signature = (observation, original_action, n_samples=100, background_data=None))]
    fn generate(
        &self,
        py: Python<'_>,
        observation: &Bound<'_, PyAny>,
        original_action: &Bound<'_, PyAny>,
        n_samples: usize,
        background_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyCounterfactual>> {
        let x = self::observation(self.model.as_ref(), observation)?;
        let bg = background_data
            .map(|b| background(self.model.as_ref(), b))
            .transpose()?
            .unwrap_or_default();
        let action = action_index(original_action)?;
        py.detach(|| self.inner.generate(&x, action, n_samples, &bg))
            .map(|v| v.into_iter().map(PyCounterfactual::from).collect())
            .map_err(explain)
    }
}

/// A decision report (HTML and PDF).
#[pyclass(name = "Report", module = "axon_quant.explain", frozen)]
#[derive(Debug)]
pub struct PyReport {
    inner: Report,
}

#[pymethods]
impl PyReport {
    /// Writes the HTML report.
    fn export_html(&self, path: PathBuf) -> PyResult<()> {
        self.inner.export_html(&path).map_err(io_error)
    }

    /// Writes the PDF report.
    fn export_pdf(&self, path: PathBuf) -> PyResult<()> {
        self.inner.export_pdf(&path).map_err(io_error)
    }

    /// The report as a JSON string.
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }

    /// The explained action's name.
    #[getter]
    fn action_name(&self) -> String {
        self.inner.action_name.clone()
    }

    /// The model's outputs at the observation.
    #[getter]
    fn outputs(&self) -> Vec<f32> {
        self.inner.outputs.clone()
    }

    /// The action the model itself chooses at the observation.
    #[getter]
    fn model_action(&self) -> usize {
        self.inner.model_action
    }

    /// What a reader must know first (an explained model that carried no
    /// weight in the decision).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    /// Shapley values, if included.
    #[getter]
    fn explanation(&self) -> Option<PyExplanation> {
        self.inner.explanation.clone().map(PyExplanation::from)
    }

    /// Counterfactuals, nearest first, if included.
    #[getter]
    fn counterfactuals(&self) -> Option<Vec<PyCounterfactual>> {
        self.inner
            .counterfactuals
            .clone()
            .map(|v| v.into_iter().map(PyCounterfactual::from).collect())
    }
}

/// Builds decision reports for one model.
#[pyclass(name = "ReportGenerator", module = "axon_quant.explain")]
#[derive(Debug)]
pub struct PyReportGenerator {
    model: Arc<dyn Backend>,
    options: ShapOptions,
    background: Option<Vec<Vec<f32>>>,
    counterfactual_samples: usize,
}

#[pymethods]
impl PyReportGenerator {
    #[new]
    #[pyo3(signature = (model, background_data=None, n_samples=None, seed=0, feature_names=None, counterfactual_samples=100))]
    fn new(
        model: PyRef<'_, PyBackend>,
        background_data: Option<&Bound<'_, PyAny>>,
        n_samples: Option<usize>,
        seed: u64,
        feature_names: Option<Vec<String>>,
        counterfactual_samples: usize,
    ) -> PyResult<Self> {
        let model = model.current()?;
        let background = background_data
            .map(|b| background(model.as_ref(), b))
            .transpose()?;
        Ok(Self {
            model,
            options: shap_options(n_samples, seed, feature_names, false),
            background,
            counterfactual_samples,
        })
    }

    /// Explains the model's `action` at `observation` (the background
    /// defaults to the observation alone).
    #[pyo3(signature = (observation, action, include_shap=true, include_counterfactuals=true, include_feature_importance=true))]
    fn generate_report(
        &self,
        py: Python<'_>,
        observation: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        include_shap: bool,
        include_counterfactuals: bool,
        include_feature_importance: bool,
    ) -> PyResult<PyReport> {
        let x = self::observation(self.model.as_ref(), observation)?;
        let action = action_index(action)?;
        let bg = self.background.clone().unwrap_or_else(|| vec![x.clone()]);
        let generator = ReportGenerator::new(self.model.clone())
            .with_background(bg)
            .with_shap_options(self.options.clone())
            .with_counterfactual_samples(self.counterfactual_samples);
        py.detach(|| {
            generator.generate_report(
                &x,
                action,
                include_shap,
                include_counterfactuals,
                include_feature_importance,
            )
        })
        .map(|inner| PyReport { inner })
        .map_err(explain)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyKernelShap>()?;
    m.add_class::<PyExplanation>()?;
    m.add_class::<PyCounterfactualGenerator>()?;
    m.add_class::<PyCounterfactual>()?;
    m.add_class::<PyFeatureChange>()?;
    m.add_class::<PyReportGenerator>()?;
    m.add_class::<PyReport>()?;
    Ok(())
}
