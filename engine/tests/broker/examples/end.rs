//! §4–5.1: rejections, out of money, finalize.

use super::*;

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
