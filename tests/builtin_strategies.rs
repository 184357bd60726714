//! The built-in price-action strategies through the `axon` binary:
//! `validate-config`, `backtest` on a bars file and on a ticks file,
//! `replay --verify`, and `journal inspect` showing the strategy's settings
//! in the session start and its orders (stops, limits, brackets, cancels)
//! in the journal. Config errors name the `[strategy]` key at fault.
//!
//! Their trades are checked against backtesting.py in
//! `tests/oracle_builtins.rs`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::Value;

mod support;
use support::{axon, tempdir};

/// 700 daily bars of a trending wave, imported from CSV as `bars.parquet`.
fn bars(dir: &Path) {
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let mut close = 100.0_f64;
    for i in 0..700u32 {
        let day = i + 1;
        let (y, m, d) = (2020 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
        let open = close;
        close = 100.0 + 0.02 * f64::from(i) + 8.0 * (f64::from(i) / 23.0).sin();
        let wick = 0.5 + f64::from(i % 7) * 0.2;
        let (high, low) = (open.max(close) + wick, open.min(close) - wick);
        writeln!(
            csv,
            "{y:04}-{m:02}-{d:02},{open:.4},{high:.4},{low:.4},{close:.4},{}",
            1000 + i
        )
        .expect("formatting a row");
    }
    fs::write(dir.join("bars.csv"), csv).expect("writing bars.csv");
    axon(
        dir,
        &[
            "data",
            "import-csv",
            "bars.csv",
            "-o",
            "bars.parquet",
            "--symbol",
            "WAVE",
            "--quiet",
        ],
    )
    .ok();
}

/// 6000 synthetic ticks (seed 11) as `ticks.parquet`.
fn ticks(dir: &Path) {
    axon(
        dir,
        &[
            "data",
            "synth",
            "--seed",
            "11",
            "--ticks",
            "6000",
            "-o",
            "ticks.parquet",
            "--quiet",
        ],
    )
    .ok();
}

fn config(data: &str, fill: &str, strategy: &str, journal: &str) -> String {
    format!(
        "[session]\ncash = 100000.0\nseed = 5\n\n[data]\npath = \"{data}\"\n\n\
         [strategy]\n{strategy}\n\n[execution]\nfill = \"{fill}\"\nsizing = \"fraction\"\n\
         fraction = 0.5\ncommission_bps = 1.0\n\n[journal]\npath = \"{journal}\"\n\
         durability = \"none\"\n"
    )
}

const DONCHIAN_BARS: &str = "kind = \"donchian\"\nn = 20\nexit_n = 10\nshort = true";
const DONCHIAN_TICKS: &str = "kind = \"donchian\"\nn = 200\nexit_n = 100\nshort = true";
const BOLLINGER_BARS: &str = "kind = \"bollinger\"\nn = 20\nk = 2.0\nk_stop = 1.5\nshort = true";
const BOLLINGER_TICKS: &str = "kind = \"bollinger\"\nn = 100\nk = 2.0\nk_stop = 2.0";

/// Every record of a journal, as JSON.
fn records(dir: &Path, journal: &str) -> Vec<Value> {
    let run = axon(dir, &["journal", "inspect", journal, "--json"]).ok();
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Validates, backtests and verifies the replay of one config; returns the
/// journal's records.
fn backtest_and_verify(dir: &Path, name: &str, text: &str) -> Vec<Value> {
    let file = format!("{name}.toml");
    fs::write(dir.join(&file), text).expect("writing the config");
    let run = axon(dir, &["validate-config", "-c", &file]).ok();
    assert!(run.stdout.contains("ok"), "{}", run.stdout);
    let summary = format!("{name}.json");
    axon(
        dir,
        &[
            "backtest",
            "-c",
            &file,
            "--summary-json",
            &summary,
            "--quiet",
        ],
    )
    .ok();
    let s: Value = serde_json::from_str(&fs::read_to_string(dir.join(&summary)).expect("summary"))
        .expect("summary JSON");
    assert!(
        s["trades"].as_u64().is_some_and(|n| n >= 2),
        "{name}: the run should trade: {s}"
    );
    let journal = format!("j-{name}");
    let run = axon(dir, &["replay", "--journal", &journal, "--verify"]).ok();
    assert!(run.stdout.contains("replay verified"), "{}", run.stdout);
    records(dir, &journal)
}

fn kinds(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["kind"].as_str().expect("kind"))
        .collect()
}

/// The order types of the journal's submitted orders, as their JSON keys
/// (`Stop`, `Limit`, `Market`, `MarketOnClose`).
fn submitted_types(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["kind"] == "OrderSubmitted")
        .map(|r| {
            let t = &r["event"]["Output"]["OrderSubmitted"]["order"]["order_type"];
            match t {
                Value::String(s) => s.clone(),
                Value::Object(o) => o.keys().next().expect("a variant").clone(),
                other => panic!("order type {other}"),
            }
        })
        .collect()
}

fn strategy_of(records: &[Value]) -> &Value {
    &records[0]["event"]["Input"]["SessionStart"]["config"]["strategy"]
}

#[test]
fn donchian_backtests_and_replays_on_bars_and_ticks() {
    let dir = tempdir();
    let d = dir.path();
    bars(d);
    ticks(d);
    let recs = backtest_and_verify(
        d,
        "donchian-bars",
        &config(
            "bars.parquet",
            "next_open",
            DONCHIAN_BARS,
            "j-donchian-bars",
        ),
    );
    assert_eq!(
        strategy_of(&recs),
        &serde_json::json!({"Donchian": {"n": 20, "exit_n": 10, "short": true, "bars": []}})
    );
    let k = kinds(&recs);
    for want in ["Bracket", "CancelRequest", "CancelAck", "Fill"] {
        assert!(k.contains(&want), "no {want} record in the journal");
    }
    let types = submitted_types(&recs);
    assert!(types.iter().any(|t| t == "Stop"), "{types:?}");
    assert!(
        types.iter().all(|t| t == "Stop" || t == "MarketOnClose"),
        "{types:?}"
    );
    let recs = backtest_and_verify(
        d,
        "donchian-ticks",
        &config(
            "ticks.parquet",
            "next_tick",
            DONCHIAN_TICKS,
            "j-donchian-ticks",
        ),
    );
    assert!(kinds(&recs).contains(&"Bracket"));
}

/// On ticks with `bars = ["30ticks"]`, the strategy trades on the bars the
/// engine builds from the ticks; the journal holds the ticks and replays.
#[test]
fn donchian_trades_on_bars_built_from_ticks() {
    let dir = tempdir();
    let d = dir.path();
    ticks(d);
    let strategy =
        "kind = \"donchian\"\nn = 10\nexit_n = 5\nshort = true\nbars = [\"30ticks\", \"1m\"]";
    let recs = backtest_and_verify(
        d,
        "donchian-built",
        &config("ticks.parquet", "next_tick", strategy, "j-donchian-built"),
    );
    assert_eq!(
        strategy_of(&recs),
        &serde_json::json!({"Donchian": {"n": 10, "exit_n": 5, "short": true, "bars": ["30ticks", "1m"]}})
    );
    let types = submitted_types(&recs);
    assert!(types.iter().any(|t| t == "Stop"), "{types:?}");
    // Orders change only when a bar closes: every 30th tick at most.
    let ticks = kinds(&recs).iter().filter(|k| **k == "Tick").count();
    let intents = kinds(&recs).iter().filter(|k| **k == "OrderIntent").count();
    assert!(
        ticks >= 6000 && intents < ticks / 30 * 4,
        "{intents} intents for {ticks} ticks"
    );
    let bad = config(
        "ticks.parquet",
        "next_tick",
        "kind = \"donchian\"\nn = 10\nexit_n = 5\nbars = [\"1w\"]",
        "j-bad",
    );
    fs::write(d.join("bad.toml"), bad).expect("writing the config");
    axon(d, &["validate-config", "-c", "bad.toml"]).error(2, &["strategy.bars", "\"1w\""]);
}

#[test]
fn bollinger_backtests_and_replays_on_bars_and_ticks() {
    let dir = tempdir();
    let d = dir.path();
    bars(d);
    ticks(d);
    let recs = backtest_and_verify(
        d,
        "bollinger-bars",
        &config(
            "bars.parquet",
            "next_open",
            BOLLINGER_BARS,
            "j-bollinger-bars",
        ),
    );
    assert_eq!(
        strategy_of(&recs),
        &serde_json::json!({"Bollinger": {"n": 20, "k": 2.0, "k_stop": 1.5, "short": true, "bars": []}})
    );
    let types = submitted_types(&recs);
    // Limit entries and take-profits, stop-losses.
    for want in ["Limit", "Stop"] {
        assert!(types.iter().any(|t| t == want), "{types:?}");
    }
    let k = kinds(&recs);
    for want in ["Bracket", "CancelRequest"] {
        assert!(k.contains(&want), "no {want} record in the journal");
    }
    let recs = backtest_and_verify(
        d,
        "bollinger-ticks",
        &config(
            "ticks.parquet",
            "next_tick",
            BOLLINGER_TICKS,
            "j-bollinger-ticks",
        ),
    );
    assert_eq!(
        strategy_of(&recs),
        &serde_json::json!({"Bollinger": {"n": 100, "k": 2.0, "k_stop": 2.0, "short": false, "bars": []}})
    );
}

#[test]
fn strategy_keys_are_checked_by_kind() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(d.join("bars.parquet"), b"").expect("placeholder data");
    let cases = [
        ("kind = \"donchian\"\nn = 20", "strategy.exit_n", "required"),
        (
            "kind = \"donchian\"\nn = 20\nexit_n = 10\nfast = 3",
            "strategy.fast",
            "not a key of kind = \"donchian\"",
        ),
        (
            "kind = \"donchian\"\nn = 0\nexit_n = 10",
            "strategy.n",
            ">= 1",
        ),
        (
            "kind = \"bollinger\"\nn = 20\nk = -1.0\nk_stop = 1.0",
            "strategy.k",
            "> 0",
        ),
        (
            "kind = \"bollinger\"\nn = 20\nk = 2.0\nk_stop = nan",
            "strategy.k_stop",
            "> 0",
        ),
        (
            "kind = \"bollinger\"\nn = 1\nk = 2.0\nk_stop = 1.0",
            "strategy.n",
            ">= 2",
        ),
        (
            "kind = \"sma_cross\"\nfast = 10\nslow = 30\nshort = true",
            "strategy.short",
            "not a key",
        ),
        ("kind = \"turtle\"\nn = 20", "strategy.kind", "turtle"),
    ];
    for (i, (strategy, key, words)) in cases.iter().enumerate() {
        let file = format!("c{i}.toml");
        let text = config("bars.parquet", "next_open", strategy, &format!("j{i}"));
        fs::write(d.join(&file), text).expect("writing the config");
        axon(d, &["validate-config", "-c", &file]).error(2, &[&file, key, words]);
    }
}

/// One strategy trading two instruments from one account: each entry is
/// two orders on the same event, opposite sides, one per leg; both legs
/// close together; the journal replays.
#[test]
fn pairs_trades_both_legs_from_one_account() {
    let dir = tempdir();
    let d = dir.path();
    support::pair(d);
    let strategy = "kind = \"pairs\"\nlegs = [\"A\", \"B\"]\nn = 20\nentry_z = 1.2\nexit_z = 0.3";
    let recs = backtest_and_verify(
        d,
        "pairs",
        &config("pair.parquet", "next_open", strategy, "j-pairs"),
    );
    assert_eq!(
        strategy_of(&recs),
        &serde_json::json!({"Pairs": {"legs": ["A", "B"], "n": 20, "entry_z": 1.2, "exit_z": 0.3, "fraction": 0.5}})
    );
    // Entries (not reduce-only) come in pairs: same record time, one per
    // instrument, opposite sides.
    let entries: Vec<(i64, u64, String)> = recs
        .iter()
        .filter(|r| r["kind"] == "OrderSubmitted")
        .filter_map(|r| {
            let o = &r["event"]["Output"]["OrderSubmitted"]["order"];
            (o["reduce_only"] == false).then(|| {
                (
                    r["time_ns"].as_i64().expect("time"),
                    o["instrument"].as_u64().expect("instrument"),
                    o["side"].as_str().expect("side").to_string(),
                )
            })
        })
        .collect();
    assert!(entries.len() >= 4, "{entries:?}");
    for pair in entries.chunks(2) {
        let [(t0, i0, s0), (t1, i1, s1)] = pair else {
            panic!("an entry without its other leg: {entries:?}");
        };
        assert_eq!((t0, i0, i1), (t1, &0, &1), "{pair:?}");
        assert_ne!(s0, s1, "{pair:?}");
    }
    let bad = config(
        "pair.parquet",
        "next_open",
        "kind = \"pairs\"\nlegs = [\"A\", \"A\"]\nn = 20\nentry_z = 1.5\nexit_z = 0.3",
        "j-bad",
    );
    fs::write(d.join("bad.toml"), bad).expect("writing the config");
    axon(d, &["validate-config", "-c", "bad.toml"]).error(2, &["strategy.legs", "two different"]);
}
