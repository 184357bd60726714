//! The engine's risk checks, kill switch, end-of-data flattening, margin
//! call, ensemble weight overrides, model swaps and decision logging, driven
//! through `Engine::step` with hand-built bar sequences.
//!
//! With SMA fast 2 / slow 4, the closes 10, 10, 10, 10, 9, 8, 12 end in a
//! golden cross (Buy on bar 6); 14, 4 then give a death cross (Sell on bar
//! 8), 20, 22 another golden cross (bar 10) and 0 another death cross (bar 11).

use axon_engine::config::{DecisionLog, EngineConfig, KillMode, Sizing};
use axon_engine::event::{
    Action, CancelRequest, Decision, Fill, InstrumentDef, KillSwitch, MarginCall, ModelSwap,
    OrderIntent, OrderSubmitted, OrderType, Quantity, RiskReason, RiskReject, SwapRejected, Timer,
    WeightChange, WeightOverride, kind,
};
use axon_engine::market::{Bar, Side};
use axon_engine::model::RuleModels;
use axon_engine::{Engine, Input, MemoryLog, Output, Sequencer};

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
        let mut engine = Engine::new(config, Box::new(RuleModels)).expect("valid config");
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

#[test]
fn the_golden_cross_buys_and_submits() {
    let mut h = Harness::new(config());
    let out = h.bars(&CROSS_UP);
    let buy = intent(1, Side::Buy, 100.0, OrderType::Market, 12.0, false);
    assert_eq!(out.len(), 3, "{out:?}");
    let d = decision(&out);
    assert_eq!((d.action, d.bar_index, d.price), (Action::Buy, 6, 12.0));
    assert_eq!(d.models[0].features, vec![10.0, 9.75]);
    assert_eq!(out[1], Output::OrderIntent(buy.clone()));
    assert_eq!(
        out[2],
        Output::OrderSubmitted(OrderSubmitted { order: buy.clone() })
    );
    let out = h.bars(&THEN_DOWN);
    assert_eq!(decision(&out).action, Action::Sell);
    assert_eq!(decision(&out).bar_index, 8);
}

#[test]
fn max_order_notional_rejects_with_value_and_limit() {
    let mut c = config();
    c.risk.max_order_notional = Some(1_000.0);
    let mut h = Harness::new(c);
    let out = h.bars(&CROSS_UP);
    let buy = intent(1, Side::Buy, 100.0, OrderType::Market, 12.0, false);
    assert_eq!(
        out[1..],
        [
            Output::OrderIntent(buy),
            Output::RiskReject(RiskReject {
                client_id: 1,
                reason: RiskReason::MaxOrderNotional,
                value: 1_200.0,
                limit: 1_000.0,
            }),
        ]
    );
    assert!(submitted(&out).is_empty());

    // Relative sizing is estimated in whole units at the decision's price.
    let mut c = config();
    c.sizing = Sizing::AllIn;
    c.risk.max_order_notional = Some(5_000.0);
    let mut h = Harness::new(c);
    let out = h.bars(&CROSS_UP);
    let units = (axon_engine::config::ALL_IN_FRACTION * 10_000.0 / 12.0).floor();
    assert_eq!(units, 833.0);
    assert_eq!(
        rejects(&out),
        [RiskReject {
            client_id: 1,
            reason: RiskReason::MaxOrderNotional,
            value: units * 12.0,
            limit: 5_000.0,
        }]
    );

    // At the limit exactly, the order passes.
    let mut c = config();
    c.risk.max_order_notional = Some(1_200.0);
    let mut h = Harness::new(c);
    let out = h.bars(&CROSS_UP);
    assert!(rejects(&out).is_empty(), "{out:?}");
    assert_eq!(submitted(&out).len(), 1);
}

#[test]
fn max_position_rejects_with_value_and_limit() {
    let mut c = config();
    c.risk.max_position = Some(50.0);
    let mut h = Harness::new(c);
    let out = h.bars(&CROSS_UP);
    assert_eq!(
        rejects(&out),
        [RiskReject {
            client_id: 1,
            reason: RiskReason::MaxPosition,
            value: 100.0,
            limit: 50.0,
        }]
    );
    assert!(submitted(&out).is_empty());

    // At the limit the entry passes; with the position filled, reversing
    // closes it first (reduce-only) and the new short is within the limit
    // because the working close order counts toward the projected position.
    let mut c = config();
    c.risk.max_position = Some(100.0);
    let mut h = Harness::new(c);
    let out = h.bars(&CROSS_UP);
    assert_eq!(submitted(&out).len(), 1);
    assert!(h.step(&fill(1, Side::Buy, 100.0, 12.0, true)).is_empty());
    assert_eq!(h.engine.portfolio().position(0), 100.0);
    let out = h.bars(&THEN_DOWN);
    assert!(rejects(&out).is_empty(), "{out:?}");
    assert_eq!(
        submitted(&out),
        [
            intent(2, Side::Sell, 100.0, OrderType::Market, 4.0, true),
            intent(3, Side::Sell, 100.0, OrderType::Market, 4.0, false),
        ]
    );
}

#[test]
fn max_order_rate_counts_orders_in_one_second_of_event_time() {
    let mut c = config();
    c.risk.max_orders_per_sec = Some(2);
    // Bars 100 ms apart (bar i at (i + 1) * 100 ms): the crossovers on bars
    // 6, 8 and 10 (700, 900 and 1100 ms) fall within one second of event time.
    let mut h = Harness::with_spacing(c, 100_000_000);
    let out = h.bars(&CROSS_UP);
    assert_eq!(submitted(&out).len(), 1, "{out:?}");
    let out = h.bars(&THEN_DOWN);
    assert_eq!(decision(&out).action, Action::Sell);
    // No fill, so no position to close: one entry order, the second in the window.
    assert_eq!(
        submitted(&out),
        [intent(2, Side::Sell, 100.0, OrderType::Market, 4.0, false)]
    );
    let out = h.bars(&THEN_UP);
    assert_eq!(decision(&out).action, Action::Buy);
    assert_eq!(h.time_ns, 1_100_000_000);
    assert_eq!(
        rejects(&out),
        [RiskReject {
            client_id: 3,
            reason: RiskReason::MaxOrderRate,
            value: 3.0,
            limit: 2.0,
        }]
    );
    assert!(submitted(&out).is_empty());
    // Bar 11 comes 700 ms later: the first order (at 700 ms) has left the
    // window, the second (900 ms) has not, and the rejected one never entered it.
    h.time_ns += 600_000_000;
    // The venue refused the Sell entry, so a new Sell signal enters again
    // (while an entry on the same side is working, the engine waits for it).
    h.step(&Input::Reject(axon_engine::event::OrderReject {
        client_id: 2,
        reason: "expired".into(),
    }));
    let out = h.bar(THEN_DOWN_AGAIN);
    assert_eq!(decision(&out).action, Action::Sell);
    assert!(rejects(&out).is_empty(), "{out:?}");
    assert_eq!(
        submitted(&out),
        [intent(4, Side::Sell, 100.0, OrderType::Market, 0.0, false)]
    );
}

/// Buys 100 at 12, fills it, marks it at 14 (the peak) and then at 2: a
/// drawdown of 1200 / 10200 = 11.8 %.
fn into_drawdown(h: &mut Harness) -> Vec<Output> {
    let out = h.bars(&CROSS_UP);
    assert_eq!(submitted(&out).len(), 1);
    assert!(h.step(&fill(1, Side::Buy, 100.0, 12.0, true)).is_empty());
    assert!(h.bar(14.0).is_empty());
    assert_eq!(h.engine.portfolio().equity(), 10_200.0);
    h.bar(2.0)
}

#[test]
fn drawdown_engages_the_kill_switch_which_rejects_new_positions() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(h.engine.kill_switch_engaged());
    let close = intent(2, Side::Sell, 100.0, OrderType::Market, 2.0, true);
    let entry = intent(3, Side::Sell, 100.0, OrderType::Market, 2.0, false);
    assert_eq!(
        out[0],
        Output::KillSwitch(KillSwitch {
            drawdown_pct: (10_200.0 - 9_000.0) / 10_200.0 * 100.0,
            limit_pct: 10.0,
            mode: KillMode::Reducing,
        })
    );
    assert_eq!(decision(&out).action, Action::Sell);
    assert_eq!(
        out[2..],
        [
            // Closing is always allowed: a limit must never trap a position.
            Output::OrderIntent(close.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: close }),
            Output::OrderIntent(entry),
            Output::RiskReject(RiskReject {
                client_id: 3,
                reason: RiskReason::KillSwitch,
                value: 1.0,
                limit: 0.0,
            }),
        ]
    );
    // Engaged once: a deeper drawdown does not engage it again.
    let out = h.bar(1.0);
    assert!(
        !out.iter().any(|o| matches!(o, Output::KillSwitch(_))),
        "{out:?}"
    );
}

#[test]
fn a_halted_kill_switch_refuses_every_order_even_closing_ones() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    c.risk.kill_mode = KillMode::Halted;
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(matches!(&out[0], Output::KillSwitch(k) if k.mode == KillMode::Halted));
    let refused: Vec<RiskReason> = rejects(&out).iter().map(|r| r.reason).collect();
    assert_eq!(refused, [RiskReason::Halted, RiskReason::Halted], "{out:?}");
    assert!(submitted(&out).is_empty());
    // The end-of-data close-out is the session's accounting, not a trade
    // decision: it goes through.
    let end = h.step(&Input::EndOfData);
    assert_eq!(submitted(&end).len(), 1, "{end:?}");
}

#[test]
fn a_drawdown_below_the_limit_leaves_the_switch_off() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(12.0);
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(!h.engine.kill_switch_engaged());
    assert!(rejects(&out).is_empty(), "{out:?}");
    assert_eq!(submitted(&out).len(), 2);
}

#[test]
fn reduce_only_close_outs_pass_with_the_kill_switch_engaged() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    let mut h = Harness::new(c);
    into_drawdown(&mut h);
    assert!(h.engine.kill_switch_engaged());
    // The close (client 2) is still working: nothing filled it.
    let out = h.step(&Input::EndOfData);
    let moc = intent(4, Side::Sell, 100.0, OrderType::MarketOnClose, 2.0, true);
    assert_eq!(
        out,
        [
            Output::CancelRequest(CancelRequest { client_id: 2 }),
            Output::OrderIntent(moc.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moc }),
        ]
    );
}

#[test]
fn end_of_data_cancels_working_orders_and_closes_positions() {
    let mut h = Harness::new(config());
    h.bars(&CROSS_UP);
    // Partly filled: the order keeps working with 60 of 100 done.
    assert!(h.step(&fill(1, Side::Buy, 60.0, 12.0, false)).is_empty());
    h.bar(13.0);
    let out = h.step(&Input::EndOfData);
    let moc = intent(2, Side::Sell, 60.0, OrderType::MarketOnClose, 13.0, true);
    assert_eq!(
        out,
        [
            Output::CancelRequest(CancelRequest { client_id: 1 }),
            Output::OrderIntent(moc.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moc }),
        ]
    );
    // After the end, market data decides nothing and a second end is a no-op.
    assert!(h.bars(&[1.0, 30.0, 1.0, 30.0]).is_empty());
    assert!(h.step(&Input::EndOfData).is_empty());
    // The close-out fills and the book is flat.
    assert!(h.step(&fill(2, Side::Sell, 60.0, 13.0, true)).is_empty());
    assert_eq!(h.engine.portfolio().position(0), 0.0);
    assert_eq!(h.engine.portfolio().trades().len(), 1);
}

#[test]
fn end_of_data_closes_short_positions_with_a_buy() {
    let mut h = Harness::new(config());
    h.bars(&CROSS_UP);
    h.bars(&THEN_DOWN);
    // Orders 1 (buy) and 2 (sell entry) were submitted; only the sell fills.
    assert!(h.step(&fill(2, Side::Sell, 100.0, 4.0, true)).is_empty());
    let out = h.step(&Input::EndOfData);
    let moc = intent(3, Side::Buy, 100.0, OrderType::MarketOnClose, 4.0, true);
    assert_eq!(
        out,
        [
            Output::CancelRequest(CancelRequest { client_id: 1 }),
            Output::OrderIntent(moc.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moc }),
        ]
    );
}

#[test]
fn equity_at_or_below_zero_is_a_margin_call() {
    let mut c = config();
    c.cash = 1_000.0;
    let mut h = Harness::new(c);
    h.bars(&CROSS_UP);
    assert!(h.step(&fill(1, Side::Buy, 100.0, 12.0, true)).is_empty());
    // Marked at 1: equity 1000 + 100 * (1 - 12) = -100.
    let out = h.bar(1.0);
    let moc = intent(2, Side::Sell, 100.0, OrderType::MarketOnClose, 1.0, true);
    assert_eq!(
        out,
        [
            Output::MarginCall(MarginCall { equity: -100.0 }),
            Output::OrderIntent(moc.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moc }),
        ]
    );
    assert!(h.engine.kill_switch_engaged());
    // Trading has stopped: no decisions, no second margin call.
    assert!(h.bars(&[30.0, 1.0, 30.0, 0.5]).is_empty());
    assert!(h.step(&Input::EndOfData).is_empty());
}

#[test]
fn equity_of_exactly_zero_is_a_margin_call() {
    let mut c = config();
    c.cash = 1_000.0;
    let mut h = Harness::new(c);
    h.bars(&CROSS_UP);
    h.step(&fill(1, Side::Buy, 100.0, 12.0, true));
    let out = h.bar(2.0);
    assert_eq!(out[0], Output::MarginCall(MarginCall { equity: 0.0 }));
}

#[test]
fn weight_override_changes_weights_and_a_wrong_one_does_nothing() {
    let mut h = Harness::new(config());
    let out = h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.25],
        reason: "operator".into(),
    }));
    assert_eq!(
        out,
        [Output::WeightChange(WeightChange {
            weights: vec![0.25],
            reason: "operator".into(),
        })]
    );
    for bad in [
        vec![],
        vec![0.5, 0.5],
        vec![-1.0],
        vec![f64::NAN],
        vec![f64::INFINITY],
    ] {
        let out = h.step(&Input::WeightOverride(WeightOverride {
            weights: bad.clone(),
            reason: "bad".into(),
        }));
        assert!(out.is_empty(), "{bad:?}: {out:?}");
    }
    // The good override is in force: the decision carries it.
    let out = h.bars(&CROSS_UP);
    assert_eq!(decision(&out).weights, vec![0.25]);
    assert_eq!(decision(&out).score, 0.25);

    // Weight zero silences the only model: crossovers no longer trade.
    let mut h = Harness::new(config());
    h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.0],
        reason: "mute".into(),
    }));
    assert!(h.bars(&CROSS_UP).is_empty());
}

fn swap(slot: u16, version: u32, backend: &str, params: &[(&str, f64)]) -> Input {
    Input::ModelSwap(ModelSwap {
        slot,
        sha256: [7; 32],
        version,
        backend: backend.into(),
        params: params.iter().map(|(k, v)| ((*k).into(), *v)).collect(),
        input_shape: Vec::new(),
        device: String::new(),
    })
}

#[test]
fn model_swaps_add_slots_or_are_rejected() {
    let mut h = Harness::new(config());
    let out = h.step(&swap(1, 1, "rule", &[("fast", 3.0), ("slow", 5.0)]));
    assert_eq!(
        out,
        [Output::WeightChange(WeightChange {
            weights: vec![1.0, 0.0],
            reason: "slot 1 added".into(),
        })]
    );
    // Replacing an existing slot changes no weights.
    assert!(
        h.step(&swap(1, 2, "rule", &[("fast", 2.0), ("slow", 6.0)]))
            .is_empty()
    );
    let out = h.step(&swap(1, 3, "onnx", &[]));
    match &out[..] {
        [
            Output::SwapRejected(SwapRejected {
                slot,
                version,
                reason,
            }),
        ] => {
            assert_eq!((*slot, *version), (1, 3));
            assert!(reason.contains("onnx"), "{reason}");
        }
        other => panic!("expected a SwapRejected, got {other:?}"),
    }
    for params in [
        &[("fast", 3.0)][..],
        &[("fast", 5.0), ("slow", 3.0)],
        &[("fast", 2.5), ("slow", 6.0)],
        &[("fast", 0.0), ("slow", 6.0)],
    ] {
        let out = h.step(&swap(2, 1, "rule", params));
        assert!(
            matches!(&out[..], [Output::SwapRejected(r)] if r.slot == 2),
            "{params:?}: {out:?}"
        );
    }
    // Both slots are evaluated; the new one (weight 0) does not move the score.
    let out = h.bars(&CROSS_UP);
    let d = decision(&out);
    assert_eq!(d.models.len(), 2);
    assert_eq!(d.models[1].version, 2);
    assert_eq!(d.weights, vec![1.0, 0.0]);
    assert_eq!(d.score, 1.0);
    // Give the new slot the weight and the old one none.
    let out = h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.0, 1.0],
        reason: "promote".into(),
    }));
    assert_eq!(out.len(), 1);
}

#[test]
fn decision_log_all_records_every_bar_and_actions_only_crossovers() {
    let closes: Vec<f64> = CROSS_UP.iter().chain(&THEN_DOWN).copied().collect();

    let mut h = Harness::new(config());
    let mut decisions = Vec::new();
    for &c in &closes {
        for o in h.bar(c) {
            if let Output::Decision(d) = o {
                decisions.push(d);
            }
        }
    }
    let indices: Vec<(u64, Action)> = decisions.iter().map(|d| (d.bar_index, d.action)).collect();
    assert_eq!(indices, [(6, Action::Buy), (8, Action::Sell)]);

    let mut c = config();
    c.decisions = DecisionLog::All;
    let mut h = Harness::new(c);
    let mut decisions = Vec::new();
    for &c in &closes {
        let out = h.bar(c);
        let ds: Vec<&Decision> = out
            .iter()
            .filter_map(|o| match o {
                Output::Decision(d) => Some(d),
                _ => None,
            })
            .collect();
        assert_eq!(ds.len(), 1, "one decision per bar: {out:?}");
        decisions.push(ds[0].clone());
    }
    assert_eq!(decisions.len(), closes.len());
    for (i, d) in decisions.iter().enumerate() {
        assert_eq!(d.bar_index, i as u64);
        assert_eq!(d.price, closes[i]);
        let want = match i {
            6 => Action::Buy,
            8 => Action::Sell,
            _ => Action::Hold,
        };
        assert_eq!(d.action, want, "bar {i}");
        // After the slow window's warm-up (bar 3 on), both averages are known.
        if i >= 3 {
            assert!(
                d.models[0].features.iter().all(|f| f.is_finite()),
                "bar {i}: {d:?}"
            );
        } else {
            assert!(d.models[0].features[1].is_nan(), "bar {i}: {d:?}");
        }
    }
    // Holds carry no orders: only the two crossovers trade.
    let mut h2 = Harness::new({
        let mut c = config();
        c.decisions = DecisionLog::All;
        c
    });
    let orders: usize = closes.iter().map(|&c| submitted(&h2.bar(c)).len()).sum();
    assert_eq!(orders, 2);
}

#[test]
fn inputs_that_decide_nothing() {
    let mut h = Harness::new(config());
    assert!(h.step(&Input::Timer(Timer { id: 1 })).is_empty());
    // Market data for an undeclared instrument is ignored.
    let out = h.step(&Input::Bar(Bar {
        instrument: 5,
        open: 1.0,
        high: 1.0,
        low: 1.0,
        close: 1.0,
        volume: 1.0,
    }));
    assert!(out.is_empty());
    assert_eq!(h.engine.market_events(5), 0);
}

/// Through the sequencer, every risk rejection is journaled right after its
/// intent, after the input that caused it.
#[test]
fn risk_rejects_are_journaled() {
    let mut c = config();
    c.risk.max_order_notional = Some(1_000.0);
    let mut engine = Engine::new(c, Box::new(RuleModels)).expect("valid config");
    let mut out = Vec::new();
    engine.step(
        0,
        &Input::Instrument(InstrumentDef {
            id: 0,
            symbol: "SYN".into(),
        }),
        &mut out,
    );
    let mut seq = Sequencer::new(engine, MemoryLog::default());
    for (i, &c) in CROSS_UP.iter().enumerate() {
        seq.submit(i as i64 * MINUTE, &bar(c)).expect("memory log");
    }
    let records = &seq.log().records;
    let kinds: Vec<u16> = records.iter().map(|r| r.kind).collect();
    let mut want = vec![kind::BAR; CROSS_UP.len()];
    want.extend([kind::DECISION, kind::ORDER_INTENT, kind::RISK_REJECT]);
    assert_eq!(kinds, want);
    let last = records.last().expect("records");
    assert_eq!(last.time_ns, 6 * MINUTE);
    assert_eq!(
        Output::decode(last.kind, last.version, &last.payload),
        Ok(Output::RiskReject(RiskReject {
            client_id: 1,
            reason: RiskReason::MaxOrderNotional,
            value: 1_200.0,
            limit: 1_000.0,
        }))
    );
}
