//! Decisions: a crossover is journaled with its models and trades; the
//! decision log keeps every event or only actions; inputs that are not
//! market data decide nothing.

use axon_engine::config::DecisionLog;
use axon_engine::event::{Action, Decision, OrderSubmitted, OrderType, Timer};
use axon_engine::market::{Bar, Side};
use axon_engine::{Input, Output};

use super::{CROSS_UP, Harness, THEN_DOWN, config, decision, intent, submitted};

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
