//! Decision reports: the decision, its provenance, SHAP values,
//! counterfactuals and feature importance, exported as self-contained HTML
//! or as PDF.

use std::path::Path;
use std::sync::Arc;

use axon_inference::Backend;
use serde::Serialize;

use crate::counterfactual::{
    Counterfactual, CounterfactualGenerator, CounterfactualOptions, argmax,
};
use crate::error::{ExplainError, Result};
use crate::kernel_shap::{Explanation, KernelSHAP, ShapOptions};
use crate::layout::FeatureLayout;
use crate::value::Coalitions;

/// The engine's names for output indices 0, 1, 2.
pub fn action_name(action: usize) -> String {
    match action {
        0 => "Buy".into(),
        1 => "Sell".into(),
        2 => "Hold".into(),
        n => format!("output {n}"),
    }
}

/// What the report says when the search finds no counterfactual.
pub(crate) const NO_COUNTERFACTUAL: &str = "No change of up to three features, within 16 times each feature's scale, changes the model's choice.";

/// The score against the threshold, and the action that follows.
pub(crate) fn score_line(e: &EnsembleScore) -> String {
    let (s, t) = (e.score, e.threshold);
    let verdict = if s > t {
        format!("above the threshold {t:.6}: Buy")
    } else if s < -t {
        format!("below -{t:.6}: Sell")
    } else {
        format!("within ±{t:.6}: Hold")
    };
    format!("Ensemble score {s:+.6} (the sum of the contributions) is {verdict}.")
}

/// One model slot behind a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotInfo {
    /// Ensemble slot.
    pub slot: u16,
    /// Version in the slot.
    pub version: u32,
    /// Backend name.
    pub backend: String,
    /// SHA-256 of the model bytes (hex; empty for rule models).
    pub sha256: String,
    /// Its ensemble weight.
    pub weight: f64,
    /// Its raw outputs (buy, sell, hold).
    pub raw: Vec<f64>,
    /// What it added to the ensemble score: weight × (buy − sell).
    pub contribution: f64,
}

/// The ensemble score a decision compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnsembleScore {
    /// Σ weight × (buy − sell) over the slots.
    pub score: f64,
    /// Above it buys, below its negative sells, else holds.
    pub threshold: f64,
}

/// A price around the decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PricePoint {
    /// Event time, ns.
    pub time_ns: i64,
    /// Price.
    pub price: f64,
}

/// Where a decision came from: filled by `axon audit` from the journal, or
/// by `axon explain` from a model file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportContext {
    /// Report title.
    pub title: String,
    /// Key facts, in order (journal, sequence, time, instrument, ...).
    pub fields: Vec<(String, String)>,
    /// Model slots with hashes, versions and weights.
    pub slots: Vec<SlotInfo>,
    /// Prices around the decision.
    pub prices: Vec<PricePoint>,
    /// The decision's event time (marked on the price chart).
    pub decision_time_ns: Option<i64>,
    /// The order it led to, if any.
    pub order: Option<String>,
    /// The ensemble's score and threshold, for decisions of an ensemble.
    pub ensemble: Option<EnsembleScore>,
    /// The slot whose model is explained.
    pub explained_slot: Option<u16>,
    /// Decimals of the instrument's prices, where known.
    pub price_decimals: Option<u32>,
}

/// Permutation importance of one feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureImportance {
    /// Feature.
    pub feature_name: String,
    /// Mean |change| of the action's output when the feature takes the
    /// background rows' values.
    pub importance: f64,
}

/// A generated report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Title.
    pub title: String,
    /// Explained action (output index) and its name.
    pub action: usize,
    /// Its name.
    pub action_name: String,
    /// The model's outputs at the observation.
    pub outputs: Vec<f32>,
    /// The action the model itself chooses there (its largest output);
    /// counterfactuals change this choice.
    pub model_action: usize,
    /// Its name.
    pub model_action_name: String,
    /// What a reader must know before trusting the explanation (an
    /// explained model that carried no weight in the decision).
    pub warnings: Vec<String>,
    /// Input shape.
    pub input_shape: Vec<usize>,
    /// Each feature's newest value in the observation.
    pub input: Vec<(String, f64)>,
    /// Provenance.
    pub context: ReportContext,
    /// Shapley values.
    pub explanation: Option<Explanation>,
    /// Counterfactuals, nearest first.
    pub counterfactuals: Option<Vec<Counterfactual>>,
    /// Permutation importance, largest first.
    pub feature_importance: Option<Vec<FeatureImportance>>,
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Self-contained HTML (inline CSS and SVG).
    pub fn to_html(&self) -> Result<String> {
        crate::html::render(self)
    }

    /// Writes the HTML report.
    pub fn export_html(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), self.to_html()?.as_bytes())
    }

    /// The PDF report's bytes.
    pub fn to_pdf(&self) -> Vec<u8> {
        crate::pdf::render(self)
    }

    /// Writes the PDF report.
    pub fn export_pdf(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), &self.to_pdf())
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| ExplainError::Write {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// Builds reports for one model.
#[derive(Debug, Clone)]
pub struct ReportGenerator {
    model: Arc<dyn Backend>,
    background: Vec<Vec<f32>>,
    context: ReportContext,
    shap: ShapOptions,
    counterfactual_samples: usize,
}

impl ReportGenerator {
    /// A generator for `model`; give it a background before generating.
    pub fn new(model: Arc<dyn Backend>) -> Self {
        Self {
            model,
            background: Vec::new(),
            context: ReportContext::default(),
            shap: ShapOptions::default(),
            counterfactual_samples: 100,
        }
    }

    /// The observations the explainers compare with.
    pub fn with_background(mut self, background: Vec<Vec<f32>>) -> Self {
        self.background = background;
        self
    }

    /// Provenance shown in the report.
    pub fn with_context(mut self, context: ReportContext) -> Self {
        self.context = context;
        self
    }

    /// SHAP options (grouping, samples, seed, names); counterfactuals use
    /// the same grouping, seed and names.
    pub fn with_shap_options(mut self, options: ShapOptions) -> Self {
        self.shap = options;
        self
    }

    /// Candidate values per feature in the counterfactual search's first
    /// ring.
    pub fn with_counterfactual_samples(mut self, n: usize) -> Self {
        self.counterfactual_samples = n;
        self
    }

    /// Explains the model's `action` at `observation`.
    pub fn generate_report(
        &self,
        observation: &[f32],
        action: usize,
        include_shap: bool,
        include_counterfactuals: bool,
        include_feature_importance: bool,
    ) -> Result<Report> {
        let model = self.model.as_ref();
        Coalitions::check(model, observation, &self.background)?;
        let outputs = model.predict(observation)?;
        if action >= outputs.len() {
            return Err(ExplainError::Action {
                action,
                outputs: outputs.len(),
            });
        }
        let layout = FeatureLayout::for_shape(
            &model.info().input_shape,
            self.shap.per_cell,
            self.shap.feature_names.as_deref(),
        )?;
        let explanation = include_shap
            .then(|| {
                KernelSHAP::with_options(self.model.clone(), self.shap.clone()).explain(
                    observation,
                    action,
                    &self.background,
                )
            })
            .transpose()?;
        // Counterfactuals change what the model chose, which need not be
        // the explained action (an ensemble's decision).
        let model_action = argmax(&outputs);
        let counterfactuals = include_counterfactuals
            .then(|| {
                CounterfactualGenerator::with_options(
                    self.model.clone(),
                    CounterfactualOptions {
                        per_cell: self.shap.per_cell,
                        seed: self.shap.seed,
                        feature_names: self.shap.feature_names.clone(),
                        ..CounterfactualOptions::default()
                    },
                )
                .generate(
                    observation,
                    model_action,
                    self.counterfactual_samples,
                    &self.background,
                )
            })
            .transpose()?;
        let feature_importance = include_feature_importance
            .then(|| permutation_importance(model, &layout, observation, action, &self.background))
            .transpose()?;
        let title = if self.context.title.is_empty() {
            format!("Decision report: {}", action_name(action))
        } else {
            self.context.title.clone()
        };
        Ok(Report {
            title,
            action,
            action_name: action_name(action),
            outputs,
            model_action,
            model_action_name: action_name(model_action),
            warnings: warnings(&self.context),
            input_shape: model.info().input_shape.clone(),
            input: (0..layout.len())
                .map(|j| (layout.names[j].clone(), layout.value(observation, j)))
                .collect(),
            context: self.context.clone(),
            explanation,
            counterfactuals,
            feature_importance,
        })
    }
}

/// Warns when the explained slot did not move the ensemble score, and says
/// which slots did.
fn warnings(context: &ReportContext) -> Vec<String> {
    let Some(slot) = context.explained_slot else {
        return Vec::new();
    };
    let Some(info) = context.slots.iter().find(|s| s.slot == slot) else {
        return Vec::new();
    };
    if info.contribution != 0.0 {
        return Vec::new();
    }
    let mut movers: Vec<&SlotInfo> = context
        .slots
        .iter()
        .filter(|s| s.contribution != 0.0)
        .collect();
    movers.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    let source = if movers.is_empty() {
        "no slot moved the score".to_string()
    } else {
        let list: Vec<String> = movers
            .iter()
            .map(|s| format!("slot {} ({}, {:+.6})", s.slot, s.backend, s.contribution))
            .collect();
        format!("the score came from {}", list.join(", "))
    };
    let why = if info.weight == 0.0 {
        "had weight 0"
    } else {
        "scored buy and sell equally"
    };
    vec![format!(
        "The explained model (slot {slot}, {}) {why} in this decision: it did not move the ensemble score; {source}.",
        info.backend
    )]
}

/// Mean |f(x)[a] − f(x with feature j from row b)[a]| over background rows,
/// all rows of all features in batches.
fn permutation_importance(
    model: &dyn Backend,
    layout: &FeatureLayout,
    x: &[f32],
    action: usize,
    background: &[Vec<f32>],
) -> Result<Vec<FeatureImportance>> {
    let fx = f64::from(model.predict(x)?[action]);
    let classes = model.info().output_dim;
    let mut out = Vec::with_capacity(layout.len());
    let mut batch = Vec::with_capacity(background.len() * x.len());
    let mut y = Vec::new();
    for (j, cells) in layout.groups.iter().enumerate() {
        batch.clear();
        for b in background {
            let at = batch.len();
            batch.extend_from_slice(x);
            for &c in cells {
                batch[at + c] = b[c];
            }
        }
        model.predict_batch(&batch, background.len(), &mut y)?;
        let mean = y
            .chunks_exact(classes)
            .map(|o| (f64::from(o[action]) - fx).abs())
            .sum::<f64>()
            / background.len() as f64;
        out.push(FeatureImportance {
            feature_name: layout.names[j].clone(),
            importance: mean,
        });
    }
    out.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    Ok(out)
}
