//! The drawdown kill switch: engaged once at the limit, it rejects new
//! positions (reducing) or every trade decision (halted), while close-outs
//! pass.

use axon_engine::config::KillMode;
use axon_engine::event::{
    Action, CancelRequest, KillSwitch, OrderSubmitted, OrderType, RiskReason, RiskReject,
};
use axon_engine::market::Side;
use axon_engine::{Input, Output};

use super::{CROSS_UP, Harness, config, decision, fill, intent, rejects, submitted};

/// Buys 100 at 12, fills it, marks it at 14 (the peak) and then at 2: a
/// drawdown of 1200 / 10200 = 11.8 %.
fn into_drawdown(h: &mut Harness) -> Vec<Output> {
    let out = h.bars(&CROSS_UP);
    assert_eq!(submitted(&out).len(), 1);
    assert!(h.step(&fill(1, Side::Buy, 100.0, 12.0, true)).is_empty());
    assert!(h.bar(14.0).is_empty());
    assert_eq!(h.engine.portfolio().equity(), 10_200.0);
    h.bar(2.0)
}

#[test]
fn drawdown_engages_the_kill_switch_which_rejects_new_positions() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(h.engine.kill_switch_engaged());
    let close = intent(2, Side::Sell, 100.0, OrderType::Market, 2.0, true);
    let entry = intent(3, Side::Sell, 100.0, OrderType::Market, 2.0, false);
    assert_eq!(
        out[0],
        Output::KillSwitch(KillSwitch {
            drawdown_pct: (10_200.0 - 9_000.0) / 10_200.0 * 100.0,
            limit_pct: 10.0,
            mode: KillMode::Reducing,
        })
    );
    assert_eq!(decision(&out).action, Action::Sell);
    assert_eq!(
        out[2..],
        [
            // Closing is always allowed: a limit must never trap a position.
            Output::OrderIntent(close.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: close }),
            Output::OrderIntent(entry),
            Output::RiskReject(RiskReject {
                client_id: 3,
                reason: RiskReason::KillSwitch,
                value: 1.0,
                limit: 0.0,
            }),
        ]
    );
    // Engaged once: a deeper drawdown does not engage it again.
    let out = h.bar(1.0);
    assert!(
        !out.iter().any(|o| matches!(o, Output::KillSwitch(_))),
        "{out:?}"
    );
}

#[test]
fn a_halted_kill_switch_refuses_every_order_even_closing_ones() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    c.risk.kill_mode = KillMode::Halted;
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(matches!(&out[0], Output::KillSwitch(k) if k.mode == KillMode::Halted));
    let refused: Vec<RiskReason> = rejects(&out).iter().map(|r| r.reason).collect();
    assert_eq!(refused, [RiskReason::Halted, RiskReason::Halted], "{out:?}");
    assert!(submitted(&out).is_empty());
    // The end-of-data close-out is the session's accounting, not a trade
    // decision: it goes through.
    let end = h.step(&Input::EndOfData);
    assert_eq!(submitted(&end).len(), 1, "{end:?}");
}

#[test]
fn a_drawdown_below_the_limit_leaves_the_switch_off() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(12.0);
    let mut h = Harness::new(c);
    let out = into_drawdown(&mut h);
    assert!(!h.engine.kill_switch_engaged());
    assert!(rejects(&out).is_empty(), "{out:?}");
    assert_eq!(submitted(&out).len(), 2);
}

#[test]
fn reduce_only_close_outs_pass_with_the_kill_switch_engaged() {
    let mut c = config();
    c.risk.max_drawdown_pct = Some(10.0);
    let mut h = Harness::new(c);
    into_drawdown(&mut h);
    assert!(h.engine.kill_switch_engaged());
    // The close (client 2) is still working: nothing filled it.
    let out = h.step(&Input::EndOfData);
    let moc = intent(4, Side::Sell, 100.0, OrderType::MarketOnClose, 2.0, true);
    assert_eq!(
        out,
        [
            Output::CancelRequest(CancelRequest { client_id: 2 }),
            Output::OrderIntent(moc.clone()),
            Output::OrderSubmitted(OrderSubmitted { order: moc }),
        ]
    );
}
