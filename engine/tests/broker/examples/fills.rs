//! §1.3–1.5: fills on gaps, SL/TP on the entry bar, `trade_on_close`.

use super::*;

// §1.3 gap fills.

#[test]
fn limit_gapped_through_fills_at_the_open() {
    let bars = [F, F, bar(95.0, 96.0, 94.0, 95.0), F];
    let (b, _) = run(cfg(), &bars, false, at(1, buy(limit(FULL, 99.0))));
    assert_eq!(open(&b), [(105.0, 2, 95.0)]);
    assert_eq!(b.equity_curve()[3], 10_525.0);
    assert!(b.equity_curve()[0].is_nan());
}

#[test]
fn stop_gapped_through_fills_at_the_open_or_at_the_stop_with_trade_on_close() {
    let bars = [F, F, bar(108.0, 109.0, 107.0, 108.0), F];
    let (b, _) = run(cfg(), &bars, false, at(1, buy(stop(FULL, 102.0))));
    assert_eq!(open(&b), [(92.0, 2, 108.0)]);
    // max(Cp=100, 102)
    let (b, _) = run(toc(), &bars, false, at(1, buy(stop(FULL, 102.0))));
    assert_eq!(open(&b), [(98.0, 2, 102.0)]);
    assert_eq!(b.equity_curve()[2..], [10_588.0, 9_804.0]);
}

#[test]
fn stop_limit_fills_at_the_stop_although_the_bar_opened_above() {
    let bars = [F, F, bar(108.0, 109.0, 107.0, 108.0), F];
    let spec = OrderSpec {
        stop: Some(102.0),
        ..limit(FULL, 110.0)
    };
    let (b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(open(&b), [(98.0, 2, 102.0)]);
}

#[test]
fn stop_limit_with_limit_below_stop_triggers_then_fills_as_a_limit_later() {
    let bars = [
        F,
        F,
        bar(100.0, 103.0, 100.5, 102.0),
        bar(102.0, 102.5, 100.8, 101.0),
        F,
    ];
    let spec = OrderSpec {
        stop: Some(102.0),
        ..limit(FULL, 101.0)
    };
    let mut after_bar_2 = None;
    let (b, _) = run(cfg(), &bars, false, |b, i| {
        if i == 1 {
            b.new_order(spec).unwrap();
        }
        if i == 2 {
            after_bar_2 = Some(b.orders().to_vec());
        }
    });
    let q = after_bar_2.unwrap();
    assert_eq!((q.len(), q[0].stop, q[0].limit), (1, None, Some(101.0)));
    assert_eq!(open(&b), [(99.0, 3, 101.0)]);
}

// §1.4 SL/TP on the entry bar.

#[test]
fn market_entry_sl_fires_on_the_entry_bar() {
    let bars = [F, F, bar(94.0, 95.0, 93.0, 94.0), F];
    let spec = OrderSpec {
        sl: Some(95.0),
        ..o(FULL)
    };
    let (b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(106.0, 2, 2, 94.0, 94.0)]);
    // Gapped SL fill: no SL in the record.
    assert!(only_closed(&b).sl.is_nan());
    assert!(b.orders().is_empty());
}

#[test]
fn market_entry_tp_fires_on_the_entry_bar() {
    let bars = [F, F, bar(100.0, 111.0, 99.0, 100.0), F];
    let spec = OrderSpec {
        tp: Some(110.0),
        ..o(FULL)
    };
    let (b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(99.0, 2, 2, 100.0, 110.0)]);
    let c = only_closed(&b);
    assert!(c.sl.is_nan());
    assert_eq!(
        (c.tp, c.pnl, c.commission, c.return_pct),
        (110.0, 990.0, 0.0, 110.0 / 100.0 - 1.0)
    );
    assert_eq!(b.equity_curve()[2..], [10_990.0, 10_990.0]);
}

#[test]
fn stop_entry_with_tp_in_the_bar_and_sl_outside_exits_on_the_same_bar() {
    let bars = [F, F, bar(100.0, 111.0, 99.5, 105.0), F];
    let spec = OrderSpec {
        tp: Some(110.0),
        sl: Some(99.0),
        ..stop(FULL, 102.0)
    };
    let (mut b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(98.0, 2, 2, 102.0, 110.0)]);
    let c = only_closed(&b);
    assert_eq!((c.sl, c.tp, c.pnl), (99.0, 110.0, 784.0));
    assert!(b.take_warnings().is_empty());
}

#[test]
fn stop_entry_with_sl_inside_the_bar_checks_the_sl_from_the_next_bar() {
    let bars = [
        F,
        F,
        bar(100.0, 111.0, 99.5, 105.0),
        bar(100.0, 100.0, 99.0, 99.5),
        F,
    ];
    let spec = OrderSpec {
        tp: Some(110.0),
        sl: Some(99.6),
        ..stop(FULL, 102.0)
    };
    let (mut b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(98.0, 2, 3, 102.0, 99.6)]);
    // Filled at its stop: the SL stays in the record.
    assert_eq!(only_closed(&b).sl, 99.6);
    assert_eq!(
        b.take_warning_records(),
        [BrokerWarning::ContingentSameBar { bar: 2 }]
    );
    assert_eq!(b.equity_curve()[2], 10_294.0);
}

#[test]
fn limit_entry_with_sl_inside_the_bar_warns_and_exits_at_the_next_open() {
    let bars = [
        F,
        F,
        bar(100.0, 100.5, 95.0, 96.0),
        bar(96.0, 97.0, 95.0, 96.0),
        F,
    ];
    let spec = OrderSpec {
        sl: Some(97.0),
        ..limit(FULL, 99.0)
    };
    let (mut b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(101.0, 2, 3, 99.0, 96.0)]);
    assert!(only_closed(&b).sl.is_nan());
    let w = b.take_warnings();
    assert_eq!(w.len(), 1);
    assert!(w[0].starts_with("(2) A contingent SL/TP order would execute in the same bar"));
    assert!(b.take_warnings().is_empty());
    assert_eq!(b.cash(), 9_697.0);
}

#[test]
fn a_rerun_rechecks_every_queued_order_including_a_triggered_stop_limit() {
    let bars = [F, F, bar(100.0, 103.0, 100.5, 102.0), F];
    let stop_limit = OrderSpec {
        stop: Some(102.0),
        ..limit(FULL, 101.0)
    };
    let with_sl = OrderSpec {
        sl: Some(50.0),
        ..o(1.0)
    };
    let (b, _) = run(
        cfg(),
        &bars,
        false,
        at(1, |b| {
            b.new_order(stop_limit).unwrap();
            b.new_order(with_sl).unwrap();
        }),
    );
    assert_eq!(open(&b), [(1.0, 2, 100.0), (98.0, 2, 100.0)]);
    let q = b.orders();
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].size, q[0].stop, q[0].contingent),
        (-1.0, Some(50.0), true)
    );
    assert_eq!(b.trade_sl(b.trades()[0].id), Some(50.0));
}

#[test]
fn sl_wins_over_tp_inside_one_bar() {
    let bars = [F, F, bar(100.0, 112.0, 88.0, 100.0), F];
    let spec = OrderSpec {
        sl: Some(90.0),
        tp: Some(110.0),
        ..o(FULL)
    };
    let (b, _) = run(cfg(), &bars, false, at(1, buy(spec)));
    assert_eq!(closed(&b), [(99.0, 2, 2, 100.0, 90.0)]);
    let c = only_closed(&b);
    assert_eq!((c.sl, c.tp, c.pnl), (90.0, 110.0, -990.0));
}

// §1.5 trade_on_close.

#[test]
fn trade_on_close_fills_market_orders_at_the_previous_close_one_bar_earlier() {
    let bars = [
        F,
        bar(100.0, 101.0, 99.0, 101.0),
        bar(105.0, 106.0, 104.0, 105.0),
        F,
    ];
    let (b, _) = run(toc(), &bars, false, at(1, buy(o(FULL))));
    assert_eq!(open(&b), [(99.0, 1, 101.0)]);
    assert_eq!(b.equity_curve()[2..], [10_396.0, 9_901.0]);
    let (b, _) = run(cfg(), &bars, false, at(1, buy(o(FULL))));
    assert_eq!(open(&b), [(95.0, 2, 105.0)]);
}
