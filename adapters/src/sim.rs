//! The simulated exchange: deterministic fills from market data.
//!
//! The driver asks it for events one at a time ([`SimExchange::before_bar`],
//! [`SimExchange::before_tick`], [`SimExchange::immediate`]) and steps each
//! through the sequencer before asking for the next, so a fill is in the
//! portfolio before the next order is sized.
//!
//! ## Fills on bars
//!
//! Working orders are checked in the order they were submitted, against
//! the bar before the engine sees it (`O`, `H`, `L`: its open, high, low),
//! by backtesting.py 0.6's rules (docs/backtesting-py-semantics.md §1.3):
//!
//! | order | fills when (buy; a sell mirrors) | at (buy; a sell takes `max`↔`min`) |
//! |---|---|---|
//! | market | always | `O` |
//! | limit `Lm` | `L <= Lm` | `min(O, Lm)` |
//! | stop `S` | `H >= S` | `max(O, S)`: a gap through the stop fills at the open |
//! | stop-limit `S`, `Lm` | triggered once `H >= S` (for good); on the trigger bar only if `Lm > S` and `L <= Lm`, later bars as a limit | trigger bar: `min(S, Lm)`, even after a gap (backtesting.py's rule); later: `min(O, Lm)` |
//!
//! A reduce-only stop (a stop-loss) is checked before the other orders,
//! so when a stop-loss and a take-profit are both reached within one bar
//! the stop-loss fills. An order submitted while a bar's fills are
//! delivered (a bracket leg, placed when its entry filled) is first
//! checked on the next bar, since where the bar went after the fill is
//! unknown; except after a market order's fill at the open, after which the
//! whole bar is still to come (backtesting.py checks a market entry's
//! stop-loss and take-profit on its entry bar too).
//!
//! ## Fills on ticks
//!
//! A market order fills at the next tick's ask (buys) or bid (sells); a
//! limit buy when the ask is at or below its limit, at the ask; a stop buy
//! when the ask reaches the stop, at the ask; a stop-limit buy is triggered
//! when the ask reaches the stop and is a limit order from then on (the
//! same tick included). Sells mirror on the bid. Orders submitted while a
//! tick's fills are delivered are first checked at the next tick.
//!
//! ## Quantities
//!
//! Relative orders are sized at the fill price in whole units (as
//! backtesting.py does); an order the account cannot pay for is rejected.
//! A reduce-only order fills at most the position it reduces, and is
//! rejected when there is none.

use std::collections::VecDeque;

use axon_engine::event::{CancelAck, Fill, OrderIntent, OrderReject, OrderType, Quantity};
use axon_engine::market::{Bar, Side, Tick};
use axon_engine::{Input, Output, Portfolio};
use serde::{Deserialize, Serialize};

/// Python's float floor division, which sizes relative orders as
/// backtesting.py does; it lives in the engine next to the broker port.
pub use axon_engine::pymath::py_floor_div;

/// When market orders fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillModel {
    /// Orders decided on a bar's close fill at the next bar's open.
    NextOpen,
    /// Market orders fill at the next tick's ask (buys) or bid (sells).
    NextTick,
}

/// Costs and fill model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    /// Fill model.
    pub fill: FillModel,
    /// Commission in basis points of notional.
    pub commission_bps: f64,
    /// Fixed slippage in price units, against the order.
    pub slippage: f64,
}

/// An order working at the simulated exchange.
#[derive(Debug, Clone)]
struct Working {
    order: OrderIntent,
    /// The market event at which a stop-limit's stop was reached; it is a
    /// limit order from then on.
    triggered: Option<u64>,
    /// Submitted while the current market event's fills were delivered:
    /// first checked at the next event.
    waiting: bool,
}

/// The simulated exchange.
#[derive(Debug)]
pub struct SimExchange {
    cfg: SimConfig,
    /// Working orders, in submission order.
    working: Vec<Working>,
    /// Events to deliver before anything else (cancel acks).
    immediate: VecDeque<Input>,
    /// Last close (bars) or mid (ticks) per instrument, for close-outs.
    last: Vec<f64>,
    /// Smallest quantity filled: whole units, as backtesting.py trades.
    min_units: f64,
    /// Market events finished (`after_bar`, `after_tick`).
    events: u64,
    /// Between the first `before_*` of a market event and its `after_*`.
    in_event: bool,
    /// The last fill delivered was a market order's at a bar's open.
    open_fill: bool,
}

/// Whether an order is a stop-loss: a reduce-only stop, checked first.
fn is_stop_loss(o: &OrderIntent) -> bool {
    o.reduce_only && matches!(o.order_type, OrderType::Stop(_))
}

impl SimExchange {
    /// A simulated exchange for `instruments` instruments.
    pub fn new(cfg: SimConfig, instruments: usize) -> Self {
        Self {
            cfg,
            working: Vec::new(),
            immediate: VecDeque::new(),
            last: vec![f64::NAN; instruments],
            min_units: 1.0,
            events: 0,
            in_event: false,
            open_fill: false,
        }
    }

    /// Fills any positive quantity rather than whole units only: paper
    /// trading on a venue that trades fractions (its orders come sized to
    /// the venue's step).
    pub fn with_fractional_units(mut self) -> Self {
        self.min_units = f64::MIN_POSITIVE;
        self
    }

    /// Takes the engine's outputs: submitted orders start working, cancel
    /// requests are acknowledged.
    pub fn on_outputs(&mut self, outputs: &[Output]) {
        for o in outputs {
            match o {
                Output::OrderSubmitted(s) => self.working.push(Working {
                    order: s.order.clone(),
                    triggered: None,
                    waiting: self.in_event && !self.open_fill,
                }),
                Output::CancelRequest(c) => {
                    if let Some(i) = self
                        .working
                        .iter()
                        .position(|w| w.order.client_id == c.client_id)
                    {
                        self.working.remove(i);
                        self.immediate.push_back(Input::CancelAck(CancelAck {
                            client_id: c.client_id,
                        }));
                    }
                }
                _ => {}
            }
        }
    }

    /// Makes room for instruments `0..n`.
    pub fn ensure(&mut self, n: usize) {
        if self.last.len() < n {
            self.last.resize(n, f64::NAN);
        }
    }

    /// Orders still working.
    pub fn working(&self) -> usize {
        self.working.len()
    }

    /// The next event due at once (cancel acks, close-outs at the last price).
    pub fn immediate(&mut self, portfolio: &Portfolio) -> Option<Input> {
        if let Some(ev) = self.immediate.pop_front() {
            return Some(ev);
        }
        let i = self
            .working
            .iter()
            .position(|w| w.order.order_type == OrderType::MarketOnClose)?;
        let order = self.working.remove(i).order;
        let price = self
            .last
            .get(order.instrument as usize)
            .copied()
            .unwrap_or(f64::NAN);
        Some(self.fill(order, price, portfolio))
    }

    /// Marks the stop-limits of `instrument` whose stop `reached` says was
    /// reached as triggered at this event.
    fn trigger(&mut self, instrument: u32, reached: impl Fn(Side, f64) -> bool) {
        let now = self.events;
        for w in &mut self.working {
            if let OrderType::StopLimit { stop, .. } = w.order.order_type
                && w.order.instrument == instrument
                && !w.waiting
                && w.triggered.is_none()
                && reached(w.order.side, stop)
            {
                w.triggered = Some(now);
            }
        }
    }

    /// Takes the first order `price_of` fills (stop-losses first) and its
    /// price.
    fn take(
        &mut self,
        instrument: u32,
        price_of: impl Fn(&Working) -> Option<f64>,
    ) -> Option<(OrderIntent, f64)> {
        let eligible = |w: &Working| w.order.instrument == instrument && !w.waiting;
        let i = self
            .working
            .iter()
            .position(|w| eligible(w) && is_stop_loss(&w.order) && price_of(w).is_some())
            .or_else(|| {
                self.working
                    .iter()
                    .position(|w| eligible(w) && price_of(w).is_some())
            })?;
        let w = self.working.remove(i);
        let price = price_of(&w)?;
        Some((w.order, price))
    }

    /// The next fill due at this bar (before the engine sees the bar).
    pub fn before_bar(&mut self, bar: &Bar, portfolio: &Portfolio) -> Option<Input> {
        self.in_event = true;
        self.trigger(bar.instrument, |side, stop| match side {
            Side::Buy => bar.high >= stop,
            Side::Sell => bar.low <= stop,
        });
        let now = self.events;
        let (order, price) = self.take(bar.instrument, |w| {
            let o = &w.order;
            let buy = o.side == Side::Buy;
            match o.order_type {
                OrderType::Market => Some(bar.open),
                OrderType::MarketOnClose => None,
                OrderType::Limit(limit) => limit_on_bar(buy, limit, bar),
                OrderType::Stop(stop) => match o.side {
                    Side::Buy => (bar.high >= stop).then(|| bar.open.max(stop)),
                    Side::Sell => (bar.low <= stop).then(|| bar.open.min(stop)),
                },
                OrderType::StopLimit { stop, limit } => match w.triggered {
                    None => None,
                    // Triggered on this bar: a limit at or beyond the stop
                    // might have been touched before the stop, so it waits
                    // (backtesting.py's pessimistic rule).
                    Some(t) if t == now => match o.side {
                        Side::Buy => (limit > stop && bar.low <= limit).then(|| stop.min(limit)),
                        Side::Sell => (limit < stop && bar.high >= limit).then(|| stop.max(limit)),
                    },
                    Some(_) => limit_on_bar(buy, limit, bar),
                },
            }
        })?;
        self.open_fill = order.order_type == OrderType::Market;
        Some(self.fill(order, price, portfolio))
    }

    /// Remembers a bar's close once the engine has seen it.
    pub fn after_bar(&mut self, bar: &Bar) {
        if let Some(l) = self.last.get_mut(bar.instrument as usize) {
            *l = bar.close;
        }
        self.end_event();
    }

    /// The next fill due at this tick (before the engine sees it).
    pub fn before_tick(&mut self, tick: &Tick, portfolio: &Portfolio) -> Option<Input> {
        self.in_event = true;
        self.open_fill = false;
        self.trigger(tick.instrument, |side, stop| match side {
            Side::Buy => tick.ask >= stop,
            Side::Sell => tick.bid <= stop,
        });
        let limit = |side: Side, limit: f64| match side {
            Side::Buy => tick.ask <= limit,
            Side::Sell => tick.bid >= limit,
        };
        let (order, _) = self.take(tick.instrument, |w| {
            let o = &w.order;
            let fills = match o.order_type {
                OrderType::Market => true,
                OrderType::Limit(l) => limit(o.side, l),
                OrderType::MarketOnClose => false,
                OrderType::Stop(stop) => match o.side {
                    Side::Buy => tick.ask >= stop,
                    Side::Sell => tick.bid <= stop,
                },
                OrderType::StopLimit { limit: l, .. } => w.triggered.is_some() && limit(o.side, l),
            };
            fills.then_some(0.0)
        })?;
        let price = match order.side {
            Side::Buy => tick.ask,
            Side::Sell => tick.bid,
        };
        Some(self.fill(order, price, portfolio))
    }

    /// Remembers a tick's mid once the engine has seen it.
    pub fn after_tick(&mut self, tick: &Tick) {
        if let Some(l) = self.last.get_mut(tick.instrument as usize) {
            *l = tick.mid();
        }
        self.end_event();
    }

    /// A market event is over: what waited for the next one works.
    fn end_event(&mut self) {
        self.events += 1;
        self.in_event = false;
        self.open_fill = false;
        for w in &mut self.working {
            w.waiting = false;
        }
    }

    fn fill(&self, order: OrderIntent, market_price: f64, portfolio: &Portfolio) -> Input {
        let price = market_price + self.cfg.slippage * order.side.sign();
        let cost_factor = 1.0 + self.cfg.commission_bps / 10_000.0;
        let mut units = match order.quantity {
            Quantity::Units(u) => u,
            Quantity::EquityFraction(f) => {
                py_floor_div(portfolio.margin_available() * f, price * cost_factor)
            }
        };
        if order.reduce_only {
            let position = portfolio.position(order.instrument);
            let reduces = position * order.side.sign() < 0.0;
            if !reduces {
                return Input::Reject(OrderReject {
                    client_id: order.client_id,
                    reason: format!(
                        "reduce-only {:?} order: no position to reduce (position {position})",
                        order.side
                    ),
                });
            }
            units = units.min(position.abs());
        }
        let affordable =
            order.reduce_only || units * price * cost_factor <= portfolio.margin_available();
        if !(units >= self.min_units && price.is_finite() && price > 0.0 && affordable) {
            return Input::Reject(OrderReject {
                client_id: order.client_id,
                reason: format!(
                    "insufficient margin: {units} units at {price} with {:.2} available",
                    portfolio.margin_available()
                ),
            });
        }
        Input::Fill(Fill {
            client_id: order.client_id,
            instrument: order.instrument,
            side: order.side,
            quantity: units,
            price,
            commission: units * price * self.cfg.commission_bps / 10_000.0,
            last: true,
        })
    }
}

/// A limit order's fill price on a bar, if the bar reaches the limit.
fn limit_on_bar(buy: bool, limit: f64, bar: &Bar) -> Option<f64> {
    if buy {
        (bar.low <= limit).then(|| bar.open.min(limit))
    } else {
        (bar.high >= limit).then(|| bar.open.max(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: u64, side: Side, q: Quantity, t: OrderType) -> OrderIntent {
        OrderIntent {
            client_id: id,
            instrument: 0,
            side,
            quantity: q,
            order_type: t,
            reference_price: 100.0,
            reduce_only: false,
        }
    }

    fn submitted(o: OrderIntent) -> Output {
        Output::OrderSubmitted(axon_engine::event::OrderSubmitted { order: o })
    }

    #[test]
    fn market_fills_at_next_open_sized_all_in() {
        let cfg = SimConfig {
            fill: FillModel::NextOpen,
            commission_bps: 0.0,
            slippage: 0.0,
        };
        let mut sim = SimExchange::new(cfg, 1);
        let p = Portfolio::new(10_000.0, 1);
        sim.on_outputs(&[submitted(order(
            1,
            Side::Buy,
            Quantity::EquityFraction(1.0 - f64::EPSILON),
            OrderType::Market,
        ))]);
        let bar = Bar {
            instrument: 0,
            open: 101.0,
            high: 103.0,
            low: 99.0,
            close: 102.0,
            volume: 1.0,
        };
        match sim.before_bar(&bar, &p) {
            Some(Input::Fill(f)) => {
                assert_eq!(f.price, 101.0);
                assert_eq!(f.quantity, 99.0);
            }
            other => panic!("expected a fill, got {other:?}"),
        }
        assert!(sim.before_bar(&bar, &p).is_none());
    }

    #[test]
    fn limit_fills_only_when_crossed() {
        let cfg = SimConfig {
            fill: FillModel::NextOpen,
            commission_bps: 10.0,
            slippage: 0.0,
        };
        let mut sim = SimExchange::new(cfg, 1);
        let p = Portfolio::new(10_000.0, 1);
        sim.on_outputs(&[submitted(order(
            1,
            Side::Buy,
            Quantity::Units(5.0),
            OrderType::Limit(95.0),
        ))]);
        let above = Bar {
            instrument: 0,
            open: 100.0,
            high: 101.0,
            low: 96.0,
            close: 100.0,
            volume: 1.0,
        };
        assert!(sim.before_bar(&above, &p).is_none());
        let crossing = Bar { low: 94.0, ..above };
        match sim.before_bar(&crossing, &p) {
            Some(Input::Fill(f)) => {
                assert_eq!(f.price, 95.0);
                assert!((f.commission - 5.0 * 95.0 * 0.001).abs() < 1e-12);
            }
            other => panic!("expected a fill, got {other:?}"),
        }
    }

    #[test]
    fn market_order_on_ticks_crosses_the_spread() {
        let cfg = SimConfig {
            fill: FillModel::NextTick,
            commission_bps: 0.0,
            slippage: 0.01,
        };
        let mut sim = SimExchange::new(cfg, 1);
        let p = Portfolio::new(10_000.0, 1);
        sim.on_outputs(&[submitted(order(
            1,
            Side::Sell,
            Quantity::Units(2.0),
            OrderType::Market,
        ))]);
        let tick = Tick {
            instrument: 0,
            bid: 99.0,
            ask: 99.1,
            bid_size: 1.0,
            ask_size: 1.0,
            last: 99.05,
            volume: 1.0,
        };
        match sim.before_tick(&tick, &p) {
            Some(Input::Fill(f)) => assert_eq!(f.price, 99.0 - 0.01),
            other => panic!("expected a fill, got {other:?}"),
        }
    }

    #[test]
    fn fractional_units_fill_only_when_asked_for() {
        let cfg = SimConfig {
            fill: FillModel::NextOpen,
            commission_bps: 0.0,
            slippage: 0.0,
        };
        let p = Portfolio::new(10_000.0, 1);
        let bar = Bar {
            instrument: 0,
            open: 100.0,
            high: 100.0,
            low: 100.0,
            close: 100.0,
            volume: 1.0,
        };
        let half = order(1, Side::Buy, Quantity::Units(0.5), OrderType::Market);
        let mut whole = SimExchange::new(cfg, 1);
        whole.on_outputs(&[submitted(half.clone())]);
        assert!(matches!(whole.before_bar(&bar, &p), Some(Input::Reject(_))));
        let mut fractional = SimExchange::new(cfg, 1).with_fractional_units();
        fractional.on_outputs(&[submitted(half)]);
        match fractional.before_bar(&bar, &p) {
            Some(Input::Fill(f)) => assert_eq!(f.quantity, 0.5),
            other => panic!("expected a fill, got {other:?}"),
        }
    }

    #[test]
    fn unaffordable_orders_are_rejected_and_cancels_acknowledged() {
        let cfg = SimConfig {
            fill: FillModel::NextOpen,
            commission_bps: 0.0,
            slippage: 0.0,
        };
        let mut sim = SimExchange::new(cfg, 1);
        let p = Portfolio::new(100.0, 1);
        sim.on_outputs(&[submitted(order(
            1,
            Side::Buy,
            Quantity::Units(5.0),
            OrderType::Market,
        ))]);
        let bar = Bar {
            instrument: 0,
            open: 100.0,
            high: 100.0,
            low: 100.0,
            close: 100.0,
            volume: 1.0,
        };
        assert!(matches!(sim.before_bar(&bar, &p), Some(Input::Reject(_))));
        sim.on_outputs(&[submitted(order(
            2,
            Side::Buy,
            Quantity::Units(1.0),
            OrderType::Limit(1.0),
        ))]);
        sim.on_outputs(&[Output::CancelRequest(axon_engine::event::CancelRequest {
            client_id: 2,
        })]);
        assert!(matches!(
            sim.immediate(&p),
            Some(Input::CancelAck(CancelAck { client_id: 2 }))
        ));
        assert_eq!(sim.working(), 0);
    }
}
