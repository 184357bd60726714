//! Audit of one past decision: rebuild the engine from the journal alone
//! (session start, journaled inputs, models from the journal's store by
//! hash), recompute the decision and check it equals the journaled one bit
//! for bit, and hand back what an explainer needs: each ML model's exact
//! input tensor (checked against the digest the decision journaled), a
//! background of that model's earlier inputs, the prices around the
//! decision and the order it led to.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_engine::event::{Decision, ModelSwap, OrderIntent, kind};
use axon_engine::{Engine, Event, Input, Output};
use axon_inference::{Backend, ModelRegistry};
use axon_journal::JournalReader;
use sha2::{Digest, Sha256};

use crate::error::ReplayError;

/// Which decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTarget {
    /// The `Decision` record at this sequence number.
    Seq(u64),
    /// The decision behind the order with this client order id.
    Order(u64),
}

/// How much context to collect.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Background rows per ML model: its inputs before the decision.
    pub background: usize,
    /// Keep one earlier input in this many (spreads the background).
    pub stride: usize,
    /// Prices of the decision's instrument before and after it.
    pub prices: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            background: 100,
            stride: 10,
            prices: 300,
        }
    }
}

/// One ML model slot behind the decision.
#[derive(Debug, Clone)]
pub struct SlotAudit {
    /// The swap that put the model in the slot.
    pub swap: ModelSwap,
    /// The loaded model (bytes from the journal's store).
    pub model: Arc<dyn Backend>,
    /// The exact input tensor the model saw.
    pub input: Vec<f32>,
    /// The model's earlier inputs (oldest first).
    pub background: Vec<Vec<f32>>,
    /// Whether the input hashes to the digest the decision journaled.
    pub input_verified: bool,
}

/// A rebuilt decision.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The journal.
    pub journal: PathBuf,
    /// The decision's sequence number.
    pub seq: u64,
    /// Its event time.
    pub time_ns: i64,
    /// The journaled decision.
    pub decision: Decision,
    /// The decision the replay recomputed (equal when reproduced).
    pub replayed: Option<Decision>,
    /// Whether every output up to and including the decision was
    /// reproduced bit for bit.
    pub reproduced: bool,
    /// The first record that differed, if any.
    pub first_mismatch: Option<u64>,
    /// The instrument's symbol.
    pub symbol: String,
    /// The order the decision led to (its entry order), if any.
    pub order: Option<OrderIntent>,
    /// Every slot's swap at the decision (rule slots included).
    pub swaps: BTreeMap<u16, ModelSwap>,
    /// The ML slots.
    pub slots: Vec<SlotAudit>,
    /// (time, price) of the instrument around the decision.
    pub prices: Vec<(i64, f64)>,
    /// Decimals the instrument's quoted prices (bid, ask, last, bar prices)
    /// use in the journal, at most 8; `None` when none were seen or they
    /// carry more.
    pub price_decimals: Option<u32>,
    /// The ensemble's threshold: a score above it buys, below its negative
    /// sells.
    pub threshold: f64,
}

/// Finds the decision behind an order: the last `Decision` on the order's
/// instrument before the order's intent.
fn find_order(reader: &JournalReader, dir: &Path, client_id: u64) -> Result<u64, ReplayError> {
    let mut cursor = reader.cursor(0, false)?;
    let mut last_decision: BTreeMap<u32, u64> = BTreeMap::new();
    while let Some(r) = cursor.next()? {
        if r.kind != kind::DECISION && r.kind != kind::ORDER_INTENT {
            continue;
        }
        let ev =
            Event::decode(r.kind, r.version, r.payload).map_err(|source| ReplayError::Decode {
                journal: dir.to_path_buf(),
                seq: r.seq,
                source,
            })?;
        match ev {
            Event::Output(Output::Decision(d)) => {
                last_decision.insert(d.instrument, r.seq);
            }
            Event::Output(Output::OrderIntent(o)) if o.client_id == client_id => {
                return last_decision.get(&o.instrument).copied().ok_or_else(|| audit_err(
                    dir,
                    format!("order {client_id} (seq {}) has no decision before it (an end-of-data close-out?)", r.seq),
                ));
            }
            _ => {}
        }
    }
    Err(audit_err(
        dir,
        format!("no order with client order id {client_id} in the journal"),
    ))
}

fn audit_err(dir: &Path, reason: String) -> ReplayError {
    ReplayError::BadSession {
        journal: dir.to_path_buf(),
        reason,
    }
}

/// Reads the decision at `seq`, or says what is there instead.
fn decision_at(
    reader: &JournalReader,
    dir: &Path,
    seq: u64,
) -> Result<(Decision, i64), ReplayError> {
    let mut cursor = reader.cursor(seq, false)?;
    let Some(r) = cursor.next()?.filter(|r| r.seq == seq) else {
        return Err(audit_err(
            dir,
            format!("no record {seq}: the journal ends before it"),
        ));
    };
    let ev = Event::decode(r.kind, r.version, r.payload).map_err(|source| ReplayError::Decode {
        journal: dir.to_path_buf(),
        seq,
        source,
    })?;
    match ev {
        Event::Output(Output::Decision(d)) => Ok((d, r.time_ns)),
        _ => Err(audit_err(
            dir,
            format!(
                "seq {seq} is not a Decision (it holds kind {})",
                kind::name(r.kind)
            ),
        )),
    }
}

/// Rebuilds and checks one decision.
pub fn audit(dir: &Path, target: AuditTarget, options: AuditOptions) -> Result<Audit, ReplayError> {
    let reader = JournalReader::open(dir)?;
    let seq = match target {
        AuditTarget::Seq(s) => s,
        AuditTarget::Order(id) => find_order(&reader, dir, id)?,
    };
    let (decision, time_ns) = decision_at(&reader, dir, seq)?;
    let registry = Arc::new(ModelRegistry::new(reader.artifacts()));
    let decode = |r: &axon_journal::RecordRef<'_>| {
        Input::decode(r.kind, r.version, r.payload).map_err(|source| ReplayError::Decode {
            journal: dir.to_path_buf(),
            seq: r.seq,
            source,
        })
    };

    let mut cursor = reader.cursor(0, true)?;
    let first = cursor
        .next()?
        .ok_or_else(|| audit_err(dir, "the journal is empty".into()))?;
    let Input::SessionStart(start) = decode(&first)? else {
        return Err(audit_err(dir, "record 0 is not a SessionStart".into()));
    };
    let mut engine = Engine::new(start.config.clone(), Box::new(registry.clone()))
        .map_err(|r| audit_err(dir, r))?;
    let mut symbols: Vec<String> = start.config.instruments.clone();
    let mut swaps: BTreeMap<u16, ModelSwap> = BTreeMap::new();
    let mut backgrounds: BTreeMap<usize, VecDeque<Vec<f32>>> = BTreeMap::new();
    let mut runs: BTreeMap<usize, u64> = BTreeMap::new();
    let mut prices: VecDeque<(i64, f64)> = VecDeque::new();
    let mut precision = Precision::default();
    let mut after = 0usize;
    let mut expected: VecDeque<Output> = VecDeque::new();
    let mut outputs = Vec::new();
    let mut scratch = Vec::new();
    // ML inputs at the step that produced the pending outputs.
    let mut step_inputs: BTreeMap<usize, Vec<f32>> = BTreeMap::new();
    let mut audit_inputs: Option<BTreeMap<usize, Vec<f32>>> = None;
    let mut background_at: BTreeMap<usize, Vec<Vec<f32>>> = BTreeMap::new();
    let (mut first_mismatch, mut replayed, mut order) = (None, None, None);
    let mut reached = false;
    while let Some(rec) = cursor.next()? {
        if kind::is_input(rec.kind) {
            let input = decode(&rec)?;
            precision.add(&input, decision.instrument);
            if reached {
                // Prices after the decision, for the chart.
                if let Some(p) = market_price(&input, decision.instrument) {
                    prices.push_back((rec.time_ns, p));
                    after += 1;
                    if after >= options.prices / 2 {
                        break;
                    }
                }
                continue;
            }
            match &input {
                Input::ModelSwap(s) => {
                    swaps.insert(s.slot, s.clone());
                }
                Input::Instrument(d) => {
                    if symbols.len() <= d.id as usize {
                        symbols.resize(d.id as usize + 1, String::new());
                    }
                    symbols[d.id as usize] = d.symbol.clone();
                }
                _ => {}
            }
            if let Some(p) = market_price(&input, decision.instrument) {
                prices.push_back((rec.time_ns, p));
                if prices.len() > options.prices / 2 + 1 {
                    prices.pop_front();
                }
            }
            outputs.clear();
            engine.step(rec.time_ns, &input, &mut outputs);
            step_inputs.clear();
            let decided = outputs.iter().any(|o| matches!(o, Output::Decision(_)));
            for (i, slot) in engine.ensemble().slots().iter().enumerate() {
                let Some(x) = slot.model.last_input() else {
                    continue;
                };
                if decided {
                    step_inputs.insert(i, x.to_vec());
                }
                // A spread of the model's earlier inputs as background.
                let n = runs.entry(i).or_insert(0);
                *n += 1;
                if (*n).is_multiple_of(options.stride.max(1) as u64) {
                    let b = backgrounds.entry(i).or_default();
                    b.push_back(x.to_vec());
                    if b.len() > options.background {
                        b.pop_front();
                    }
                }
            }
            expected.extend(outputs.drain(..));
            continue;
        }
        let Some(want) = expected.pop_front() else {
            first_mismatch.get_or_insert(rec.seq);
            if rec.seq == seq {
                reached = true;
            }
            continue;
        };
        scratch.clear();
        want.encode(&mut scratch);
        if want.kind() != rec.kind || scratch != rec.payload {
            first_mismatch.get_or_insert(rec.seq);
        }
        if rec.seq == seq {
            reached = true;
            if let Output::Decision(d) = &want {
                replayed = Some(d.clone());
            }
            audit_inputs = Some(step_inputs.clone());
            background_at = backgrounds
                .iter()
                .map(|(i, b)| (*i, b.iter().cloned().collect()))
                .collect();
            // The entry order this decision submitted, if any.
            order = expected.iter().find_map(|o| match o {
                Output::OrderIntent(i) if !i.reduce_only => Some(i.clone()),
                _ => None,
            });
        }
    }
    // A model that no longer loads is the cause to report, not the
    // divergence it leads to.
    let failed = registry.errors();
    if first_mismatch.is_some() && !failed.is_empty() {
        return Err(audit_err(
            dir,
            format!(
                "models in the journal's store could not be loaded: {}",
                failed.join("; ")
            ),
        ));
    }
    if !reached {
        return Err(audit_err(
            dir,
            format!("the replay never reached seq {seq}"),
        ));
    }
    let inputs = audit_inputs.unwrap_or_default();
    let mut slots = Vec::new();
    for m in &decision.models {
        let i = usize::from(m.slot);
        let (Some(swap), Some(input)) = (swaps.get(&m.slot), inputs.get(&i)) else {
            continue;
        };
        if swap.backend == "rule" {
            continue;
        }
        let model = registry
            .backend_for(swap)
            .map_err(|e| audit_err(dir, format!("slot {}: {e}", m.slot)))?;
        let bytes: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        slots.push(SlotAudit {
            swap: swap.clone(),
            model,
            input: input.clone(),
            background: background_at.remove(&i).unwrap_or_default(),
            input_verified: digest == m.input_sha256,
        });
    }
    let reproduced = first_mismatch.is_none_or(|m| m > seq)
        && replayed.as_ref() == Some(&decision)
        && slots.iter().all(|s| s.input_verified);
    Ok(Audit {
        journal: dir.to_path_buf(),
        seq,
        time_ns,
        symbol: symbols
            .get(decision.instrument as usize)
            .cloned()
            .unwrap_or_default(),
        replayed,
        reproduced,
        first_mismatch: first_mismatch.filter(|m| *m <= seq),
        decision,
        order,
        swaps,
        slots,
        prices: prices.into_iter().collect(),
        price_decimals: precision.decimals(),
        threshold: start.config.ensemble.threshold,
    })
}

/// The decimals an instrument's quoted prices need, from every quote seen
/// (the journal carries no tick size).
#[derive(Debug, Default)]
struct Precision {
    seen: bool,
    decimals: Option<u32>,
    lost: bool,
}

impl Precision {
    fn add(&mut self, input: &Input, instrument: u32) {
        // A tick without trades has no last price (zero or NaN).
        let quotes = match input {
            Input::Tick(t) if t.instrument == instrument => [t.bid, t.ask, t.last, f64::NAN],
            Input::Bar(b) if b.instrument == instrument => [b.open, b.high, b.low, b.close],
            _ => return,
        };
        for p in quotes.into_iter().filter(|p| p.is_finite() && *p > 0.0) {
            self.seen = true;
            match decimals_of(p) {
                Some(d) => self.decimals = Some(self.decimals.map_or(d, |x| x.max(d))),
                None => self.lost = true,
            }
        }
    }

    fn decimals(&self) -> Option<u32> {
        self.decimals.filter(|_| self.seen && !self.lost)
    }
}

/// The fewest decimals (up to 8) that write `p` exactly, binary noise
/// aside: 100.02 (stored as 100.0200000000000031...) needs 2.
fn decimals_of(p: f64) -> Option<u32> {
    (0..=8).find(|&d| {
        let scaled = p * 10f64.powi(d as i32);
        (scaled - scaled.round()).abs() <= 1e-6
    })
}

fn market_price(input: &Input, instrument: u32) -> Option<f64> {
    match input {
        Input::Tick(t) if t.instrument == instrument => Some(t.mid()),
        Input::Bar(b) if b.instrument == instrument => Some(b.close),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::decimals_of;

    #[test]
    fn decimals_ignore_binary_noise() {
        assert_eq!(decimals_of(100.02), Some(2));
        assert_eq!(decimals_of(100.02000000000001), Some(2));
        assert_eq!(decimals_of(0.1 + 0.2), Some(1));
        assert_eq!(decimals_of(100.025), Some(3));
        assert_eq!(decimals_of(42.0), Some(0));
        assert_eq!(decimals_of(1.0 / 3.0), None);
    }
}
