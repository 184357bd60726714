//! The deterministic core: one input in, outputs out. No clock, no I/O, no
//! randomness, no hash-ordered iteration.
//!
//! A tick or bar goes through four steps, in this order: *mark* (count the
//! event, mark the account, sample the equity, check the drawdown), *score*
//! (credit the models' last votes, run the models and the ensemble),
//! *decide* (journal the decision, pick a side) and *order* (close and
//! enter through the risk checks).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::EngineError;

use crate::config::{EngineConfig, StrategyConfig};
use crate::desk::{Desk, OrderRequest};
use crate::ensemble::Ensemble;
use crate::event::{
    Fill, Input, KillSwitch, ModelSwap, OperatorCommand, OrderType, Output, SessionStart,
    WeightChange,
};
use crate::instrument::InstrumentState;
use crate::market::{InstrumentId, Tick};
use crate::model::{Abstain, Model, ModelFactory, RuleModels, SmaCross};
use crate::portfolio::Portfolio;
use crate::risk::Risk;
use crate::stats::{EquityStats, Summary};
use crate::strategy::{BarEvent, Context, MarketEvent, Strategy, StrategyFactory};

/// The engine's whole state.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    factory: Box<dyn ModelFactory>,
    /// The model slots, which swaps and weight overrides change and the
    /// strategy calls.
    ensemble: Ensemble,
    portfolio: Portfolio,
    desk: Desk,
    stats: EquityStats,
    /// Indexed by instrument id; grows as instruments are declared.
    instruments: Vec<InstrumentState>,
    strategy: Box<dyn Strategy>,
    /// The strategy's random numbers, seeded from the session.
    rng: ChaCha8Rng,
    /// End of data or a margin call: no more decisions.
    ended: bool,
    /// An operator paused decisions.
    paused: bool,
}

impl Engine {
    /// Builds the engine a session-start record describes.
    pub fn from_session(start: &SessionStart) -> Result<Self, EngineError> {
        Ok(Self::new(start.config.clone(), Box::new(RuleModels))?.with_seed(start.seed))
    }

    /// Builds an engine with a model factory for swaps, trading with the
    /// built-in strategy its configuration names.
    pub fn new(config: EngineConfig, factory: Box<dyn ModelFactory>) -> Result<Self, EngineError> {
        let strategy = crate::strategy::Builtins
            .build(&config)
            .map_err(EngineError::Config)?;
        Self::with_strategy(config, factory, strategy)
    }

    /// Builds an engine that trades with `strategy` rather than the
    /// built-in one its configuration names (whose settings still choose
    /// ensemble slot 0 and the statistics' warm-up). Its journal replays
    /// only with the same strategy.
    pub fn with_strategy(
        config: EngineConfig,
        factory: Box<dyn ModelFactory>,
        mut strategy: Box<dyn Strategy>,
    ) -> Result<Self, EngineError> {
        config.validate()?;
        for (id, symbol) in config.instruments.iter().enumerate() {
            strategy.on_instrument(id as InstrumentId, symbol);
        }
        let n = config.instruments.len();
        // Slot 0 is the strategy's: the SMA rule the ensemble strategy
        // trades on, or an abstaining placeholder for strategies that trade
        // on their own rule.
        let slot0 = slot0(&config.strategy, n);
        // Buy & hold starts where the strategy's rule is first defined, as
        // backtesting.py starts it after its indicators' warm-up.
        let warmup = config.strategy.warmup();
        let ensemble = Ensemble::with_config(
            vec![slot0],
            vec![config.ensemble.weights.first().copied().unwrap_or(1.0)],
            config.ensemble.clone(),
        )?;
        Ok(Self {
            ensemble,
            portfolio: Portfolio::new(config.cash, n),
            desk: Desk::new(Risk::new(config.risk)),
            stats: EquityStats::new(config.cash, warmup),
            instruments: vec![InstrumentState::new(config.strategy.bars()); n],
            strategy,
            rng: ChaCha8Rng::seed_from_u64(0),
            ended: false,
            paused: false,
            factory,
            config,
        })
    }

    /// Seeds the strategy's random numbers ([`Context::rng`]) with the
    /// session's seed, which the session start journals; a replay seeds
    /// them the same way.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        self
    }

    /// Why the strategy stopped, if it did ([`Strategy::fault`]): the
    /// driver ends the session at the input it just stepped.
    pub fn strategy_fault(&self) -> Option<&str> {
        self.strategy.fault()
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
        self.desk.risk.killed()
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
            Input::Tick(t) => {
                let mid = t.mid();
                self.on_market(time_ns, t.instrument, [mid; 4], t.volume, Some(t), out);
            }
            Input::Bar(b) => {
                let ohlc = [b.open, b.high, b.low, b.close];
                self.on_market(time_ns, b.instrument, ohlc, b.volume, None, out);
            }
            Input::Fill(f) => self.on_fill(time_ns, f, out),
            Input::Reject(r) => self.desk.on_gone(r.client_id),
            Input::CancelAck(c) => self.desk.on_gone(c.client_id),
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
            Input::SizingBasis(b) => self.desk.sizing.set(b),
            Input::Operator(op) => self.on_operator(time_ns, &op.command, out),
            Input::EndOfData => self.on_end(time_ns, out),
            Input::Instrument(def) => {
                let n = def.id as usize + 1;
                if self.instruments.len() < n {
                    let specs = self.config.strategy.bars();
                    self.instruments
                        .resize_with(n, || InstrumentState::new(specs));
                    self.portfolio.ensure(n);
                }
                self.strategy.on_instrument(def.id, &def.symbol);
            }
        }
    }

    /// An operator's command (`axon ctl`).
    fn on_operator(&mut self, time_ns: i64, command: &OperatorCommand, out: &mut Vec<Output>) {
        match *command {
            OperatorCommand::Pause => self.paused = true,
            OperatorCommand::Resume => self.paused = false,
            OperatorCommand::KillSwitch { on: true } => self.desk.risk.engage(),
            OperatorCommand::KillSwitch { on: false } => self.desk.risk.release(),
            OperatorCommand::CancelAll => self.desk.cancel_all(out),
            OperatorCommand::Flatten { instrument } => {
                self.desk.forcing = true;
                let n = self.instruments.len() as InstrumentId;
                for i in (0..n).filter(|&i| instrument.is_none_or(|x| x == i)) {
                    self.desk.cancel_instrument(i, out);
                    let position = self.portfolio.position(i);
                    if position != 0.0 {
                        let mark = self.portfolio.mark(i);
                        let close = OrderRequest::close(i, position, OrderType::Market, mark);
                        // A refused close is journaled with its reason.
                        let _ = self.desk.submit(time_ns, close, &self.portfolio, out);
                    }
                }
                self.desk.forcing = false;
            }
        }
    }

    /// Whether an operator paused decisions.
    pub fn paused(&self) -> bool {
        self.paused
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

    /// A tick or bar (`[open, high, low, close]`; a tick's mid four times):
    /// mark at the close; then, until trading ends, the strategy's turn (or
    /// a liquidation on a margin call).
    fn on_market(
        &mut self,
        time_ns: i64,
        instrument: InstrumentId,
        [open, high, low, price]: [f64; 4],
        volume: f64,
        tick: Option<&Tick>,
        out: &mut Vec<Output>,
    ) {
        let Some((index, equity)) = self.mark(time_ns, instrument, price, out) else {
            return;
        };
        if self.ended || self.paused {
            return;
        }
        if equity <= 0.0 {
            // As a broker would (and backtesting.py does): liquidate at this
            // price and stop trading.
            out.push(Output::MarginCall(crate::event::MarginCall { equity }));
            self.desk.risk.engage();
            self.flatten(time_ns, out);
            return;
        }
        let event = MarketEvent {
            time_ns,
            instrument,
            index,
            price,
            open,
            high,
            low,
            volume,
        };
        let mut ctx = Context {
            time_ns,
            config: &self.config,
            portfolio: &self.portfolio,
            desk: &mut self.desk,
            models: &mut self.ensemble,
            rng: &mut self.rng,
            out,
            dry: false,
        };
        let state = &mut self.instruments[instrument as usize];
        match tick {
            // A strategy configured with bars trades on the bars its ticks
            // build, not on the ticks.
            Some(tick) if !state.built.is_empty() => {
                for (timeframe, (builder, count)) in state.built.iter_mut().enumerate() {
                    if let Some(built) = builder.on_tick(time_ns, tick) {
                        let bar = BarEvent {
                            timeframe,
                            spec: builder.spec(),
                            index: *count,
                            built,
                        };
                        *count += 1;
                        self.strategy.on_bar(&mut ctx, &bar);
                    }
                }
            }
            _ => self.strategy.on_market(&mut ctx, &event),
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
        if let Some(limit) = self
            .desk
            .risk
            .check_drawdown(self.stats.drawdown_pct(equity))
        {
            out.push(Output::KillSwitch(KillSwitch {
                drawdown_pct: self.stats.drawdown_pct(equity),
                limit_pct: limit,
                mode: self.desk.risk.kill_mode(),
            }));
        }
        Some((bar_index, equity))
    }

    fn on_fill(&mut self, time_ns: i64, f: &Fill, out: &mut Vec<Output>) {
        let moc = self
            .desk
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
        self.desk.on_fill(time_ns, f, &self.portfolio, out);
        let mut ctx = Context {
            time_ns,
            config: &self.config,
            portfolio: &self.portfolio,
            desk: &mut self.desk,
            models: &mut self.ensemble,
            rng: &mut self.rng,
            out,
            dry: false,
        };
        self.strategy.on_fill(&mut ctx, f);
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
        self.desk.forcing = true;
        self.desk.cancel_all(out);
        for instrument in 0..self.instruments.len() as InstrumentId {
            let position = self.portfolio.position(instrument);
            if position != 0.0 {
                let mark = self.portfolio.mark(instrument);
                let close =
                    OrderRequest::close(instrument, position, OrderType::MarketOnClose, mark);
                // A refused close-out is journaled with its reason.
                let _ = self.desk.submit(time_ns, close, &self.portfolio, out);
            }
        }
        self.desk.forcing = false;
    }
}

/// Ensemble slot 0 for a strategy: the SMA rule the ensemble strategy
/// trades on, or an abstaining placeholder for strategies that trade on
/// their own rule (a walk-forward's segments hold their own).
pub(crate) fn slot0(strategy: &StrategyConfig, instruments: usize) -> Box<dyn Model> {
    match *strategy {
        StrategyConfig::SmaCross { fast, slow } => Box::new(SmaCross::new(fast, slow, instruments)),
        StrategyConfig::Donchian { .. }
        | StrategyConfig::Bollinger { .. }
        | StrategyConfig::Pairs { .. }
        | StrategyConfig::Python { .. }
        | StrategyConfig::WalkForward { .. } => Box::new(Abstain),
    }
}
