//! Model hot reload in a live session. Each slot with `watch = true` gets
//! the inference crate's reloader (notify, 500 ms debounce, SHA-256, load
//! and check on the watcher's thread, write lock only for the exchange,
//! version broadcast). Each outcome becomes an engine input through
//! `SlotFeed`, which puts a new model's bytes in the journal's store (durably)
//! and stages the loaded model, and is handed to the session loop, which
//! journals it before the engine swaps. So the swap's place among the ticks
//! is in the journal, and a replay runs the very bytes that decided.

use std::sync::Arc;

use axon_engine::event::ModelRejected;
use axon_engine::{Engine, Input};
use axon_inference::{
    Backend, HotReloadConfig, ModelConfig, ModelHotReloader, ModelRegistry, ReloadEvent,
    SharedModel, SlotFeed, WatchHandle, load_backend_bytes, sha256_hex, swap_record,
};
use axon_journal::ArtifactStore;
use axon_metrics::MetricsCollector;
use axon_replay::PlannedModel;
use tokio::sync::mpsc;

use axon_config::LivePlan;

use crate::error::LiveError;

/// The watchers of a session's slots; dropping it stops watching.
pub struct Watchers {
    _handles: Vec<WatchHandle>,
}

impl std::fmt::Debug for Watchers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchers")
            .field("slots", &self._handles.len())
            .finish()
    }
}

/// The model a slot was configured with (its last entry).
fn planned(plan: &LivePlan, slot: u16) -> Option<&PlannedModel> {
    plan.session.models.iter().rev().find(|m| m.slot == slot)
}

/// Publishes the model each ML slot serves now (`model_info`), as the
/// session starts: those loaded by the journal, not by this process's swaps.
pub fn publish_serving(collector: &MetricsCollector, engine: &Engine, plan: &LivePlan) {
    for (slot, s) in engine.ensemble().slots().iter().enumerate().skip(1) {
        let Ok(slot) = u16::try_from(slot) else {
            continue;
        };
        let backend = planned(plan, slot).map_or("", |m| m.config.backend.name());
        collector.record_model_swap(slot, s.version, &hex::encode(s.sha256), backend, true);
    }
}

/// Starts watching every slot with `watch = true`. Returns the watchers and
/// the inputs to journal before anything else: a resumed session whose
/// watched file changed while it was stopped swaps it in first (the file
/// is what the slot serves).
pub fn watch(
    plan: &LivePlan,
    engine: &Engine,
    store: &ArtifactStore,
    registry: &Arc<ModelRegistry>,
    tx: mpsc::UnboundedSender<Input>,
) -> Result<(Watchers, Vec<Input>), LiveError> {
    let mut handles = Vec::new();
    let mut first = Vec::new();
    for &slot in &plan.watched {
        let m = planned(plan, slot).ok_or_else(|| LiveError::Watch {
            slot,
            reason: "watched but has no model".into(),
        })?;
        let serving = engine.ensemble().slots().get(usize::from(slot));
        let (backend, version) = match serving {
            Some(s) if hex::encode(s.sha256) == sha256_hex(&m.bytes) => {
                let swap = swap_record(slot, s.version, s.sha256, &m.config);
                let backend = registry.backend_for(&swap).map_err(|e| LiveError::Watch {
                    slot,
                    reason: e.to_string(),
                })?;
                (backend, s.version)
            }
            other => {
                let version = other.map_or(1, |s| s.version + 1);
                let sha = store.put(&m.bytes)?;
                let label = m.config.path.display().to_string();
                let backend: Arc<dyn Backend> = Arc::from(
                    load_backend_bytes(&m.bytes, &m.config, &label).map_err(|e| {
                        LiveError::Watch {
                            slot,
                            reason: e.to_string(),
                        }
                    })?,
                );
                let swap = swap_record(slot, version, sha, &m.config);
                registry.stage(&swap, backend.clone());
                tracing::info!(slot, version, file = %label, "the watched file changed while the session was stopped: swapping it in");
                first.push(Input::ModelSwap(swap));
                (backend, version)
            }
        };
        handles.push(watch_slot(
            slot,
            &m.config,
            backend,
            version,
            store,
            registry,
            tx.clone(),
        )?);
    }
    Ok((Watchers { _handles: handles }, first))
}

fn watch_slot(
    slot: u16,
    config: &ModelConfig,
    serving: Arc<dyn Backend>,
    version: u32,
    store: &ArtifactStore,
    registry: &Arc<ModelRegistry>,
    tx: mpsc::UnboundedSender<Input>,
) -> Result<WatchHandle, LiveError> {
    let shared = SharedModel::at_version(serving, u64::from(version));
    let reloader = ModelHotReloader::new(shared, HotReloadConfig::new(config.clone()));
    let feed = SlotFeed::new(slot, config.clone(), store.clone(), registry.clone());
    reloader.on_event(move |event| {
        let input = feed.input_for(event).unwrap_or_else(|e| {
            // Bytes the store could not keep cannot be journaled as a swap
            // (a replay would lack them): the slot keeps its model.
            let sha256 = match event {
                ReloadEvent::Swapped { sha256, .. } => *sha256,
                ReloadEvent::Rejected { sha256, .. } => sha256.unwrap_or([0; 32]),
            };
            Input::ModelRejected(ModelRejected {
                slot,
                sha256,
                reason: format!("cannot store the model in the journal: {e}"),
            })
        });
        // The session loop is gone only when the session is stopping.
        let _ = tx.send(input);
    });
    let handle = reloader.spawn_watcher().map_err(|e| LiveError::Watch {
        slot,
        reason: e.to_string(),
    })?;
    // A change between reading the file for the plan and watching it.
    reloader.reload_now();
    Ok(handle)
}
