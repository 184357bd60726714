//! The examples of `docs/backtesting-py-semantics.md`, each with the
//! numbers backtesting.py 0.6.5 gives (orders placed at bar 1 fill from
//! bar 2 on, cash 10 000).

use std::sync::{Arc, Mutex};

use axon_engine::broker::{
    Broker, BrokerConfig, BrokerError, BrokerWarning, ClosedTrade, Commission, Ohlc, OrderSpec,
    Step,
};

use super::{End, FULL, at, bar, cfg, o, run};

const F: Ohlc = Ohlc {
    open: 100.0,
    high: 101.0,
    low: 99.0,
    close: 100.0,
};

/// `(size, entry_bar, entry_price)` of each open trade.
fn open(b: &Broker) -> Vec<(f64, usize, f64)> {
    b.trades()
        .iter()
        .map(|t| (t.size, t.entry_bar, t.entry_price))
        .collect()
}

/// `(size, entry_bar, exit_bar, entry_price, exit_price)` of each closed trade.
fn closed(b: &Broker) -> Vec<(f64, usize, usize, f64, f64)> {
    b.closed_trades()
        .iter()
        .map(|c| (c.size, c.entry_bar, c.exit_bar, c.entry_price, c.exit_price))
        .collect()
}

fn only_closed(b: &Broker) -> &ClosedTrade {
    assert_eq!(b.closed_trades().len(), 1, "{:?}", b.closed_trades());
    &b.closed_trades()[0]
}

fn toc() -> BrokerConfig {
    BrokerConfig {
        trade_on_close: true,
        ..cfg()
    }
}

fn limit(size: f64, limit: f64) -> OrderSpec {
    OrderSpec {
        limit: Some(limit),
        ..o(size)
    }
}

fn stop(size: f64, stop: f64) -> OrderSpec {
    OrderSpec {
        stop: Some(stop),
        ..o(size)
    }
}

fn buy(spec: OrderSpec) -> impl FnMut(&mut Broker) {
    move |b| {
        b.new_order(spec).expect("order");
    }
}

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

// §2 sizes, prices, commission, margin.

#[test]
fn relative_size_is_valued_at_the_fill_bars_close_with_margin() {
    let bars = [
        F,
        F,
        bar(100.0, 100.0, 100.0, 100.0),
        bar(100.0, 150.0, 100.0, 150.0),
        F,
    ];
    let c = BrokerConfig {
        margin: 0.5,
        ..cfg()
    };
    let (b, _) = run(c, &bars, false, |b, i| match i {
        1 => drop(b.new_order(o(50.0)).unwrap()),
        2 => drop(b.new_order(o(0.5)).unwrap()),
        _ => {}
    });
    // 8750 * 2 * .5 // 100
    assert_eq!(open(&b), [(50.0, 2, 100.0), (87.0, 3, 100.0)]);
    assert_eq!(b.equity_curve()[3], 16_850.0);
}

#[test]
fn spread_moves_only_the_entry_price() {
    let c = BrokerConfig {
        spread: 0.01,
        ..cfg()
    };
    let (b, _) = run(c, &[F, F, F, F], false, at(1, buy(o(-10.0))));
    assert_eq!(open(&b), [(-10.0, 2, 99.0)]);
    assert_eq!(b.equity_curve()[2], 9_990.0);
}

#[test]
fn relative_size_with_a_commission_rate_uses_python_floor_division() {
    let c = BrokerConfig {
        commission: Commission::Linear {
            fixed: 0.0,
            rate: 0.002,
        },
        ..cfg()
    };
    // (10000 * (1 - 2**-52)) // 100.2 == 99
    let (b, _) = run(c, &[F, F, F, F], false, at(1, buy(o(FULL))));
    assert_eq!(open(&b), [(99.0, 2, 100.0)]);
    assert_eq!(b.cash(), 9_980.2);
}

#[test]
fn relative_units_are_python_floor_division_not_floor_of_the_quotient() {
    // 5000 // 1.6 == 3124.0 although 5000 / 1.6 rounds to 3125.0;
    // 1 // 0.1 == 9.0 although 1 / 0.1 == 10.0.
    let p = bar(1.6, 1.6, 1.6, 1.6);
    let (b, _) = run(cfg(), &[p, p, p, p], false, at(1, buy(o(0.5))));
    assert_eq!(open(&b), [(3124.0, 2, 1.6)]);
    let p = bar(0.1, 0.1, 0.1, 0.1);
    let c = BrokerConfig { cash: 2.0, ..cfg() };
    let (b, _) = run(c, &[p, p, p, p], false, at(1, buy(o(0.5))));
    assert_eq!(open(&b), [(9.0, 2, 0.1)]);
}

#[test]
fn fixed_fee_counts_per_unit_of_the_fraction() {
    let c = BrokerConfig {
        commission: Commission::Linear {
            fixed: 10.0,
            rate: 0.0,
        },
        ..cfg()
    };
    // 5000 // (100 + 10 / .5) == 41
    let (b, _) = run(c, &[F, F, F, F], false, at(1, buy(o(0.5))));
    assert_eq!(open(&b), [(41.0, 2, 100.0)]);
    assert_eq!(b.cash(), 9_990.0);
}

#[test]
fn a_commission_function_is_called_as_backtesting_py_calls_it() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let c = BrokerConfig {
        commission: Commission::Custom(Box::new(move |size, price| {
            log.lock().unwrap().push((size, price));
            size.abs() * price * 0.02
        })),
        spread: 0.01,
        ..cfg()
    };
    let (b, _) = run(c, &[F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(0.5)).unwrap()),
        2 => {
            let id = b.trades()[0].id;
            b.close_trade(id, 0.5).unwrap();
        }
        _ => {}
    });
    assert_eq!(
        *calls.lock().unwrap(),
        [(0.5, 100.0), (48.0, 101.0), (24.0, 100.0), (24.0, 101.0)]
    );
    assert_eq!(closed(&b), [(24.0, 2, 3, 101.0, 100.0)]);
    let piece = only_closed(&b);
    assert!((piece.commission - 96.48).abs() < 1e-9);
    assert!((piece.pnl + 120.48).abs() < 1e-9);
    assert!(piece.sl.is_nan() && piece.tp.is_nan());
    // The remainder keeps its id; the piece got a new one.
    assert_eq!(b.trades()[0].id, 1);
    assert_eq!((piece.id, b.trades()[0].size), (2, 24.0));
    assert!((b.cash() - 9_831.04).abs() < 1e-9);
}

// §3 netting, closing, exclusive orders.

#[test]
fn opposite_orders_net_fifo() {
    let (b, _) = run(cfg(), &[F, F, F, F, F], false, |b, i| match i {
        1 => {
            b.new_order(OrderSpec {
                tag: Some(1),
                ..o(5.0)
            })
            .unwrap();
            b.new_order(OrderSpec {
                tag: Some(2),
                ..o(4.0)
            })
            .unwrap();
        }
        2 => drop(b.new_order(o(-7.0)).unwrap()),
        _ => {}
    });
    let rows: Vec<_> = b.closed_trades().iter().map(|c| (c.size, c.tag)).collect();
    assert_eq!(rows, [(5.0, Some(1)), (2.0, Some(2))]);
    assert_eq!(open(&b), [(2.0, 2, 100.0)]);
    assert_eq!(b.trades()[0].tag, Some(2));
    // Netting by an order keeps backtesting.py's sizes Python ints.
    assert!(b.closed_trades().iter().all(|c| c.int_size));
    assert!(b.trades()[0].int_size);
}

#[test]
fn hedging_keeps_opposite_trades() {
    let c = BrokerConfig {
        hedging: true,
        ..cfg()
    };
    let (b, _) = run(c, &[F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(5.0)).unwrap()),
        2 => drop(b.new_order(o(-7.0)).unwrap()),
        _ => {}
    });
    assert!(b.closed_trades().is_empty());
    assert_eq!(open(&b), [(5.0, 2, 100.0), (-7.0, 3, 100.0)]);
    assert_eq!(b.position_size(), -2.0);
}

#[test]
fn exclusive_orders_cancel_every_other_pending_order() {
    let c = BrokerConfig {
        exclusive_orders: true,
        ..cfg()
    };
    let (b, _) = run(c, &[F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(5.0)).unwrap()),
        2 => {
            b.new_order(o(1.0)).unwrap();
            b.new_order(o(-2.0)).unwrap();
            let q: Vec<_> = b.orders().iter().map(|o| (o.size, o.contingent)).collect();
            assert_eq!(q, [(-5.0, false), (1.0, false), (-2.0, false)]);
        }
        _ => {}
    });
    assert_eq!(
        closed(&b),
        [(5.0, 2, 3, 100.0, 100.0), (1.0, 3, 3, 100.0, 100.0)]
    );
    assert_eq!(open(&b), [(-1.0, 3, 100.0)]);
}

#[test]
fn exclusive_orders_reverse_on_one_bar() {
    let c = BrokerConfig {
        exclusive_orders: true,
        ..cfg()
    };
    let bars = [F, F, F, bar(102.0, 103.0, 101.0, 102.0), F];
    let (b, _) = run(c, &bars, false, |b, i| match i {
        1 => drop(b.new_order(o(5.0)).unwrap()),
        2 => drop(b.new_order(o(-3.0)).unwrap()),
        _ => {}
    });
    assert_eq!(closed(&b), [(5.0, 2, 3, 100.0, 102.0)]);
    assert_eq!(open(&b), [(-3.0, 3, 102.0)]);
    assert_eq!(b.cash(), 10_010.0);
}

#[test]
fn partial_close_rounds_half_to_even() {
    let (b, _) = run(cfg(), &[F, F, F, F, F], false, |b, i| match i {
        1 => {
            b.new_order(o(5.0)).unwrap();
            b.new_order(o(7.0)).unwrap();
        }
        2 => {
            let ids: Vec<_> = b.trades().iter().map(|t| t.id).collect();
            for id in ids {
                b.close_trade(id, 0.5).unwrap();
            }
            // Each close goes to the front: the last one runs first.
            let q: Vec<_> = b.orders().iter().map(|o| o.size).collect();
            assert_eq!(q, [-4.0, -2.0]);
        }
        _ => {}
    });
    // round(3.5) == 4 of the 7-lot first, then round(2.5) == 2 of the 5-lot.
    let rows: Vec<_> = b.closed_trades().iter().map(|c| c.size).collect();
    assert_eq!(rows, [4.0, 2.0]);
    assert_eq!(open(&b), [(3.0, 2, 100.0), (3.0, 2, 100.0)]);
    assert_eq!(b.trades()[0].id, 1);
    // A close order's size is a float, and so are the sizes it leaves.
    assert!(b.closed_trades().iter().all(|c| !c.int_size));
    assert!(b.trades().iter().all(|t| !t.int_size));
}

#[test]
fn a_close_order_for_a_trade_already_closed_is_dropped() {
    let (b, _) = run(cfg(), &[F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(5.0)).unwrap()),
        2 => {
            let id = b.trades()[0].id;
            b.close_trade(id, 0.01).unwrap();
            b.close_trade(id, 1.0).unwrap();
        }
        _ => {}
    });
    assert_eq!(closed(&b), [(5.0, 2, 3, 100.0, 100.0)]);
    assert!(b.orders().is_empty());
}

#[test]
fn closing_a_closed_trade_queues_an_order_that_is_dropped() {
    let (b, _) = run(cfg(), &[F, F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(5.0)).unwrap()),
        2 => b.close_position(1.0).unwrap(),
        3 => {
            let id = b.closed_trades()[0].id;
            b.close_trade(id, 1.0).unwrap();
            assert_eq!(b.orders()[0].size, -5.0);
        }
        _ => {}
    });
    assert_eq!(b.closed_trades().len(), 1);
    assert!(b.orders().is_empty());
}

#[test]
fn position_close_closes_the_newest_trade_first() {
    let (b, _) = run(cfg(), &[F, F, F, F, F], false, |b, i| match i {
        1 => {
            b.new_order(OrderSpec {
                tag: Some(1),
                ..o(3.0)
            })
            .unwrap();
            b.new_order(OrderSpec {
                tag: Some(2),
                ..o(4.0)
            })
            .unwrap();
        }
        2 => b.close_position(1.0).unwrap(),
        _ => {}
    });
    let rows: Vec<_> = b.closed_trades().iter().map(|c| (c.size, c.tag)).collect();
    assert_eq!(rows, [(4.0, Some(2)), (3.0, Some(1))]);
}

// §4 rejections and out of money.

#[test]
fn an_order_beyond_the_margin_is_dropped_silently() {
    let (mut b, _) = run(cfg(), &[F, F, F, F], false, at(1, buy(o(101.0))));
    assert!(b.trades().is_empty() && b.orders().is_empty());
    assert!(b.take_warnings().is_empty());
}

#[test]
fn the_fifo_closes_stay_done_when_the_remainder_is_dropped() {
    let bars = [F, F, F, bar(110.0, 111.0, 109.0, 110.0), F];
    let (b, _) = run(cfg(), &bars, false, |b, i| match i {
        1 => drop(b.new_order(o(50.0)).unwrap()),
        2 => drop(b.new_order(o(-200.0)).unwrap()),
        _ => {}
    });
    assert_eq!(closed(&b), [(50.0, 2, 3, 100.0, 110.0)]);
    assert!(b.trades().is_empty());
    assert_eq!(b.cash(), 10_500.0);

    let (b, _) = run(cfg(), &bars, false, |b, i| match i {
        1 => drop(b.new_order(o(50.0)).unwrap()),
        2 => drop(b.new_order(o(-120.0)).unwrap()),
        _ => {}
    });
    assert_eq!(closed(&b), [(50.0, 2, 3, 100.0, 110.0)]);
    assert_eq!(open(&b), [(-70.0, 3, 110.0)]);
    assert_eq!(b.equity_curve()[4], 11_200.0);
}

#[test]
fn a_relative_order_of_zero_units_is_canceled_with_a_warning() {
    let (mut b, _) = run(cfg(), &[F, F, F, F, F], false, |b, i| match i {
        1 => drop(b.new_order(o(FULL)).unwrap()),
        2 => drop(b.new_order(o(-0.5)).unwrap()),
        _ => {}
    });
    assert_eq!(open(&b), [(99.0, 2, 100.0)]);
    assert_eq!(
        b.take_warnings(),
        ["time=3: Broker canceled the relative-sized order due to insufficient margin."]
    );
}

fn out_of_money_cfg() -> BrokerConfig {
    BrokerConfig {
        margin: 0.2,
        commission: Commission::Linear {
            fixed: 0.0,
            rate: 0.001,
        },
        ..cfg()
    }
}

#[test]
fn out_of_money_closes_at_the_close_and_zeroes_the_rest() {
    let bars = [F, F, F, bar(60.0, 61.0, 40.0, 50.0), F, F];
    let (b, end) = run(out_of_money_cfg(), &bars, false, at(1, buy(o(FULL))));
    assert_eq!(end, End::OutOfMoney(3));
    assert_eq!(closed(&b), [(499.0, 2, 3, 100.0, 50.0)]);
    assert!((only_closed(&b).pnl + 25_024.85).abs() < 1e-9);
    assert_eq!(b.equity_curve()[2], 9_950.1);
    assert_eq!(b.equity_curve()[3..], [0.0, 0.0, 0.0]);
    assert_eq!(b.cash(), 0.0);
}

#[test]
fn out_of_money_leaves_every_second_trade_open() {
    let bars = [F, F, F, bar(60.0, 61.0, 40.0, 50.0), F, F];
    let (b, end) = run(
        out_of_money_cfg(),
        &bars,
        false,
        at(1, |b| {
            for _ in 0..3 {
                b.new_order(o(100.0)).unwrap();
            }
        }),
    );
    assert_eq!(end, End::OutOfMoney(3));
    let ids: Vec<_> = b.closed_trades().iter().map(|c| c.id).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(open(&b), [(100.0, 2, 100.0)]);
    assert_eq!(b.equity_curve()[2], 9_970.0);
}

// §5.1 finalize.

#[test]
fn finalize_exits_at_the_last_open() {
    let bars = [
        F,
        F,
        F,
        bar(102.0, 103.0, 101.0, 102.0),
        bar(104.0, 105.0, 103.0, 104.0),
    ];
    let (b, _) = run(cfg(), &bars, true, at(1, buy(o(10.0))));
    assert_eq!(closed(&b), [(10.0, 2, 4, 100.0, 104.0)]);
    assert_eq!(b.equity_curve()[4], 10_040.0);
}

#[test]
fn finalize_with_trade_on_close_exits_at_the_previous_close_a_bar_earlier() {
    let bars = [
        F,
        F,
        F,
        bar(102.0, 103.0, 101.0, 102.0),
        bar(104.0, 105.0, 103.0, 104.0),
    ];
    let (b, _) = run(toc(), &bars, true, at(1, buy(o(10.0))));
    assert_eq!(closed(&b), [(10.0, 1, 3, 100.0, 102.0)]);
    assert_eq!(b.equity_curve()[4], 10_020.0);

    // A limit filled on the last bar exits before it entered.
    let bars = [F, F, F, F, bar(104.0, 105.0, 103.0, 104.0)];
    let (b, _) = run(toc(), &bars, true, at(3, buy(limit(10.0, 103.5))));
    assert_eq!(closed(&b), [(10.0, 4, 3, 103.5, 100.0)]);
    assert_eq!(b.equity_curve()[4], 9_965.0);
}

#[test]
fn finalize_fills_orders_placed_on_the_last_bar_and_leaves_them_open() {
    let bars = [F, F, F, F, bar(104.0, 105.0, 103.0, 104.0)];
    let (b, _) = run(cfg(), &bars, true, at(4, buy(o(10.0))));
    assert!(b.closed_trades().is_empty());
    assert_eq!(open(&b), [(10.0, 4, 104.0)]);
}

// Placement checks and the SL/TP setters.

#[test]
fn sl_and_tp_sides_are_checked_at_placement() {
    let mut b = Broker::new(cfg(), 3).unwrap();
    b.set_bar(1, bar(100.0, 101.0, 99.0, 101.0));
    let e = b
        .new_order(OrderSpec {
            tp: Some(50.0),
            ..o(1.0)
        })
        .unwrap_err();
    assert_eq!(
        e,
        BrokerError::Invalid("Long orders require: SL (None) < LIMIT (101.0) < TP (50.0)".into())
    );
    let e = b
        .new_order(OrderSpec {
            sl: Some(90.0),
            ..limit(-1.0, 95.5)
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Short orders require: TP (None) < LIMIT (95.5) < SL (90.0)"
    );
    assert!(b.orders().is_empty());
}

#[test]
fn order_sizes_are_fractions_or_whole_units() {
    let msg = "size must be a positive fraction of equity, or a positive whole number of units";
    let mut b = Broker::new(cfg(), 3).unwrap();
    b.set_bar(1, F);
    for bad in [0.0, 1.5, -2.5] {
        assert_eq!(b.new_order(o(bad)), Err(BrokerError::Assertion(msg.into())));
    }
    assert!(matches!(
        Broker::check_order_size(f64::NAN),
        Err(BrokerError::Invalid(_))
    ));
    assert!(matches!(
        Broker::check_order_size(f64::INFINITY),
        Err(BrokerError::Overflow(_))
    ));
    assert_eq!(
        Broker::check_order_size(-3.0),
        Err(BrokerError::Assertion(msg.into()))
    );
    assert_eq!(b.new_order(o(-3.0)), Ok(1));
    assert_eq!(b.new_order(o(0.25)), Ok(2));
}

#[test]
fn config_is_checked_as_backtesting_py_asserts_it() {
    let bad = |c: BrokerConfig| Broker::new(c, 1).unwrap_err().to_string();
    assert_eq!(
        bad(BrokerConfig { cash: 0.0, ..cfg() }),
        "cash should be > 0, is 0.0"
    );
    assert_eq!(
        bad(BrokerConfig {
            margin: 1.5,
            ..cfg()
        }),
        "margin should be between 0 and 1, is 1.5"
    );
    assert_eq!(
        bad(BrokerConfig {
            commission: Commission::Linear {
                fixed: -1.0,
                rate: 0.0
            },
            ..cfg()
        }),
        "Need fixed cash commission in $ >= 0"
    );
    assert!(
        bad(BrokerConfig {
            commission: Commission::Linear {
                fixed: 0.0,
                rate: 0.1
            },
            ..cfg()
        })
        .ends_with("and 10% (fees), is 0.1")
    );
}

#[test]
fn a_bad_sl_fails_the_run_when_its_order_fills() {
    let mut b = Broker::new(cfg(), 4).unwrap();
    assert!(matches!(b.next(1, F, 100.0), Step::Equity(_)));
    b.new_order(OrderSpec {
        sl: Some(-5.0),
        ..o(1.0)
    })
    .unwrap();
    assert_eq!(
        b.next(2, F, 100.0),
        Step::Failed(BrokerError::Assertion(
            "Make sure 0 < price < inf! price: -5.0".into()
        ))
    );
}

#[test]
fn setting_sl_and_tp_replaces_their_orders() {
    let mut b = Broker::new(cfg(), 10).unwrap();
    b.next(1, F, 100.0);
    b.new_order(o(5.0)).unwrap();
    b.new_order(limit(1.0, 50.0)).unwrap();
    b.next(2, F, 100.0);
    let t = b.trades()[0].id;
    b.set_tp(t, Some(120.0)).unwrap();
    b.set_sl(t, Some(90.0)).unwrap();
    let q: Vec<_> = b
        .orders()
        .iter()
        .map(|o| (o.size, o.stop, o.limit))
        .collect();
    assert_eq!(
        q,
        [
            (-5.0, Some(90.0), None),
            (1.0, None, Some(50.0)),
            (-5.0, None, Some(120.0))
        ]
    );
    // Moving the SL queues a new order at the front; the old one is gone.
    b.set_sl(t, Some(95.0)).unwrap();
    assert_eq!(b.orders().len(), 3);
    assert_eq!((b.orders()[0].stop, b.orders()[0].id), (Some(95.0), 5));
    assert_eq!(b.trade_sl(t), Some(95.0));
    assert_eq!(b.trade_tp(t), Some(120.0));
    // Cancelling the TP order clears the trade's TP.
    let tp_order = b.trades()[0].tp_order.unwrap();
    assert!(b.cancel_order(tp_order));
    assert!(!b.cancel_order(tp_order));
    assert_eq!(b.trade_tp(t), None);
    b.set_sl(t, None).unwrap();
    assert_eq!(b.trade_sl(t), None);
    assert_eq!(b.orders().len(), 1);
    assert_eq!(
        b.set_sl(t, Some(0.0)).unwrap_err().to_string(),
        "Make sure 0 < price < inf! price: 0.0"
    );
    assert_eq!(b.set_sl(99, Some(1.0)), Err(BrokerError::TradeNotOpen(99)));
    assert_eq!(b.close_trade(99, 1.0), Err(BrokerError::UnknownTrade(99)));
    assert_eq!(
        b.close_trade(t, 0.0).unwrap_err().to_string(),
        "portion must be a fraction between 0 and 1"
    );
}

#[test]
fn position_and_trade_values_are_marked_at_the_last_close() {
    let mut b = Broker::new(cfg(), 10).unwrap();
    b.next(1, F, 100.0);
    b.new_order(o(10.0)).unwrap();
    b.new_order(o(-4.0)).unwrap();
    b.next(2, bar(100.0, 111.0, 99.0, 110.0), 100.0);
    let t = b.trades()[0].id;
    assert_eq!(b.position_size(), 6.0);
    assert_eq!(b.trade_pl(t), 60.0);
    assert_eq!(b.trade_value(t), 660.0);
    assert!((b.trade_pl_pct(t) - 0.1).abs() < 1e-12);
    assert_eq!(b.position_pl(), 60.0);
    assert!((b.position_pl_pct() - 10.0).abs() < 1e-12);
    assert_eq!(b.equity(), 10_060.0);
    assert_eq!(b.margin_available(), 10_060.0 - 660.0);
    let c = b.closed_trades()[0].id;
    assert_eq!(b.trade_pl(c), 0.0);
    assert!(b.trade_pl(999).is_nan());
    assert_eq!(b.last_price(), 110.0);
}
