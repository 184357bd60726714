//! Shapley values of one prediction: exact by enumerating every coalition
//! when the features are few, Kernel SHAP (weighted least squares over
//! sampled coalitions, paired, seeded) above that.

use std::sync::Arc;

use axon_inference::Backend;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::error::{ExplainError, Result};
use crate::layout::FeatureLayout;
use crate::value::Coalitions;

/// How to explain.
#[derive(Debug, Clone)]
pub struct ShapOptions {
    /// One feature per input cell instead of per last-dimension feature.
    pub per_cell: bool,
    /// Enumerate every coalition up to this many features (2^M of them).
    pub max_exact_features: usize,
    /// Sampled coalitions for Kernel SHAP (default `2·M + 2048`, as shap's
    /// `nsamples="auto"`).
    pub samples: Option<usize>,
    /// Seed of the coalition sampler.
    pub seed: u64,
    /// Names of the input's last-dimension features.
    pub feature_names: Option<Vec<String>>,
}

impl Default for ShapOptions {
    fn default() -> Self {
        Self {
            per_cell: false,
            max_exact_features: 14,
            samples: None,
            seed: 0,
            feature_names: None,
        }
    }
}

/// Shapley values of one prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Feature names.
    pub feature_names: Vec<String>,
    /// One Shapley value per feature for the explained action's output.
    pub feature_importances: Vec<f64>,
    /// Per output class, one value per feature.
    pub shap_values: Vec<Vec<f64>>,
    /// The explained action (output index).
    pub action: usize,
    /// E[f(background)] for the action's output.
    pub base_value: f64,
    /// E[f(background)] per output.
    pub base_values: Vec<f64>,
    /// f(observation) for the action's output.
    pub prediction: f64,
    /// f(observation) per output.
    pub predictions: Vec<f64>,
    /// Whether every coalition was enumerated (exact values).
    pub exact: bool,
    /// Coalitions evaluated.
    pub coalitions: usize,
    /// Background rows.
    pub background_rows: usize,
}

impl Explanation {
    /// Feature names with their importances, largest magnitude first (a
    /// stable sort: equal magnitudes keep the features' order).
    pub fn ranked_features(&self) -> Vec<(&str, f64)> {
        let mut items: Vec<(&str, f64)> = self
            .feature_names
            .iter()
            .map(String::as_str)
            .zip(self.feature_importances.iter().copied())
            .collect();
        items.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        items
    }
}

/// The explainer.
#[derive(Debug, Clone)]
pub struct KernelSHAP {
    model: Arc<dyn Backend>,
    options: ShapOptions,
}

impl KernelSHAP {
    /// An explainer of `model` with default options.
    pub fn new(model: Arc<dyn Backend>) -> Self {
        Self::with_options(model, ShapOptions::default())
    }

    /// An explainer with explicit options.
    pub fn with_options(model: Arc<dyn Backend>, options: ShapOptions) -> Self {
        Self { model, options }
    }

    /// The model's feature layout under these options.
    pub fn layout(&self) -> Result<FeatureLayout> {
        FeatureLayout::for_shape(
            &self.model.info().input_shape,
            self.options.per_cell,
            self.options.feature_names.as_deref(),
        )
    }

    /// Explains the model's output `action` at `observation` against
    /// `background` (rows shaped like the observation).
    pub fn explain(
        &self,
        observation: &[f32],
        action: usize,
        background: &[Vec<f32>],
    ) -> Result<Explanation> {
        let model = self.model.as_ref();
        Coalitions::check(model, observation, background)?;
        let classes = model.info().output_dim;
        if action >= classes {
            return Err(ExplainError::Action {
                action,
                outputs: classes,
            });
        }
        let layout = self.layout()?;
        let m = layout.len();
        let eval = Coalitions {
            model,
            x: observation,
            background,
            layout: &layout,
            classes,
        };
        let (shap_values, base_values, predictions, exact, coalitions) =
            if m <= self.options.max_exact_features {
                let (phi, base, full) = exact(&eval, m)?;
                (phi, base, full, true, 1usize << m)
            } else {
                let samples = self.options.samples.unwrap_or(2 * m + 2048).max(2);
                let (phi, base, full) = kernel(&eval, m, samples, self.options.seed)?;
                (phi, base, full, false, samples + 2)
            };
        Ok(Explanation {
            feature_names: layout.names.clone(),
            feature_importances: shap_values[action].clone(),
            base_value: base_values[action],
            prediction: predictions[action],
            shap_values,
            action,
            base_values,
            predictions,
            exact,
            coalitions,
            background_rows: background.len(),
        })
    }
}

type Solved = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>);

/// Exact Shapley values: φᵢ = Σ_{S∌i} |S|!(M−|S|−1)!/M! · (v(S∪{i}) − v(S)).
fn exact(eval: &Coalitions<'_>, m: usize) -> Result<Solved> {
    let n = 1usize << m;
    let v = eval.values(n, |k, j| k >> j & 1 == 1)?;
    // weight[s] = s!(M-s-1)!/M!, built without factorials overflowing.
    let weight: Vec<f64> = (0..m)
        .map(|s| {
            let mut w = 1.0 / m as f64;
            // 1 / C(M-1, s)
            for t in 0..s {
                w *= (t + 1) as f64 / (m - 1 - t) as f64;
            }
            w
        })
        .collect();
    let classes = eval.classes;
    let mut phi = vec![vec![0.0; m]; classes];
    for s in 0..n {
        let size = s.count_ones() as usize;
        for i in (0..m).filter(|i| s >> i & 1 == 0) {
            let with = s | 1 << i;
            for c in 0..classes {
                phi[c][i] += weight[size] * (v[with][c] - v[s][c]);
            }
        }
    }
    Ok((phi, v[0].clone(), v[n - 1].clone()))
}

/// Kernel SHAP: coalition sizes drawn in proportion to the Shapley kernel's
/// total weight per size, each coalition paired with its complement, then
/// least squares with the efficiency constraint (values sum to
/// f(x) − E[f]) eliminated through the last feature.
fn kernel(eval: &Coalitions<'_>, m: usize, samples: usize, seed: u64) -> Result<Solved> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let size_weight: Vec<f64> = (1..m)
        .map(|s| (m - 1) as f64 / (s * (m - s)) as f64)
        .collect();
    let total: f64 = size_weight.iter().sum();
    let mut masks: Vec<Vec<bool>> = Vec::with_capacity(samples + 2);
    masks.push(vec![false; m]);
    masks.push(vec![true; m]);
    let mut idx: Vec<usize> = (0..m).collect();
    while masks.len() < samples + 2 {
        let mut r = rng.random::<f64>() * total;
        let mut size = 1;
        for (s, w) in size_weight.iter().enumerate() {
            if r < *w {
                size = s + 1;
                break;
            }
            r -= w;
        }
        // A uniform subset of that size (partial Fisher-Yates).
        for i in 0..size {
            let j = rng.random_range(i..m);
            idx.swap(i, j);
        }
        let mut mask = vec![false; m];
        for &i in &idx[..size] {
            mask[i] = true;
        }
        let complement: Vec<bool> = mask.iter().map(|b| !b).collect();
        masks.push(mask);
        if masks.len() < samples + 2 {
            masks.push(complement);
        }
    }
    let v = eval.values(masks.len(), |k, j| masks[k][j])?;
    let (base, full) = (v[0].clone(), v[1].clone());
    let rows = masks.len() - 2;
    let cols = m - 1;
    let x = DMatrix::from_fn(rows, cols, |r, c| {
        let z = &masks[r + 2];
        f64::from(u8::from(z[c])) - f64::from(u8::from(z[m - 1]))
    });
    let xtx = x.transpose() * &x;
    let decomposition = xtx.clone().svd(true, true);
    let mut phi = vec![vec![0.0; m]; eval.classes];
    for c in 0..eval.classes {
        let delta = full[c] - base[c];
        let y = DVector::from_fn(rows, |r, _| {
            let z_last = f64::from(u8::from(masks[r + 2][m - 1]));
            v[r + 2][c] - base[c] - z_last * delta
        });
        let xty = x.transpose() * y;
        let sol = decomposition
            .solve(&xty, 1e-12)
            .map_err(|e| ExplainError::Solve(e.to_string()))?;
        let mut sum = 0.0;
        for i in 0..cols {
            phi[c][i] = sol[i];
            sum += sol[i];
        }
        phi[c][m - 1] = delta - sum;
    }
    Ok((phi, base, full))
}
