//! The dynamically weighted ensemble: model slots, their weights, and the
//! performance that moves the weights.
//!
//! Score: `Σ wᵢ (buyᵢ − sellᵢ)`; above `threshold` buys, below `−threshold`
//! sells, else holds.
//!
//! Weight rule (dynamic mode). Each model is scored on its own signal: at
//! every market event a model holds a virtual position `sign(buy − sell)`
//! from its previous output on that instrument, and earns that position
//! times the price return. Over each model's last `performance_window`
//! returns, Sharpe = mean / sample std. A model is *active* when it has at
//! least `min_observations` returns and a Sharpe above zero (no edge: weight
//! 0). Active models get weights proportional to their Sharpe, each raised to
//! at least `floor` and renormalised to sum to 1. With no active model every
//! weight is 0 and the ensemble holds. Weights are recomputed every
//! `rebalance_every` updates; a change is journaled as `WeightChange`.
//! An operator override (journaled input) pins the weights: dynamic updates
//! stop until the session ends.

use crate::error::EngineError;
use std::collections::VecDeque;

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::event::{Action, ModelOutput};
use crate::model::{Model, ModelInput};

/// How the ensemble weights its models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct EnsembleConfig {
    /// `|score|` must exceed this to act.
    pub threshold: f64,
    /// Starting weight per slot (slot 0 is the rule-based strategy); a slot
    /// beyond the list starts at 0, slot 0 at 1 if the list is empty.
    pub weights: Vec<f64>,
    /// `None`: weights change only by operator override.
    pub dynamic: Option<DynamicWeights>,
}

impl Default for EnsembleConfig {
    fn default() -> Self {
        Self {
            threshold: 0.0,
            weights: Vec::new(),
            dynamic: None,
        }
    }
}

/// Parameters of the performance-following weight rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct DynamicWeights {
    /// Returns per model the Sharpe is computed over.
    pub performance_window: usize,
    /// Fewest returns before a model can be active.
    pub min_observations: usize,
    /// Updates between weight recomputations.
    pub rebalance_every: u64,
    /// Smallest weight of an active model, before renormalisation.
    pub floor: f64,
}

impl DynamicWeights {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), EngineError> {
        self.check().map_err(EngineError::Config)
    }

    fn check(&self) -> Result<(), String> {
        if self.performance_window < 2 {
            return Err("ensemble.performance_window must be >= 2".into());
        }
        if self.min_observations < 2 || self.min_observations > self.performance_window {
            return Err(format!(
                "ensemble.min_observations must be in [2, performance_window = {}], found {}",
                self.performance_window, self.min_observations
            ));
        }
        if self.rebalance_every == 0 {
            return Err("ensemble.rebalance_every must be >= 1".into());
        }
        if !(self.floor >= 0.0 && self.floor < 1.0) {
            return Err(format!(
                "ensemble.floor must be in [0, 1), found {}",
                self.floor
            ));
        }
        Ok(())
    }
}

/// One slot.
#[derive(Debug)]
pub struct Slot {
    /// The model.
    pub model: Box<dyn Model>,
    /// Version (incremented by each swap).
    pub version: u32,
    /// SHA-256 of the model artifact (zero for built-in rule models).
    pub sha256: [u8; 32],
    features: Vec<f64>,
    returns: VecDeque<f64>,
}

/// Per-model statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelStats {
    /// Slot.
    pub slot: usize,
    /// Current weight.
    pub weight: f64,
    /// Sharpe over the window (NaN with fewer than 2 returns).
    pub sharpe: f64,
    /// Mean return over the window.
    pub mean_return: f64,
    /// Returns in the window.
    pub observations: usize,
    /// Whether the weight rule counts the model as having an edge.
    pub active: bool,
}

/// The ensemble's statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleMetrics {
    /// Sharpe of the weighted combination of the models' returns over the
    /// window (NaN until two returns).
    pub sharpe: f64,
    /// Models with an edge (dynamic mode) or a non-zero weight (static).
    pub active_count: usize,
    /// Weight recomputations that changed the weights.
    pub weight_changes: u64,
    /// Per model.
    pub models: Vec<ModelStats>,
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per-model raw outputs.
    pub models: Vec<ModelOutput>,
    /// Weighted score.
    pub score: f64,
    /// Action.
    pub action: Action,
}

/// The weighted ensemble of model slots.
#[derive(Debug)]
pub struct DynamicWeightedEnsemble {
    slots: Vec<Slot>,
    weights: Vec<f64>,
    initial_weights: Vec<f64>,
    config: EnsembleConfig,
    pinned: bool,
    updates: u64,
    weight_changes: u64,
    combined: VecDeque<f64>,
}

/// The ensemble under its older name.
pub type Ensemble = DynamicWeightedEnsemble;

impl DynamicWeightedEnsemble {
    /// An ensemble of `models` with `initial_weights` (one per model, finite,
    /// non-negative), Sharpe over `performance_window` returns, recomputed
    /// every update.
    pub fn new(
        models: Vec<Box<dyn Model>>,
        initial_weights: Vec<f64>,
        performance_window: usize,
    ) -> Result<Self, EngineError> {
        let dynamic = DynamicWeights {
            performance_window,
            min_observations: performance_window.clamp(2, 20),
            rebalance_every: 1,
            floor: 0.0,
        };
        dynamic.validate()?;
        Self::with_config(
            models,
            initial_weights,
            EnsembleConfig {
                threshold: 0.0,
                weights: Vec::new(),
                dynamic: Some(dynamic),
            },
        )
    }

    /// An ensemble with an explicit configuration.
    pub fn with_config(
        models: Vec<Box<dyn Model>>,
        initial_weights: Vec<f64>,
        config: EnsembleConfig,
    ) -> Result<Self, EngineError> {
        check_weights(&initial_weights, models.len())?;
        Ok(Self {
            slots: models
                .into_iter()
                .map(|model| Slot {
                    model,
                    version: 1,
                    sha256: [0; 32],
                    features: Vec::with_capacity(8),
                    returns: VecDeque::new(),
                })
                .collect(),
            weights: initial_weights.clone(),
            initial_weights,
            config,
            pinned: false,
            updates: 0,
            weight_changes: 0,
            combined: VecDeque::new(),
        })
    }

    /// The slots (model, version, artifact hash).
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Current weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Puts a model into a slot (appending a slot of weight 0 if new). A
    /// new model starts with no performance history.
    pub fn swap(&mut self, slot: usize, model: Box<dyn Model>, version: u32, sha256: [u8; 32]) {
        let new = Slot {
            model,
            version,
            sha256,
            features: Vec::with_capacity(8),
            returns: VecDeque::new(),
        };
        if slot < self.slots.len() {
            self.slots[slot] = new;
        } else {
            let w = self.config.weights.get(slot).copied().unwrap_or(0.0);
            self.slots.push(new);
            self.weights.push(w);
            self.initial_weights.push(w);
        }
    }

    /// Replaces the weights (an operator override): one per slot, finite and
    /// non-negative. Pins them: dynamic updates stop.
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), EngineError> {
        check_weights(weights, self.slots.len())?;
        self.weights.clear();
        self.weights.extend_from_slice(weights);
        self.pinned = true;
        Ok(())
    }

    /// Sets the weights a session starts from (configuration, not an
    /// override: dynamic updates go on).
    pub fn set_initial_weights(&mut self, weights: &[f64]) -> Result<(), EngineError> {
        check_weights(weights, self.slots.len())?;
        self.weights = weights.to_vec();
        self.initial_weights = weights.to_vec();
        Ok(())
    }

    /// Adds one return per model (`performances[i]` for slot i) and, on the
    /// rebalance cadence, recomputes the weights. Returns the new weights if
    /// they changed.
    pub fn update_weights(&mut self, performances: &[f64]) -> Option<&[f64]> {
        let dynamic = self.config.dynamic?;
        let mut combined = 0.0;
        for ((slot, r), w) in self.slots.iter_mut().zip(performances).zip(&self.weights) {
            if slot.returns.len() == dynamic.performance_window {
                slot.returns.pop_front();
            }
            slot.returns.push_back(*r);
            combined += w * r;
        }
        if self.combined.len() == dynamic.performance_window {
            self.combined.pop_front();
        }
        self.combined.push_back(combined);
        self.updates += 1;
        if self.pinned || !self.updates.is_multiple_of(dynamic.rebalance_every) {
            return None;
        }
        let new = self.rule(&dynamic);
        if new == self.weights {
            return None;
        }
        self.weights = new;
        self.weight_changes += 1;
        Some(&self.weights)
    }

    fn rule(&self, d: &DynamicWeights) -> Vec<f64> {
        let sharpes: Vec<Option<f64>> = self
            .slots
            .iter()
            .map(|s| {
                let (_, _, sharpe) = moments(&s.returns);
                (s.returns.len() >= d.min_observations && sharpe > 0.0).then_some(sharpe)
            })
            .collect();
        let total: f64 = sharpes.iter().flatten().sum();
        if total <= 0.0 {
            return vec![0.0; self.slots.len()];
        }
        let raised: Vec<f64> = sharpes
            .iter()
            .map(|s| s.map_or(0.0, |s| (s / total).max(d.floor)))
            .collect();
        let sum: f64 = raised.iter().sum();
        raised.iter().map(|w| w / sum).collect()
    }

    /// Statistics per model and for the combination.
    pub fn get_metrics(&self) -> EnsembleMetrics {
        let min_obs = self.config.dynamic.map(|d| d.min_observations);
        let models: Vec<ModelStats> = self
            .slots
            .iter()
            .zip(&self.weights)
            .enumerate()
            .map(|(i, (s, w))| {
                let (mean, _, sharpe) = moments(&s.returns);
                ModelStats {
                    slot: i,
                    weight: *w,
                    sharpe,
                    mean_return: mean,
                    observations: s.returns.len(),
                    active: match min_obs {
                        Some(m) => s.returns.len() >= m && sharpe > 0.0,
                        None => *w > 0.0,
                    },
                }
            })
            .collect();
        EnsembleMetrics {
            sharpe: moments(&self.combined).2,
            active_count: models.iter().filter(|m| m.active).count(),
            weight_changes: self.weight_changes,
            models,
        }
    }

    /// Evaluates every slot on the input and combines them.
    pub fn predict(&mut self, input: &ModelInput, out: &mut Evaluation) {
        out.models.clear();
        let mut score = 0.0;
        for (i, (slot, w)) in self.slots.iter_mut().zip(&self.weights).enumerate() {
            let raw = slot.model.evaluate(input, &mut slot.features);
            score += w * (raw[0] - raw[1]);
            out.models.push(ModelOutput {
                slot: i as u16,
                version: slot.version,
                raw,
                features: Vec::new(),
                input_sha256: [0; 32],
            });
        }
        out.score = score;
        let t = self.config.threshold;
        out.action = if score > t {
            Action::Buy
        } else if score < -t {
            Action::Sell
        } else {
            Action::Hold
        };
    }

    /// Runs one slot's model on an input the caller computed (see
    /// [`Model::evaluate_input`]): its output with that input as the
    /// features and its digest, for a decision record.
    pub fn evaluate_input(&mut self, slot: usize, input: &[f32]) -> Result<ModelOutput, String> {
        let n = self.slots.len();
        let s = self
            .slots
            .get_mut(slot)
            .ok_or_else(|| format!("no model in slot {slot} (slots 0..{n} are configured)"))?;
        let raw = s.model.evaluate_input(input)?;
        Ok(ModelOutput {
            slot: slot as u16,
            version: s.version,
            raw,
            features: input.iter().map(|&v| f64::from(v)).collect(),
            input_sha256: s.model.input_digest(),
        })
    }

    /// Fills in what only a journaled decision needs: each model's features
    /// and input digest (kept out of `predict`, which runs on every event).
    pub fn annotate(&self, out: &mut Evaluation) {
        for (m, slot) in out.models.iter_mut().zip(&self.slots) {
            m.features.clone_from(&slot.features);
            m.input_sha256 = slot.model.input_digest();
        }
    }
}

fn check_weights(weights: &[f64], slots: usize) -> Result<(), EngineError> {
    if weights.len() != slots {
        return Err(EngineError::WeightCount {
            given: weights.len(),
            slots,
        });
    }
    if let Some(&weight) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return Err(EngineError::BadWeight { weight });
    }
    Ok(())
}

/// Mean, sample standard deviation and their ratio (NaN below two values;
/// a zero deviation gives a zero ratio, not infinity).
fn moments(xs: &VecDeque<f64>) -> (f64, f64, f64) {
    let n = xs.len();
    if n < 2 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let std = var.sqrt();
    let sharpe = if std > 0.0 { mean / std } else { 0.0 };
    (mean, std, sharpe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that always says the same thing.
    #[derive(Debug)]
    struct Fixed([f64; 3]);
    impl Model for Fixed {
        fn evaluate(&mut self, _: &ModelInput, f: &mut Vec<f64>) -> [f64; 3] {
            f.clear();
            self.0
        }
    }

    fn three() -> DynamicWeightedEnsemble {
        let models: Vec<Box<dyn Model>> = vec![
            Box::new(Fixed([1.0, 0.0, 0.0])),
            Box::new(Fixed([0.0, 1.0, 0.0])),
            Box::new(Fixed([0.2, 0.1, 0.7])),
        ];
        DynamicWeightedEnsemble::new(models, vec![1.0 / 3.0; 3], 10).unwrap()
    }

    #[test]
    fn weights_follow_sharpe_and_losers_get_nothing() {
        let mut e = three();
        // Model 0 earns steadily, model 1 loses, model 2 earns more noisily.
        for i in 0..10 {
            let noise = if i % 2 == 0 { 0.02 } else { -0.01 };
            e.update_weights(&[0.01 + 0.001 * (i % 3) as f64, -0.01, noise]);
        }
        let w = e.weights().to_vec();
        assert_eq!(w[1], 0.0, "a losing model is deactivated: {w:?}");
        assert!(w[0] > w[2] && w[2] > 0.0, "{w:?}");
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let m = e.get_metrics();
        assert_eq!(m.active_count, 2);
        assert!(m.models[0].sharpe > m.models[2].sharpe);
        assert!(m.sharpe.is_finite());
    }

    #[test]
    fn floor_raises_small_weights_and_no_edge_means_no_weight() {
        let models: Vec<Box<dyn Model>> = vec![
            Box::new(Fixed([1.0, 0.0, 0.0])),
            Box::new(Fixed([1.0, 0.0, 0.0])),
        ];
        let config = EnsembleConfig {
            threshold: 0.0,
            weights: vec![],
            dynamic: Some(DynamicWeights {
                performance_window: 4,
                min_observations: 2,
                rebalance_every: 1,
                floor: 0.4,
            }),
        };
        let mut e = DynamicWeightedEnsemble::with_config(models, vec![0.5, 0.5], config).unwrap();
        for r in [[0.10, 0.01], [0.12, 0.0], [0.11, 0.02]] {
            e.update_weights(&r);
        }
        let w = e.weights();
        assert!(w[1] >= 0.4 / (1.0 + 0.4) - 1e-12 && w[0] > w[1], "{w:?}");
        for _ in 0..4 {
            e.update_weights(&[-0.01, -0.02]);
        }
        assert_eq!(e.weights(), [0.0, 0.0]);
        let mut out = Evaluation {
            models: vec![],
            score: 0.0,
            action: Action::Buy,
        };
        let input = ModelInput {
            instrument: 0,
            time_ns: 0,
            price: 1.0,
        };
        e.predict(&input, &mut out);
        assert_eq!(out.action, Action::Hold);
    }

    #[test]
    fn overrides_pin_the_weights() {
        let mut e = three();
        e.set_weights(&[0.0, 0.0, 1.0]).unwrap();
        for _ in 0..20 {
            assert!(e.update_weights(&[0.01, 0.02, -0.5]).is_none());
        }
        assert_eq!(e.weights(), [0.0, 0.0, 1.0]);
        assert!(e.set_weights(&[1.0]).is_err());
        assert!(e.set_weights(&[1.0, f64::NAN, 0.0]).is_err());
    }

    #[test]
    fn predict_combines_and_thresholds() {
        let models: Vec<Box<dyn Model>> = vec![
            Box::new(Fixed([0.6, 0.3, 0.1])),
            Box::new(Fixed([0.2, 0.5, 0.3])),
        ];
        let config = EnsembleConfig {
            threshold: 0.1,
            weights: vec![],
            dynamic: None,
        };
        let mut e = DynamicWeightedEnsemble::with_config(models, vec![0.5, 0.5], config).unwrap();
        let mut out = Evaluation {
            models: vec![],
            score: 0.0,
            action: Action::Hold,
        };
        let input = ModelInput {
            instrument: 0,
            time_ns: 0,
            price: 1.0,
        };
        e.predict(&input, &mut out);
        assert!((out.score - 0.0).abs() < 1e-12);
        assert_eq!(out.action, Action::Hold);
        e.set_weights(&[1.0, 0.0]).unwrap();
        e.predict(&input, &mut out);
        assert_eq!(out.action, Action::Buy);
        assert_eq!(out.models.len(), 2);
    }
}
