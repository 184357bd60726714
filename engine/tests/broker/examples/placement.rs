//! Placement checks and the SL/TP setters.

use super::*;

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
