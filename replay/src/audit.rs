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

use axon_engine::event::{Decision, ModelSwap, OrderIntent, SessionStart, kind};
use axon_engine::{Engine, Event, Input, Output};
use axon_inference::{Backend, ModelRegistry};
use axon_journal::JournalReader;
use sha2::{Digest, Sha256};

use crate::error::ReplayError;
use crate::replayer::{ReplayStep, Replayer};

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
    /// What operators did before the decision (`axon ctl` commands and
    /// weight overrides), oldest first.
    pub operator: Vec<OperatorAction>,
}

/// One operator action, as the journal holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OperatorAction {
    /// Its record.
    pub seq: u64,
    /// Its event time.
    pub time_ns: i64,
    /// Who (the controlling process's user and process ids).
    pub who: String,
    /// What.
    pub what: String,
}

impl Audit {
    /// Why the audit failed, when the replay did not reproduce the
    /// decision: one line naming the journal, the decision and the first
    /// differing record. `None` when it was reproduced bit for bit.
    pub fn difference(&self) -> Option<String> {
        (!self.reproduced).then(|| {
            format!(
                "{}: the replay did NOT reproduce the decision at seq {} (first difference at seq {:?})",
                self.journal.display(),
                self.seq,
                self.first_mismatch
            )
        })
    }
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
    let mut replayer = Replayer::new(&reader)?;
    let mut trail = Trail::new(seq, decision.instrument, replayer.session(), options);
    while let Some(step) = replayer.next()? {
        match trail.record(&step) {
            Flow::Go => {}
            // The engine stays as it was at the decision.
            Flow::Reached => replayer.stop_stepping(),
            Flow::Done => break,
        }
    }
    // A model that no longer loads is the cause to report, not the
    // divergence it leads to.
    if trail.first_mismatch.is_some() {
        replayer.check_models()?;
    }
    if !trail.reached {
        return Err(audit_err(
            dir,
            format!("the replay never reached seq {seq}"),
        ));
    }
    let slots = trail.slots(&decision, replayer.registry(), dir)?;
    let threshold = replayer.session().config.ensemble.threshold;
    Ok(trail.into_audit(dir, decision, time_ns, slots, threshold))
}

/// What the audit does after a record.
enum Flow {
    /// Read on.
    Go,
    /// The decision was reached: stop stepping the engine, read on for the
    /// prices after it.
    Reached,
    /// Enough prices after the decision: stop reading.
    Done,
}

/// What an audit collects while the replay runs up to its decision (and a
/// little past it, for prices).
struct Trail {
    /// The decision's sequence number and instrument.
    seq: u64,
    instrument: u32,
    options: AuditOptions,
    symbols: Vec<String>,
    swaps: BTreeMap<u16, ModelSwap>,
    backgrounds: BTreeMap<usize, VecDeque<Vec<f32>>>,
    runs: BTreeMap<usize, u64>,
    prices: VecDeque<(i64, f64)>,
    precision: Precision,
    /// Prices collected after the decision.
    after: usize,
    scratch: Vec<u8>,
    /// ML inputs at the step that produced the pending outputs.
    step_inputs: BTreeMap<usize, Vec<f32>>,
    audit_inputs: Option<BTreeMap<usize, Vec<f32>>>,
    background_at: BTreeMap<usize, Vec<Vec<f32>>>,
    first_mismatch: Option<u64>,
    replayed: Option<Decision>,
    order: Option<OrderIntent>,
    reached: bool,
    operator: Vec<OperatorAction>,
}

impl Trail {
    fn new(seq: u64, instrument: u32, start: &SessionStart, options: AuditOptions) -> Self {
        Self {
            seq,
            instrument,
            options,
            symbols: start.config.instruments.clone(),
            swaps: BTreeMap::new(),
            backgrounds: BTreeMap::new(),
            runs: BTreeMap::new(),
            prices: VecDeque::new(),
            precision: Precision::default(),
            after: 0,
            scratch: Vec::new(),
            step_inputs: BTreeMap::new(),
            audit_inputs: None,
            background_at: BTreeMap::new(),
            first_mismatch: None,
            replayed: None,
            order: None,
            reached: false,
            operator: Vec::new(),
        }
    }

    /// Takes in one replayed record (the replayer decodes every input: it
    /// is not strict).
    fn record(&mut self, step: &ReplayStep<'_>) -> Flow {
        match step.input {
            Some(input) => self.input(step, input),
            None => self.output(step),
        }
    }

    fn input(&mut self, step: &ReplayStep<'_>, input: &Input) -> Flow {
        let time_ns = step.record.time_ns;
        self.precision.add(input, self.instrument);
        if self.reached {
            // Prices after the decision, for the chart.
            if let Some(p) = market_price(input, self.instrument) {
                self.prices.push_back((time_ns, p));
                self.after += 1;
                if self.after >= self.options.prices / 2 {
                    return Flow::Done;
                }
            }
            return Flow::Go;
        }
        match input {
            Input::ModelSwap(s) => {
                self.swaps.insert(s.slot, s.clone());
            }
            Input::Operator(op) => self.operator.push(OperatorAction {
                seq: step.record.seq,
                time_ns,
                who: op.who.clone(),
                what: format!("{:?}", op.command),
            }),
            Input::WeightOverride(w) => self.operator.push(OperatorAction {
                seq: step.record.seq,
                time_ns,
                who: w.reason.clone(),
                what: format!("weights {:?}", w.weights),
            }),
            Input::Instrument(d) => {
                if self.symbols.len() <= d.id as usize {
                    self.symbols.resize(d.id as usize + 1, String::new());
                }
                self.symbols[d.id as usize] = d.symbol.clone();
            }
            _ => {}
        }
        if let Some(p) = market_price(input, self.instrument) {
            self.prices.push_back((time_ns, p));
            if self.prices.len() > self.options.prices / 2 + 1 {
                self.prices.pop_front();
            }
        }
        self.sample_models(step.outputs, step.engine);
        Flow::Go
    }

    /// Keeps each ML model's input at a step that decided, and a spread of
    /// its earlier inputs as background.
    fn sample_models(&mut self, outputs: &[Output], engine: &Engine) {
        self.step_inputs.clear();
        let decided = outputs.iter().any(|o| matches!(o, Output::Decision(_)));
        for (i, slot) in engine.ensemble().slots().iter().enumerate() {
            let Some(x) = slot.model.last_input() else {
                continue;
            };
            if decided {
                self.step_inputs.insert(i, x.to_vec());
            }
            let n = self.runs.entry(i).or_insert(0);
            *n += 1;
            if (*n).is_multiple_of(self.options.stride.max(1) as u64) {
                let b = self.backgrounds.entry(i).or_default();
                b.push_back(x.to_vec());
                if b.len() > self.options.background {
                    b.pop_front();
                }
            }
        }
    }

    /// Compares a journaled output with the engine's; at the decision,
    /// keeps what the audit reports.
    fn output(&mut self, step: &ReplayStep<'_>) -> Flow {
        let rec = &step.record;
        let Some(want) = step.paired else {
            self.first_mismatch.get_or_insert(rec.seq);
            if rec.seq == self.seq {
                self.reached = true;
                return Flow::Reached;
            }
            return Flow::Go;
        };
        self.scratch.clear();
        want.encode(&mut self.scratch);
        if want.kind() != rec.kind || self.scratch != rec.payload {
            self.first_mismatch.get_or_insert(rec.seq);
        }
        if rec.seq != self.seq {
            return Flow::Go;
        }
        self.reached = true;
        if let Output::Decision(d) = want {
            self.replayed = Some(d.clone());
        }
        self.audit_inputs = Some(self.step_inputs.clone());
        self.background_at = self
            .backgrounds
            .iter()
            .map(|(i, b)| (*i, b.iter().cloned().collect()))
            .collect();
        // The entry order this decision submitted, if any.
        self.order = step.pending.iter().find_map(|o| match o {
            Output::OrderIntent(i) if !i.reduce_only => Some(i.clone()),
            _ => None,
        });
        Flow::Reached
    }

    /// The ML slots behind the decision, each with the input it saw.
    fn slots(
        &mut self,
        decision: &Decision,
        registry: &ModelRegistry,
        dir: &Path,
    ) -> Result<Vec<SlotAudit>, ReplayError> {
        let inputs = self.audit_inputs.take().unwrap_or_default();
        let mut slots = Vec::new();
        for m in &decision.models {
            let i = usize::from(m.slot);
            let (Some(swap), Some(input)) = (self.swaps.get(&m.slot), inputs.get(&i)) else {
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
                background: self.background_at.remove(&i).unwrap_or_default(),
                input_verified: digest == m.input_sha256,
            });
        }
        Ok(slots)
    }

    fn into_audit(
        self,
        dir: &Path,
        decision: Decision,
        time_ns: i64,
        slots: Vec<SlotAudit>,
        threshold: f64,
    ) -> Audit {
        let seq = self.seq;
        let reproduced = self.first_mismatch.is_none_or(|m| m > seq)
            && self.replayed.as_ref() == Some(&decision)
            && slots.iter().all(|s| s.input_verified);
        Audit {
            journal: dir.to_path_buf(),
            seq,
            time_ns,
            symbol: self
                .symbols
                .get(decision.instrument as usize)
                .cloned()
                .unwrap_or_default(),
            replayed: self.replayed,
            reproduced,
            first_mismatch: self.first_mismatch.filter(|m| *m <= seq),
            decision,
            order: self.order,
            swaps: self.swaps,
            slots,
            prices: self.prices.into_iter().collect(),
            price_decimals: self.precision.decimals(),
            threshold,
            operator: self.operator,
        }
    }
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
