//! The `axon` binary end to end, in temporary folders: demo, synthetic data,
//! backtest, replay verification, diff, tamper detection, inspect and export
//! (read back with pyarrow and pandas), and bad input.
//!
//! Exit codes: 0 success, 1 a verification or diff found a difference, 2 bad
//! usage or bad input. Errors are a line on stderr starting with `axon: `,
//! never a panic or a backtrace.
//!
//! The export check needs the project's Python environment
//! (`scripts/setup-python.sh`); it fails, never skips, without it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

mod support;
use support::{axon, axon_env, python, tempdir};

/// A backtest config on a tick file, filling at the next tick.
fn tick_config(data: &str, journal: &str) -> String {
    format!(
        r#"[session]
cash = 100000.0
seed = 7

[data]
path = "{data}"

[strategy]
kind = "sma_cross"
fast = 20
slow = 80

[execution]
fill = "next_tick"
sizing = "all_in"
commission_bps = 0.5
slippage = 0.0
decisions = "actions"

[risk]
max_order_notional = 1e9
max_drawdown_pct = 50.0

[journal]
path = "{journal}"
durability = "none"
"#
    )
}

/// Synthesizes 5000 ticks with `seed` into `dir/name`.
fn synth(dir: &Path, seed: u64, name: &str) {
    axon(
        dir,
        &[
            "data",
            "synth",
            "--seed",
            &seed.to_string(),
            "--ticks",
            "5000",
            "-o",
            name,
            "--quiet",
        ],
    )
    .ok();
}

/// A folder with `t.parquet` (seed 7), `bt.toml` and a backtest journal in
/// `run1` whose summary is in `s.json`; returns the folder and the summary.
fn backtested() -> (TempDir, Value) {
    let dir = tempdir();
    let d = dir.path();
    synth(d, 7, "t.parquet");
    fs::write(d.join("bt.toml"), tick_config("t.parquet", "run1")).expect("writing bt.toml");
    axon(
        d,
        &[
            "backtest",
            "-c",
            "bt.toml",
            "--summary-json",
            "s.json",
            "--quiet",
        ],
    )
    .ok();
    let summary = read_json(&d.join("s.json"));
    (dir, summary)
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn segments(journal: &Path) -> Vec<PathBuf> {
    let mut segs: Vec<PathBuf> = fs::read_dir(journal)
        .expect("journal folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    segs.sort();
    segs
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("creating the copy");
    for entry in fs::read_dir(from).expect("reading the folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copying a file");
        }
    }
}

// ---------------------------------------------------------------------------
// demo, data synth
// ---------------------------------------------------------------------------

#[test]
fn demo_into_a_folder_verifies_its_replay() {
    let dir = tempdir();
    let run = axon(dir.path(), &["demo", "--ticks", "20000", "--out", "demo"]).ok();
    assert!(run.stdout.contains("replay verified"), "{}", run.stdout);
    let out = dir.path().join("demo");
    for f in ["ticks.parquet", "backtest.toml", "journal/manifest.json"] {
        assert!(out.join(f).exists(), "demo did not keep {f}");
    }
    // The config it wrote reruns as is, from the same folder, into the same
    // journal record for record. (From inside `demo` the journaled data path
    // would read `ticks.parquet` instead of `demo/ticks.parquet`.)
    axon(
        dir.path(),
        &[
            "backtest",
            "-c",
            "demo/backtest.toml",
            "--journal",
            "demo/again",
            "--quiet",
        ],
    )
    .ok();
    axon(dir.path(), &["diff", "demo/journal", "demo/again"]).ok();
    // A second demo into the same folder refuses to overwrite it.
    axon(dir.path(), &["demo", "--ticks", "20000", "--out", "demo"])
        .error(2, &["demo", "already holds"]);
}

#[test]
fn quiet_demo_runs_from_an_empty_folder_and_leaves_nothing_behind() {
    let cwd = tempdir();
    let tmp = tempdir();
    let run = axon_env(
        cwd.path(),
        &["demo", "--ticks", "20000", "--quiet"],
        &[("TMPDIR", tmp.path())],
    )
    .ok();
    assert!(run.stdout.contains("replay verified"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let left = |d: &Path| fs::read_dir(d).expect("folder").count();
    assert_eq!(left(cwd.path()), 0, "demo wrote into the working folder");
    assert_eq!(left(tmp.path()), 0, "demo left its temporary folder behind");
}

#[test]
fn synthetic_data_is_byte_identical_for_a_seed() {
    let dir = tempdir();
    let d = dir.path();
    for name in ["a.parquet", "b.parquet"] {
        axon(
            d,
            &[
                "data", "synth", "--seed", "7", "--ticks", "5000", "-o", name,
            ],
        )
        .ok();
    }
    synth(d, 8, "c.parquet");
    let a = fs::read(d.join("a.parquet")).expect("a.parquet");
    let b = fs::read(d.join("b.parquet")).expect("b.parquet");
    let c = fs::read(d.join("c.parquet")).expect("c.parquet");
    assert!(!a.is_empty());
    assert!(a == b, "two runs with seed 7 differ");
    assert!(a != c, "seeds 7 and 8 gave the same file");
}

// ---------------------------------------------------------------------------
// backtest, replay, diff
// ---------------------------------------------------------------------------

#[test]
fn backtest_summary_replay_and_diff() {
    let (dir, s) = backtested();
    let d = dir.path();
    for key in ["trades", "events"] {
        assert!(s[key].is_u64(), "{key} is not an unsigned integer: {s}");
    }
    for key in [
        "equity_final",
        "return_pct",
        "max_drawdown_pct",
        "exposure_pct",
        "expectancy_pct",
        "buy_hold_return_pct",
        "events_per_sec",
    ] {
        assert!(s[key].is_f64(), "{key} is not a float: {s}");
    }
    // 5000 ticks a quarter second apart fit in one day: no daily return,
    // so the annualised figures are undefined (as backtesting.py's NaN).
    for key in ["sharpe", "sortino", "volatility_ann_pct"] {
        assert!(
            s[key].is_null(),
            "{key} should be null on one day of data: {s}"
        );
    }
    assert!(
        s["trades"].as_u64() > Some(0),
        "the config should trade: {s}"
    );
    assert!(s["events"].as_u64() > Some(5000), "{s}");
    let head = s["head_hash"].as_str().expect("head_hash is a string");
    assert_eq!(head.len(), 64, "{head}");
    assert!(
        head.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{head}"
    );

    let run = axon(d, &["replay", "--journal", "run1", "--verify"]).ok();
    assert!(run.stdout.contains("replay verified"), "{}", run.stdout);
    let run = axon(d, &["replay", "--journal", "run1", "--verify", "--json"]).ok();
    let outcome: Value = serde_json::from_str(&run.stdout).expect("replay --json");
    assert_eq!(outcome["head_hash"], head);
    assert_eq!(outcome["records"], s["events"]);
    assert!(outcome["mismatch"].is_null(), "{outcome}");

    // The same config again, into another journal: the same journal.
    axon(
        d,
        &[
            "backtest",
            "-c",
            "bt.toml",
            "--journal",
            "run2",
            "--summary-json",
            "s2.json",
            "--quiet",
        ],
    )
    .ok();
    let s2 = read_json(&d.join("s2.json"));
    assert_eq!(s2["head_hash"], head);
    assert_eq!(s2["trades"], s["trades"]);
    assert_eq!(s2["equity_final"], s["equity_final"]);
    let run = axon(d, &["diff", "run1", "run2"]).ok();
    assert!(run.stdout.contains("identical"), "{}", run.stdout);

    // Other data (another seed): the journals differ.
    synth(d, 8, "t3.parquet");
    fs::write(d.join("bt3.toml"), tick_config("t3.parquet", "run3")).expect("bt3.toml");
    axon(d, &["backtest", "-c", "bt3.toml", "--quiet"]).ok();
    let run = axon(d, &["diff", "run1", "run3"]).expect(1);
    assert!(run.stdout.contains("differ at seq"), "{}", run.stdout);
    assert!(
        run.stderr.starts_with("axon: ") && run.stderr.contains("differ at seq"),
        "{}",
        run.stderr
    );
    let run = axon(d, &["diff", "run1", "run3", "--json"]).expect(1);
    let report: Value = serde_json::from_str(&run.stdout).expect("diff --json");
    assert_eq!(report["identical"], false);
    assert!(report["first"]["seq"].is_u64(), "{report}");
}

/// A session's identity is what it consumed: the same settings with the
/// data and the journal in other folders, keys reordered, comments and
/// spacing added, give the same head hash. The file's own text is kept
/// beside each journal.
#[test]
fn the_head_hash_does_not_depend_on_where_or_how_the_config_is_written() {
    let (dir, s) = backtested();
    let d = dir.path();
    let other = tempdir();
    let o = other.path();
    fs::create_dir_all(o.join("market")).expect("mkdir");
    fs::copy(d.join("t.parquet"), o.join("market/t.parquet")).expect("copy data");
    let reformatted = r#"# The same backtest, written by someone else.
[journal]
durability = "every"          # durability is how, not what
path = "out/deep/run-elsewhere"

[strategy]
slow = 80
fast = 20
kind = "sma_cross"

[session]
seed = 7
cash = 1e5

[execution]
decisions = "actions"
slippage = 0.0
commission_bps = 0.5
sizing = "all_in"
fill = "next_tick"

[data]
path = "market/t.parquet"

[risk]
max_drawdown_pct = 50.0
max_order_notional = 1e9
"#;
    fs::write(o.join("b.toml"), reformatted).expect("write b.toml");
    axon(
        o,
        &[
            "backtest",
            "-c",
            "b.toml",
            "--summary-json",
            "s.json",
            "--quiet",
        ],
    )
    .ok();
    let s2 = read_json(&o.join("s.json"));
    assert_eq!(
        s2["head_hash"], s["head_hash"],
        "same settings and data, other folders and layout: one identity"
    );
    assert_eq!(
        fs::read_to_string(o.join("out/deep/run-elsewhere/config.toml")).expect("config.toml"),
        reformatted,
        "the config file's text is kept beside the journal"
    );
    // A setting that changes what the engine does changes the identity.
    fs::write(
        o.join("c.toml"),
        reformatted.replace("fast = 20", "fast = 21"),
    )
    .expect("c.toml");
    axon(
        o,
        &[
            "backtest",
            "-c",
            "c.toml",
            "--journal",
            "runc",
            "--summary-json",
            "c.json",
            "--quiet",
        ],
    )
    .ok();
    assert_ne!(read_json(&o.join("c.json"))["head_hash"], s["head_hash"]);
}

#[test]
fn a_changed_bar_is_found_by_diff() {
    // Same file names and config text, in two folders; one bar's close differs.
    let dir = tempdir();
    let d = dir.path();
    fs::create_dir_all(d.join("a")).expect("a");
    fs::create_dir_all(d.join("b")).expect("b");
    let header = "Date,Open,High,Low,Close,Volume\n";
    let mut rows = String::from(header);
    for i in 0..60 {
        let c = 100.0 + ((i * 7) % 13) as f64 - ((i * 3) % 5) as f64;
        rows.push_str(&format!(
            "2024-01-{:02} {:02}:00:00,{c},{},{},{c},1000\n",
            1 + i / 24,
            i % 24,
            c + 1.0,
            c - 1.0
        ));
    }
    fs::write(d.join("a/bars.csv"), &rows).expect("a/bars.csv");
    // Bar 40's close (and high) moves up by 5.
    let changed: String = rows
        .lines()
        .enumerate()
        .map(|(n, line)| {
            if n == 41 {
                let f: Vec<&str> = line.split(',').collect();
                let c: f64 = f[4].parse().expect("close");
                format!(
                    "{},{},{},{},{},{}\n",
                    f[0],
                    f[1],
                    c + 6.0,
                    f[3],
                    c + 5.0,
                    f[5]
                )
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    fs::write(d.join("b/bars.csv"), changed).expect("b/bars.csv");
    let config = r#"[session]
cash = 10000.0

[data]
path = "bars.parquet"
symbol = "BARS"

[strategy]
kind = "sma_cross"
fast = 3
slow = 8

[execution]
fill = "next_open"

[journal]
path = "run"
durability = "none"
"#;
    for side in ["a", "b"] {
        let sd = d.join(side);
        axon(
            &sd,
            &["data", "import-csv", "bars.csv", "-o", "bars.parquet"],
        )
        .ok();
        fs::write(sd.join("bt.toml"), config).expect("bt.toml");
        axon(&sd, &["backtest", "-c", "bt.toml", "--quiet"]).ok();
        axon(&sd, &["replay", "--journal", "run", "--verify", "--quiet"]).ok();
    }
    let run = axon(d, &["diff", "a/run", "b/run"]).expect(1);
    assert!(run.stdout.contains("differ at seq"), "{}", run.stdout);
}

#[test]
fn a_flipped_byte_in_a_segment_is_corruption() {
    let (dir, _) = backtested();
    let d = dir.path();
    copy_dir(&d.join("run1"), &d.join("run4"));
    let seg = segments(&d.join("run4"))
        .into_iter()
        .next()
        .expect("a segment file");
    let mut bytes = fs::read(&seg).expect("segment");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&seg, bytes).expect("writing the segment");
    let name = seg
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();

    axon(d, &["replay", "--journal", "run4", "--verify"]).error(2, &[&name, "offset"]);
    axon(d, &["journal", "verify", "run4"]).error(2, &[&name, "offset"]);
    axon(d, &["diff", "run1", "run4"]).error(2, &[&name, "offset"]);
    // The original is untouched.
    axon(d, &["journal", "verify", "run1"]).ok();
}

// ---------------------------------------------------------------------------
// journal inspect, export
// ---------------------------------------------------------------------------

#[test]
fn inspect_prints_the_requested_records_as_json_lines() {
    let (dir, _) = backtested();
    let run = axon(
        dir.path(),
        &[
            "journal", "inspect", "run1", "--from", "5", "--limit", "3", "--json",
        ],
    )
    .ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for (line, want) in lines.iter().zip(5u64..) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["seq"].as_u64(), Some(want), "{line}");
        assert!(v["kind"].is_string(), "{line}");
        assert!(v["event"].is_object(), "{line}");
    }
    // The first record is the session start.
    let run = axon(
        dir.path(),
        &["journal", "inspect", "run1", "--limit", "1", "--json"],
    )
    .ok();
    let v: Value = serde_json::from_str(run.stdout.trim()).expect("json");
    assert_eq!(v["seq"], 0);
    assert_eq!(v["kind"], "SessionStart");
}

#[test]
fn export_is_readable_by_pyarrow_and_pandas() {
    let (dir, s) = backtested();
    let d = dir.path();
    let run = axon(d, &["journal", "export", "run1", "-o", "r.parquet"]).ok();
    assert!(run.stdout.contains("records written"), "{}", run.stdout);
    let records = s["events"].as_u64().expect("events");
    let script = r#"
import json, sys
import pyarrow.parquet as pq
import numpy as np
import pandas as pd
path = sys.argv[1]
t = pq.read_table(path)
df = pd.read_parquet(path)
print(json.dumps({
    "arrow_rows": t.num_rows,
    "arrow_types": {f.name: str(f.type) for f in t.schema},
    "rows": len(df),
    "columns": list(df.columns),
    "seq_is_range": bool((df["seq"].to_numpy() == np.arange(len(df))).all()),
    "first_kind": str(df["kind_name"].iloc[0]),
    "last_kind": str(df["kind_name"].iloc[-1]),
    "first_event": json.loads(df["event"].iloc[0]),
}))
# pyarrow's thread pools can abort the interpreter's teardown on a loaded
# machine ("terminate called without an active exception"); the answer is
# printed, so leave without the teardown.
sys.stdout.flush()
import os
os._exit(0)
"#;
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(d.join("r.parquet"))
        .env("PYTHONHASHSEED", "0")
        .output()
        .expect("running .venv/bin/python");
    assert!(
        out.status.success(),
        "reading the export with pyarrow/pandas failed ({}); if a module is \
         missing, rerun scripts/setup-python.sh\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("python printed JSON");
    assert_eq!(v["rows"].as_u64(), Some(records), "{v}");
    assert_eq!(v["arrow_rows"].as_u64(), Some(records), "{v}");
    assert_eq!(
        v["columns"],
        serde_json::json!([
            "seq",
            "time",
            "kind",
            "kind_name",
            "version",
            "payload_len",
            "event"
        ])
    );
    let types = &v["arrow_types"];
    assert_eq!(types["seq"], "uint64", "{v}");
    assert_eq!(types["time"], "timestamp[ns, tz=UTC]", "{v}");
    assert_eq!(types["kind"], "uint16", "{v}");
    assert_eq!(types["event"], "string", "{v}");
    assert_eq!(v["seq_is_range"], true, "{v}");
    assert_eq!(v["first_kind"], "SessionStart", "{v}");
    // The run ends with the end of data and, if a position was open, its close-out.
    assert!(
        ["EndOfData", "Fill", "CancelAck"].contains(&v["last_kind"].as_str().unwrap_or("")),
        "{v}"
    );
    assert!(v["first_event"]["Input"]["SessionStart"].is_object(), "{v}");
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[test]
fn config_errors_name_the_file_and_the_key() {
    let dir = tempdir();
    let d = dir.path();
    synth(d, 7, "t.parquet");
    let good = tick_config("t.parquet", "runv");

    axon(d, &["backtest", "-c", "nope.toml"]).error(2, &["nope.toml"]);
    axon(d, &["validate-config", "-c", "nope.toml"]).error(2, &["nope.toml"]);

    fs::write(d.join("unknown.toml"), good.replace("cash =", "cahs =")).expect("write");
    axon(d, &["backtest", "-c", "unknown.toml"]).error(2, &["unknown.toml", "cahs"]);
    axon(d, &["validate-config", "-c", "unknown.toml"]).error(2, &["unknown.toml", "cahs"]);

    fs::write(
        d.join("type.toml"),
        good.replace("cash = 100000.0", "cash = \"lots\""),
    )
    .expect("write");
    axon(d, &["backtest", "-c", "type.toml"])
        .error(2, &["type.toml", "session.cash", "line 2", "lots"]);

    fs::write(d.join("fast.toml"), good.replace("fast = 20", "fast = 90")).expect("write");
    axon(d, &["backtest", "-c", "fast.toml"]).error(2, &["fast.toml", "fast"]);

    fs::write(
        d.join("units.toml"),
        good.replace("sizing = \"all_in\"", "sizing = \"fixed\""),
    )
    .expect("write");
    axon(d, &["backtest", "-c", "units.toml"]).error(2, &["units.toml", "execution.units"]);

    fs::write(d.join("good.toml"), &good).expect("write");
    let run = axon(d, &["validate-config", "-c", "good.toml"]).ok();
    assert!(run.stdout.contains("ok"), "{}", run.stdout);
    // Checking ran nothing: no journal was created, and the config runs.
    assert!(!d.join("runv").exists());
    axon(d, &["backtest", "-c", "good.toml", "--quiet"]).ok();
}

#[test]
fn missing_data_is_bad_input() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(
        d.join("missing.toml"),
        tick_config("missing.parquet", "runm"),
    )
    .expect("write");
    axon(d, &["backtest", "-c", "missing.toml"]).error(2, &["missing.parquet"]);
    assert!(!d.join("runm").exists(), "a failed backtest left a journal");
    let run = axon(d, &["validate-config", "-c", "missing.toml"]).expect(2);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("data.path") && l.contains("missing.parquet")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("axon: ")),
        "{}",
        run.stderr
    );
}

/// A Parquet file with zero rows is not a backtest: exit 2 naming it, and no
/// journal left behind.
#[test]
fn empty_data_is_bad_input() {
    let dir = tempdir();
    let d = dir.path();
    axon_data::write_ticks(
        &d.join("empty.parquet"),
        &axon_data::TickBatch::default(),
        &axon_data::SymbolTable::default(),
    )
    .expect("writing an empty tick file");
    fs::write(d.join("empty.toml"), tick_config("empty.parquet", "rune")).expect("write");
    let err = axon(d, &["backtest", "-c", "empty.toml"]).error(2, &["empty.parquet", "no rows"]);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !d.join("rune").exists(),
        "a refused backtest left a journal"
    );
}

#[test]
fn a_folder_that_is_not_a_journal_is_bad_input() {
    let dir = tempdir();
    let d = dir.path();
    fs::create_dir_all(d.join("somedir")).expect("somedir");
    fs::write(d.join("somedir/notes.txt"), "not a journal").expect("write");
    let not = "not an AXON journal";
    axon(d, &["replay", "--journal", "somedir", "--verify"]).error(2, &["somedir", not]);
    axon(d, &["journal", "inspect", "somedir"]).error(2, &["somedir", not]);
    axon(d, &["journal", "verify", "somedir"]).error(2, &["somedir", not]);
    axon(d, &["journal", "export", "somedir", "-o", "x.parquet"]).error(2, &["somedir", not]);
    axon(d, &["diff", "somedir", "missing"]).error(2, &["somedir"]);
    axon(d, &["diff", "missing", "somedir"]).error(2, &["missing"]);
    axon(d, &["replay", "--journal", "missing", "--verify"]).error(2, &["missing"]);
}

#[test]
fn diff_of_a_missing_journal_is_bad_input() {
    let (dir, _) = backtested();
    let d = dir.path();
    axon(d, &["diff", "run1", "nothere"]).error(2, &["nothere"]);
    axon(d, &["diff", "nothere", "run1"]).error(2, &["nothere"]);
    // Replay needs --verify, the only mode so far.
    axon(d, &["replay", "--journal", "run1"]).error(2, &["--verify"]);
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let dir = tempdir();
    let d = dir.path();
    axon(d, &["frobnicate"]).error(2, &["frobnicate"]);
    axon(d, &["backtest"]).error(2, &["--config"]);
    axon(d, &["demo", "--ticks", "many"]).error(2, &["many", "--ticks"]);
    axon(d, &["journal", "inspect", "x", "--bogus"]).error(2, &["--bogus"]);
    let run = axon(d, &["--help"]).ok();
    assert!(run.stdout.contains("backtest"), "{}", run.stdout);
    let run = axon(d, &["--version"]).ok();
    assert!(run.stdout.starts_with("axon "), "{}", run.stdout);
}

#[test]
fn a_bad_csv_number_names_the_line() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(
        d.join("bad.csv"),
        "Date,Open,High,Low,Close,Volume\n\
         2020-01-01,1,2,0.5,1.5,100\n\
         2020-01-02,1,2,0.5,abc,100\n",
    )
    .expect("write");
    axon(d, &["data", "import-csv", "bad.csv", "-o", "bad.parquet"])
        .error(2, &["bad.csv", "line 3", "Close", "abc"]);
    assert!(
        !d.join("bad.parquet").exists(),
        "a failed import left a file"
    );
    axon(d, &["data", "import-csv", "gone.csv", "-o", "x.parquet"]).error(2, &["gone.csv"]);
}

#[test]
fn the_fill_model_must_fit_the_data() {
    let dir = tempdir();
    let d = dir.path();
    synth(d, 7, "t.parquet");
    fs::write(
        d.join("open.toml"),
        tick_config("t.parquet", "runo").replace("next_tick", "next_open"),
    )
    .expect("write");
    axon(d, &["backtest", "-c", "open.toml"]).error(2, &["ticks", "next_tick"]);
    assert!(
        !d.join("runo").exists(),
        "a refused backtest left a journal"
    );

    // And the other way round: bars want next_open.
    fs::write(
        d.join("bars.csv"),
        "Date,Open,High,Low,Close,Volume\n\
         2020-01-01,1,2,0.5,1.5,100\n\
         2020-01-02,1.5,2,1,1.8,100\n",
    )
    .expect("write");
    axon(
        d,
        &[
            "data",
            "import-csv",
            "bars.csv",
            "-o",
            "bars.parquet",
            "--quiet",
        ],
    )
    .ok();
    fs::write(d.join("bars.toml"), tick_config("bars.parquet", "runb")).expect("write");
    axon(d, &["backtest", "-c", "bars.toml"]).error(2, &["bars", "next_open"]);
    fs::write(
        d.join("bars_ok.toml"),
        tick_config("bars.parquet", "runb").replace("next_tick", "next_open"),
    )
    .expect("write");
    axon(d, &["backtest", "-c", "bars_ok.toml", "--quiet"]).ok();
    axon(d, &["replay", "--journal", "runb", "--verify", "--quiet"]).ok();
}
