//! `axon backtest --metrics-port`: a real scrape of `/metrics` from a running
//! axon, checked by Prometheus's own `promtool check metrics`, and values
//! that agree with the run's summary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn axon() -> Command {
    Command::new(env!("CARGO_BIN_EXE_axon"))
}

fn scrape(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to the metrics server");
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.") && resp.contains(" 200 "),
        "{resp}"
    );
    resp.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_running_backtest_serves_metrics_that_promtool_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let status = axon()
        .args(["data", "synth", "--seed", "3", "--ticks", "60000", "-o"])
        .arg(d.join("t.parquet"))
        .arg("--quiet")
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        d.join("bt.toml"),
        r#"
[session]
cash = 100000.0
[data]
path = "t.parquet"
[strategy]
kind = "sma_cross"
fast = 50
slow = 200
[execution]
fill = "next_tick"
sizing = "fraction"
fraction = 0.3
commission_bps = 1.0
[risk]
max_order_notional = 50000.0
[journal]
path = "run"
durability = "group"
# An MLP beside the strategy, weighted 0: it is timed, it does not trade.
[ensemble]
weights = [1.0, 0.0]
[[models.slots]]
path = "MODEL"
"#
        .replace(
            "MODEL",
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("data/models/mlp_4.safetensors")
                .display()
                .to_string(),
        ),
    )
    .unwrap();
    let summary = d.join("s.json");
    let mut child = axon()
        .arg("backtest")
        .arg("-c")
        .arg(d.join("bt.toml"))
        .arg("--summary-json")
        .arg(&summary)
        .args([
            "--quiet",
            "--metrics-port",
            "0",
            "--metrics-hold-secs",
            "60",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("metrics: http://")
        .and_then(|s| s.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("unexpected first stderr line: {line:?}"))
        .to_string();
    // The summary file is written when the run is over; the server stays up.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !summary.exists() {
        assert!(Instant::now() < deadline, "the backtest did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = scrape(&addr);
    let not_found = {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(s, "GET /nope HTTP/1.0\r\n\r\n").unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    child.kill().ok();
    child.wait().ok();
    assert!(not_found.contains(" 404 "), "{not_found}");

    let promtool = Path::new("/usr/bin/promtool");
    assert!(
        promtool.exists() || which("promtool"),
        "promtool is missing: run scripts/setup-ops.sh"
    );
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let equity = s["equity_final"].as_f64().unwrap();
    assert!((value(&text, "trading_equity") - equity).abs() < 1e-6);
    let dd = s["max_drawdown_pct"].as_f64().unwrap() / 100.0;
    assert!((value(&text, "trading_max_drawdown") - dd).abs() < 1e-9);
    assert_eq!(
        value(&text, "engine_events_total") as u64,
        s["events"].as_u64().unwrap()
    );
    assert_eq!(
        value(&text, "journal_records_total") as u64,
        s["events"].as_u64().unwrap()
    );
    assert!(value(&text, "journal_bytes_total") > 0.0);
    assert!(
        value(&text, "journal_fsync_duration_seconds_count") > 0.0,
        "group commit syncs"
    );
    let orders = value(&text, "trading_orders_total{side=\"buy\",symbol=\"SYN\"}")
        + value(&text, "trading_orders_total{side=\"sell\",symbol=\"SYN\"}");
    assert!(orders > 0.0, "the run traded");
    assert!(text.contains("trading_rejections_total{reason=\"max_order_notional\"}"));
    assert_eq!(
        value(&text, "trading_position{symbol=\"SYN\"}"),
        0.0,
        "flat at the end"
    );
    assert!(text.contains("axon_build_info{version="));
    let predictions = value(
        &text,
        "inference_latency_seconds_count{backend=\"candle\",model=\"da3aa1e9e455\"}",
    );
    assert!(
        predictions > 1000.0,
        "every tick after warm-up timed one prediction: {predictions}"
    );
    assert!(text.contains("model_info{backend=\"candle\",sha256=\"da3aa1e9e455"));
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(cmd).exists()))
        .unwrap_or(false)
}
