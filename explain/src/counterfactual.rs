//! Counterfactuals: the smallest single-feature changes, within the range
//! the background shows, that make the model choose another action.
//!
//! For each feature, `n_samples` candidate values are drawn (seeded) across
//! the background's range of that feature and evaluated in one batch; the
//! candidate closest to the observation that changes the chosen action is
//! kept. Windowed inputs shift every time step of the feature by the same
//! delta. Results are sorted by distance (|delta| over the feature's
//! background range) and each is verified by running the model once more.

use std::sync::Arc;

use axon_inference::Backend;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::error::{ExplainError, Result};
use crate::layout::FeatureLayout;
use crate::value::Coalitions;

/// How to search.
#[derive(Debug, Clone, Default)]
pub struct CounterfactualOptions {
    /// Per input cell instead of per feature.
    pub per_cell: bool,
    /// Seed of the candidate draws.
    pub seed: u64,
    /// Names of the input's last-dimension features.
    pub feature_names: Option<Vec<String>>,
}

/// One change that flips the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counterfactual {
    /// The feature changed.
    pub feature_name: String,
    /// Its index in the layout.
    pub feature_index: usize,
    /// The change (added to every cell of the feature).
    pub delta: f64,
    /// The feature's value in the observation (its newest cell).
    pub original_value: f64,
    /// Its value after the change.
    pub counterfactual_value: f64,
    /// The action the model then chooses.
    pub new_action: usize,
    /// The model's outputs after the change.
    pub new_outputs: Vec<f32>,
    /// |delta| over the feature's background range.
    pub distance: f64,
}

/// The generator.
#[derive(Debug, Clone)]
pub struct CounterfactualGenerator {
    model: Arc<dyn Backend>,
    options: CounterfactualOptions,
}

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &x)| {
            if x > best.1 { (i, x) } else { best }
        })
        .0
}

impl CounterfactualGenerator {
    /// A generator for `model` with default options.
    pub fn new(model: Arc<dyn Backend>) -> Self {
        Self::with_options(model, CounterfactualOptions::default())
    }

    /// A generator with explicit options.
    pub fn with_options(model: Arc<dyn Backend>, options: CounterfactualOptions) -> Self {
        Self { model, options }
    }

    /// Counterfactuals for `observation`, whose chosen action was
    /// `original_action`; `background` bounds the values tried.
    pub fn generate(
        &self,
        observation: &[f32],
        original_action: usize,
        n_samples: usize,
        background: &[Vec<f32>],
    ) -> Result<Vec<Counterfactual>> {
        let model = self.model.as_ref();
        Coalitions::check(model, observation, background)?;
        let outputs = model.info().output_dim;
        if original_action >= outputs {
            return Err(ExplainError::Action {
                action: original_action,
                outputs,
            });
        }
        let layout = FeatureLayout::for_shape(
            &model.info().input_shape,
            self.options.per_cell,
            self.options.feature_names.as_deref(),
        )?;
        let n_samples = n_samples.max(1);
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        let mut found = Vec::new();
        let mut batch = Vec::with_capacity(n_samples * observation.len());
        let mut y = Vec::new();
        for (j, cells) in layout.groups.iter().enumerate() {
            // The feature's range in the background (its newest cell).
            let (lo, hi) =
                background
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), b| {
                        let v = layout.value(b, j);
                        (lo.min(v), hi.max(v))
                    });
            let range = hi - lo;
            if range.is_nan() || range <= 0.0 {
                continue;
            }
            let original = layout.value(observation, j);
            let deltas: Vec<f64> = (0..n_samples)
                .map(|_| lo + rng.random::<f64>() * range - original)
                .collect();
            batch.clear();
            for d in &deltas {
                let at = batch.len();
                batch.extend_from_slice(observation);
                for &c in cells {
                    batch[at + c] = (f64::from(observation[c]) + d) as f32;
                }
            }
            model.predict_batch(&batch, deltas.len(), &mut y)?;
            let best = deltas
                .iter()
                .zip(y.chunks_exact(outputs))
                .filter(|(_, out)| argmax(out) != original_action)
                .min_by(|a, b| a.0.abs().total_cmp(&b.0.abs()));
            let Some((&delta, _)) = best else {
                continue;
            };
            // Verify on a fresh single prediction.
            let mut changed = observation.to_vec();
            for &c in cells {
                changed[c] = (f64::from(observation[c]) + delta) as f32;
            }
            let out = model.predict(&changed)?;
            let new_action = argmax(&out);
            if new_action == original_action {
                continue;
            }
            found.push(Counterfactual {
                feature_name: layout.names[j].clone(),
                feature_index: j,
                delta,
                original_value: original,
                counterfactual_value: original + delta,
                new_action,
                new_outputs: out,
                distance: delta.abs() / range,
            });
        }
        found.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.feature_index.cmp(&b.feature_index))
        });
        Ok(found)
    }
}
