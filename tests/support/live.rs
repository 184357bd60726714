//! `axon live` against the loopback mock exchange: the mock, a config,
//! the session process, and waiting on what it does.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use axon_mockex::{MockConfig, MockExchange};

pub const KEY: &str = "mock-key-8f3a1c";
pub const SECRET: &str = "mock-secret-d41d8cd98f00b204";
pub const PASSPHRASE: &str = "mock-pass-5e2b";

/// The mock with these credentials, fast ticks, two fills per order, and
/// enough of both assets that shorts and longs are covered.
pub fn mock() -> MockExchange {
    mock_with(&[("USDT", 1_000_000.0), ("BTC", 10.0)])
}

/// [`mock`] with these balances.
pub fn mock_with(balances: &[(&str, f64)]) -> MockExchange {
    let mut cfg = MockConfig {
        api_key: KEY.into(),
        api_secret: SECRET.into(),
        passphrase: PASSPHRASE.into(),
        tick_interval_ms: 10,
        ping_interval_ms: 300,
        partial_fills: 2,
        ..MockConfig::default()
    };
    cfg.balances = balances.iter().map(|(a, v)| (a.to_string(), *v)).collect();
    MockExchange::start(cfg).expect("mock exchange starts on loopback")
}

/// A live config on the mock: SMA crossover, fixed sizing.
pub fn config(venue: &str, mode: &str, symbol: &str, m: &MockExchange) -> String {
    format!(
        r#"[session]
cash = 100000.0
seed = 5

[strategy]
kind = "sma_cross"
fast = 3
slow = 8

[execution]
sizing = "fixed"
units = 0.002
commission_bps = 10.0

[risk]
max_position = 0.01
max_open_orders = 4

[journal]
path = "journal"
durability = "group"

[exchange]
venue = "{venue}"
mode = "{mode}"
symbols = ["{symbol}"]
rest_url = "{rest}"
ws_url = "{ws}"

[exchange.rate_limit]
requests_per_second = 50
orders_per_minute = 600

[exchange.reconnect]
max_retries = 20
initial_backoff_ms = 50
"#,
        rest = m.rest_url(),
        ws = m.ws_url()
    )
}

/// A scratch folder holding `live.toml`.
pub fn session_dir(config: &str) -> tempfile::TempDir {
    let dir = super::tempdir();
    std::fs::write(dir.path().join("live.toml"), config).unwrap();
    dir
}

/// Starts `axon live -c live.toml --summary-json summary.json` in `dir`.
pub fn spawn_live(dir: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(dir)
        .args(["live", "-c", "live.toml", "--summary-json", "summary.json"])
        .args(extra)
        .env("AXON_API_KEY", KEY)
        .env("AXON_API_SECRET", SECRET)
        .env("AXON_PASSPHRASE", PASSPHRASE)
        .env("AXON_LOG", "debug")
        .env("AXON_PYTHON", super::python())
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running axon live")
}

/// Polls `done` every 20 ms; panics after 30 s naming what never happened.
pub fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, Duration::from_secs(30), done);
}

/// Polls `done` every 20 ms; panics after `limit` naming what never happened.
pub fn wait_for_within(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGTERM: the graceful stop.
pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the session to exit; its exit code and output.
pub fn finish(child: Child) -> (i32, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("axon live exits");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    assert!(!text.contains("panicked"), "axon live panicked:\n{text}");
    (status.code().unwrap_or(-1), text)
}

/// The session's `summary.json`.
pub fn summary(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).unwrap()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /metrics` on loopback; empty while the server is not up yet.
pub fn scrape(port: u16) -> String {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// The value of the first series named `name` whose labels contain every
/// `label="value"` pair given.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The sum of every series named `name`.
pub fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// `axon journal inspect --json` of a closed journal, one value per record.
pub fn records(dir: &Path, journal: &Path) -> Vec<serde_json::Value> {
    let run = super::axon(
        dir,
        &["journal", "inspect", journal.to_str().unwrap(), "--json"],
    )
    .ok();
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("inspect --json lines"))
        .collect()
}

/// `axon replay --verify` on the journal passes.
pub fn replay_verifies(dir: &Path, journal: &Path) {
    let run = super::axon(
        dir,
        &[
            "replay",
            "--journal",
            journal.to_str().unwrap(),
            "--verify",
            "--quiet",
        ],
    )
    .ok();
    assert!(!run.stderr.contains("differ"), "{}", run.stderr);
}
