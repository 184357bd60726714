//! From hot reload to the journal: each reload outcome for a slot becomes
//! an engine input, so the swap takes effect at a journaled position and a
//! replay or audit uses exactly the models that decided.

use std::sync::Arc;

use axon_engine::Input;
use axon_engine::event::ModelRejected;
use axon_journal::ArtifactStore;

use crate::config::ModelConfig;
use crate::error::Result;
use crate::registry::{ModelRegistry, swap_record};
use crate::reload::ReloadEvent;

/// Turns a slot's reload events into engine inputs.
#[derive(Debug)]
pub struct SlotFeed {
    slot: u16,
    config: ModelConfig,
    store: ArtifactStore,
    registry: Arc<ModelRegistry>,
}

impl SlotFeed {
    /// A feed for `slot`, whose models load with `config` (as the
    /// reloader's), storing bytes in `store` and staging loaded models in
    /// the engine's `registry`.
    pub fn new(
        slot: u16,
        config: ModelConfig,
        store: ArtifactStore,
        registry: Arc<ModelRegistry>,
    ) -> Self {
        Self {
            slot,
            config,
            store,
            registry,
        }
    }

    /// The input for one reload outcome: a swapped model's bytes go to the
    /// store (durably, before the swap is journaled) and the loaded model
    /// is staged, so applying the `ModelSwap` costs the engine a lookup; a
    /// rejected file becomes `ModelRejected`.
    pub fn input_for(&self, event: &ReloadEvent) -> Result<Input> {
        Ok(match event {
            ReloadEvent::Swapped {
                version,
                sha256,
                bytes,
                model,
                ..
            } => {
                let stored = self.store.put(bytes)?;
                debug_assert_eq!(&stored, sha256);
                let mut config = self.config.clone();
                config.input_shape = model.info().input_shape.clone();
                let swap = swap_record(self.slot, *version as u32, *sha256, &config);
                self.registry.stage(&swap, model.clone());
                Input::ModelSwap(swap)
            }
            ReloadEvent::Rejected { sha256, reason } => Input::ModelRejected(ModelRejected {
                slot: self.slot,
                sha256: sha256.unwrap_or([0; 32]),
                reason: reason.clone(),
            }),
        })
    }
}
