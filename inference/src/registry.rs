//! The engine's model factory: resolves journaled swaps to loaded models.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axon_engine::event::ModelSwap;
use axon_engine::model::{Model, ModelFactory, RuleModels};
use axon_journal::ArtifactStore;

use crate::backend::{Backend, load_backend_bytes};
use crate::config::{Device, InferenceBackend, ModelConfig, OptLevel};
use crate::ml_model::MlModel;
use crate::observe::InferenceObserver;

/// Builds the model a `ModelSwap` names: rule models from their
/// parameters, ML models from the artifact store by SHA-256 (the store
/// checks the bytes still hash to it). Models prepared off the engine's
/// thread can be staged first, so applying the swap costs the engine only
/// a lookup. Loaded backends are shared between slots that name the same
/// model and options.
#[derive(Debug, Default)]
pub struct ModelRegistry {
    store: Option<ArtifactStore>,
    loaded: Mutex<BTreeMap<String, Arc<dyn Backend>>>,
    errors: Mutex<Vec<String>>,
    prediction_failures: Arc<AtomicU64>,
    observer: Mutex<Option<Arc<dyn InferenceObserver>>>,
}

impl ModelRegistry {
    /// A registry over a journal's artifact store.
    pub fn new(store: ArtifactStore) -> Self {
        Self {
            store: Some(store),
            ..Self::default()
        }
    }

    /// A registry with no store: rule models and staged models only.
    pub fn without_store() -> Self {
        Self::default()
    }

    /// Makes a model loaded elsewhere available to the swap that names it.
    pub fn stage(&self, swap: &ModelSwap, backend: Arc<dyn Backend>) {
        self.lock().insert(key(swap), backend);
    }

    /// Times the predictions of every model built from now on.
    pub fn set_observer(&self, observer: Arc<dyn InferenceObserver>) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    /// Predictions that failed in any model this registry built (each
    /// voted Hold).
    pub fn prediction_failures(&self) -> u64 {
        self.prediction_failures.load(Ordering::Relaxed)
    }

    /// Swaps that could not be built, with why (an audit or replay treats
    /// any as fatal: the journal's models must all load).
    pub fn errors(&self) -> Vec<String> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<dyn Backend>>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The loaded model a swap names (staged, cached, or loaded from the
    /// store and checked against its hash).
    pub fn backend_for(&self, swap: &ModelSwap) -> Result<Arc<dyn Backend>, String> {
        let k = key(swap);
        if let Some(b) = self.lock().get(&k) {
            return Ok(b.clone());
        }
        let config = swap_config(swap)?;
        let hex_name = hex::encode(swap.sha256);
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| format!("model {hex_name} was not staged and there is no store"))?;
        let bytes = store.get(&swap.sha256).map_err(|e| e.to_string())?;
        let backend: Arc<dyn Backend> = Arc::from(
            load_backend_bytes(&bytes, &config, &format!("model {hex_name}"))
                .map_err(|e| e.to_string())?,
        );
        self.lock().insert(k, backend.clone());
        Ok(backend)
    }
}

impl ModelFactory for ModelRegistry {
    fn build(&self, swap: &ModelSwap, instruments: usize) -> Result<Box<dyn Model>, String> {
        let built = if swap.backend == "rule" {
            RuleModels.build(swap, instruments)
        } else {
            self.backend_for(swap).and_then(|b| {
                let sink = self
                    .observer
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .map(|o| o.sink(&swap.backend, &hex::encode(swap.sha256)));
                let m = MlModel::with_failure_counter(b, self.prediction_failures.clone())?;
                Ok(Box::new(match sink {
                    Some(s) => m.with_latency(s),
                    None => m,
                }) as Box<dyn Model>)
            })
        };
        if let Err(e) = &built {
            self.errors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("slot {} version {}: {e}", swap.slot, swap.version));
        }
        built
    }
}

/// The load options a swap record carries.
pub fn swap_config(swap: &ModelSwap) -> Result<ModelConfig, String> {
    let backend: InferenceBackend = swap.backend.parse()?;
    let device: Device = if swap.device.is_empty() {
        Device::Cpu
    } else {
        swap.device.parse()?
    };
    let param = |name: &str| swap.params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    Ok(ModelConfig {
        path: format!("sha256:{}", hex::encode(swap.sha256)).into(),
        backend,
        device,
        input_shape: swap.input_shape.iter().map(|&d| d as usize).collect(),
        output_dim: 3,
        fp16: param("fp16").is_some_and(|v| v != 0.0),
        num_threads: param("threads").map_or(1, |t| t.max(1.0) as usize),
        opt_level: OptLevel::All,
    })
}

/// The fields of a swap that decide the loaded backend.
fn key(swap: &ModelSwap) -> String {
    format!(
        "{}|{}|{:?}|{}|{:?}",
        hex::encode(swap.sha256),
        swap.backend,
        swap.input_shape,
        swap.device,
        swap.params
    )
}

/// The swap record for loading `config`'s model with this content hash.
pub fn swap_record(slot: u16, version: u32, sha256: [u8; 32], config: &ModelConfig) -> ModelSwap {
    ModelSwap {
        slot,
        sha256,
        version,
        backend: config.backend.name().to_string(),
        params: vec![
            ("threads".into(), config.num_threads as f64),
            ("fp16".into(), if config.fp16 { 1.0 } else { 0.0 }),
        ],
        input_shape: config.input_shape.iter().map(|&d| d as u32).collect(),
        device: config.device.to_string(),
    }
}
