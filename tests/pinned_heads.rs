//! Journals written by fixed inputs keep their head hash: any change in what
//! the engine consumes or produces, or in how it is encoded, moves the hash.
//! A change that is meant to alter journals updates these pins in the same
//! commit and says why; a refactoring never does.
//!
//! Only the built-in SMA crossover runs here: model backends pick their
//! kernels by CPU, so a model's output bits (and a journal holding them)
//! may differ between machines, while these runs use plain arithmetic.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::Value;

mod support;
use support::{axon, tempdir};

/// Runs a backtest of `config` in `dir` and returns its head hash.
fn head_of(dir: &Path, name: &str, config: &str) -> String {
    fs::write(dir.join(format!("{name}.toml")), config).expect("writing the config");
    let summary = format!("{name}.json");
    axon(
        dir,
        &[
            "backtest",
            "-c",
            &format!("{name}.toml"),
            "--summary-json",
            &summary,
            "--quiet",
        ],
    )
    .ok();
    let text = fs::read_to_string(dir.join(&summary)).expect("reading the summary");
    let s: Value = serde_json::from_str(&text).expect("the summary is JSON");
    assert!(
        s["trades"].as_u64().is_some_and(|n| n > 0),
        "{name}: the run should trade: {text}"
    );
    s["head_hash"]
        .as_str()
        .expect("head_hash is a string")
        .to_owned()
}

fn synth_ticks(dir: &Path) {
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
            "t.parquet",
            "--quiet",
        ],
    )
    .ok();
}

/// 700 daily bars of a trending wave, written as CSV and imported.
fn bars(dir: &Path) {
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let mut close = 100.0_f64;
    for i in 0..700u32 {
        let day = i + 1;
        let (y, m, d) = (2020 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
        let open = close;
        close = 100.0 + 0.02 * f64::from(i) + 8.0 * (f64::from(i) / 23.0).sin();
        let high = open.max(close) + 0.5;
        let low = open.min(close) - 0.5;
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

const TICKS_ALL_IN: &str = r#"[session]
cash = 100000.0
seed = 7

[data]
path = "t.parquet"

[strategy]
kind = "sma_cross"
fast = 20
slow = 80

[execution]
fill = "next_tick"
sizing = "all_in"
commission_bps = 0.5

[risk]
max_order_notional = 1e9
max_drawdown_pct = 50.0

[journal]
path = "j1"
durability = "none"
"#;

const TICKS_FRACTION_LIMITS: &str = r#"[session]
cash = 50000.0
seed = 3

[data]
path = "t.parquet"

[strategy]
kind = "sma_cross"
fast = 10
slow = 40

[execution]
fill = "next_tick"
sizing = "fraction"
fraction = 0.4
commission_bps = 2.0
slippage = 0.01
decisions = "all"
close_at_end = false

[risk]
max_position = 300.0
max_orders_per_sec = 5
price_band_pct = 5.0
max_drawdown_pct = 3.0
kill_switch = "halted"

[ensemble]
threshold = 0.1

[journal]
path = "j2"
durability = "none"
segment_mb = 1
"#;

const BARS_FIXED: &str = r#"[session]
cash = 10000.0

[data]
path = "bars.parquet"

[strategy]
kind = "sma_cross"
fast = 5
slow = 21

[execution]
fill = "next_open"
sizing = "fixed"
units = 7.0
commission_bps = 10.0

[journal]
path = "j3"
durability = "none"
"#;

#[test]
fn fixed_inputs_keep_their_journal_head_hashes() {
    let dir = tempdir();
    let d = dir.path();
    synth_ticks(d);
    bars(d);
    let got = [
        ("ticks, all in", head_of(d, "a", TICKS_ALL_IN)),
        (
            "ticks, fraction, limits",
            head_of(d, "b", TICKS_FRACTION_LIMITS),
        ),
        ("bars, fixed units", head_of(d, "c", BARS_FIXED)),
    ];
    let pinned = [
        "3212054040695f87d8aae7d8e5f09bf75659872554d040730dbe92ea1cb821f1",
        "593658d7374acb05fc8aae3d55d4c486f807d4b7f01d22ea0ba3eceae83c074b",
        "d87c53fc3542221ed040a871344149458f4e9d7e720b00c0059f5d29f2f20aae",
    ];
    for ((name, head), pin) in got.iter().zip(pinned) {
        assert_eq!(head, pin, "{name}: the journal's head hash moved");
    }
}
