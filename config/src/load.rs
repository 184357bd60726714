//! Loading what a config's `[models]` section names: model files (hashed,
//! checked against their pins and loaded once to learn their input shape)
//! and rollbacks from earlier journals' stores. Parsing never does this;
//! planning does.

use std::sync::Arc;

use axon_inference::{Device, InferenceBackend, ModelConfig, load_backend_bytes, sha256_hex};
use axon_replay::PlannedModel;

use crate::error::ConfigError;
use crate::file::{Config, Source};
use crate::models::{At, ModelEntry};

/// Loads every configured model (reading and checking it now, so a
/// wrong path, hash or shape is reported before the run).
pub(crate) fn planned_models(config: &Config) -> Result<Vec<PlannedModel>, ConfigError> {
    let m = &config.file.models;
    let mut out = Vec::new();
    for (i, e) in m.slots.iter().enumerate() {
        let key = format!("models.slots[{i}]");
        if e.slot.is_some() || e.at.is_some() {
            return Err(config.key_error(
                &key,
                "`slot` and `at` belong to [[models.swaps]]; slots are numbered in order from 1",
            ));
        }
        if e.watch {
            check_watch(config, &key, e)?;
        }
        let slot = u16::try_from(i + 1).map_err(|_| config.key_error(&key, "too many slots"))?;
        out.push(plan_model(config, &key, e, slot, None)?);
    }
    for (i, e) in m.swaps.iter().enumerate() {
        let key = format!("models.swaps[{i}]");
        if e.watch {
            return Err(config.key_error(
                    &format!("{key}.watch"),
                    "belongs to [[models.slots]] of a live session: a watched slot swaps whenever its file changes",
                ));
        }
        let slot = e
            .slot
            .ok_or_else(|| config.key_error(&format!("{key}.slot"), "required"))?;
        let at = match &e.at {
                None => return Err(config.key_error(&format!("{key}.at"), "required")),
                Some(At::Nanos(n)) => *n,
                Some(At::Text(t)) => chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .and_then(|d| d.timestamp_nanos_opt())
                    .ok_or_else(|| {
                        config.key_error(
                            &format!("{key}.at"),
                            format!("{t:?} is not an RFC 3339 time (e.g. 2024-01-02T00:00:00Z) or integer nanoseconds"),
                        )
                    })?,
            };
        out.push(plan_model(config, &key, e, slot, Some(at))?);
    }
    Ok(out)
}

/// `watch = true` needs a live session and a file.
fn check_watch(config: &Config, key: &str, e: &ModelEntry) -> Result<(), ConfigError> {
    let key = format!("{key}.watch");
    if !matches!(config.file.source, Source::Exchange(_)) {
        return Err(config.key_error(
                &key,
                "watching a model file is for live sessions ([exchange]): a backtest replays recorded data, so its swaps are [[models.swaps]] at event times",
            ));
    }
    if e.path.is_none() {
        return Err(config.key_error(&key, "needs `path`, the file to watch"));
    }
    Ok(())
}

fn plan_model(
    config: &Config,
    key: &str,
    e: &ModelEntry,
    slot: u16,
    at_ns: Option<i64>,
) -> Result<PlannedModel, ConfigError> {
    let err = |k: &str, r: String| config.key_error(&format!("{key}.{k}"), r);
    let (bytes, label, guess) = model_bytes(config, key, e)?;
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
    let mut model_config = ModelConfig {
        path: label.clone().into(),
        backend,
        device,
        input_shape: e.input_shape.clone().unwrap_or_default(),
        output_dim: 3,
        fp16: e.fp16,
        num_threads: e.threads,
        opt_level: Default::default(),
    };
    let model = load_backend_bytes(&bytes, &model_config, &label)
        .map_err(|e_| config.key_error(key, e_.to_string()))?;
    model_config.input_shape = model.info().input_shape.clone();
    axon_engine::FeatureWindow::for_shape(&model_config.input_shape)
        .map_err(|r| err("input_shape", r.to_string()))?;
    Ok(PlannedModel {
        slot,
        at_ns,
        bytes: Arc::new(bytes),
        config: model_config,
    })
}

/// A model entry's bytes: its file, or a model from an earlier journal's
/// store by hash; with a label for messages and the backend its file name
/// suggests.
fn model_bytes(
    config: &Config,
    key: &str,
    e: &ModelEntry,
) -> Result<(Vec<u8>, String, Option<InferenceBackend>), ConfigError> {
    let err = |k: &str, r: String| config.key_error(&format!("{key}.{k}"), r);
    Ok(match (&e.path, &e.from_journal) {
        (Some(p), None) => {
            let p = config.resolve(p);
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
            let dir = config.resolve(j);
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
    })
}
