//! §3: FIFO netting, hedging, closing, exclusive orders.

use super::*;

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
