//! A live session under simulated load (the mock exchange's load mode):
//! every tick is timed through the pipeline and accounted for, the event
//! queue shows in `axon ctl status`, orders are timed to the venue's
//! answer, and the journal replays. Figures are not asserted here (the
//! load test itself is `scripts/loadtest.sh`); what is asserted is that the
//! measurement covers every tick and every order and is consistent.

mod support;

use std::time::Duration;

use axon_mockex::{Load, MockConfig, MockExchange, MockSymbol};
use serde_json::Value;
use support::axon;
use support::live::{KEY, PASSPHRASE, SECRET, finish, replay_verifies, session_dir, spawn_live};

const SYMBOLS: u16 = 10;
const RATE: u64 = 20_000;

fn load_mock() -> MockExchange {
    let symbols: Vec<MockSymbol> = (0..SYMBOLS)
        .map(|i| MockSymbol {
            step_size: 0.001,
            ..MockSymbol::new(&format!("C{i:02}"), "USDT", 100.0 + f64::from(i))
        })
        .collect();
    let mut balances = vec![("USDT".to_string(), 1e9)];
    balances.extend(symbols.iter().map(|s| (s.base.clone(), 1e6)));
    MockExchange::start(MockConfig {
        symbols,
        api_key: KEY.into(),
        api_secret: SECRET.into(),
        passphrase: PASSPHRASE.into(),
        balances,
        order_limit_10s: 1000,
        load: Some(Load {
            rate: RATE,
            duration: None,
        }),
        ..MockConfig::default()
    })
    .expect("mock exchange starts on loopback")
}

fn config(m: &MockExchange) -> String {
    let symbols: Vec<String> = (0..SYMBOLS).map(|i| format!("\"C{i:02}USDT\"")).collect();
    format!(
        r#"[session]
cash = 1000000.0
seed = 5

[strategy]
kind = "sma_cross"
fast = 50
slow = 200

[execution]
sizing = "fixed"
units = 0.1
commission_bps = 10.0

[risk]
max_position = 1.0
max_open_orders = 100

[journal]
path = "journal"
durability = "group"

[exchange]
venue = "binance"
mode = "testnet"
symbols = [{symbols}]
rest_url = "{rest}"
ws_url = "{ws}"

[exchange.rate_limit]
requests_per_second = 1000
orders_per_minute = 6000
"#,
        symbols = symbols.join(", "),
        rest = m.rest_url(),
        ws = m.ws_url()
    )
}

fn stage<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["latency"]["stages"]
        .as_array()
        .expect("latency stages")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage in {summary}"))
}

#[test]
fn every_tick_and_order_under_load_is_timed_and_the_journal_replays() {
    let m = load_mock();
    let dir = session_dir(&config(&m));
    let child = spawn_live(dir.path(), &["--max-duration", "5s"]);
    // While it runs, the operator sees the event queue.
    let mut status = Value::Null;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while status["ticks"].as_u64().unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no tick in ctl status"
        );
        std::thread::sleep(Duration::from_millis(200));
        let run = axon(dir.path(), &["ctl", "--journal", "journal", "status"]);
        status = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    }
    let depth = status["event_queue"]["depth"]
        .as_u64()
        .expect("queue depth");
    assert!(depth <= status["event_queue"]["max"].as_u64().unwrap());
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let md = m.md_stats();
    let summary = support::live::summary(dir.path());

    // Every tick the session took went through every stage, and none came
    // that the mock did not send.
    let ticks = summary["ticks"].as_u64().unwrap();
    assert!(ticks > 0 && ticks <= md.sent, "ticks {ticks}, {md:?}");
    assert!(md.sent + md.dropped <= md.published, "{md:?}");
    for name in ["dequeued", "journaled", "decided"] {
        assert_eq!(stage(&summary, name)["count"], ticks, "{name}: {summary}");
    }
    // Every order sent to the venue was timed from its tick to its answer.
    let orders = summary["orders"].as_u64().unwrap();
    let sent = stage(&summary, "order_sent")["count"].as_u64().unwrap();
    assert!(
        sent > 0 && sent <= orders,
        "{sent} timed of {orders}: {summary}"
    );
    assert_eq!(stage(&summary, "order_acked")["count"], sent);
    for s in summary["latency"]["stages"].as_array().unwrap() {
        let q = |k: &str| s[k].as_f64().unwrap();
        assert!(
            q("p50_us") <= q("p99_us")
                && q("p99_us") <= q("p999_us")
                && q("p999_us") <= q("max_us"),
            "{s}"
        );
    }
    // Ticks are journaled before the engine sees them; an order cannot be
    // sent before its tick's decision.
    assert!(
        stage(&summary, "journaled")["p50_us"].as_f64()
            <= stage(&summary, "decided")["p50_us"].as_f64()
    );
    let queue = &summary["latency"];
    assert!(queue["queue_max"].as_u64().unwrap() <= queue["queue_capacity"].as_u64().unwrap());
    replay_verifies(dir.path(), &dir.path().join("journal"));
}
