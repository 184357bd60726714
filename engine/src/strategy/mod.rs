//! The Strategy port: what decides, given the market, the account and the
//! models.
//!
//! The engine marks the account on every market event and then hands the
//! event to its strategy through a [`Context`]: the account, the working
//! orders, the model slots, and [`Context::submit`], through which every
//! order goes to the risk checks and into the journal. A strategy sees no
//! clock (time is the event's), no I/O and no randomness it did not seed
//! from its inputs, so it replays bit for bit like the rest of the engine.

mod ensemble;

pub use ensemble::EnsembleStrategy;

use crate::config::{ALL_IN_FRACTION, EngineConfig, Sizing};
use crate::desk::{Desk, OrderRequest};
use crate::ensemble::Ensemble;
use crate::event::{Fill, OrderIntent, Output, Quantity};
use crate::market::InstrumentId;
use crate::portfolio::Portfolio;

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
}

/// A strategy: called on market events and fills; trades through the
/// context.
pub trait Strategy: std::fmt::Debug + Send {
    /// A tick or bar, after the engine marked the account with it.
    fn on_market(&mut self, ctx: &mut Context<'_>, event: &MarketEvent);

    /// A fill of one of the engine's orders, after the account booked it.
    fn on_fill(&mut self, _ctx: &mut Context<'_>, _fill: &Fill) {}
}

/// What a strategy may read and do during one call.
#[allow(missing_debug_implementations)] // borrows the engine's parts for one call
pub struct Context<'a> {
    pub(crate) time_ns: i64,
    pub(crate) config: &'a EngineConfig,
    pub(crate) portfolio: &'a Portfolio,
    pub(crate) desk: &'a mut Desk,
    pub(crate) models: &'a mut Ensemble,
    pub(crate) out: &'a mut Vec<Output>,
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

    /// Orders submitted and not finished, oldest first.
    pub fn open_orders(&self) -> impl DoubleEndedIterator<Item = &OrderIntent> {
        self.desk.orders.values().map(|o| &o.intent)
    }

    /// The model slots (configured, swapped in, weighted).
    pub fn models(&mut self) -> &mut Ensemble {
        self.models
    }

    /// Journals an output that is not an order (a decision, a weight change).
    pub fn record(&mut self, output: Output) {
        self.out.push(output);
    }

    /// Sends an order through the risk checks; the intent and the verdict
    /// are journaled.
    pub fn submit(&mut self, request: OrderRequest) {
        self.desk
            .submit(self.time_ns, request, self.portfolio, self.out);
    }

    /// An entry's size as the session's sizing says: units, or a fraction of
    /// equity (resolved into units where a live sizing basis knows how).
    pub fn entry_quantity(&self, instrument: InstrumentId, price: f64) -> Quantity {
        let relative = |f: f64| {
            self.desk
                .sizing
                .units(instrument, f, price, self.portfolio)
                .map_or(Quantity::EquityFraction(f), Quantity::Units)
        };
        match self.config.sizing {
            Sizing::AllIn => relative(ALL_IN_FRACTION),
            Sizing::Fraction(f) => relative(f),
            Sizing::Fixed(u) => Quantity::Units(u),
        }
    }
}
