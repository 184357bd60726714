//! `axon live` end to end against the loopback mock exchange, with faults
//! injected while it runs: the session must stop cleanly, replay exactly,
//! never book an order twice and never print or journal a secret.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use axon_mockex::{Fault, MockExchange};
use support::axon;
use support::live::{
    KEY, PASSPHRASE, SECRET, config, finish, mock, replay_verifies, scrape, session_dir,
    spawn_live, summary, terminate, wait_for,
};

/// Every file under `dir`, read as bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn assert_no_secrets(dir: &Path, logs: &str) {
    for secret in [SECRET, PASSPHRASE, KEY] {
        assert!(
            !logs.contains(secret),
            "a credential reached the logs:\n{logs}"
        );
        for (path, bytes) in files(dir) {
            let hit = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!hit, "a credential reached {path}");
        }
    }
}

/// Runs a session with faults injected along the way; returns its folder.
fn session_with_faults(venue: &str, symbol: &str) -> (tempfile::TempDir, MockExchange, String) {
    let m = mock();
    let dir = session_dir(&config(venue, "testnet", symbol, &m));
    // From the start: a clock refusal, a rate limit, an order booked
    // whose answer is a 503, and slow answers.
    m.inject(Fault::TimestampSkew);
    m.inject(Fault::RateLimit {
        status: 429,
        retry_after_secs: 1,
        count: 1,
    });
    m.inject(Fault::ErrorAfterAccept { status: 503 });
    m.inject(Fault::Slow { ms: 300, count: 2 });
    // Each later fault waits for the session to reach the state it
    // disturbs (the mock's counters), so a slow machine only takes longer.
    let child = spawn_live(dir.path(), &["--max-duration", "60s"]);
    wait_for("both streams up", || m.connections() >= 2);
    wait_for("an order booked despite the 503", || !m.orders().is_empty());
    m.inject(Fault::Disconnect);
    wait_for("both streams reconnected", || m.connections() >= 4);
    m.inject(Fault::StaleFeed { ms: 500 });
    m.inject(Fault::ServerShutdown);
    wait_for("both streams reconnected again", || m.connections() >= 6);
    let booked = m.orders().len();
    wait_for("trading after the reconnects", || m.orders().len() > booked);
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "axon live failed:\n{logs}");
    (dir, m, logs)
}

fn check_session(dir: &Path, m: &MockExchange, logs: &str) {
    // Each injected fault was met and handled (the adapters log each).
    for handled in [
        "resyncing the clock",
        "rate limit",
        "order outcome unknown: looking it up",
        "websocket dropped; reconnecting",
    ] {
        assert!(
            logs.contains(handled),
            "no sign of {handled:?} in the logs:\n{logs}"
        );
    }
    let s = summary(dir);
    assert!(
        s["orders"].as_u64().unwrap() > 0,
        "no orders were sent: {s}\n{logs}"
    );
    assert!(s["fills"].as_u64().unwrap() > 0, "no fills came back: {s}");
    assert!(
        s["reconnects"].as_u64().unwrap() >= 1,
        "the dropped streams were not reconnected: {s}"
    );
    // No order reached the venue twice, and every booked order is ours.
    assert!(
        m.duplicate_client_ids().is_empty(),
        "duplicates: {:?}",
        m.duplicate_client_ids()
    );
    let booked = m.orders();
    assert!(!booked.is_empty());
    for o in &booked {
        assert!(o.client_id.starts_with("ax"), "foreign id {}", o.client_id);
    }
    let journal = dir.join("journal");
    let replay = axon(
        dir,
        &[
            "replay",
            "--journal",
            journal.to_str().unwrap(),
            "--verify",
            "--quiet",
        ],
    );
    let replay = replay.ok();
    assert!(!replay.stderr.contains("differ"), "{}", replay.stderr);
    let inspect = axon(
        dir,
        &["journal", "inspect", journal.to_str().unwrap(), "--json"],
    )
    .ok();
    assert!(
        inspect.stdout.contains("Reconcile"),
        "no reconciliation record"
    );
    // Every order the mock booked reached the journal as an ack or a fill.
    for o in &booked {
        assert!(
            inspect
                .stdout
                .contains(&format!("\"venue_order_id\":\"{}\"", o.venue_id)),
            "order {} ({}) booked by the venue is not acknowledged in the journal; its log lines:\n{}",
            o.client_id,
            o.venue_id,
            logs.lines()
                .filter(|l| l.contains(&o.client_id))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert_no_secrets(dir, logs);
}

#[test]
fn binance_session_with_faults_replays_exactly_without_duplicates() {
    let (dir, m, logs) = session_with_faults("binance", "BTCUSDT");
    assert!(m.pongs() > 0, "no pong answered the server's pings");
    check_session(dir.path(), &m, &logs);
}

#[test]
fn okx_session_with_faults_replays_exactly_without_duplicates() {
    let (dir, m, logs) = session_with_faults("okx", "BTC-USDT");
    check_session(dir.path(), &m, &logs);
}

#[test]
fn sigterm_stops_a_paper_session_cleanly_and_it_replays() {
    let m = mock();
    let dir = session_dir(&config("binance", "paper", "BTCUSDT", &m));
    let child = spawn_live(dir.path(), &[]);
    wait_for("the market stream", || m.connections() >= 1);
    std::thread::sleep(Duration::from_millis(500));
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let s = summary(dir.path());
    assert_eq!(s["stopped_by"], "signal");
    assert!(s["ticks"].as_u64().unwrap() > 0, "{s}");
    // Paper orders never reach the venue.
    assert!(m.orders().is_empty());
    let journal = dir.path().join("journal");
    axon(
        dir.path(),
        &[
            "replay",
            "--journal",
            journal.to_str().unwrap(),
            "--verify",
            "--quiet",
        ],
    )
    .ok();
    // A paper session's journal makes a report as a backtest's does.
    axon(
        dir.path(),
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--html",
            "report.html",
            "--quiet",
        ],
    )
    .ok();
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("sma_cross on BTCUSDT"), "title");
    assert!(page.contains("window.axonReport"), "charts");
}

#[test]
fn missing_credentials_are_named_by_variable_and_never_printed() {
    let m = mock();
    let dir = session_dir(&config("okx", "testnet", "BTC-USDT", &m));
    let out = Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(dir.path())
        .args(["live", "-c", "live.toml"])
        .env("AXON_API_KEY", KEY)
        .env("AXON_API_SECRET", SECRET)
        .env_remove("AXON_PASSPHRASE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("exchange.passphrase_env") && stderr.contains("AXON_PASSPHRASE"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "{stderr}"
    );
    assert!(
        !dir.path().join("journal").exists(),
        "a journal was started without credentials"
    );
}

#[test]
fn refused_credentials_stop_the_session_with_a_clear_error() {
    let m = mock();
    let dir = session_dir(&config("binance", "testnet", "BTCUSDT", &m));
    let out = Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(dir.path())
        .args(["live", "-c", "live.toml"])
        .env("AXON_API_KEY", "wrong-key")
        .env("AXON_API_SECRET", "wrong-secret-value")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert!(!stderr.contains("wrong-secret-value"), "{stderr}");
}

#[test]
fn validate_config_checks_a_live_file_and_its_credentials() {
    let m = mock();
    let dir = session_dir(&config("binance", "testnet", "BTCUSDT", &m));
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_axon"));
        cmd.current_dir(dir.path())
            .args(["validate-config", "-c", "live.toml"])
            .env_remove("AXON_API_KEY")
            .env_remove("AXON_API_SECRET");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let missing = run(&[]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("AXON_API_KEY"), "{stderr}");
    let ok = run(&[("AXON_API_KEY", KEY), ("AXON_API_SECRET", SECRET)]);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(
        out.contains(": ok") && !out.contains(SECRET) && !out.contains(KEY),
        "{out}"
    );
}

#[test]
fn binance_depth_mode_keeps_a_synced_book_and_replays() {
    let m = mock();
    let dir = session_dir(&config("binance", "paper", "BTCUSDT", &m).replace(
        "[exchange.rate_limit]",
        "depth = true\n\n[exchange.rate_limit]",
    ));
    let child = spawn_live(dir.path(), &["--max-duration", "2s"]);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    assert!(
        !logs.contains("out of sync"),
        "the book lost its sequence:\n{logs}"
    );
    let s = summary(dir.path());
    assert!(s["ticks"].as_u64().unwrap() > 20, "{s}");
    let journal = dir.path().join("journal");
    let inspect = axon(
        dir.path(),
        &[
            "journal",
            "inspect",
            journal.to_str().unwrap(),
            "--json",
            "--limit",
            "40",
        ],
    )
    .ok();
    // Quotes from the book: a bid below the ask on every tick.
    let ticks: Vec<serde_json::Value> = inspect
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.to_string().contains("\"Tick\""))
        .collect();
    assert!(!ticks.is_empty(), "{}", inspect.stdout);
    axon(
        dir.path(),
        &[
            "replay",
            "--journal",
            journal.to_str().unwrap(),
            "--verify",
            "--quiet",
        ],
    )
    .ok();
}

#[test]
fn a_live_session_feeds_venue_metrics() {
    let m = mock();
    let dir = session_dir(&config("okx", "testnet", "BTC-USDT", &m));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = spawn_live(
        dir.path(),
        &["--max-duration", "60s", "--metrics-port", &port.to_string()],
    );
    wait_for("both streams up", || m.connections() >= 2);
    m.inject(Fault::Disconnect);
    wait_for("both streams reconnected", || m.connections() >= 4);
    let reconnected = |t: &str| {
        t.lines()
            .any(|l| l.starts_with("exchange_connected") && l.ends_with(" 1"))
            && t.lines()
                .any(|l| l.starts_with("websocket_reconnects_total") && !l.ends_with(" 0"))
            && t.lines()
                .any(|l| l.starts_with("market_data_last_receive_timestamp_seconds{"))
    };
    wait_for("the metrics to show the reconnect", || {
        reconnected(&scrape(port))
    });
    let text = scrape(port);
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name) && l.contains("venue=\"okx\""))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} for okx missing:\n{text}"))
    };
    assert!(value("websocket_reconnects_total") >= 1.0, "{text}");
    assert_eq!(value("exchange_connected"), 1.0, "{text}");
    let headroom = value("rate_limit_headroom_ratio");
    assert!((0.0..=1.0).contains(&headroom), "{text}");
    assert!(
        value("market_data_last_receive_timestamp_seconds") > 1.7e9,
        "{text}"
    );
    assert!(text.contains("trading_kill_switch_engaged"), "{text}");
}

/// What the journal counts of each order, by the venue's order id (its
/// acknowledgement names it): filled quantity and commission.
fn journaled_fills(inspect_json: &str) -> BTreeMap<String, (f64, f64)> {
    let mut venue_ids = BTreeMap::new();
    let mut fills: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for line in inspect_json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("inspect --json line");
        let input = &v["event"]["Input"];
        if let Some(ack) = input.get("OrderAck") {
            let venue_id = ack["venue_order_id"].as_str().unwrap().to_string();
            venue_ids.insert(ack["client_id"].as_u64().unwrap(), venue_id);
        } else if let Some(f) = input.get("Fill") {
            let e = fills.entry(f["client_id"].as_u64().unwrap()).or_default();
            e.0 += f["quantity"].as_f64().unwrap();
            e.1 += f["commission"].as_f64().unwrap();
        }
    }
    fills
        .into_iter()
        .filter_map(|(client_id, counted)| Some((venue_ids.get(&client_id)?.clone(), counted)))
        .collect()
}

#[test]
fn a_killed_session_resumes_its_journal_without_sending_any_order_twice() {
    killed_and_resumed("binance", "BTCUSDT");
}

#[test]
fn a_killed_okx_session_resumes_its_journal_with_the_fills_it_never_heard_of() {
    killed_and_resumed("okx", "BTC-USDT");
}

/// A session killed mid-order, then resumed on the same journal.
fn killed_and_resumed(venue: &str, symbol: &str) {
    let m = mock();
    let dir = session_dir(&config(venue, "testnet", symbol, &m));
    // The first run hears of no execution (a user-data gap it is never
    // told of): its fills reach the journal only through the resumed
    // session's lookups.
    m.inject(Fault::UserDataGap { ms: 120_000 });
    // First run: killed hard while an order's answer is held back.
    let mut first = spawn_live(dir.path(), &["--max-duration", "60s"]);
    wait_for("a first fill", || m.orders().iter().any(|o| o.filled > 0.0));
    let placed = m.placements();
    m.inject(Fault::Slow { ms: 1500, count: 1 });
    wait_for("the next order to arrive", || m.placements() > placed);
    std::thread::sleep(Duration::from_millis(200));
    first.kill().unwrap();
    let _ = first.wait();
    m.inject(Fault::UserDataGap { ms: 0 });
    let first_run: Vec<String> = m.orders().into_iter().map(|o| o.venue_id).collect();
    let booked_before = first_run.len();
    assert!(booked_before > 0, "the first run sent no order");
    // Second run: the same journal, recovered and resumed, until it trades.
    let second = spawn_live(dir.path(), &["--max-duration", "60s"]);
    wait_for("the resumed session to trade", || {
        m.orders().len() > booked_before + 1
    });
    terminate(&second);
    let (code, logs) = finish(second);
    assert_eq!(code, 0, "{logs}");
    let s = summary(dir.path());
    assert_eq!(s["resumed"], true, "{s}");
    let differences = s["differences"].to_string();
    assert!(
        !differences.contains("moved by"),
        "positions disagree after the restart: {differences}"
    );
    assert!(
        m.duplicate_client_ids().is_empty(),
        "{:?}",
        m.duplicate_client_ids()
    );
    assert!(
        m.orders().len() > booked_before,
        "the resumed session sent nothing"
    );
    let journal = dir.path().join("journal");
    let j = journal.to_str().unwrap();
    axon(dir.path(), &["journal", "verify", j]).ok();
    axon(
        dir.path(),
        &["replay", "--journal", j, "--verify", "--quiet"],
    )
    .ok();
    let inspect = axon(dir.path(), &["journal", "inspect", j, "--json"]).ok();
    for o in m.orders() {
        assert!(
            inspect
                .stdout
                .contains(&format!("\"venue_order_id\":\"{}\"", o.venue_id)),
            "order {} booked by the venue is not acknowledged in the journal",
            o.client_id
        );
    }
    // Every execution of the first run, seen only through a lookup, is
    // journaled with the commission the venue charged.
    let counted = journaled_fills(&inspect.stdout);
    let mut recovered = 0;
    for o in m
        .orders()
        .iter()
        .filter(|o| first_run.contains(&o.venue_id))
    {
        if o.filled == 0.0 {
            continue;
        }
        assert_eq!(o.commission_asset, "USDT");
        let (quantity, commission) = counted.get(&o.venue_id).copied().unwrap_or_default();
        assert!(
            (quantity - o.filled).abs() < 1e-9,
            "order {}: the journal counts {quantity} filled, the venue {}",
            o.client_id,
            o.filled
        );
        assert!(
            commission > 0.0 && (commission - o.commission).abs() < 1e-6,
            "order {}: the journal counts {commission} commission, the venue charged {}",
            o.client_id,
            o.commission
        );
        recovered += 1;
    }
    assert!(recovered > 0, "no fill of the first run was recovered");
    // One session: every order id carries the same session tag.
    let tags: std::collections::BTreeSet<String> = m
        .orders()
        .iter()
        .map(|o| o.client_id[..12].to_string())
        .collect();
    assert_eq!(tags.len(), 1, "{tags:?}");
}

#[test]
fn orders_still_queued_at_shutdown_are_never_sent_and_every_sent_one_is_journaled() {
    let m = mock();
    // A tight order budget: the engine's orders queue behind it.
    let dir = session_dir(
        &config("binance", "testnet", "BTCUSDT", &m)
            .replace("orders_per_minute = 600", "orders_per_minute = 20"),
    );
    let child = spawn_live(dir.path(), &["--max-duration", "60s"]);
    wait_for("a first order", || !m.orders().is_empty());
    std::thread::sleep(Duration::from_millis(1500));
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let journal = dir.path().join("journal");
    let j = journal.to_str().unwrap();
    let inspect = axon(dir.path(), &["journal", "inspect", j, "--json"]).ok();
    assert!(
        inspect.stdout.contains("session stopping: not sent"),
        "no order was left queued at shutdown; the test needs a tighter budget"
    );
    for o in m.orders() {
        assert!(
            inspect
                .stdout
                .contains(&format!("\"venue_order_id\":\"{}\"", o.venue_id)),
            "order {} reached the venue but not the journal",
            o.client_id
        );
    }
    axon(
        dir.path(),
        &["replay", "--journal", j, "--verify", "--quiet"],
    )
    .ok();
}

/// A venue that stays unreachable past the reconnect budget stops the
/// session with exit code 3 (not 2: nothing in the input was wrong), and the
/// journal it closed replays.
#[test]
fn a_stream_lost_for_good_exits_3_and_the_journal_replays() {
    let m = mock();
    let text =
        config("binance", "paper", "BTCUSDT", &m).replace("max_retries = 20", "max_retries = 2");
    let dir = session_dir(&text);
    let child = spawn_live(dir.path(), &["--max-duration", "60s"]);
    wait_for("the market stream", || m.connections() >= 1);
    std::thread::sleep(Duration::from_millis(300));
    // The venue goes away: every reconnect is refused.
    m.shutdown();
    let (code, logs) = finish(child);
    assert_eq!(code, 3, "{logs}");
    let line = logs
        .lines()
        .find(|l| l.starts_with("axon: "))
        .unwrap_or_else(|| panic!("no error line:\n{logs}"));
    assert!(
        line.contains("binance market stream lost")
            && line.contains("the journal is closed and replays"),
        "{line}"
    );
    let journal = dir.path().join("journal");
    replay_verifies(dir.path(), &journal);
}
