//! The simulated exchange: deterministic fills from market data.
//!
//! The driver asks it for events one at a time ([`SimExchange::before_bar`],
//! [`SimExchange::before_tick`], [`SimExchange::immediate`]) and steps each
//! through the sequencer before asking for the next, so a fill is in the
//! portfolio before the next order is sized.

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

/// The simulated exchange.
#[derive(Debug)]
pub struct SimExchange {
    cfg: SimConfig,
    /// Working orders, in submission order.
    working: Vec<OrderIntent>,
    /// Events to deliver before anything else (cancel acks).
    immediate: VecDeque<Input>,
    /// Last close (bars) or mid (ticks) per instrument, for close-outs.
    last: Vec<f64>,
    /// Smallest quantity filled: whole units, as backtesting.py trades.
    min_units: f64,
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
                Output::OrderSubmitted(s) => self.working.push(s.order.clone()),
                Output::CancelRequest(c) => {
                    if let Some(i) = self.working.iter().position(|w| w.client_id == c.client_id) {
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
            .position(|o| o.order_type == OrderType::MarketOnClose)?;
        let order = self.working.remove(i);
        let price = self
            .last
            .get(order.instrument as usize)
            .copied()
            .unwrap_or(f64::NAN);
        Some(self.fill(order, price, portfolio))
    }

    /// The next fill due at this bar's open (before the engine sees the bar).
    pub fn before_bar(&mut self, bar: &Bar, portfolio: &Portfolio) -> Option<Input> {
        let i = self.working.iter().position(|o| {
            o.instrument == bar.instrument
                && match o.order_type {
                    OrderType::Market => true,
                    OrderType::Limit(limit) => match o.side {
                        Side::Buy => bar.low <= limit,
                        Side::Sell => bar.high >= limit,
                    },
                    OrderType::MarketOnClose => false,
                }
        })?;
        let order = self.working.remove(i);
        let price = match order.order_type {
            OrderType::Limit(limit) => match order.side {
                Side::Buy => bar.open.min(limit),
                Side::Sell => bar.open.max(limit),
            },
            _ => bar.open,
        };
        Some(self.fill(order, price, portfolio))
    }

    /// Remembers a bar's close once the engine has seen it.
    pub fn after_bar(&mut self, bar: &Bar) {
        if let Some(l) = self.last.get_mut(bar.instrument as usize) {
            *l = bar.close;
        }
    }

    /// The next fill due at this tick (before the engine sees it).
    pub fn before_tick(&mut self, tick: &Tick, portfolio: &Portfolio) -> Option<Input> {
        let i = self.working.iter().position(|o| {
            o.instrument == tick.instrument
                && match o.order_type {
                    OrderType::Market => true,
                    OrderType::Limit(limit) => match o.side {
                        Side::Buy => tick.ask <= limit,
                        Side::Sell => tick.bid >= limit,
                    },
                    OrderType::MarketOnClose => false,
                }
        })?;
        let order = self.working.remove(i);
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
    }

    fn fill(&self, order: OrderIntent, market_price: f64, portfolio: &Portfolio) -> Input {
        let price = market_price + self.cfg.slippage * order.side.sign();
        let cost_factor = 1.0 + self.cfg.commission_bps / 10_000.0;
        let units = match order.quantity {
            Quantity::Units(u) => u,
            Quantity::EquityFraction(f) => {
                py_floor_div(portfolio.margin_available() * f, price * cost_factor)
            }
        };
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
