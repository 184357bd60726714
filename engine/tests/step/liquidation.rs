//! Liquidation: end of data and a margin call cancel working orders, close
//! every position at market on close and stop trading.

use axon_engine::event::{CancelRequest, MarginCall, OrderSubmitted, OrderType};
use axon_engine::market::Side;
use axon_engine::{Input, Output};

use super::{CROSS_UP, Harness, THEN_DOWN, config, fill, intent};

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
