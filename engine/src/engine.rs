//! The deterministic core: one input in, outputs out. No clock, no I/O, no
//! randomness, no hash-ordered iteration.
//!
//! A tick or bar goes through four steps, in this order: *mark* (count the
//! event, mark the account, sample the equity, check the drawdown), *score*
//! (credit the models' last votes, run the models and the ensemble),
//! *decide* (journal the decision, pick a side) and *order* (close and
//! enter through the risk checks).

use crate::error::EngineError;
use std::collections::BTreeMap;

use crate::config::{ALL_IN_FRACTION, DecisionLog, EngineConfig, Sizing, StrategyConfig};
use crate::ensemble::{Ensemble, Evaluation};
use crate::event::{
    Action, CancelRequest, Decision, Fill, Input, KillSwitch, ModelSwap, OrderIntent,
    OrderSubmitted, OrderType, Output, Quantity, SessionStart, WeightChange,
};
use crate::instrument::InstrumentState;
use crate::market::{InstrumentId, Side};
use crate::model::{ModelFactory, ModelInput, RuleModels, SmaCross};
use crate::portfolio::Portfolio;
use crate::risk::{Risk, RiskBook};
use crate::sizing::LiveSizing;
use crate::stats::{EquityStats, Summary};

/// An order the engine submitted and the venue has not finished.
#[derive(Debug, Clone)]
struct OpenOrder {
    intent: OrderIntent,
    filled: f64,
}

/// An order the engine means to send, before it has a client id.
#[derive(Debug, Clone, Copy)]
struct OrderRequest {
    instrument: InstrumentId,
    side: Side,
    quantity: Quantity,
    order_type: OrderType,
    reference_price: f64,
    reduce_only: bool,
}

impl OrderRequest {
    /// A reduce-only order that closes `position` (non-zero) in full.
    fn close(
        instrument: InstrumentId,
        position: f64,
        order_type: OrderType,
        reference_price: f64,
    ) -> Self {
        Self {
            instrument,
            side: if position > 0.0 {
                Side::Sell
            } else {
                Side::Buy
            },
            quantity: Quantity::Units(position.abs()),
            order_type,
            reference_price,
            reduce_only: true,
        }
    }

    fn into_intent(self, client_id: u64) -> OrderIntent {
        OrderIntent {
            client_id,
            instrument: self.instrument,
            side: self.side,
            quantity: self.quantity,
            order_type: self.order_type,
            reference_price: self.reference_price,
            reduce_only: self.reduce_only,
        }
    }
}

/// The engine's whole state.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    factory: Box<dyn ModelFactory>,
    ensemble: Ensemble,
    portfolio: Portfolio,
    risk: Risk,
    stats: EquityStats,
    orders: BTreeMap<u64, OpenOrder>,
    next_client_id: u64,
    /// Indexed by instrument id; grows as instruments are declared.
    instruments: Vec<InstrumentState>,
    eval: Evaluation,
    /// Scratch for each slot's return at a market event.
    returns: Vec<f64>,
    /// End of data or a margin call: no more decisions.
    ended: bool,
    /// Submitting the close-out of a margin call or the end of data, which
    /// even a halted kill switch lets through.
    forcing: bool,
    /// Live sessions: relative entries sized when they are created.
    sizing: LiveSizing,
}

impl Engine {
    /// Builds the engine a session-start record describes.
    pub fn from_session(start: &SessionStart) -> Result<Self, EngineError> {
        Self::new(start.config.clone(), Box::new(RuleModels))
    }

    /// Builds an engine with a model factory for swaps.
    pub fn new(config: EngineConfig, factory: Box<dyn ModelFactory>) -> Result<Self, EngineError> {
        config.validate()?;
        let n = config.instruments.len();
        let StrategyConfig::SmaCross { fast, slow } = config.strategy;
        // Buy & hold starts where the slow mean is first defined, as
        // backtesting.py starts it after its indicators' warm-up.
        let warmup = slow.saturating_sub(1) as u64;
        let ensemble = Ensemble::with_config(
            vec![Box::new(SmaCross::new(fast, slow, n))],
            vec![config.ensemble.weights.first().copied().unwrap_or(1.0)],
            config.ensemble.clone(),
        )?;
        Ok(Self {
            ensemble,
            portfolio: Portfolio::new(config.cash, n),
            risk: Risk::new(config.risk),
            stats: EquityStats::new(config.cash, warmup),
            orders: BTreeMap::new(),
            next_client_id: 1,
            instruments: vec![InstrumentState::default(); n],
            returns: Vec::with_capacity(4),
            eval: Evaluation {
                models: Vec::with_capacity(4),
                score: 0.0,
                action: Action::Hold,
            },
            ended: false,
            forcing: false,
            sizing: LiveSizing::default(),
            factory,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The account.
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    /// Whether the kill switch is engaged.
    pub fn kill_switch_engaged(&self) -> bool {
        self.risk.killed()
    }

    /// The ensemble (slots, weights, performance).
    pub fn ensemble(&self) -> &Ensemble {
        &self.ensemble
    }

    /// Market events seen for an instrument.
    pub fn market_events(&self, instrument: InstrumentId) -> u64 {
        self.instruments
            .get(instrument as usize)
            .map_or(0, |s| s.bars)
    }

    /// Largest drawdown so far, as a ratio of the peak equity.
    pub fn max_drawdown(&self) -> f64 {
        self.stats.max_drawdown()
    }

    /// The run's statistics so far.
    pub fn summary(&self) -> Summary {
        let equity = self.portfolio.equity();
        let bars: Vec<u64> = self.instruments.iter().map(|s| s.bars).collect();
        self.stats
            .summary(self.config.cash, equity, self.portfolio.trades(), &bars)
    }

    /// Processes one input; appends the outputs to `out`.
    pub fn step(&mut self, time_ns: i64, input: &Input, out: &mut Vec<Output>) {
        match input {
            Input::SessionStart(_) | Input::Timer(_) | Input::OrderAck(_) | Input::Reconcile(_) => {
            }
            Input::Tick(t) => self.on_market(time_ns, t.instrument, t.mid(), out),
            Input::Bar(b) => self.on_market(time_ns, b.instrument, b.close, out),
            Input::Fill(f) => self.on_fill(time_ns, f),
            Input::Reject(r) => {
                self.orders.remove(&r.client_id);
            }
            Input::CancelAck(c) => {
                self.orders.remove(&c.client_id);
            }
            Input::ModelSwap(s) => self.on_swap(s, out),
            Input::ModelRejected(r) => {
                let version = self
                    .ensemble
                    .slots()
                    .get(usize::from(r.slot))
                    .map_or(0, |s| s.version);
                out.push(Output::SwapRejected(crate::event::SwapRejected {
                    slot: r.slot,
                    version,
                    reason: r.reason.clone(),
                }));
            }
            Input::WeightOverride(w) => {
                if self.ensemble.set_weights(&w.weights).is_ok() {
                    out.push(Output::WeightChange(WeightChange {
                        weights: self.ensemble.weights().to_vec(),
                        reason: w.reason.clone(),
                    }));
                }
            }
            Input::SizingBasis(b) => self.sizing.set(b),
            Input::EndOfData => self.on_end(time_ns, out),
            Input::Instrument(def) => {
                let n = def.id as usize + 1;
                if self.instruments.len() < n {
                    self.instruments.resize_with(n, InstrumentState::default);
                    self.portfolio.ensure(n);
                }
            }
        }
    }

    fn on_swap(&mut self, s: &ModelSwap, out: &mut Vec<Output>) {
        if usize::from(s.slot) > self.ensemble.len() {
            out.push(Output::SwapRejected(crate::event::SwapRejected {
                slot: s.slot,
                version: s.version,
                reason: format!(
                    "slot {} does not exist; the next new slot is {}",
                    s.slot,
                    self.ensemble.len()
                ),
            }));
            return;
        }
        match self.factory.build(s, self.instruments.len()) {
            Ok(model) => {
                let slot = usize::from(s.slot);
                let before = self.ensemble.len();
                self.ensemble.swap(slot, model, s.version, s.sha256);
                if self.ensemble.len() != before {
                    out.push(Output::WeightChange(WeightChange {
                        weights: self.ensemble.weights().to_vec(),
                        reason: format!("slot {slot} added"),
                    }));
                }
            }
            Err(reason) => out.push(Output::SwapRejected(crate::event::SwapRejected {
                slot: s.slot,
                version: s.version,
                reason,
            })),
        }
    }

    /// A tick or bar: mark; then, until trading ends, score, decide and
    /// order (or liquidate on a margin call).
    fn on_market(
        &mut self,
        time_ns: i64,
        instrument: InstrumentId,
        price: f64,
        out: &mut Vec<Output>,
    ) {
        let Some((bar_index, equity)) = self.mark(time_ns, instrument, price, out) else {
            return;
        };
        if self.ended {
            return;
        }
        if equity <= 0.0 {
            // As a broker would (and backtesting.py does): liquidate at this
            // price and stop trading.
            out.push(Output::MarginCall(crate::event::MarginCall { equity }));
            self.risk.engage();
            self.flatten(time_ns, out);
            return;
        }
        self.score(time_ns, instrument, price, out);
        if let Some(side) = self.decide(instrument, bar_index, price, out) {
            self.order(time_ns, instrument, side, price, out);
        }
    }

    /// Counts the event, marks the account at `price`, samples the equity
    /// and checks the drawdown limit, also after trading ended (the
    /// statistics cover every event). Returns the event's index for the
    /// instrument and the marked equity; `None` for an undeclared instrument.
    fn mark(
        &mut self,
        time_ns: i64,
        instrument: InstrumentId,
        price: f64,
        out: &mut Vec<Output>,
    ) -> Option<(u64, f64)> {
        let bar_index = self.instruments.get_mut(instrument as usize)?.next_bar();
        self.portfolio.set_mark(instrument, price);
        let equity = self.portfolio.equity();
        self.stats.sample(time_ns, equity, instrument, price);
        if let Some(limit) = self.risk.check_drawdown(self.stats.drawdown_pct(equity)) {
            out.push(Output::KillSwitch(KillSwitch {
                drawdown_pct: self.stats.drawdown_pct(equity),
                limit_pct: limit,
                mode: self.risk.kill_mode(),
            }));
        }
        Some((bar_index, equity))
    }

    /// Credits the models' last votes with the price change, then runs every
    /// slot and the ensemble on this event into `self.eval` and keeps the
    /// new votes.
    fn score(&mut self, time_ns: i64, instrument: InstrumentId, price: f64, out: &mut Vec<Output>) {
        self.credit_models(instrument, price, out);
        let input = ModelInput {
            instrument,
            time_ns,
            price,
        };
        self.ensemble.predict(&input, &mut self.eval);
        self.instruments[instrument as usize].record_votes(&self.eval.models);
    }

    /// Credits each slot with its virtual position's return since the last
    /// event on this instrument, and lets the ensemble re-weight.
    fn credit_models(&mut self, instrument: InstrumentId, price: f64, out: &mut Vec<Output>) {
        let state = &mut self.instruments[instrument as usize];
        let Some(change) = state.reprice(price) else {
            return;
        };
        state.credit(self.ensemble.len(), change, &mut self.returns);
        if let Some(w) = self.ensemble.update_weights(&self.returns) {
            out.push(Output::WeightChange(WeightChange {
                weights: w.to_vec(),
                reason: "performance".into(),
            }));
        }
    }

    /// Journals the ensemble's decision (holds only when the decision log
    /// asks for every event); returns the side it wants to trade, if any.
    fn decide(
        &mut self,
        instrument: InstrumentId,
        bar_index: u64,
        price: f64,
        out: &mut Vec<Output>,
    ) -> Option<Side> {
        let action = self.eval.action;
        if action == Action::Hold && self.config.decisions == DecisionLog::Actions {
            return None;
        }
        self.ensemble.annotate(&mut self.eval);
        out.push(Output::Decision(Decision {
            instrument,
            bar_index,
            price,
            models: self.eval.models.clone(),
            weights: self.ensemble.weights().to_vec(),
            score: self.eval.score,
            action,
        }));
        match action {
            Action::Buy => Some(Side::Buy),
            Action::Sell => Some(Side::Sell),
            Action::Hold => None,
        }
    }

    /// Trades the decided side unless already positioned or entering that
    /// way: as backtesting.py's SmaCross, closes what is open, then enters.
    fn order(
        &mut self,
        time_ns: i64,
        instrument: InstrumentId,
        side: Side,
        price: f64,
        out: &mut Vec<Output>,
    ) {
        let position = self.portfolio.position(instrument);
        if self.holds_or_enters(instrument, side, position) {
            return;
        }
        if position != 0.0 {
            let close = OrderRequest::close(instrument, position, OrderType::Market, price);
            self.submit(time_ns, close, out);
        }
        let entry = OrderRequest {
            instrument,
            side,
            quantity: self.entry_quantity(instrument, price),
            order_type: OrderType::Market,
            reference_price: price,
            reduce_only: false,
        };
        self.submit(time_ns, entry, out);
    }

    /// Whether the instrument is already positioned (or entering) the way
    /// `side` wants, so a new signal places no order.
    fn holds_or_enters(&self, instrument: InstrumentId, side: Side, position: f64) -> bool {
        // The newest working entry order counts; a later opposite signal
        // supersedes an older one.
        let entering = self
            .orders
            .values()
            .rev()
            .find(|o| o.intent.instrument == instrument && !o.intent.reduce_only)
            .is_some_and(|o| o.intent.side == side);
        // backtesting.py's SmaCross closes and re-enters on every crossover,
        // also one in the direction held (after a tie swallowed the opposite
        // crossover). Models that vote a state repeat their signal at every
        // event, so while any of them votes, a held position stays.
        let reenter = self
            .ensemble
            .slots()
            .iter()
            .all(|s| s.model.signals_events());
        entering || (position * side.sign() > 0.0 && !reenter)
    }

    /// An entry's size as configured; a relative one in units where a live
    /// sizing basis resolves it, else as the equity fraction.
    fn entry_quantity(&self, instrument: InstrumentId, price: f64) -> Quantity {
        let relative = |f: f64| {
            self.sizing
                .units(instrument, f, price, &self.portfolio)
                .map_or(Quantity::EquityFraction(f), Quantity::Units)
        };
        match self.config.sizing {
            Sizing::AllIn => relative(ALL_IN_FRACTION),
            Sizing::Fraction(f) => relative(f),
            Sizing::Fixed(u) => Quantity::Units(u),
        }
    }

    /// Gives the order the next client id and journals the intent; risk
    /// then either passes it (submitted, now working) or rejects it.
    fn submit(&mut self, time_ns: i64, request: OrderRequest, out: &mut Vec<Output>) {
        let intent = request.into_intent(self.next_client_id);
        self.next_client_id += 1;
        out.push(Output::OrderIntent(intent.clone()));
        let book = RiskBook {
            equity: self.portfolio.equity(),
            projected_position: self.projected_position(request.instrument),
            open_orders: self.orders.len(),
            mark: self.portfolio.mark(request.instrument),
            forced: self.forcing,
        };
        match self.risk.check(time_ns, &intent, &book) {
            Ok(()) => {
                self.orders.insert(
                    intent.client_id,
                    OpenOrder {
                        intent: intent.clone(),
                        filled: 0.0,
                    },
                );
                out.push(Output::OrderSubmitted(OrderSubmitted { order: intent }));
            }
            Err(reject) => out.push(Output::RiskReject(reject)),
        }
    }

    /// Position plus what open fixed-size orders would add.
    fn projected_position(&self, instrument: InstrumentId) -> f64 {
        let mut p = self.portfolio.position(instrument);
        for o in self
            .orders
            .values()
            .filter(|o| o.intent.instrument == instrument)
        {
            if let Quantity::Units(u) = o.intent.quantity {
                p += (u - o.filled) * o.intent.side.sign();
            }
        }
        p
    }

    fn on_fill(&mut self, time_ns: i64, f: &Fill) {
        let moc = self
            .orders
            .get(&f.client_id)
            .is_some_and(|o| o.intent.order_type == OrderType::MarketOnClose);
        // Fills before a bar belong to that bar; a close-out fills at the last bar.
        let next_bar = self.market_events(f.instrument);
        let bar = if moc {
            next_bar.saturating_sub(1)
        } else {
            next_bar
        };
        self.portfolio.apply_fill(f, time_ns, bar);
        self.sizing.on_fill(f);
        if f.last {
            self.orders.remove(&f.client_id);
        } else if let Some(o) = self.orders.get_mut(&f.client_id) {
            o.filled += f.quantity;
        }
        if self.ended {
            self.stats.revalue_last(self.portfolio.equity());
        }
    }

    fn on_end(&mut self, time_ns: i64, out: &mut Vec<Output>) {
        if !self.ended {
            self.flatten(time_ns, out);
        }
    }

    /// Cancels working orders and closes every position at the current mark.
    fn flatten(&mut self, time_ns: i64, out: &mut Vec<Output>) {
        self.ended = true;
        self.forcing = true;
        let open: Vec<u64> = self.orders.keys().copied().collect();
        for client_id in open {
            out.push(Output::CancelRequest(CancelRequest { client_id }));
        }
        for instrument in 0..self.instruments.len() as InstrumentId {
            let position = self.portfolio.position(instrument);
            if position != 0.0 {
                let mark = self.portfolio.mark(instrument);
                let close =
                    OrderRequest::close(instrument, position, OrderType::MarketOnClose, mark);
                self.submit(time_ns, close, out);
            }
        }
        self.forcing = false;
    }
}
