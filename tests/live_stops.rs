//! Stop orders on a venue: the Donchian breakout (stop entries, a trailing
//! stop-loss moved by cancel and replace) trading Binance's and OKX's
//! testnet APIs on the loopback mock exchange. Its stops rest at the venue
//! (Binance `STOP_LOSS` orders, OKX `trigger` algo orders), trigger there,
//! fill, and the journal replays exactly.

mod support;

use support::live::{
    config, finish, mock, records, replay_verifies, session_dir, spawn_live, summary, terminate,
};

/// The shared live config with the Donchian strategy instead of the SMA.
fn donchian(venue: &str, symbol: &str, m: &axon_mockex::MockExchange) -> String {
    config(venue, "testnet", symbol, m).replace(
        "kind = \"sma_cross\"\nfast = 3\nslow = 8",
        "kind = \"donchian\"\nn = 20\nexit_n = 10",
    )
}

#[test]
fn binance_stops_rest_trigger_and_fill_at_the_venue_and_the_session_replays() {
    stops_session("binance", "BTCUSDT");
}

#[test]
fn okx_trigger_orders_rest_trigger_and_fill_and_the_session_replays() {
    stops_session("okx", "BTC-USDT");
}

fn stops_session(venue: &str, symbol: &str) {
    let m = mock();
    let cfg = donchian(venue, symbol, &m);
    assert!(cfg.contains("donchian"), "the strategy was not swapped in");
    let dir = session_dir(&cfg);
    let child = spawn_live(dir.path(), &["--max-duration", "90s"]);
    let stops = || {
        m.orders()
            .into_iter()
            .filter(|o| o.order_type == "STOP_LOSS")
            .collect::<Vec<_>>()
    };
    // An entry stop filled, then its stop-loss (a sell stop) filled too.
    // Until a stop triggered and filled at the venue, and the strategy has
    // both entered (a buy) and exited (a sell).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let traded = || {
        let all = m.orders();
        let filled = |side: &str| all.iter().any(|o| o.side == side && o.filled > 0.0);
        let stop_filled = stops().iter().any(|o| o.status == "FILLED");
        stop_filled && filled("BUY") && filled("SELL")
    };
    let done = loop {
        if traded() {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    terminate(&child);
    let (code, logs) = finish(child);
    assert!(
        done,
        "no stop filled at the venue; booked: {:#?}\n{logs}",
        m.orders()
    );
    assert_eq!(code, 0, "axon live failed:\n{logs}");

    let booked = stops();
    for o in &booked {
        assert!(
            o.stop_price.is_some_and(|p| p > 0.0),
            "stop without a trigger: {o:?}"
        );
    }
    // The channel moved: stops were cancelled and replaced at the venue.
    assert!(
        booked.iter().any(|o| o.status == "CANCELED"),
        "no stop was ever re-placed: {booked:#?}"
    );
    assert!(
        m.duplicate_client_ids().is_empty(),
        "an order reached the venue twice: {:?}",
        m.duplicate_client_ids()
    );
    let s = summary(dir.path());
    assert!(s["fills"].as_u64().unwrap() > 0, "no fills journaled: {s}");

    // The stops the venue triggered and filled came back as journaled
    // executions (one filled just before the stop may still be in flight).
    let journal = dir.path().join("journal");
    let text = serde_json::to_string(&records(dir.path(), &journal)).unwrap();
    let journaled = |o: &&axon_mockex::MockOrder| {
        text.contains(&format!("\"venue_order_id\":\"{}\"", o.venue_id))
    };
    assert!(
        booked
            .iter()
            .filter(|o| o.status == "FILLED")
            .any(|o| journaled(&o)),
        "no filled stop reached the journal"
    );
    // No stop was refused by the session (a refusal is journaled).
    assert!(
        !text.contains("not sent to a venue"),
        "a stop was refused by the session"
    );
    replay_verifies(dir.path(), &journal);
}
