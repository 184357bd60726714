//! The model history of a journal: every model swap, in order, and whether
//! the store still holds its bytes (a journal copied without its store, or
//! a damaged one, cannot replay those swaps).

use std::path::Path;

use axon_engine::Input;
use axon_engine::event::{ModelSwap, kind};
use axon_journal::JournalReader;

use crate::error::ReplayError;

/// One model swap of a journal.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapEntry {
    /// The swap's record.
    pub seq: u64,
    /// Its event time.
    pub time_ns: i64,
    /// The swap.
    pub swap: ModelSwap,
    /// Whether the journal's store holds the model's bytes (rule models
    /// have none to hold and count as present).
    pub in_store: bool,
}

/// Every model swap in `journal`, oldest first.
pub fn model_history(journal: &Path) -> Result<Vec<SwapEntry>, ReplayError> {
    let reader = JournalReader::open(journal)?;
    let store = reader.artifacts();
    let mut cursor = reader.cursor(0, true)?;
    let mut out = Vec::new();
    while let Some(rec) = cursor.next()? {
        if rec.kind != kind::MODEL_SWAP {
            continue;
        }
        let decoded = Input::decode(rec.kind, rec.version, rec.payload).map_err(|source| {
            ReplayError::Decode {
                journal: journal.to_path_buf(),
                seq: rec.seq,
                source,
            }
        })?;
        let Input::ModelSwap(swap) = decoded else {
            continue;
        };
        out.push(SwapEntry {
            seq: rec.seq,
            time_ns: rec.time_ns,
            in_store: swap.backend == "rule" || store.contains(&swap.sha256),
            swap,
        });
    }
    Ok(out)
}
