//! The Strategy port: what decides, given the market, the account and the
//! models.
//!
//! The engine marks the account on every market event and then hands the
//! event to its strategy through a [`Context`]: the account, the working
//! orders, the model slots, and the order operations, through which every
//! order goes to the checks and into the journal. A strategy sees no
//! clock (time is the event's), no I/O and no randomness it did not seed
//! from its inputs, so it replays bit for bit like the rest of the engine.
//!
//! ## Orders
//!
//! | want | call | journaled |
//! |---|---|---|
//! | market, limit, stop, stop-limit order | [`Context::submit`] with [`OrderRequest::market`], [`OrderRequest::limit`], [`OrderRequest::stop`], [`OrderRequest::stop_limit`] | `OrderIntent`, then `OrderSubmitted` or `RiskReject` |
//! | size in units or a fraction of equity | [`Quantity`]; the session's sizing: [`Context::entry_quantity`] | in the intent |
//! | stop-loss and take-profit on an entry | [`OrderRequest::with_stop_loss`], [`OrderRequest::with_take_profit`] | `Bracket` after the entry's intent; the legs' intents when it fills |
//! | cancel | [`Context::cancel`] | `CancelRequest` |
//! | close a position, or part of it | [`Context::close_position`], [`Context::reduce_position`] (reduce-only market orders) | as any order |
//! | change an order, a stop-loss, a take-profit | [`Context::modify`], [`Context::set_stop_loss`], [`Context::set_take_profit`] (the new order, then the old one's cancel) | as any order, and `CancelRequest` |
//!
//! How brackets behave (one-cancels-other, cancelled with their position)
//! is described in the desk's documentation (`engine/src/desk.rs`); how the
//! simulated exchange fills each type, in `adapters/src/sim.rs`. The
//! built-in strategies ([`EnsembleStrategy`], [`Donchian`], [`Bollinger`])
//! use nothing else, so each is an example to copy.

mod bollinger;
mod donchian;
mod ensemble;
mod pairs;
mod segmented;

pub use bollinger::Bollinger;
pub use donchian::Donchian;
pub use ensemble::EnsembleStrategy;
pub use pairs::Pairs;
pub use segmented::Segmented;

pub use crate::desk::{BracketLeg, LegKind, OrderError, OrderRequest};
/// The traits [`Context::rng`]'s generator is used through.
pub use rand::{Rng, RngCore};

use crate::bars::{BarSpec, BuiltBar};
use crate::config::{ALL_IN_FRACTION, EngineConfig, Sizing, StrategyConfig};
use crate::desk::Desk;
use crate::ensemble::Ensemble;
use crate::event::{Fill, OrderIntent, OrderType, Output, Quantity};
use crate::market::InstrumentId;
use crate::portfolio::Portfolio;

/// Where a driver gets a session's strategy: from the configuration for the
/// built-ins ([`Builtins`]), or from code of your own. A replay must use the
/// factory the session used, so a journal replays only where its strategy
/// can be built again.
pub trait StrategyFactory: std::fmt::Debug + Send + Sync {
    /// The strategy for a session with this configuration; `Err` says why
    /// there is none.
    fn build(&self, config: &EngineConfig) -> Result<Box<dyn Strategy>, String>;

    /// Blobs the configuration refers to by hash (a Python strategy's
    /// source), which a session stores in its journal's artifact store
    /// before it starts.
    fn sources(&self) -> Vec<std::sync::Arc<Vec<u8>>> {
        Vec::new()
    }
}

/// The built-in strategies, by `[strategy] kind`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtins;

impl StrategyFactory for Builtins {
    fn build(&self, config: &EngineConfig) -> Result<Box<dyn Strategy>, String> {
        match config.strategy {
            StrategyConfig::WalkForward { .. } => Segmented::build(config, self),
            _ => from_config(&config.strategy),
        }
    }
}

/// For strategies that keep an entry order on each side of the market
/// (`[long, short]`) of which the first to fill cancels the other: forgets
/// the filled one once it is filled in full, and cancels the other.
fn entry_filled<E>(
    ctx: &mut Context<'_>,
    fill: &Fill,
    [long, short]: [&mut Option<E>; 2],
    client_id: impl Fn(&E) -> u64,
) {
    let is_filled = |e: &Option<E>| e.as_ref().is_some_and(|x| client_id(x) == fill.client_id);
    let (filled, other) = if is_filled(long) {
        (long, short)
    } else if is_filled(short) {
        (short, long)
    } else {
        return;
    };
    if fill.last {
        *filled = None;
    }
    if let Some(x) = other.take() {
        let _ = ctx.cancel(client_id(&x));
    }
}

/// The built-in strategy a configuration names; `Err` for a Python
/// strategy, which runs in its host process (`axon_pystrategy`).
pub fn from_config(config: &StrategyConfig) -> Result<Box<dyn Strategy>, String> {
    Ok(match config.clone() {
        StrategyConfig::SmaCross { .. } => Box::new(EnsembleStrategy::default()),
        StrategyConfig::Donchian {
            n, exit_n, short, ..
        } => Box::new(Donchian::new(n, exit_n, short)),
        StrategyConfig::Bollinger {
            n,
            k,
            k_stop,
            short,
            ..
        } => Box::new(Bollinger::new(n, k, k_stop, short)),
        StrategyConfig::Pairs {
            legs,
            n,
            entry_z,
            exit_z,
            fraction,
        } => Box::new(Pairs::new(legs, n, entry_z, exit_z, fraction)),
        StrategyConfig::Python { .. } => {
            return Err(
                "kind = \"python\" runs in a Python host: build it with axon_pystrategy::Strategies"
                    .to_owned(),
            );
        }
        StrategyConfig::WalkForward { .. } => {
            return Err(
                "a walk-forward builds its segments with a factory: use Builtins (or axon_pystrategy::Strategies)"
                    .to_owned(),
            );
        }
    })
}

/// A market event as a strategy sees it, after the account was marked.
#[derive(Debug, Clone, Copy)]
pub struct MarketEvent {
    /// Event time (nanoseconds since the epoch).
    pub time_ns: i64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// The event's index among the instrument's market events.
    pub index: u64,
    /// The price the account was marked at: a bar's close, a tick's mid.
    pub price: f64,
    /// A bar's open (a tick's mid).
    pub open: f64,
    /// A bar's high (a tick's mid).
    pub high: f64,
    /// A bar's low (a tick's mid).
    pub low: f64,
    /// A bar's volume (a tick's traded volume; NaN where unknown).
    pub volume: f64,
}

/// A strategy: called on market events and fills; trades through the
/// context.
pub trait Strategy: std::fmt::Debug + Send {
    /// An instrument was declared (before its first market event): its id
    /// and symbol, for strategies that trade instruments by name.
    fn on_instrument(&mut self, _id: InstrumentId, _symbol: &str) {}

    /// A tick or bar, after the engine marked the account with it.
    fn on_market(&mut self, ctx: &mut Context<'_>, event: &MarketEvent);

    /// A fill of one of the engine's orders, after the account booked it
    /// and the desk placed or cancelled what brackets ask for.
    fn on_fill(&mut self, _ctx: &mut Context<'_>, _fill: &Fill) {}

    /// Why the strategy cannot go on (a Python strategy's exception), once
    /// it cannot: the driver then ends the session at the input just
    /// stepped, closing the journal, which replays to the same fault.
    fn fault(&self) -> Option<&str> {
        None
    }

    /// A bar built from ticks, for a strategy configured with bars
    /// (`[strategy] bars`): it then gets these instead of the ticks. The
    /// default hands bars of the first timeframe to [`Strategy::on_market`],
    /// so a strategy written for bars runs on bars built from ticks as is.
    fn on_bar(&mut self, ctx: &mut Context<'_>, bar: &BarEvent) {
        if bar.timeframe == 0 {
            let b = &bar.built.bar;
            let event = MarketEvent {
                time_ns: ctx.time_ns(),
                instrument: b.instrument,
                index: bar.index,
                price: b.close,
                open: b.open,
                high: b.high,
                low: b.low,
                volume: b.volume,
            };
            self.on_market(ctx, &event);
        }
    }
}

/// A bar built from ticks, delivered at the event time of the tick that
/// closed it (after the account was marked with that tick).
#[derive(Debug, Clone, Copy)]
pub struct BarEvent {
    /// Which of the configured bar specs (`[strategy] bars`) built it.
    pub timeframe: usize,
    /// The spec.
    pub spec: BarSpec,
    /// The bar's index among the instrument's bars of this timeframe.
    pub index: u64,
    /// The bar.
    pub built: BuiltBar,
}

/// What a strategy may read and do during one call.
#[allow(missing_debug_implementations)] // borrows the engine's parts for one call
pub struct Context<'a> {
    pub(crate) time_ns: i64,
    pub(crate) config: &'a EngineConfig,
    pub(crate) portfolio: &'a Portfolio,
    pub(crate) desk: &'a mut Desk,
    pub(crate) models: &'a mut Ensemble,
    pub(crate) rng: &'a mut rand_chacha::ChaCha8Rng,
    pub(crate) out: &'a mut Vec<Output>,
    /// Warming up (a walk-forward segment before it trades): every order
    /// operation is refused with [`OrderError::Warming`].
    pub(crate) dry: bool,
}

impl Context<'_> {
    /// The event's time.
    pub fn time_ns(&self) -> i64 {
        self.time_ns
    }

    /// The session's configuration.
    pub fn config(&self) -> &EngineConfig {
        self.config
    }

    /// The account: cash, positions, marks, trades.
    pub fn portfolio(&self) -> &Portfolio {
        self.portfolio
    }

    /// The position in an instrument (negative: short).
    pub fn position(&self, instrument: InstrumentId) -> f64 {
        self.portfolio.position(instrument)
    }

    /// Orders submitted and not finished, oldest first; orders whose cancel
    /// was requested are left out.
    pub fn open_orders(&self) -> impl DoubleEndedIterator<Item = &OrderIntent> {
        self.desk
            .orders
            .values()
            .filter(|o| !o.cancelling)
            .map(|o| &o.intent)
    }

    /// A working order (not finished, no cancel requested).
    pub fn order(&self, client_id: u64) -> Option<&OrderIntent> {
        self.desk.working(client_id).map(|o| &o.intent)
    }

    /// The working stop-losses and take-profits of an instrument, oldest
    /// first.
    pub fn bracket_legs(&self, instrument: InstrumentId) -> impl Iterator<Item = BracketLeg> + '_ {
        self.desk.legs(instrument)
    }

    /// The model slots (configured, swapped in, weighted).
    pub fn models(&mut self) -> &mut Ensemble {
        self.models
    }

    /// Random numbers for the strategy: a generator seeded from the
    /// session's seed (journaled in the session start), drawn in event
    /// order, so a replay draws the same numbers. The only randomness a
    /// strategy may use.
    pub fn rng(&mut self) -> &mut dyn rand::RngCore {
        self.rng
    }

    /// Journals an output that is not an order (a decision, a weight change).
    pub fn record(&mut self, output: Output) {
        self.out.push(output);
    }

    /// Sends an order through the checks (its prices, quantity and
    /// bracket, then the risk limits); the intent and the verdict are
    /// journaled. Returns the order's client id.
    pub fn submit(&mut self, request: OrderRequest) -> Result<u64, OrderError> {
        if self.dry {
            return Err(OrderError::Warming);
        }
        self.desk
            .submit(self.time_ns, request, self.portfolio, self.out)
            .map_err(OrderError::Rejected)
    }

    /// Asks the venue to cancel a working order (a `CancelRequest`). A
    /// cancelled entry drops the bracket it has not placed; a cancelled
    /// stop-loss or take-profit leaves its sibling working.
    pub fn cancel(&mut self, client_id: u64) -> Result<(), OrderError> {
        if self.dry {
            return Err(OrderError::Warming);
        }
        self.desk.cancel(client_id, self.out)
    }

    /// Replaces a working order by one of `order_type` for the quantity it
    /// has left, on the same side: the new order goes through the checks
    /// first, and only once it passed is the old one cancelled. A stop-loss
    /// or take-profit stays paired with its sibling, an entry keeps its
    /// bracket. Returns the new order's client id.
    pub fn modify(&mut self, client_id: u64, order_type: OrderType) -> Result<u64, OrderError> {
        if self.dry {
            return Err(OrderError::Warming);
        }
        self.desk.modify(
            self.time_ns,
            client_id,
            order_type,
            self.portfolio,
            self.out,
        )
    }

    /// Moves every working stop-loss of an instrument to `stop` (see
    /// [`Context::modify`]); returns how many moved.
    pub fn set_stop_loss(
        &mut self,
        instrument: InstrumentId,
        stop: f64,
    ) -> Result<usize, OrderError> {
        self.move_legs(instrument, LegKind::StopLoss, OrderType::Stop(stop))
    }

    /// Moves every working take-profit of an instrument to `limit`; returns
    /// how many moved.
    pub fn set_take_profit(
        &mut self,
        instrument: InstrumentId,
        limit: f64,
    ) -> Result<usize, OrderError> {
        self.move_legs(instrument, LegKind::TakeProfit, OrderType::Limit(limit))
    }

    fn move_legs(
        &mut self,
        instrument: InstrumentId,
        kind: LegKind,
        order_type: OrderType,
    ) -> Result<usize, OrderError> {
        let ids: Vec<u64> = self
            .desk
            .legs(instrument)
            .filter(|l| l.kind == kind)
            .map(|l| l.client_id)
            .collect();
        for &id in &ids {
            self.modify(id, order_type)?;
        }
        Ok(ids.len())
    }

    /// Closes the whole position in an instrument with a reduce-only
    /// market order, valued at the instrument's mark.
    pub fn close_position(&mut self, instrument: InstrumentId) -> Result<u64, OrderError> {
        self.reduce_position(instrument, f64::INFINITY)
    }

    /// Closes `units` of the position in an instrument (all of it if it
    /// holds fewer) with a reduce-only market order, valued at the
    /// instrument's mark. A NaN or non-positive `units` is refused by the
    /// checks (journaled).
    pub fn reduce_position(
        &mut self,
        instrument: InstrumentId,
        units: f64,
    ) -> Result<u64, OrderError> {
        let position = self.position(instrument);
        if position == 0.0 || position.is_nan() {
            return Err(OrderError::NoPosition(instrument));
        }
        let units = if units.is_nan() {
            units
        } else {
            units.min(position.abs())
        };
        let mark = self.portfolio.mark(instrument);
        let request = OrderRequest::close(instrument, position, OrderType::Market, mark);
        self.submit(OrderRequest {
            quantity: Quantity::Units(units),
            ..request
        })
    }

    /// An entry's size as the session's sizing says: units, or a fraction of
    /// equity (resolved into units where a live sizing basis knows how).
    pub fn entry_quantity(&self, instrument: InstrumentId, price: f64) -> Quantity {
        match self.config.sizing {
            Sizing::AllIn => self.equity_fraction(instrument, ALL_IN_FRACTION, price),
            Sizing::Fraction(f) => self.equity_fraction(instrument, f, price),
            Sizing::Fixed(u) => Quantity::Units(u),
        }
    }

    /// `fraction` of equity at `price`: units where a live session's
    /// sizing basis (the venue's balances) resolves it, else an equity
    /// fraction the simulated exchange resolves at the fill.
    pub fn equity_fraction(&self, instrument: InstrumentId, fraction: f64, price: f64) -> Quantity {
        self.desk
            .sizing
            .units(instrument, fraction, price, self.portfolio)
            .map_or(Quantity::EquityFraction(fraction), Quantity::Units)
    }
}
