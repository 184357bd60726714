//! The order vocabulary of the Strategy port, driven by a scripted
//! strategy: stop and stop-limit orders, refusals of odd prices and
//! quantities, brackets (placed when the entry fills, one-cancels-other,
//! cancelled with their position), cancels, replacements and partial
//! closes, each journaled as the outputs say.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axon_engine::OrderRequest;
use axon_engine::event::{
    Bracket, CancelAck, CancelRequest, OrderIntent, OrderSubmitted, OrderType, Quantity, RiskReason,
};
use axon_engine::market::Side;
use axon_engine::strategy::{Context, LegKind, MarketEvent, OrderError, Strategy};
use axon_engine::{Input, Output};

use super::{Harness, config, fill, intent, rejects, submitted};

/// One scripted action; what it returns goes into the log.
type Act = Box<dyn FnMut(&mut Context<'_>) -> String + Send>;

/// Runs the actions given for a market event's index when that event
/// comes, and logs their results.
struct Script {
    acts: BTreeMap<u64, Vec<Act>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Script")
    }
}

impl Strategy for Script {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        for mut act in self.acts.remove(&e.index).unwrap_or_default() {
            let line = act(ctx);
            self.log.lock().expect("log").push(line);
        }
    }
}

/// A harness whose strategy runs `acts` (by market event index), and the
/// log of their results.
fn scripted(acts: Vec<(u64, Act)>) -> (Harness, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut by_bar: BTreeMap<u64, Vec<Act>> = BTreeMap::new();
    for (bar, act) in acts {
        by_bar.entry(bar).or_default().push(act);
    }
    let script = Script {
        acts: by_bar,
        log: log.clone(),
    };
    (Harness::with_strategy(config(), Box::new(script)), log)
}

fn submit(request: OrderRequest) -> Act {
    Box::new(move |ctx| format!("{:?}", ctx.submit(request)))
}

fn act(f: impl FnMut(&mut Context<'_>) -> String + Send + 'static) -> Act {
    Box::new(f)
}

fn units(u: f64) -> Quantity {
    Quantity::Units(u)
}

fn logged(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    log.lock().expect("log").clone()
}

fn cancels(out: &[Output]) -> Vec<u64> {
    out.iter()
        .filter_map(|o| match o {
            Output::CancelRequest(c) => Some(c.client_id),
            _ => None,
        })
        .collect()
}

fn leg(client_id: u64, units: f64, order_type: OrderType, price: f64) -> OrderIntent {
    intent(client_id, Side::Sell, units, order_type, price, true)
}

/// Both legs of a long entry placed when it fills.
fn legs_placed(sl: (u64, f64), tp: (u64, f64), units: f64) -> Vec<Output> {
    let sl = leg(sl.0, units, OrderType::Stop(sl.1), sl.1);
    let tp = leg(tp.0, units, OrderType::Limit(tp.1), tp.1);
    vec![
        Output::OrderIntent(sl.clone()),
        Output::OrderSubmitted(OrderSubmitted { order: sl }),
        Output::OrderIntent(tp.clone()),
        Output::OrderSubmitted(OrderSubmitted { order: tp }),
    ]
}

/// A limit buy of 100 at 99, stop-loss 95, take-profit 110: client id 1.
fn bracketed_entry() -> OrderRequest {
    OrderRequest::limit(0, Side::Buy, units(100.0), 99.0)
        .with_stop_loss(95.0)
        .with_take_profit(110.0)
}

#[test]
fn stop_and_stop_limit_orders_are_journaled_and_work() {
    let (mut h, log) = scripted(vec![
        (
            0,
            submit(OrderRequest::stop(0, Side::Buy, units(10.0), 105.0)),
        ),
        (
            0,
            submit(OrderRequest::stop_limit(
                0,
                Side::Sell,
                units(5.0),
                95.0,
                94.0,
            )),
        ),
        (1, act(|ctx| format!("{}", ctx.open_orders().count()))),
    ]);
    let out = h.bar(100.0);
    let stop = intent(1, Side::Buy, 10.0, OrderType::Stop(105.0), 105.0, false);
    let stop_limit = OrderType::StopLimit {
        stop: 95.0,
        limit: 94.0,
    };
    let stop_limit = intent(2, Side::Sell, 5.0, stop_limit, 94.0, false);
    assert_eq!(
        out,
        [
            Output::OrderIntent(stop.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: stop }),
            Output::OrderIntent(stop_limit.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: stop_limit }),
        ]
    );
    h.bar(100.0);
    assert_eq!(logged(&log), ["Ok(1)", "Ok(2)", "2"]);
}

#[test]
fn odd_prices_and_quantities_are_refused_with_a_reason() {
    let buy_limit = |p: f64| OrderRequest::limit(0, Side::Buy, units(1.0), p);
    let requests = [
        buy_limit(f64::NAN),
        OrderRequest::stop(0, Side::Sell, units(1.0), 0.0),
        OrderRequest::stop_limit(0, Side::Buy, units(1.0), 101.0, f64::INFINITY),
        OrderRequest::market(0, Side::Buy, units(0.0), 100.0),
        OrderRequest::market(0, Side::Buy, units(f64::NAN), 100.0),
        OrderRequest::market(0, Side::Buy, Quantity::EquityFraction(1.5), 100.0),
        OrderRequest::market(0, Side::Buy, units(1.0), 100.0).with_stop_loss(f64::NAN),
        OrderRequest::market(0, Side::Buy, units(1.0), f64::NAN).with_take_profit(120.0),
        buy_limit(100.0).with_stop_loss(101.0),
        buy_limit(100.0).with_take_profit(100.0),
        OrderRequest::limit(0, Side::Sell, units(1.0), 100.0).with_stop_loss(99.0),
    ];
    let acts = requests.iter().map(|r| (0, submit(*r))).collect();
    let (mut h, log) = scripted(acts);
    let out = h.bar(100.0);
    assert!(submitted(&out).is_empty(), "{out:?}");
    let got: Vec<(RiskReason, String, f64)> = rejects(&out)
        .iter()
        .map(|r| (r.reason, format!("{}", r.value), r.limit))
        .collect();
    let want = [
        (RiskReason::InvalidPrice, "NaN", 0.0),
        (RiskReason::InvalidPrice, "0", 0.0),
        (RiskReason::InvalidPrice, "inf", 0.0),
        (RiskReason::InvalidQuantity, "0", 0.0),
        (RiskReason::InvalidQuantity, "NaN", 0.0),
        (RiskReason::InvalidQuantity, "1.5", 1.0),
        (RiskReason::InvalidPrice, "NaN", 0.0),
        (RiskReason::InvalidPrice, "NaN", 0.0),
        (RiskReason::BracketSide, "101", 100.0),
        (RiskReason::BracketSide, "100", 100.0),
        (RiskReason::BracketSide, "99", 100.0),
    ]
    .map(|(r, v, l)| (r, v.to_owned(), l));
    assert_eq!(got, want);
    // Each refusal follows its intent (and bracket), and the strategy is
    // told.
    assert!(matches!(
        out[..3],
        [
            Output::OrderIntent(_),
            Output::RiskReject(_),
            Output::OrderIntent(_)
        ]
    ));
    let log = logged(&log);
    assert_eq!(log.len(), requests.len());
    assert!(log[0].starts_with("Err(Rejected(RiskReject { client_id: 1, reason: InvalidPrice"));
    assert!(h.engine.portfolio().trades().is_empty());
}

#[test]
fn a_filled_entry_places_its_bracket_and_one_leg_cancels_the_other() {
    let (mut h, log) = scripted(vec![
        (0, submit(bracketed_entry())),
        (
            1,
            act(|ctx| {
                let legs: Vec<_> = ctx
                    .bracket_legs(0)
                    .map(|l| (l.client_id, l.entry, l.kind, l.price, l.remaining))
                    .collect();
                format!("{legs:?}")
            }),
        ),
        (2, act(|ctx| format!("{}", ctx.bracket_legs(0).count()))),
    ]);
    let out = h.bar(100.0);
    let entry = intent(1, Side::Buy, 100.0, OrderType::Limit(99.0), 99.0, false);
    assert_eq!(
        out,
        [
            Output::OrderIntent(entry.clone()),
            Output::Bracket(Bracket {
                entry: 1,
                stop_loss: Some(95.0),
                take_profit: Some(110.0),
            }),
            Output::OrderSubmitted(OrderSubmitted { order: entry }),
        ]
    );
    // The entry fills: the stop-loss, then the take-profit, reduce-only,
    // for the filled quantity.
    let out = h.step(&fill(1, Side::Buy, 100.0, 99.0, true));
    assert_eq!(out, legs_placed((2, 95.0), (3, 110.0), 100.0));
    h.bar(100.0);
    // The take-profit fills: the stop-loss is cancelled.
    let out = h.step(&fill(3, Side::Sell, 100.0, 110.0, true));
    assert_eq!(out, [Output::CancelRequest(CancelRequest { client_id: 2 })]);
    assert!(
        h.step(&Input::CancelAck(CancelAck { client_id: 2 }))
            .is_empty()
    );
    h.bar(100.0);
    assert_eq!(
        logged(&log),
        [
            "Ok(1)",
            "[(2, 1, StopLoss, 95.0, 100.0), (3, 1, TakeProfit, 110.0, 100.0)]",
            "0"
        ]
    );
    assert_eq!(h.engine.portfolio().position(0), 0.0);
    assert_eq!(h.engine.portfolio().trades()[0].pnl, 1_100.0);
}

#[test]
fn each_partial_fill_of_an_entry_gets_its_own_pair() {
    let (mut h, log) = scripted(vec![
        (0, submit(bracketed_entry())),
        (
            1,
            act(|ctx| {
                let legs: Vec<_> = ctx
                    .bracket_legs(0)
                    .map(|l| (l.client_id, l.kind == LegKind::StopLoss, l.remaining))
                    .collect();
                format!("{legs:?}")
            }),
        ),
    ]);
    h.bar(100.0);
    let out = h.step(&fill(1, Side::Buy, 40.0, 99.0, false));
    assert_eq!(out, legs_placed((2, 95.0), (3, 110.0), 40.0));
    let out = h.step(&fill(1, Side::Buy, 60.0, 99.0, true));
    assert_eq!(out, legs_placed((4, 95.0), (5, 110.0), 60.0));
    // The first pair's take-profit fills: only its own stop-loss goes; the
    // position left (60) keeps its pair.
    let out = h.step(&fill(3, Side::Sell, 40.0, 110.0, true));
    assert_eq!(cancels(&out), [2]);
    h.step(&Input::CancelAck(CancelAck { client_id: 2 }));
    h.bar(100.0);
    assert_eq!(logged(&log)[1], "[(4, true, 60.0), (5, false, 60.0)]");
}

#[test]
fn a_cancelled_entry_drops_its_bracket_once_the_venue_confirms() {
    let (mut h, log) = scripted(vec![
        (0, submit(bracketed_entry())),
        (0, submit(bracketed_entry())),
        (
            1,
            act(|ctx| {
                let first = ctx.cancel(1);
                let again = ctx.cancel(1);
                let other = ctx.cancel(2);
                let unknown = ctx.cancel(99);
                let open = ctx.open_orders().count();
                format!("{first:?} {again:?} {other:?} {unknown:?} {open}")
            }),
        ),
    ]);
    h.bar(100.0);
    let out = h.bar(100.0);
    assert_eq!(cancels(&out), [1, 2]);
    assert_eq!(
        logged(&log)[2],
        "Ok(()) Err(NotWorking(1)) Ok(()) Err(NotWorking(99)) 0"
    );
    // Entry 1 fills before its cancel is confirmed: its bracket still
    // protects the position.
    let out = h.step(&fill(1, Side::Buy, 100.0, 99.0, true));
    assert_eq!(out, legs_placed((3, 95.0), (4, 110.0), 100.0));
    // Entry 2's cancel is confirmed: a stray fill after it places nothing.
    assert!(
        h.step(&Input::CancelAck(CancelAck { client_id: 2 }))
            .is_empty()
    );
    let out = h.step(&fill(2, Side::Buy, 100.0, 99.0, true));
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn moving_a_stop_loss_replaces_it_and_keeps_the_pair() {
    let (mut h, log) = scripted(vec![
        (0, submit(bracketed_entry())),
        (1, act(|ctx| format!("{:?}", ctx.set_stop_loss(0, 97.0)))),
        // A refused change leaves the stop-loss where it was.
        (
            2,
            act(|ctx| format!("{:?}", ctx.set_stop_loss(0, f64::NAN))),
        ),
        (
            2,
            act(|ctx| {
                let legs: Vec<_> = ctx
                    .bracket_legs(0)
                    .map(|l| (l.client_id, l.price))
                    .collect();
                format!("{legs:?}")
            }),
        ),
        (3, act(|ctx| format!("{:?}", ctx.set_take_profit(0, 108.0)))),
    ]);
    h.bar(100.0);
    h.step(&fill(1, Side::Buy, 100.0, 99.0, true));
    // The new stop-loss first, then the old one's cancel.
    let out = h.bar(100.0);
    let moved = leg(4, 100.0, OrderType::Stop(97.0), 97.0);
    assert_eq!(
        out,
        [
            Output::OrderIntent(moved.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moved }),
            Output::CancelRequest(CancelRequest { client_id: 2 }),
        ]
    );
    h.step(&Input::CancelAck(CancelAck { client_id: 2 }));
    let out = h.bar(100.0);
    assert_eq!(rejects(&out)[0].reason, RiskReason::InvalidPrice);
    assert!(cancels(&out).is_empty(), "{out:?}");
    let out = h.bar(100.0);
    assert_eq!(cancels(&out), [3]);
    h.step(&Input::CancelAck(CancelAck { client_id: 3 }));
    // The stop-loss fills: the moved take-profit (client id 6) goes.
    let out = h.step(&fill(4, Side::Sell, 100.0, 97.0, true));
    assert_eq!(cancels(&out), [6]);
    let log = logged(&log);
    assert_eq!(log[0], "Ok(1)");
    assert_eq!(log[1], "Ok(1)");
    assert!(
        log[2].starts_with("Err(Rejected(RiskReject { client_id: 5, reason: InvalidPrice"),
        "{}",
        log[2]
    );
    assert_eq!(log[3], "[(3, 110.0), (4, 97.0)]");
    assert_eq!(log[4], "Ok(1)");
}

#[test]
fn a_modified_entry_keeps_its_bracket() {
    let (mut h, log) = scripted(vec![
        (0, submit(bracketed_entry())),
        (
            1,
            act(|ctx| format!("{:?}", ctx.modify(1, OrderType::Limit(98.0)))),
        ),
        (
            1,
            act(|ctx| format!("{:?}", ctx.modify(1, OrderType::Limit(97.0)))),
        ),
    ]);
    h.bar(100.0);
    let out = h.bar(100.0);
    let moved = intent(2, Side::Buy, 100.0, OrderType::Limit(98.0), 98.0, false);
    assert_eq!(
        out,
        [
            Output::OrderIntent(moved.clone()),
            Output::Bracket(Bracket {
                entry: 2,
                stop_loss: Some(95.0),
                take_profit: Some(110.0),
            }),
            Output::OrderSubmitted(OrderSubmitted { order: moved }),
            Output::CancelRequest(CancelRequest { client_id: 1 }),
        ]
    );
    assert_eq!(logged(&log), ["Ok(1)", "Ok(2)", "Err(NotWorking(1))"]);
    h.step(&Input::CancelAck(CancelAck { client_id: 1 }));
    let out = h.step(&fill(2, Side::Buy, 100.0, 98.0, true));
    assert_eq!(out, legs_placed((3, 95.0), (4, 110.0), 100.0));
}

#[test]
fn positions_close_in_part_or_in_full_and_their_legs_go_with_them() {
    let (mut h, log) = scripted(vec![
        (0, act(|ctx| format!("{:?}", ctx.close_position(0)))),
        (0, submit(bracketed_entry())),
        (1, act(|ctx| format!("{:?}", ctx.reduce_position(0, 30.0)))),
        (
            1,
            act(|ctx| format!("{:?}", ctx.reduce_position(0, f64::NAN))),
        ),
        (1, act(|ctx| format!("{:?}", ctx.reduce_position(0, -5.0)))),
        (2, act(|ctx| format!("{:?}", ctx.close_position(0)))),
    ]);
    h.bar(100.0);
    h.step(&fill(1, Side::Buy, 100.0, 99.0, true));
    let out = h.bar(101.0);
    let partial = intent(4, Side::Sell, 30.0, OrderType::Market, 101.0, true);
    assert_eq!(submitted(&out), [partial]);
    let reasons: Vec<_> = rejects(&out).iter().map(|r| r.reason).collect();
    assert_eq!(
        reasons,
        [RiskReason::InvalidQuantity, RiskReason::InvalidQuantity]
    );
    h.step(&fill(4, Side::Sell, 30.0, 101.0, true));
    assert_eq!(h.engine.portfolio().position(0), 70.0);
    let out = h.bar(102.0);
    let rest = intent(7, Side::Sell, 70.0, OrderType::Market, 102.0, true);
    assert_eq!(submitted(&out), [rest]);
    // Flat: the stop-loss and take-profit have nothing left to protect.
    let out = h.step(&fill(7, Side::Sell, 70.0, 102.0, true));
    assert_eq!(cancels(&out), [2, 3]);
    let log = logged(&log);
    assert_eq!(log[0], "Err(NoPosition(0))");
    assert_eq!(log[2], "Ok(4)");
    assert_eq!(log[5], "Ok(7)");
    assert_eq!(
        format!("{}", OrderError::NoPosition(0)),
        "no position in instrument 0"
    );
    let trades = h.engine.portfolio().trades();
    assert_eq!(trades.len(), 2);
    assert_eq!((trades[0].size, trades[1].size), (30.0, 70.0));
}

#[test]
fn an_entry_that_only_reduces_a_position_places_no_bracket() {
    let (mut h, _) = scripted(vec![
        (
            0,
            submit(OrderRequest::market(0, Side::Buy, units(100.0), 100.0)),
        ),
        (
            1,
            submit(
                OrderRequest::market(0, Side::Sell, units(40.0), 100.0)
                    .with_stop_loss(110.0)
                    .with_take_profit(90.0),
            ),
        ),
    ]);
    h.bar(100.0);
    h.step(&fill(1, Side::Buy, 100.0, 100.0, true));
    h.bar(100.0);
    let out = h.step(&fill(2, Side::Sell, 40.0, 100.0, true));
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn the_end_of_data_cancels_every_order_once() {
    let (mut h, _) = scripted(vec![
        (0, submit(bracketed_entry())),
        (
            0,
            submit(OrderRequest::stop(0, Side::Buy, units(1.0), 120.0)),
        ),
        (1, act(|ctx| format!("{:?}", ctx.cancel(5)))),
    ]);
    h.bar(100.0);
    h.step(&fill(1, Side::Buy, 100.0, 99.0, true));
    // Legs 3 and 4 work; stop 2 too.
    let out = h.bar(100.0);
    assert!(out.is_empty(), "{out:?}");
    let out = h.step(&Input::EndOfData);
    assert_eq!(cancels(&out), [2, 3, 4]);
    let close = intent(5, Side::Sell, 100.0, OrderType::MarketOnClose, 100.0, true);
    assert_eq!(submitted(&out), [close]);
}
