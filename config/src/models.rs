//! The `[ensemble]` and `[models]` sections of a config: extra model slots
//! loaded at session start, swaps scheduled at event times (backtests) and
//! slots whose files a live session watches (hot reload).

use std::path::PathBuf;

use axon_engine::ensemble::{DynamicWeights, EnsembleConfig};
use axon_inference::InferenceBackend;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleSection {
    #[serde(default)]
    pub threshold: f64,
    #[serde(default)]
    pub weights: Vec<f64>,
    #[serde(default)]
    pub mode: WeightMode,
    #[serde(default = "default_window")]
    pub performance_window: usize,
    pub min_observations: Option<usize>,
    #[serde(default = "default_rebalance")]
    pub rebalance_every: u64,
    #[serde(default)]
    pub floor: f64,
}

impl Default for EnsembleSection {
    fn default() -> Self {
        Self {
            threshold: 0.0,
            weights: Vec::new(),
            mode: WeightMode::Static,
            performance_window: default_window(),
            min_observations: None,
            rebalance_every: default_rebalance(),
            floor: 0.0,
        }
    }
}

fn default_window() -> usize {
    100
}
fn default_rebalance() -> u64 {
    50
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WeightMode {
    #[default]
    Static,
    Dynamic,
}

impl EnsembleSection {
    pub fn engine_config(&self) -> EnsembleConfig {
        EnsembleConfig {
            threshold: self.threshold,
            weights: self.weights.clone(),
            dynamic: (self.mode == WeightMode::Dynamic).then(|| DynamicWeights {
                performance_window: self.performance_window,
                min_observations: self
                    .min_observations
                    .unwrap_or(self.performance_window.clamp(2, 20)),
                rebalance_every: self.rebalance_every,
                floor: self.floor,
            }),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ModelsSection {
    /// Slots 1, 2, ... (slot 0 is the strategy), loaded at session start.
    #[serde(default)]
    pub slots: Vec<ModelEntry>,
    /// Swaps at event times.
    #[serde(default)]
    pub swaps: Vec<ModelEntry>,
}

/// One model: a file, or a SHA-256 taken from an earlier journal's store
/// (a rollback).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub path: Option<PathBuf>,
    pub sha256: Option<String>,
    pub from_journal: Option<PathBuf>,
    pub backend: Option<InferenceBackend>,
    pub input_shape: Option<Vec<usize>>,
    #[serde(default = "one")]
    pub threads: usize,
    #[serde(default)]
    pub fp16: bool,
    #[serde(default)]
    pub device: Option<String>,
    /// Swaps only: the slot.
    pub slot: Option<u16>,
    /// Swaps only: event time, ns since the epoch or RFC 3339 text.
    pub at: Option<At>,
    /// Live slots only: watch the file and hot-swap each new version in.
    #[serde(default)]
    pub watch: bool,
}

fn one() -> usize {
    1
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum At {
    Nanos(i64),
    Text(String),
}

impl ModelsSection {
    /// The slots whose files a live session watches (hot reload).
    pub fn watched_slots(&self) -> Vec<u16> {
        (1u16..)
            .zip(&self.slots)
            .filter(|(_, e)| e.watch)
            .map(|(slot, _)| slot)
            .collect()
    }
}
