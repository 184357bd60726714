//! Pre-trade risk checks (order notional, position, order rate): each
//! rejection carries its value and limit and is journaled after its intent.

use axon_engine::config::Sizing;
use axon_engine::event::{Action, OrderType, RiskReason, RiskReject, kind};
use axon_engine::market::Side;
use axon_engine::{Input, MemoryLog, Output, Sequencer};

use super::{
    CROSS_UP, Harness, MINUTE, THEN_DOWN, THEN_DOWN_AGAIN, THEN_UP, bar, config, decision, fill,
    intent, rejects, submitted,
};

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

/// Through the sequencer, every risk rejection is journaled right after its
/// intent, after the input that caused it.
#[test]
fn risk_rejects_are_journaled() {
    let mut c = config();
    c.risk.max_order_notional = Some(1_000.0);
    // The harness's engine, instrument declared, behind a sequencer.
    let mut seq = Sequencer::new(Harness::new(c).engine, MemoryLog::default());
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
