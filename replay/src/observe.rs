//! Metrics of a run, recorded by the driver from what the engine journaled.
//! The engine never reads them. Series are resolved once into atomic
//! handles, and the per-event work is one local add; gauges are refreshed
//! every few thousand events and at the end.

use std::collections::BTreeMap;

use axon_engine::event::RiskReason;
use axon_engine::market::Side;
use axon_engine::{Engine, Input, Output, Sequencer};
use axon_journal::Journal;
use axon_metrics::{InstrumentMetrics, MetricsCollector};
use prometheus::IntCounter;

/// What the metrics read of a log: records and bytes written.
pub trait LogTotals: axon_engine::EventLog {
    /// Records so far, and bytes written (0 where nothing is written).
    fn totals(&self) -> (u64, u64);
}

impl LogTotals for Journal {
    fn totals(&self) -> (u64, u64) {
        (self.next_seq(), self.bytes_appended())
    }
}

impl LogTotals for axon_journal::ChainLog {
    fn totals(&self) -> (u64, u64) {
        (self.next_seq(), 0)
    }
}

/// Events between gauge refreshes.
const REFRESH: u64 = 4096;

/// The driver's view of the metrics.
#[derive(Debug)]
pub struct RunMetrics {
    m: MetricsCollector,
    venue: &'static str,
    instruments: Vec<InstrumentMetrics>,
    rejections: [IntCounter; 10],
    /// Event time each working order was submitted at.
    submitted_at: BTreeMap<u64, i64>,
    pending_events: u64,
    journal_records: u64,
    journal_bytes: u64,
}

fn reason_index(r: RiskReason) -> usize {
    match r {
        RiskReason::MaxOrderNotional => 0,
        RiskReason::MaxPosition => 1,
        RiskReason::MaxOrderRate => 2,
        RiskReason::KillSwitch => 3,
        RiskReason::MaxOpenOrders => 4,
        RiskReason::PriceBand => 5,
        RiskReason::Halted => 6,
        RiskReason::InvalidPrice => 7,
        RiskReason::InvalidQuantity => 8,
        RiskReason::BracketSide => 9,
    }
}

impl RunMetrics {
    /// Metrics of a run on `venue` (`sim`, `binance`, `okx`).
    pub fn new(m: MetricsCollector, venue: &'static str) -> Self {
        let rejections = [
            RiskReason::MaxOrderNotional,
            RiskReason::MaxPosition,
            RiskReason::MaxOrderRate,
            RiskReason::KillSwitch,
            RiskReason::MaxOpenOrders,
            RiskReason::PriceBand,
            RiskReason::Halted,
            RiskReason::InvalidPrice,
            RiskReason::InvalidQuantity,
            RiskReason::BracketSide,
        ]
        .map(|r| m.rejections_for(r));
        Self {
            m,
            venue,
            instruments: Vec::new(),
            rejections,
            submitted_at: BTreeMap::new(),
            pending_events: 0,
            journal_records: 0,
            journal_bytes: 0,
        }
    }

    /// Registers an instrument's series before its `Instrument` input is
    /// seen (a resumed live session declared its instruments long ago).
    pub fn declare_instrument(&mut self, symbol: &str) {
        self.instruments.push(self.m.instrument(symbol));
    }

    /// Records one sequenced input and its outputs.
    #[inline]
    pub fn observe<L: LogTotals>(&mut self, time_ns: i64, input: &Input, seq: &Sequencer<L>) {
        let (outputs, engine) = (seq.outputs(), seq.engine());
        self.pending_events += 1 + outputs.len() as u64;
        match input {
            Input::Tick(_) | Input::Bar(_) => {}
            Input::Instrument(def) if self.instruments.len() <= def.id as usize => {
                self.instruments.push(self.m.instrument(&def.symbol));
            }
            Input::Fill(f) => {
                if let Some(t0) = self.submitted_at.remove(&f.client_id) {
                    self.m
                        .record_order_latency(self.venue, (time_ns - t0) as f64 / 1e9);
                }
                self.refresh_instrument(f.instrument, engine);
            }
            Input::Reject(r) => {
                self.submitted_at.remove(&r.client_id);
                self.m.record_rejection("venue");
            }
            Input::CancelAck(c) => {
                self.submitted_at.remove(&c.client_id);
            }
            Input::ModelSwap(s) => {
                let failed = outputs
                    .iter()
                    .any(|o| matches!(o, Output::SwapRejected(r) if r.version == s.version));
                let sha: String = s.sha256.iter().map(|b| format!("{b:02x}")).collect();
                self.m
                    .record_model_swap(s.slot, s.version, &sha, &s.backend, !failed);
            }
            Input::ModelRejected(r) => {
                let sha: String = r.sha256.iter().map(|b| format!("{b:02x}")).collect();
                let version = outputs
                    .iter()
                    .find_map(|o| match o {
                        Output::SwapRejected(s) => Some(s.version),
                        _ => None,
                    })
                    .unwrap_or(0);
                self.m.record_model_swap(r.slot, version, &sha, "", false);
            }
            _ => {}
        }
        for o in outputs {
            match o {
                Output::OrderSubmitted(s) => {
                    self.submitted_at.insert(s.order.client_id, time_ns);
                    if let Some(im) = self.instruments.get(s.order.instrument as usize) {
                        match s.order.side {
                            Side::Buy => im.buys.inc(),
                            Side::Sell => im.sells.inc(),
                        }
                    }
                }
                Output::RiskReject(r) => self.rejections[reason_index(r.reason)].inc(),
                Output::KillSwitch(_) | Output::MarginCall(_) => self.m.set_kill_switch(true),
                _ => {}
            }
        }
        if self.pending_events >= REFRESH {
            self.refresh(seq);
        }
    }

    fn refresh_instrument(&self, instrument: u32, engine: &Engine) {
        if let Some(im) = self.instruments.get(instrument as usize) {
            let p = engine.portfolio();
            // `+ 0.0` turns a flat -0.0 into 0.
            im.position.set(p.position(instrument) + 0.0);
            im.pnl.set(p.instrument_pnl(instrument));
        }
    }

    /// Pushes counted events and journal totals and refreshes the gauges.
    pub fn refresh<L: LogTotals>(&mut self, seq: &Sequencer<L>) {
        let engine = seq.engine();
        self.m.add_events(std::mem::take(&mut self.pending_events));
        let (records, bytes) = seq.log().totals();
        self.journal_totals(records, bytes);
        self.m
            .record_equity(engine.portfolio().equity(), engine.max_drawdown());
        for i in 0..self.instruments.len() as u32 {
            self.refresh_instrument(i, engine);
        }
    }

    /// Adds the journal's totals so far (records, bytes) as counter increments.
    fn journal_totals(&mut self, records: u64, bytes: u64) {
        self.m.add_journal(
            records.saturating_sub(self.journal_records),
            bytes.saturating_sub(self.journal_bytes),
        );
        self.journal_records = records;
        self.journal_bytes = bytes;
    }

    /// The final refresh, with the run's event rate.
    pub fn finish<L: LogTotals>(&mut self, seq: &Sequencer<L>, events_per_second: f64) {
        self.refresh(seq);
        self.m.set_events_per_second(events_per_second);
    }
}

/// Prediction latencies into `inference_latency_seconds`, one histogram
/// handle per model, resolved when the model is built.
#[derive(Debug, Clone)]
pub struct InferenceMetrics(pub MetricsCollector);

impl axon_inference::InferenceObserver for InferenceMetrics {
    fn sink(&self, backend: &str, sha256_hex: &str) -> axon_inference::LatencySink {
        let h = self.0.inference_histogram(backend, sha256_hex);
        axon_inference::LatencySink::new(move |s| h.observe(s))
    }
}
