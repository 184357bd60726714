//! `axon walkforward` end to end on GOOG: every window's choice and
//! statistics equal backtesting.py's (`Backtest.optimize` on the training
//! rows; the chosen SmaCross on the test rows after its warm-up), the
//! stitched out-of-sample journal replays bit for bit and has a report,
//! the results do not depend on the worker count, anchored duration
//! windows start at the first bar, and bad input is exit 2.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{axon, run_python, tempdir};

const FAST: &str = "5:30:5";
const SLOW: &str = "20:100:20";

/// GOOG as Parquet and a SmaCross config over it (commission 0.2 %, open
/// trades left open at the end, as backtesting.py's default).
fn workspace() -> tempfile::TempDir {
    let dir = tempdir();
    support::goog(dir.path());
    std::fs::write(
        dir.path().join("base.toml"),
        "[session]\ncash = 10000.0\n[data]\npath = \"goog.parquet\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 20\n[execution]\nfill = \"next_open\"\n\
         sizing = \"all_in\"\ncommission_bps = 20.0\nclose_at_end = false\n\
         [journal]\npath = \"journal\"\ndurability = \"none\"\n",
    )
    .unwrap();
    dir
}

fn walkforward(dir: &Path, out: &str, extra: &[&str]) -> support::Run {
    let fast = format!("strategy.fast={FAST}");
    let slow = format!("strategy.slow={SLOW}");
    let mut args = vec![
        "walkforward",
        "-c",
        "base.toml",
        "--param",
        &fast,
        "--param",
        &slow,
        "--constraint",
        "strategy.fast < strategy.slow",
        "--out",
        out,
        "--quiet",
    ];
    args.extend(extra);
    axon(dir, &args)
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_window_equals_backtesting_py_and_the_stitched_run_replays() {
    let dir = workspace();
    let d = dir.path();
    walkforward(d, "wf1", &["--train", "500", "--test", "250", "-j", "1"]).ok();
    walkforward(d, "wf2", &["--train", "500", "--test", "250", "-j", "2"]).ok();
    assert_eq!(
        read(d, "wf1/windows.parquet"),
        read(d, "wf2/windows.parquet")
    );
    assert_eq!(read(d, "wf1/summary.json"), read(d, "wf2/summary.json"));

    let oracle = run_python(&[
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/oracle/walkforward_backtesting.py")
            .display()
            .to_string(),
        &d.join("wf1/windows.parquet").display().to_string(),
        FAST,
        SLOW,
    ]);
    let o: Value = serde_json::from_str(&oracle).unwrap();
    assert_eq!(o["windows"], 6, "{o}");
    assert_eq!(o["chosen_equal"], true, "{o}");
    assert!(o["is_sharpe_diff"].as_f64().unwrap() < 1e-9, "{o}");
    assert!(o["oos_sharpe_diff"].as_f64().unwrap() < 1e-9, "{o}");
    assert!(o["oos_return_diff"].as_f64().unwrap() < 1e-9, "{o}");
    assert_eq!(o["oos_trades_equal"], true, "{o}");

    // The stitched run: replays exactly, from its journal alone.
    let summary: Value = serde_json::from_slice(&read(d, "wf1/summary.json")).unwrap();
    let head = summary["head_hash"].as_str().unwrap();
    let replay = axon(
        d,
        &["replay", "--journal", "wf1/journal", "--verify", "--json"],
    )
    .ok();
    let replay: Value = serde_json::from_str(&replay.stdout).unwrap();
    assert_eq!(replay["head_hash"], head);
    assert_eq!(summary["windows"].as_array().unwrap().len(), 6);
    let page = String::from_utf8(read(d, "wf1/report.html")).unwrap();
    assert!(page.contains(head), "the report is the stitched run's");
    assert!(page.contains("walk_forward on GOOG"));
    // It trades only in test windows: no trade enters before the first.
    let first_test = summary["windows"][0]["test"][0].as_i64().unwrap();
    let trades = run_python(&[
        "-c",
        "import pyarrow.parquet as pq, pyarrow.compute as pc, json, sys\n\
         t = pq.read_table(sys.argv[1])\n\
         fills = t.filter(pc.equal(t['kind_name'], 'Fill'))\n\
         print(json.dumps(fills['time'].cast('int64').to_pylist()))",
        &{
            axon(
                d,
                &[
                    "journal",
                    "export",
                    "wf1/journal",
                    "-o",
                    "wf1.parquet",
                    "--quiet",
                ],
            )
            .ok();
            d.join("wf1.parquet").display().to_string()
        },
    ]);
    let fills: Vec<i64> = serde_json::from_str(trades.trim()).unwrap();
    assert!(!fills.is_empty());
    assert!(fills.iter().all(|&t| t >= first_test), "{fills:?}");
}

#[test]
fn anchored_duration_windows_start_at_the_first_bar() {
    let dir = workspace();
    let d = dir.path();
    walkforward(
        d,
        "wf",
        &["--train", "730d", "--test", "365d", "--anchored"],
    )
    .ok();
    let windows = run_python(&[
        "-c",
        "import pyarrow.parquet as pq, json, sys\n\
         t = pq.read_table(sys.argv[1])\n\
         starts = set(t['train_start'].cast('int64').to_pylist())\n\
         print(json.dumps({'rows': t.num_rows, 'starts': len(starts), \
         'test_bars': t['test_bars'].to_pylist()}))",
        &d.join("wf/windows.parquet").display().to_string(),
    ]);
    let w: Value = serde_json::from_str(&windows).unwrap();
    // GOOG: 2004-08-19 to 2013-03-01; after two years, six whole years.
    assert_eq!(w["rows"], 6, "{w}");
    assert_eq!(w["starts"], 1, "{w}");
    assert!(
        w["test_bars"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| (240..=260).contains(&b.as_u64().unwrap())),
        "{w}"
    );
}

#[test]
fn bad_input_is_exit_2_naming_what_is_wrong() {
    let dir = workspace();
    let d = dir.path();
    walkforward(d, "a", &["--train", "5x", "--test", "100"]).error(2, &["--train", "5x"]);
    walkforward(d, "b", &["--train", "500", "--test", "30d"])
        .error(2, &["both be bars or both durations"]);
    walkforward(d, "c", &["--train", "5000", "--test", "100"])
        .error(2, &["no whole training and test window", "2148"]);
    axon(
        d,
        &[
            "walkforward",
            "-c",
            "base.toml",
            "--param",
            "execution.commission_bps=1,2",
            "--train",
            "500",
            "--test",
            "250",
            "--out",
            "e",
        ],
    )
    .error(2, &["execution.commission_bps", "strategy keys only"]);
    walkforward(d, "f", &["--train", "500", "--test", "250"]).ok();
    walkforward(d, "f", &["--train", "500", "--test", "250"]).error(2, &["f/journal"]);
}
