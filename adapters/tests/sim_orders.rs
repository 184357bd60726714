//! The simulated exchange's stop, stop-limit and reduce-only fills, on bars
//! (backtesting.py 0.6's rules, docs/backtesting-py-semantics.md §1.3: the
//! examples there are the bars here) and on ticks.

use axon_adapters::sim::{FillModel, SimConfig, SimExchange};
use axon_engine::event::{Fill, OrderIntent, OrderSubmitted, OrderType, Quantity};
use axon_engine::market::{Bar, Side, Tick};
use axon_engine::{Input, Output, Portfolio};

fn sim(fill: FillModel) -> SimExchange {
    SimExchange::new(
        SimConfig {
            fill,
            commission_bps: 0.0,
            slippage: 0.0,
        },
        1,
    )
}

fn order(id: u64, side: Side, units: f64, order_type: OrderType, reduce_only: bool) -> Output {
    Output::OrderSubmitted(OrderSubmitted {
        order: OrderIntent {
            client_id: id,
            instrument: 0,
            side,
            quantity: Quantity::Units(units),
            order_type,
            reference_price: 100.0,
            reduce_only,
        },
    })
}

fn bar(open: f64, high: f64, low: f64, close: f64) -> Bar {
    Bar {
        instrument: 0,
        open,
        high,
        low,
        close,
        volume: 1.0,
    }
}

fn tick(bid: f64, ask: f64) -> Tick {
    Tick {
        instrument: 0,
        bid,
        ask,
        bid_size: 1.0,
        ask_size: 1.0,
        last: bid,
        volume: 1.0,
    }
}

/// A portfolio holding `position` units bought at 100.
fn holding(position: f64) -> Portfolio {
    let mut p = Portfolio::new(100_000.0, 1);
    if position != 0.0 {
        p.apply_fill(
            &Fill {
                client_id: 0,
                instrument: 0,
                side: if position > 0.0 {
                    Side::Buy
                } else {
                    Side::Sell
                },
                quantity: position.abs(),
                price: 100.0,
                commission: 0.0,
                last: true,
            },
            0,
            0,
        );
    }
    p.set_mark(0, 100.0);
    p
}

/// The client id and price of a fill, or a panic.
fn filled(ev: Option<Input>) -> (u64, f64, f64) {
    match ev {
        Some(Input::Fill(f)) => (f.client_id, f.price, f.quantity),
        other => panic!("expected a fill, got {other:?}"),
    }
}

/// Delivers a bar: what fills before it, then the bar is over.
fn fills_on(sim: &mut SimExchange, b: &Bar, p: &Portfolio) -> Vec<(u64, f64, f64)> {
    let mut out = Vec::new();
    while let Some(ev) = sim.before_bar(b, p) {
        out.push(filled(Some(ev)));
    }
    sim.after_bar(b);
    out
}

#[test]
fn a_buy_stop_fills_at_its_stop_or_at_a_gapped_open() {
    let mut s = sim(FillModel::NextOpen);
    let p = holding(0.0);
    s.on_outputs(&[order(1, Side::Buy, 5.0, OrderType::Stop(102.0), false)]);
    assert!(fills_on(&mut s, &bar(100.0, 101.9, 99.0, 101.0), &p).is_empty());
    assert_eq!(
        fills_on(&mut s, &bar(100.0, 103.0, 99.0, 102.0), &p),
        [(1, 102.0, 5.0)]
    );
    // Gap through the stop: the open.
    s.on_outputs(&[order(2, Side::Buy, 5.0, OrderType::Stop(102.0), false)]);
    assert_eq!(
        fills_on(&mut s, &bar(108.0, 109.0, 107.0, 108.0), &p),
        [(2, 108.0, 5.0)]
    );
}

#[test]
fn a_sell_stop_mirrors_on_the_low() {
    let mut s = sim(FillModel::NextOpen);
    let p = holding(0.0);
    s.on_outputs(&[order(1, Side::Sell, 5.0, OrderType::Stop(95.0), false)]);
    assert!(fills_on(&mut s, &bar(97.0, 98.0, 95.5, 96.0), &p).is_empty());
    assert_eq!(
        fills_on(&mut s, &bar(97.0, 98.0, 94.0, 95.0), &p),
        [(1, 95.0, 5.0)]
    );
    s.on_outputs(&[order(2, Side::Sell, 5.0, OrderType::Stop(95.0), false)]);
    assert_eq!(
        fills_on(&mut s, &bar(90.0, 91.0, 89.0, 90.0), &p),
        [(2, 90.0, 5.0)]
    );
}

#[test]
fn a_stop_limit_triggers_and_then_works_as_a_limit() {
    let mut s = sim(FillModel::NextOpen);
    let p = holding(0.0);
    let below = OrderType::StopLimit {
        stop: 102.0,
        limit: 101.0,
    };
    s.on_outputs(&[order(1, Side::Buy, 1.0, below, false)]);
    // Triggered (the high reaches 102); the limit at or below the stop may
    // have been touched before the stop: no fill on the trigger bar.
    assert!(fills_on(&mut s, &bar(100.0, 103.0, 100.5, 102.0), &p).is_empty());
    // Next bar: a limit order at 101, filled at min(open, 101).
    assert_eq!(
        fills_on(&mut s, &bar(102.0, 102.5, 100.8, 101.0), &p),
        [(1, 101.0, 1.0)]
    );
    // A limit above the stop fills on the trigger bar at the stop, even
    // when the bar opened above it (backtesting.py's rule).
    let above = OrderType::StopLimit {
        stop: 102.0,
        limit: 110.0,
    };
    s.on_outputs(&[order(2, Side::Buy, 1.0, above, false)]);
    assert_eq!(
        fills_on(&mut s, &bar(108.0, 109.0, 107.0, 108.0), &p),
        [(2, 102.0, 1.0)]
    );
    // Not triggered: nothing, however low the bar goes.
    s.on_outputs(&[order(3, Side::Buy, 1.0, above, false)]);
    assert!(fills_on(&mut s, &bar(95.0, 101.0, 90.0, 96.0), &p).is_empty());
    // A sell stop-limit whose limit is at or above its stop waits out its
    // trigger bar, then works as a limit sell until a bar reaches it.
    let sell = OrderType::StopLimit {
        stop: 90.0,
        limit: 91.0,
    };
    s.on_outputs(&[order(4, Side::Sell, 1.0, sell, false)]);
    assert!(fills_on(&mut s, &bar(91.0, 92.0, 88.0, 91.0), &p).is_empty());
    assert!(fills_on(&mut s, &bar(87.0, 88.5, 86.0, 87.0), &p).is_empty());
    assert_eq!(
        fills_on(&mut s, &bar(88.0, 92.0, 87.0, 89.5), &p),
        [(4, 91.0, 1.0)]
    );
}

#[test]
fn a_stop_loss_fills_before_a_take_profit_within_one_bar() {
    let mut s = sim(FillModel::NextOpen);
    let p = holding(10.0);
    s.on_outputs(&[
        order(1, Side::Sell, 10.0, OrderType::Limit(110.0), true),
        order(2, Side::Sell, 10.0, OrderType::Stop(90.0), true),
    ]);
    let b = bar(100.0, 112.0, 88.0, 100.0);
    assert_eq!(filled(s.before_bar(&b, &p)), (2, 90.0, 10.0));
}

#[test]
fn orders_placed_during_a_bar_wait_for_the_next_unless_it_opened_with_a_fill() {
    let mut s = sim(FillModel::NextOpen);
    let p = holding(10.0);
    // An entry filled within the bar (a stop); its stop-loss, placed then,
    // is not checked against the rest of that bar.
    s.on_outputs(&[order(1, Side::Buy, 10.0, OrderType::Stop(101.0), false)]);
    let b = bar(100.0, 102.0, 95.0, 100.0);
    assert_eq!(filled(s.before_bar(&b, &p)), (1, 101.0, 10.0));
    s.on_outputs(&[order(2, Side::Sell, 10.0, OrderType::Stop(96.0), true)]);
    assert!(s.before_bar(&b, &p).is_none());
    s.after_bar(&b);
    assert_eq!(
        fills_on(&mut s, &bar(97.0, 98.0, 94.0, 95.0), &p),
        [(2, 96.0, 10.0)]
    );
    // A market entry fills at the open: the whole bar is still to come,
    // so its stop-loss may fill on it.
    s.on_outputs(&[order(3, Side::Buy, 10.0, OrderType::Market, false)]);
    let b = bar(100.0, 101.0, 94.0, 95.0);
    assert_eq!(filled(s.before_bar(&b, &p)), (3, 100.0, 10.0));
    s.on_outputs(&[order(4, Side::Sell, 10.0, OrderType::Stop(96.0), true)]);
    assert_eq!(filled(s.before_bar(&b, &p)), (4, 96.0, 10.0));
}

#[test]
fn reduce_only_orders_fill_at_most_the_position() {
    let mut s = sim(FillModel::NextOpen);
    let b = bar(100.0, 100.0, 100.0, 100.0);
    s.on_outputs(&[order(1, Side::Sell, 25.0, OrderType::Market, true)]);
    assert_eq!(filled(s.before_bar(&b, &holding(10.0))), (1, 100.0, 10.0));
    for (id, position) in [(2, 0.0), (3, -5.0)] {
        s.on_outputs(&[order(id, Side::Sell, 1.0, OrderType::Market, true)]);
        match s.before_bar(&b, &holding(position)) {
            Some(Input::Reject(r)) => {
                assert_eq!(r.client_id, id);
                assert!(r.reason.contains("no position to reduce"), "{}", r.reason);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
}

#[test]
fn stops_on_ticks_trigger_on_the_side_they_trade() {
    let mut s = sim(FillModel::NextTick);
    let p = holding(0.0);
    s.on_outputs(&[
        order(1, Side::Buy, 1.0, OrderType::Stop(100.5), false),
        order(2, Side::Sell, 1.0, OrderType::Stop(99.0), false),
    ]);
    // The mid reaches 100.5 before the ask does not matter: the ask does.
    let t = tick(100.3, 100.45);
    assert!(s.before_tick(&t, &p).is_none());
    s.after_tick(&t);
    let t = tick(100.4, 100.5);
    assert_eq!(filled(s.before_tick(&t, &p)), (1, 100.5, 1.0));
    assert!(s.before_tick(&t, &p).is_none());
    s.after_tick(&t);
    let t = tick(99.0, 99.2);
    assert_eq!(filled(s.before_tick(&t, &p)), (2, 99.0, 1.0));
    s.after_tick(&t);
    // A stop-limit buy: triggered when the ask reaches 101, then a limit
    // at 101.2 (the same tick included), filled at the ask.
    let sl = OrderType::StopLimit {
        stop: 101.0,
        limit: 101.2,
    };
    s.on_outputs(&[order(3, Side::Buy, 1.0, sl, false)]);
    let t = tick(101.2, 101.3);
    assert!(
        s.before_tick(&t, &p).is_none(),
        "triggered, above its limit"
    );
    s.after_tick(&t);
    let t = tick(100.9, 101.1);
    assert_eq!(filled(s.before_tick(&t, &p)), (3, 101.1, 1.0));
}
