//! The ensemble: model slots with weights. The weighted score is
//! Σ wᵢ (buyᵢ − sellᵢ); positive buys, negative sells.

use crate::event::{Action, ModelOutput};
use crate::model::{Model, ModelInput};

/// One slot.
#[derive(Debug)]
pub struct Slot {
    /// The model.
    pub model: Box<dyn Model>,
    /// Version (incremented by each swap).
    pub version: u32,
    /// SHA-256 of the model artifact (zero for built-in rule models).
    pub sha256: [u8; 32],
}

/// The weighted ensemble.
#[derive(Debug)]
pub struct Ensemble {
    slots: Vec<Slot>,
    weights: Vec<f64>,
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

impl Ensemble {
    /// An ensemble with one slot of weight 1.
    pub fn single(model: Box<dyn Model>) -> Self {
        Self {
            slots: vec![Slot {
                model,
                version: 1,
                sha256: [0; 32],
            }],
            weights: vec![1.0],
        }
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

    /// Puts a model into a slot (appending a slot of weight 0 if new).
    pub fn swap(&mut self, slot: usize, model: Box<dyn Model>, version: u32, sha256: [u8; 32]) {
        let new = Slot {
            model,
            version,
            sha256,
        };
        if slot < self.slots.len() {
            self.slots[slot] = new;
        } else {
            self.slots.push(new);
            self.weights.push(0.0);
        }
    }

    /// Replaces the weights; they must be one per slot, finite and non-negative.
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), String> {
        if weights.len() != self.slots.len() {
            return Err(format!(
                "{} weights for {} slots",
                weights.len(),
                self.slots.len()
            ));
        }
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(format!("weight {w} is not a finite non-negative number"));
        }
        self.weights.clear();
        self.weights.extend_from_slice(weights);
        Ok(())
    }

    /// Evaluates every slot on the input and combines them.
    pub fn evaluate(&mut self, input: &ModelInput, features: &mut Vec<f64>, out: &mut Evaluation) {
        out.models.clear();
        let mut score = 0.0;
        for (i, (slot, w)) in self.slots.iter_mut().zip(&self.weights).enumerate() {
            let raw = slot.model.evaluate(input, features);
            score += w * (raw[0] - raw[1]);
            out.models.push(ModelOutput {
                slot: i as u16,
                version: slot.version,
                raw,
            });
        }
        out.score = score;
        out.action = if score > 0.0 {
            Action::Buy
        } else if score < 0.0 {
            Action::Sell
        } else {
            Action::Hold
        };
    }
}
