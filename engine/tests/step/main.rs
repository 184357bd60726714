//! The engine driven through `Engine::step` with hand-built bar sequences:
//! one test binary, a module per concern, sharing the harness below.
//!
//! With SMA fast 2 / slow 4, the closes 10, 10, 10, 10, 9, 8, 12 end in a
//! golden cross (Buy on bar 6); 14, 4 then give a death cross (Sell on bar
//! 8), 20, 22 another golden cross (bar 10) and 0 another death cross (bar 11).

mod builtins;
mod decisions;
mod ensemble;
mod kill_switch;
mod liquidation;
mod orders;
mod risk;

use axon_engine::config::{EngineConfig, Sizing};
use axon_engine::event::{
    Decision, Fill, InstrumentDef, OrderIntent, OrderType, Quantity, RiskReject,
};
use axon_engine::market::{Bar, Side};
use axon_engine::model::RuleModels;
use axon_engine::strategy::Strategy;
use axon_engine::{Engine, Input, Output};

/// Closes ending in a golden cross on the last one (bar 6, price 12).
const CROSS_UP: [f64; 7] = [10.0, 10.0, 10.0, 10.0, 9.0, 8.0, 12.0];
/// After `CROSS_UP`: a death cross on the second (bar 8, price 4).
const THEN_DOWN: [f64; 2] = [14.0, 4.0];
/// After `THEN_DOWN`: a golden cross on the second (bar 10, price 22).
const THEN_UP: [f64; 2] = [20.0, 22.0];
/// After `THEN_UP`: a death cross (bar 11, price 0).
const THEN_DOWN_AGAIN: f64 = 0.0;

const MINUTE: i64 = 60_000_000_000;

fn config() -> EngineConfig {
    let mut c = EngineConfig::sma(10_000.0, Vec::new(), 2, 4);
    c.sizing = Sizing::Fixed(100.0);
    c
}

fn bar(close: f64) -> Input {
    Input::Bar(Bar {
        instrument: 0,
        open: close,
        high: close,
        low: close,
        close,
        volume: 1.0,
    })
}

fn fill(client_id: u64, side: Side, quantity: f64, price: f64, last: bool) -> Input {
    Input::Fill(Fill {
        client_id,
        instrument: 0,
        side,
        quantity,
        price,
        commission: 0.0,
        last,
    })
}

/// An engine with one declared instrument, and a clock.
struct Harness {
    engine: Engine,
    time_ns: i64,
    step_ns: i64,
}

impl Harness {
    fn new(config: EngineConfig) -> Self {
        Self::with_spacing(config, MINUTE)
    }

    fn with_spacing(config: EngineConfig, step_ns: i64) -> Self {
        let engine = Engine::new(config, Box::new(RuleModels)).expect("valid config");
        Self::with_engine(engine, step_ns)
    }

    /// An engine trading with `strategy`.
    fn with_strategy(config: EngineConfig, strategy: Box<dyn Strategy>) -> Self {
        let engine =
            Engine::with_strategy(config, Box::new(RuleModels), strategy).expect("valid config");
        Self::with_engine(engine, MINUTE)
    }

    fn with_engine(mut engine: Engine, step_ns: i64) -> Self {
        let mut out = Vec::new();
        engine.step(
            0,
            &Input::Instrument(InstrumentDef {
                id: 0,
                symbol: "SYN".into(),
            }),
            &mut out,
        );
        assert!(out.is_empty(), "declaring an instrument decides nothing");
        Self {
            engine,
            time_ns: 0,
            step_ns,
        }
    }

    /// Steps one input at the current time.
    fn step(&mut self, input: &Input) -> Vec<Output> {
        let mut out = Vec::new();
        self.engine.step(self.time_ns, input, &mut out);
        out
    }

    /// Advances the clock and steps a bar.
    fn bar(&mut self, close: f64) -> Vec<Output> {
        self.time_ns += self.step_ns;
        self.step(&bar(close))
    }

    /// Steps bars; returns the outputs of the last one and asserts the
    /// others produced nothing.
    fn bars(&mut self, closes: &[f64]) -> Vec<Output> {
        let (last, rest) = closes.split_last().expect("at least one bar");
        for &c in rest {
            let out = self.bar(c);
            assert!(out.is_empty(), "bar {c} decided something: {out:?}");
        }
        self.bar(*last)
    }
}

fn intent(
    client_id: u64,
    side: Side,
    units: f64,
    order_type: OrderType,
    reference_price: f64,
    reduce_only: bool,
) -> OrderIntent {
    OrderIntent {
        client_id,
        instrument: 0,
        side,
        quantity: Quantity::Units(units),
        order_type,
        reference_price,
        reduce_only,
    }
}

fn decision(out: &[Output]) -> &Decision {
    out.iter()
        .find_map(|o| match o {
            Output::Decision(d) => Some(d),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no decision in {out:?}"))
}

fn rejects(out: &[Output]) -> Vec<RiskReject> {
    out.iter()
        .filter_map(|o| match o {
            Output::RiskReject(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn submitted(out: &[Output]) -> Vec<OrderIntent> {
    out.iter()
        .filter_map(|o| match o {
            Output::OrderSubmitted(s) => Some(s.order.clone()),
            _ => None,
        })
        .collect()
}
