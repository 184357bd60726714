//! The `[ensemble]` and `[models]` sections of a config: extra model slots
//! loaded at session start, swaps scheduled at event times (backtests) and
//! slots whose files a live session watches (hot reload).

use std::path::PathBuf;
use std::sync::Arc;

use axon_engine::ensemble::{DynamicWeights, EnsembleConfig};
use axon_inference::{Device, InferenceBackend, ModelConfig, load_backend_bytes, sha256_hex};
use axon_replay::PlannedModel;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::file::{Config, Source};

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

impl Config {
    /// Loads every configured model (reading and checking it now, so a
    /// wrong path, hash or shape is reported before the run).
    pub fn planned_models(&self) -> Result<Vec<PlannedModel>, ConfigError> {
        let m = &self.file.models;
        let mut out = Vec::new();
        for (i, e) in m.slots.iter().enumerate() {
            let key = format!("models.slots[{i}]");
            if e.slot.is_some() || e.at.is_some() {
                return Err(self.key_error(&key, "`slot` and `at` belong to [[models.swaps]]; slots are numbered in order from 1"));
            }
            if e.watch {
                self.check_watch(&key, e)?;
            }
            let slot = u16::try_from(i + 1).map_err(|_| self.key_error(&key, "too many slots"))?;
            out.push(self.plan_model(&key, e, slot, None)?);
        }
        for (i, e) in m.swaps.iter().enumerate() {
            let key = format!("models.swaps[{i}]");
            if e.watch {
                return Err(self.key_error(
                    &format!("{key}.watch"),
                    "belongs to [[models.slots]] of a live session: a watched slot swaps whenever its file changes",
                ));
            }
            let slot = e
                .slot
                .ok_or_else(|| self.key_error(&format!("{key}.slot"), "required"))?;
            let at = match &e.at {
                None => return Err(self.key_error(&format!("{key}.at"), "required")),
                Some(At::Nanos(n)) => *n,
                Some(At::Text(t)) => chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .and_then(|d| d.timestamp_nanos_opt())
                    .ok_or_else(|| {
                        self.key_error(
                            &format!("{key}.at"),
                            format!("{t:?} is not an RFC 3339 time (e.g. 2024-01-02T00:00:00Z) or integer nanoseconds"),
                        )
                    })?,
            };
            out.push(self.plan_model(&key, e, slot, Some(at))?);
        }
        Ok(out)
    }

    /// The slots whose files a live session watches (hot reload).
    pub fn watched_slots(&self) -> Vec<u16> {
        (1u16..)
            .zip(&self.file.models.slots)
            .filter(|(_, e)| e.watch)
            .map(|(slot, _)| slot)
            .collect()
    }

    /// `watch = true` needs a live session and a file.
    fn check_watch(&self, key: &str, e: &ModelEntry) -> Result<(), ConfigError> {
        let key = format!("{key}.watch");
        if !matches!(self.file.source, Source::Exchange(_)) {
            return Err(self.key_error(
                &key,
                "watching a model file is for live sessions ([exchange]): a backtest replays recorded data, so its swaps are [[models.swaps]] at event times",
            ));
        }
        if e.path.is_none() {
            return Err(self.key_error(&key, "needs `path`, the file to watch"));
        }
        Ok(())
    }

    fn plan_model(
        &self,
        key: &str,
        e: &ModelEntry,
        slot: u16,
        at_ns: Option<i64>,
    ) -> Result<PlannedModel, ConfigError> {
        let err = |k: &str, r: String| self.key_error(&format!("{key}.{k}"), r);
        let (bytes, label, guess) = match (&e.path, &e.from_journal) {
            (Some(p), None) => {
                let p = self.resolve(p);
                let bytes = std::fs::read(&p)
                    .map_err(|err_| err("path", format!("{}: {err_}", p.display())))?;
                (
                    bytes,
                    p.display().to_string(),
                    InferenceBackend::from_path(&p),
                )
            }
            (None, Some(j)) => {
                let hex_name = e.sha256.as_deref().ok_or_else(|| {
                    err(
                        "sha256",
                        "required with from_journal (which model of its store)".into(),
                    )
                })?;
                let hash: [u8; 32] = hex::decode(hex_name)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| err("sha256", format!("{hex_name:?} is not 64 hex digits")))?;
                let dir = self.resolve(j);
                let reader = axon_journal::JournalReader::open(&dir)
                    .map_err(|e_| err("from_journal", e_.to_string()))?;
                let bytes = reader
                    .artifacts()
                    .get(&hash)
                    .map_err(|e_| err("sha256", e_.to_string()))?;
                (bytes, format!("{}:{hex_name}", dir.display()), None)
            }
            (Some(_), Some(_)) => {
                return Err(err("path", "give path or from_journal, not both".into()));
            }
            (None, None) => {
                return Err(err("path", "required (or from_journal with sha256)".into()));
            }
        };
        let sha = sha256_hex(&bytes);
        if let (Some(pin), Some(_)) = (&e.sha256, &e.path)
            && !pin.eq_ignore_ascii_case(&sha)
        {
            return Err(err(
                "sha256",
                format!("pinned {pin}, but {label} hashes to {sha}"),
            ));
        }
        let backend = e.backend.or(guess).ok_or_else(|| {
            err(
                "backend",
                "required: cannot tell from the file name (onnx, tch or candle)".into(),
            )
        })?;
        let device: Device = match &e.device {
            Some(d) => d.parse().map_err(|r: String| err("device", r))?,
            None => Device::Cpu,
        };
        if e.threads == 0 {
            return Err(err("threads", "must be >= 1".into()));
        }
        let mut config = ModelConfig {
            path: label.clone().into(),
            backend,
            device,
            input_shape: e.input_shape.clone().unwrap_or_default(),
            output_dim: 3,
            fp16: e.fp16,
            num_threads: e.threads,
            opt_level: Default::default(),
        };
        let model = load_backend_bytes(&bytes, &config, &label)
            .map_err(|e_| self.key_error(key, e_.to_string()))?;
        config.input_shape = model.info().input_shape.clone();
        axon_engine::FeatureWindow::for_shape(&config.input_shape)
            .map_err(|r| err("input_shape", r.to_string()))?;
        Ok(PlannedModel {
            slot,
            at_ns,
            bytes: Arc::new(bytes),
            config,
        })
    }
}
