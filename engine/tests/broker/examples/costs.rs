//! §2: sizes, prices, commission and margin.

use std::sync::{Arc, Mutex};

use super::*;

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
