//! `axon sweep` end to end: the same best parameters and statistics as
//! backtesting.py's `Backtest.optimize` (every run compared), results
//! identical for any number of workers and after an interrupted attempt,
//! the best config and every run's journal reproducing its head hash, and
//! bad sweeps refused with exit 2.
//!
//! Needs the project's Python environment (`scripts/setup-python.sh`).

use std::path::Path;

use serde_json::Value;

mod support;
use support::{axon, run_python, tempdir};

const GRID: [&str; 2] = ["strategy.fast=5:20:5", "strategy.slow=20:60:10"];
const CONSTRAINT: &str = "strategy.fast < strategy.slow";

/// GOOG as Parquet and a SmaCross config over it (commission 0.2 %, open
/// trades left open at the end, as backtesting.py's default).
fn workspace() -> tempfile::TempDir {
    let dir = tempdir();
    support::goog(dir.path());
    std::fs::write(
        dir.path().join("base.toml"),
        "# SmaCross on GOOG\n[session]\ncash = 10000.0\n[data]\npath = \"goog.parquet\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 20\n[execution]\nfill = \"next_open\"\n\
         sizing = \"all_in\"\ncommission_bps = 20.0\nclose_at_end = false\n\
         [journal]\npath = \"journal\"\ndurability = \"none\"\n",
    )
    .expect("writing base.toml");
    dir
}

fn sweep(dir: &Path, out: &str, extra: &[&str]) -> support::Run {
    let mut args = vec!["sweep", "-c", "base.toml", "--out", out, "--quiet"];
    for p in GRID {
        args.extend(["--param", p]);
    }
    args.extend(["--constraint", CONSTRAINT]);
    args.extend(extra);
    axon(dir, &args)
}

/// One column of results.parquet, as text per row.
fn column(results: &Path, name: &str) -> Vec<String> {
    let out = run_python(&[
        "-c",
        "import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); \
         print('\\n'.join(str(v) for v in t.column(sys.argv[2]).to_pylist()))",
        &results.display().to_string(),
        name,
    ]);
    out.lines().map(str::to_owned).collect()
}

#[test]
fn a_sweep_finds_what_backtesting_py_optimize_finds_run_for_run() {
    let dir = workspace();
    let d = dir.path();
    sweep(d, "out", &["--maximize", "sharpe", "-j", "2"]).ok();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/sweep_backtesting.py");
    let report = run_python(&[
        &script.display().to_string(),
        &d.join("out/results.parquet").display().to_string(),
        "5:20:5",
        "20:60:10",
    ]);
    let r: Value = serde_json::from_str(&report).expect("oracle JSON");
    // 4 x 5 points, less the 1 where fast >= slow.
    assert_eq!(r["compared"], 19, "{r}");
    assert!(r["max_sharpe_diff"].as_f64().unwrap() < 1e-9, "{r}");
    assert!(r["max_return_diff"].as_f64().unwrap() < 1e-9, "{r}");
    assert_eq!(r["trades_equal"], true, "{r}");
    assert_eq!(r["best_backtesting_py"], r["best_axon"], "{r}");
}

#[test]
fn results_are_the_same_for_any_workers_and_after_an_interruption() {
    let dir = workspace();
    let d = dir.path();
    sweep(d, "one", &["-j", "1"]).ok();
    sweep(d, "two", &["-j", "2"]).ok();
    let bytes = |p: &str| std::fs::read(d.join(p)).expect("results");
    assert_eq!(bytes("one/results.parquet"), bytes("two/results.parquet"));
    // An attempt stopped half-way, its last line torn: the rerun runs the
    // rest and writes the same results.
    let log = d.join("two/runs.jsonl");
    let text = std::fs::read_to_string(&log).expect("runs.jsonl");
    let lines: Vec<&str> = text.lines().collect();
    let kept = lines[..lines.len() / 2].join("\n") + "\n" + &lines[lines.len() / 2][..20];
    std::fs::write(&log, kept).expect("truncating");
    std::fs::remove_file(d.join("two/results.parquet")).expect("removing");
    let run = axon(
        d,
        &[
            "sweep",
            "-c",
            "base.toml",
            "--out",
            "two",
            "--param",
            GRID[0],
            "--param",
            GRID[1],
            "--constraint",
            CONSTRAINT,
            "-j",
            "2",
        ],
    )
    .ok();
    let reran = 19 - lines.len() / 2;
    assert!(
        run.stdout.contains(&format!(
            "19 ({reran} run, {} from an earlier attempt)",
            lines.len() / 2
        )),
        "{}",
        run.stdout
    );
    assert_eq!(bytes("one/results.parquet"), bytes("two/results.parquet"));
    // Another sweep into the same folder is refused.
    sweep(d, "two", &["--maximize", "return_pct"]).error(2, &["holds another sweep"]);
}

#[test]
fn the_best_config_and_every_journal_reproduce_their_head_hash() {
    let dir = workspace();
    let d = dir.path();
    sweep(d, "out", &["--journals", "-j", "2"]).ok();
    let results = d.join("out/results.parquet");
    let hashes = column(&results, "head_hash");
    let sharpe: Vec<f64> = column(&results, "sharpe")
        .iter()
        .map(|s| s.parse().expect("a number"))
        .collect();
    let best = (0..sharpe.len())
        .max_by(|&a, &b| sharpe[a].total_cmp(&sharpe[b]).then(b.cmp(&a)))
        .expect("runs");
    // best.toml is the base with the best values, its paths absolute.
    let best_toml = std::fs::read_to_string(d.join("out/best.toml")).expect("best.toml");
    assert!(best_toml.starts_with("# SmaCross on GOOG"), "{best_toml}");
    let copy = d.join("elsewhere");
    std::fs::create_dir(&copy).expect("folder");
    std::fs::write(
        copy.join("best.toml"),
        best_toml.replace(
            &d.join("journal").display().to_string(),
            &copy.join("j").display().to_string(),
        ),
    )
    .expect("copy");
    let summary = copy.join("s.json");
    axon(
        &copy,
        &[
            "backtest",
            "-c",
            "best.toml",
            "--quiet",
            "--summary-json",
            &summary.display().to_string(),
        ],
    )
    .ok();
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary"))
        .expect("summary JSON");
    assert_eq!(s["head_hash"].as_str(), Some(hashes[best].as_str()));
    // Each run's journal replays to the head hash its row records.
    for i in [0, best, hashes.len() - 1] {
        let journal = d.join(format!("out/journals/run-{i:06}"));
        let run = axon(
            d,
            &[
                "replay",
                "--journal",
                &journal.display().to_string(),
                "--verify",
            ],
        )
        .ok();
        assert!(run.stdout.contains(&hashes[i]), "run {i}: {}", run.stdout);
    }
}

#[test]
fn the_heatmap_is_one_file_with_its_data() {
    let dir = workspace();
    let d = dir.path();
    sweep(d, "out", &["--minimize", "max_drawdown_pct"]).ok();
    let page = std::fs::read_to_string(d.join("out/heatmap.html")).expect("heatmap");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "it loads nothing"
    );
    assert!(
        page.contains("\"objective\":\"max_drawdown_pct\""),
        "its data is inline"
    );
    assert!(page.contains("strategy.fast") && page.contains("strategy.slow"));
    // Drawn in headless Chromium, with no console message: one coloured
    // cell per point (19 of the 4 x 5 grid).
    let html = d.join("out/heatmap.html");
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", d.join("profile").display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium (scripts/setup-report-tools.sh)");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(dom.matches("class=\"cell\" title=").count(), 19, "{dom}");
    assert_eq!(dom.matches("style=\"background: rgb(").count(), 19, "{dom}");
    assert!(
        dom.contains("19 runs; max_drawdown_pct (lower is better)"),
        "{dom}"
    );
}

#[test]
fn bad_sweeps_are_refused_with_exit_2() {
    let dir = workspace();
    let d = dir.path();
    let base = |args: &[&str]| {
        let mut v = vec!["sweep", "-c", "base.toml", "--out", "bad", "--quiet"];
        v.extend(args);
        axon(d, &v)
    };
    base(&["--param", "strategy.fast"]).error(2, &["expected KEY=START:STOP:STEP"]);
    base(&["--param", "data.path=a,b"]).error(2, &["the same for every run"]);
    base(&["--param", "strategy.fast=5:1:1"]).error(2, &["START <= STOP"]);
    base(&[
        "--param",
        "strategy.fast=5,10",
        "--constraint",
        "strategy.fsat < 3",
    ])
    .error(2, &["strategy.fsat is not a swept key"]);
    base(&["--param", "strategy.fast=5,10", "--maximize", "luck"])
        .error(2, &["luck is not a statistic"]);
    base(&["--param", "strategy.fast=5,30"]).error(
        2,
        &[
            "run 1 (strategy.fast=30)",
            "strategy.fast",
            "must be below strategy.slow",
        ],
    );
    base(&["--param", "strategy.typo=1,2"]).error(2, &["run 0", "strategy.typo"]);
}
