//! Exact replay: rebuild the engine from the journal's session-start record,
//! feed it the journaled inputs alone (no Parquet, no simulator) and compare
//! every output it produces, byte for byte, with the journaled one. The
//! [`Replayer`] (in strict mode) steps the engine and pairs the outputs;
//! this module judges them.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axon_engine::event::{EVENT_VERSION, kind};
use axon_engine::strategy::StrategyFactory;
use axon_engine::{Event, Output};
use axon_inference::ModelRegistry;
use axon_journal::{JournalReader, RecordRef};
use axon_pystrategy::Strategies;
use serde::Serialize;

use crate::error::ReplayError;
use crate::replayer::Replayer;

/// One side of a divergence, decoded for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    /// Sequence number.
    pub seq: u64,
    /// Event time, ns.
    pub time_ns: i64,
    /// Kind name.
    pub kind: String,
    /// The decoded event (or the decode error).
    pub event: serde_json::Value,
}

impl RecordView {
    /// Decodes a journal record.
    pub fn of(rec: &RecordRef<'_>) -> Self {
        let event = match Event::decode(rec.kind, rec.version, rec.payload) {
            Ok(ev) => ev.to_json(),
            Err(e) => {
                serde_json::json!({ "undecodable": e.to_string(), "payload_hex": hex::encode(rec.payload) })
            }
        };
        Self {
            seq: rec.seq,
            time_ns: rec.time_ns,
            kind: kind::name(rec.kind).to_string(),
            event,
        }
    }

    fn of_output(seq: u64, time_ns: i64, out: &Output) -> Self {
        Self {
            seq,
            time_ns,
            kind: kind::name(out.kind()).to_string(),
            event: Event::Output(out.clone()).to_json(),
        }
    }
}

/// Where a replay first differed from the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    /// Sequence number of the first difference.
    pub seq: u64,
    /// What the engine produced now (None: it produced nothing more).
    pub replayed: Option<RecordView>,
    /// What the journal holds (None: the journal ended).
    pub journaled: Option<RecordView>,
}

/// The result of `replay --verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyOutcome {
    /// Records read.
    pub records: u64,
    /// Inputs replayed.
    pub inputs: u64,
    /// Outputs compared.
    pub outputs: u64,
    /// Recomputed head hash, hex (covers the whole journal).
    pub head_hash: String,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// The first difference, if any.
    pub mismatch: Option<Mismatch>,
}

/// Replays a journal and compares every output.
pub fn verify_replay(
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyOutcome, ReplayError> {
    let store = JournalReader::open(dir)?.artifacts();
    verify_replay_with(dir, &Strategies::from_store(store), progress)
}

/// [`verify_replay`] for a session whose strategy `strategies` built (a
/// strategy of your own; see `SessionPlan::strategies`).
pub fn verify_replay_with(
    dir: &Path,
    strategies: &dyn StrategyFactory,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyOutcome, ReplayError> {
    let started = Instant::now();
    let reader = JournalReader::open(dir)?;
    let total = reader.manifest().closed.as_ref().map_or(0, |c| c.next_seq);
    // Models load from the journal's own store, checked against their hash.
    let registry = Arc::new(ModelRegistry::new(reader.artifacts()));
    let mut replayer = Replayer::with_factories(&reader, registry, strategies)?.strict();
    let mut scratch = Vec::with_capacity(256);
    let (mut records, mut inputs, mut compared) = (1u64, 1u64, 0u64);
    let mut mismatch = None;
    let mut last_time = 0;
    while let Some(step) = replayer.next()? {
        records += 1;
        let rec = step.record;
        last_time = rec.time_ns;
        if step.is_input() {
            if let Some(missing) = step.unpaired().first() {
                mismatch = Some(Mismatch {
                    seq: rec.seq,
                    replayed: Some(RecordView::of_output(rec.seq, rec.time_ns, missing)),
                    journaled: Some(RecordView::of(&rec)),
                });
                break;
            }
            inputs += 1;
            if records % (1 << 20) == 0 {
                progress(records, total);
            }
            continue;
        }
        let Some(want) = step.paired else {
            // The journal holds an output the engine did not produce now.
            mismatch = Some(Mismatch {
                seq: rec.seq,
                replayed: None,
                journaled: Some(RecordView::of(&rec)),
            });
            break;
        };
        scratch.clear();
        want.encode(&mut scratch);
        compared += 1;
        if want.kind() != rec.kind || rec.version != EVENT_VERSION || scratch != rec.payload {
            mismatch = Some(Mismatch {
                seq: rec.seq,
                replayed: Some(RecordView::of_output(rec.seq, rec.time_ns, want)),
                journaled: Some(RecordView::of(&rec)),
            });
            break;
        }
    }
    if mismatch.is_none()
        && let Some(missing) = replayer.pending().first()
    {
        mismatch = Some(Mismatch {
            seq: records,
            replayed: Some(RecordView::of_output(records, last_time, missing)),
            journaled: None,
        });
    }
    // Finish the chain over the rest of the journal when stopping early, so
    // the reported head always covers the whole journal.
    if mismatch.is_some() {
        // A model that no longer loads (missing or corrupted in the store)
        // is the cause to report, not the divergence it led to.
        replayer.check_models()?;
        replayer.skip_to_end()?;
    }
    progress(records, total);
    Ok(VerifyOutcome {
        records,
        inputs,
        outputs: compared,
        head_hash: replayer.head_hash().map(hex::encode).unwrap_or_default(),
        elapsed_secs: started.elapsed().as_secs_f64(),
        mismatch,
    })
}
