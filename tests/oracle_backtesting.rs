//! AXON against backtesting.py (the reference backtester), trade for trade.
//!
//! For the OHLC CSV files shipped inside the backtesting.py package, runs
//! `tests/oracle/sma_backtesting.py` (backtesting.py's SmaCross, fast 10,
//! slow 30, next-open fills, no commission, `finalize_trades=False`) and
//! `axon backtest` with the same settings, and compares every trade: entry and
//! exit bar, entry and exit price and size exactly, PnL within 1e-6, and the
//! final equity to the cent. backtesting.py leaves the last trade open (marked
//! at the last close in its final equity) where AXON closes it at the last
//! bar's close, so AXON's last trade is compared with backtesting.py's open
//! trade, exit at the last bar's close.
//!
//! Also checks that `axon_engine::rolling::RollingMean` is pandas'
//! `rolling(n).mean()` bit for bit.
//!
//! Needs the project's Python environment (`scripts/setup-python.sh`); fails,
//! never skips, without it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use axon_engine::rolling::RollingMean;
use serde_json::Value;

mod support;
use support::{exact, run_python};

const FAST: usize = 10;
const SLOW: usize = 30;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn oracle_script() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        repo()
            .join("tests/oracle/sma_backtesting.py")
            .display()
            .to_string()
    })
}

/// The OHLC CSV files shipped with backtesting.py, by upper-case stem
/// (`GOOG`), each as a plain CSV (gzipped ones are decompressed into `dir`).
fn shipped_csvs(dir: &Path) -> Vec<(String, PathBuf)> {
    let listing = run_python(&[
        "-c",
        r#"
import gzip, os, shutil, sys
import backtesting.test as t
root = os.path.dirname(t.__file__)
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    if name.endswith(".csv.gz"):
        plain = os.path.join(sys.argv[1], name[:-3])
        with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        path = plain
    elif not name.endswith(".csv"):
        continue
    with open(path) as f:
        header = [h.strip().lower() for h in f.readline().split(",")]
    if all(c in header for c in ("open", "high", "low", "close")):
        print(os.path.basename(path)[:-4].upper() + "\t" + path)
"#,
        &dir.display().to_string(),
    ]);
    listing
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, path)| (name.to_owned(), PathBuf::from(path)))
        .collect()
}

fn shipped_csv(dir: &Path, name: &str) -> PathBuf {
    let all = shipped_csvs(dir);
    all.iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| {
            panic!(
                "backtesting.py ships no {name} CSV; found {:?}",
                all.iter().map(|(n, _)| n).collect::<Vec<_>>()
            )
        })
}

/// One trade, from either side. `exit_bar`/`exit_price` are `None` for
/// backtesting.py's still-open trade.
#[derive(Debug, Clone, Copy)]
struct Trade {
    entry_bar: u64,
    exit_bar: Option<u64>,
    entry_price: f64,
    exit_price: Option<f64>,
    size: f64,
    pnl: f64,
}

struct OracleRun {
    bars: u64,
    last_close: f64,
    closed: Vec<Trade>,
    open: Vec<Trade>,
    equity_final: f64,
    closed_count: u64,
    out_of_money_bar: Option<u64>,
    /// Every statistic of `Backtest.run()`, by AXON's summary key.
    stats: Vec<(String, f64)>,
}

fn oracle_trade(v: &Value, closed: bool) -> Trade {
    Trade {
        entry_bar: v["entry_bar"].as_u64().expect("entry_bar"),
        exit_bar: closed.then(|| v["exit_bar"].as_u64().expect("exit_bar")),
        entry_price: exact(v, "entry_price"),
        exit_price: closed.then(|| exact(v, "exit_price")),
        size: exact(v, "size"),
        pnl: exact(v, "pnl"),
    }
}

fn run_oracle(csv: &Path, cash: f64, fraction: Option<f64>) -> OracleRun {
    let csv_s = csv.display().to_string();
    let (fast, slow, cash_s) = (FAST.to_string(), SLOW.to_string(), cash.to_string());
    let mut args = vec![
        "-W",
        "ignore",
        oracle_script(),
        &csv_s,
        "--fast",
        &fast,
        "--slow",
        &slow,
        "--cash",
        &cash_s,
    ];
    let fraction_s = fraction.map(|f| f.to_string());
    if let Some(f) = &fraction_s {
        args.extend(["--fraction", f]);
    }
    let text = run_python(&args);
    let v: Value = serde_json::from_str(&text).expect("oracle prints JSON");
    assert_eq!(
        v["backtesting_version"].as_str(),
        Some("0.6.5"),
        "the oracle is pinned to backtesting.py 0.6.5 (scripts/requirements-test.txt)"
    );
    let trades = |key: &str, closed: bool| -> Vec<Trade> {
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("oracle output lacks {key}"))
            .iter()
            .map(|t| oracle_trade(t, closed))
            .collect()
    };
    OracleRun {
        bars: v["bars"].as_u64().expect("bars"),
        last_close: exact(&v, "last_close"),
        closed: trades("closed_trades", true),
        open: trades("open_trades", false),
        equity_final: exact(&v, "equity_final"),
        closed_count: v["trades"].as_u64().expect("trades"),
        out_of_money_bar: v["out_of_money_bar"].as_u64(),
        stats: v["stats"]
            .as_object()
            .expect("oracle output lacks stats")
            .iter()
            .map(|(k, s)| {
                let s = s.as_str().expect("stat as a repr string");
                (
                    k.clone(),
                    s.parse().unwrap_or_else(|e| panic!("{k} {s:?}: {e}")),
                )
            })
            .collect(),
    }
}

struct AxonRun {
    trades: Vec<Trade>,
    equity_final: f64,
    trade_count: u64,
    summary: Value,
}

fn axon(args: &[&str], dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_axon"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running axon");
    assert!(
        out.status.success(),
        "axon {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_axon(csv: &Path, name: &str, cash: f64, fraction: Option<f64>, dir: &Path) -> AxonRun {
    run_axon_with(csv, name, cash, fraction, true, dir)
}

fn run_axon_with(
    csv: &Path,
    name: &str,
    cash: f64,
    fraction: Option<f64>,
    close_at_end: bool,
    dir: &Path,
) -> AxonRun {
    let parquet = format!("{name}.parquet");
    axon(
        &[
            "data",
            "import-csv",
            &csv.display().to_string(),
            "-o",
            &parquet,
            "--symbol",
            name,
            "--quiet",
        ],
        dir,
    );
    let sizing = match fraction {
        None => "sizing = \"all_in\"".to_owned(),
        Some(f) => format!("sizing = \"fraction\"\nfraction = {f:?}"),
    };
    let config = format!(
        "[session]\ncash = {cash:?}\nseed = 7\n\
         [data]\npath = \"{parquet}\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = {FAST}\nslow = {SLOW}\n\
         [execution]\nfill = \"next_open\"\n{sizing}\ncommission_bps = 0.0\n\
         close_at_end = {close_at_end}\n\
         [journal]\npath = \"run-{name}\"\ndurability = \"none\"\n"
    );
    let config_path = dir.join(format!("{name}.toml"));
    std::fs::write(&config_path, config).expect("writing the config");
    let summary = format!("{name}-summary.json");
    let trades = format!("{name}-trades.csv");
    axon(
        &[
            "backtest",
            "-c",
            &config_path.display().to_string(),
            "--summary-json",
            &summary,
            "--trades-csv",
            &trades,
            "--quiet",
        ],
        dir,
    );
    let s: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(&summary)).expect("reading the summary"),
    )
    .expect("summary is JSON");
    let text = std::fs::read_to_string(dir.join(&trades)).expect("reading trades.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "symbol,size,entry_bar,exit_bar,entry_time_ns,exit_time_ns,entry_price,exit_price,pnl"
        ),
        "trades.csv header"
    );
    let num = |s: &str| -> f64 { s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}")) };
    let trades = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 9, "trades.csv row {l:?}");
            Trade {
                size: num(f[1]),
                entry_bar: f[2].parse().expect("entry_bar"),
                exit_bar: Some(f[3].parse().expect("exit_bar")),
                entry_price: num(f[6]),
                exit_price: Some(num(f[7])),
                pnl: num(f[8]),
            }
        })
        .collect();
    AxonRun {
        trades,
        equity_final: s["equity_final"].as_f64().expect("equity_final"),
        trade_count: s["trades"].as_u64().expect("trades"),
        summary: s,
    }
}

fn fmt_opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "open".to_owned(), |v| v.to_string())
}

const ROW_HEADER: &str = "entry  exit    size   entry_px    exit_px            pnl";

fn row(t: Option<&Trade>) -> String {
    match t {
        None => format!("{:>56}", "-"),
        Some(t) => format!(
            "{:>5} {:>5} {:>7} {:>10} {:>10} {:>14.6}",
            t.entry_bar,
            fmt_opt(t.exit_bar),
            t.size,
            t.entry_price,
            fmt_opt(t.exit_price),
            t.pnl
        ),
    }
}

/// Which fields of the expected trade AXON's trade misses.
fn differences(want: &Trade, got: &Trade, last: Option<(u64, f64)>) -> Vec<&'static str> {
    let mut d = Vec::new();
    if want.entry_bar != got.entry_bar {
        d.push("entry_bar");
    }
    if want.entry_price != got.entry_price {
        d.push("entry_price");
    }
    if want.size != got.size {
        d.push("size");
    }
    // An open trade's exit is AXON's close-out at the last bar's close.
    let (exit_bar, exit_price) = match last {
        Some((bar, close)) => (Some(bar), Some(close)),
        None => (want.exit_bar, want.exit_price),
    };
    if exit_bar != got.exit_bar {
        d.push("exit_bar");
    }
    if exit_price != got.exit_price {
        d.push("exit_price");
    }
    if (want.pnl - got.pnl).abs() > 1e-6 || want.pnl.is_nan() != got.pnl.is_nan() {
        d.push("pnl");
    }
    d
}

/// Runs both sides on one CSV and compares them; panics with a table of the
/// first differing trades.
fn compare(name: &str, csv: &Path, cash: f64, fraction: Option<f64>, dir: &Path) {
    let py = run_oracle(csv, cash, fraction);
    let ax = run_axon(csv, name, cash, fraction, dir);
    let mut problems = Vec::new();
    // When equity reaches zero both liquidate at that bar's close and stop
    // trading (AXON journals a MarginCall). backtesting.py then also sets
    // cash to 0, forgiving the loss beyond the account; AXON keeps the true,
    // negative balance. So its final equity is cash plus every realised PnL.
    let py_equity_final = match py.out_of_money_bar {
        Some(_) => cash + py.closed.iter().map(|t| t.pnl).sum::<f64>(),
        None => py.equity_final,
    };
    assert_eq!(
        py.closed_count,
        py.closed.len() as u64,
        "oracle '# Trades' counts closed trades"
    );
    assert!(py.open.len() <= 1, "SmaCross holds at most one trade");
    // Expected AXON trades: backtesting.py's closed ones, then its open one
    // closed at the last bar's close.
    let expected: Vec<(Trade, Option<(u64, f64)>)> = py
        .closed
        .iter()
        .map(|t| (*t, None))
        .chain(
            py.open
                .iter()
                .map(|t| (*t, Some((py.bars - 1, py.last_close)))),
        )
        .collect();
    if ax.trades.len() != expected.len() {
        problems.push(format!(
            "trade count: backtesting.py {} closed + {} open, AXON {} (trades.csv) / {} (summary)",
            py.closed.len(),
            py.open.len(),
            ax.trades.len(),
            ax.trade_count
        ));
    }
    if ax.trade_count != ax.trades.len() as u64 {
        problems.push(format!(
            "AXON summary says {} trades, trades.csv has {}",
            ax.trade_count,
            ax.trades.len()
        ));
    }
    let first_diff = expected
        .iter()
        .zip(&ax.trades)
        .position(|((want, last), got)| !differences(want, got, *last).is_empty())
        .or_else(|| {
            (ax.trades.len() != expected.len()).then(|| expected.len().min(ax.trades.len()))
        });
    let equity_diff = (py_equity_final - ax.equity_final).abs();
    if equity_diff.is_nan() || equity_diff >= 0.005 {
        problems.push(format!(
            "final equity: backtesting.py {:.6}, AXON {:.6} (diff {equity_diff:.6})",
            py_equity_final, ax.equity_final
        ));
    }
    let matched = first_diff.unwrap_or(expected.len());
    eprintln!(
        "{name}: {matched}/{} trades match ({} closed + {} open in backtesting.py); \
         final equity backtesting.py {} AXON {}",
        expected.len(),
        py.closed.len(),
        py.open.len(),
        py.equity_final,
        ax.equity_final
    );
    if let Some(first) = first_diff {
        let mut table = format!(
            "first differing trade is #{first} (0-based); bars are 0-based rows of {}\n\
             {:>4} | {:<56} | {:<56} | differs\n\
             {:>4} | {} | {} |\n",
            csv.display(),
            "#",
            "backtesting.py",
            "AXON",
            "",
            ROW_HEADER,
            ROW_HEADER,
        );
        let end = (first + 6).min(expected.len().max(ax.trades.len()));
        for k in first.saturating_sub(2)..end {
            let want = expected.get(k);
            let got = ax.trades.get(k);
            let diff = match (want, got) {
                (Some((w, last)), Some(g)) => differences(w, g, *last).join(","),
                _ => "missing".to_owned(),
            };
            let _ = writeln!(
                table,
                "{k:>4} | {} | {} | {diff}",
                row(want.map(|(t, _)| t)),
                row(got)
            );
        }
        problems.push(table);
    }
    assert!(
        problems.is_empty(),
        "{name}: AXON disagrees with backtesting.py (SmaCross {FAST}/{SLOW}, cash {cash}, \
         sizing {}):\n{}",
        fraction.map_or_else(|| "all-in".to_owned(), |f| format!("fraction {f}")),
        problems.join("\n")
    );
}

#[test]
fn goog_all_in_matches_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "GOOG");
    compare("GOOG", &csv, 10_000.0, None, dir.path());
}

#[test]
fn eurusd_all_in_matches_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "EURUSD");
    compare("EURUSD", &csv, 10_000.0, None, dir.path());
}

/// All-in on BTCUSD, the first short (bar 41) loses more than the account by
/// bar 52, where backtesting.py applies its out-of-money stop (see the ignored
/// test below). Sized at 30 % of margin with a larger account, nothing goes
/// broke and the same data is compared trade for trade.
#[test]
fn btcusd_fraction_matches_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "BTCUSD");
    compare("BTCUSD", &csv, 1_000_000.0, Some(0.3), dir.path());
}

/// All-in on BTCUSD the account goes broke at bar 52: both liquidate at that
/// close and stop; see `compare` for the one deliberate difference (debt).
#[test]
fn btcusd_all_in_matches_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "BTCUSD");
    compare("BTCUSD", &csv, 10_000.0, None, dir.path());
}

/// Closes of 200 daily bars (integers, so every mean is exact) in which the
/// 10- and 30-bar means are exactly equal at bar 107. The cross down after
/// that tie is not a strict crossover, so the next cross up (bar 131) finds
/// the position still long: backtesting.py's SmaCross then closes the trade
/// and buys again (a new trade, resized at the next open).
const TIE_CLOSES: [u16; 200] = [
    102, 105, 108, 108, 111, 114, 117, 114, 114, 115, 113, 112, 113, 115, 116, 114, 115, 118, 116,
    116, 115, 118, 115, 115, 118, 118, 115, 117, 120, 123, 126, 125, 127, 130, 131, 134, 135, 133,
    133, 134, 133, 134, 133, 136, 134, 135, 132, 129, 129, 129, 129, 129, 131, 131, 130, 133, 136,
    135, 133, 131, 129, 129, 130, 131, 134, 137, 137, 138, 135, 133, 136, 139, 136, 136, 136, 137,
    134, 134, 133, 131, 133, 134, 132, 134, 134, 132, 133, 133, 133, 132, 135, 133, 136, 134, 136,
    139, 136, 139, 136, 135, 135, 137, 135, 132, 131, 134, 133, 133, 130, 132, 135, 133, 135, 134,
    133, 132, 130, 133, 130, 130, 131, 131, 128, 131, 134, 137, 135, 134, 133, 132, 129, 131, 133,
    130, 128, 127, 130, 133, 130, 133, 132, 130, 133, 130, 127, 129, 127, 128, 127, 125, 124, 124,
    122, 119, 122, 123, 122, 122, 125, 126, 127, 124, 121, 122, 123, 122, 122, 122, 124, 123, 123,
    124, 126, 126, 127, 128, 125, 122, 121, 119, 122, 119, 120, 119, 122, 122, 119, 116, 118, 119,
    121, 121, 121, 121, 122, 123, 120, 123, 123, 124,
];

/// Writes `TIE_CLOSES` as a backtesting.py-style CSV: each bar opens at the
/// previous close, high and low one above and below the body.
fn tie_csv(dir: &Path) -> PathBuf {
    let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
    let day = 86_400_i64;
    let start = 1_609_718_400_i64; // 2021-01-04
    let mut prev = f64::from(TIE_CLOSES[0]);
    for (i, &c) in TIE_CLOSES.iter().enumerate() {
        let (o, c) = (prev, f64::from(c));
        let date = chrono::DateTime::from_timestamp(start + i as i64 * day, 0)
            .expect("a date in range")
            .format("%Y-%m-%d");
        let _ = writeln!(
            text,
            "{date},{o},{},{},{c},1000",
            o.max(c) + 1.0,
            o.min(c) - 1.0
        );
        prev = c;
    }
    let path = dir.join("tie.csv");
    std::fs::write(&path, text).expect("writing tie.csv");
    path
}

/// The tie at bar 107: AXON must close and re-enter where backtesting.py
/// does, trade for trade.
#[test]
fn a_tie_of_the_means_reenters_like_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = tie_csv(dir.path());
    let py = run_oracle(&csv, 10_000.0, None);
    // The data holds the case: a long trade closed where another long begins.
    let all: Vec<&Trade> = py.closed.iter().chain(&py.open).collect();
    assert!(
        all.windows(2)
            .any(|w| w[0].size > 0.0 && w[1].size > 0.0 && w[0].exit_bar == Some(w[1].entry_bar)),
        "the tie data no longer makes backtesting.py re-enter a long trade"
    );
    compare("TIE", &csv, 10_000.0, None, dir.path());
}

/// Runs both sides with the last trade left open (`close_at_end = false`,
/// backtesting.py's `finalize_trades=False`) and compares every statistic
/// of `Backtest.run()`: equal within 1e-9 relative (1e-9 absolute near
/// zero), undefined (NaN, `null` in AXON's JSON) on both sides together.
/// Drawdowns are magnitudes in AXON and negative in backtesting.py.
fn compare_stats(name: &str, csv: &Path, cash: f64, fraction: Option<f64>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let py = run_oracle(csv, cash, fraction);
    let ax = run_axon_with(csv, name, cash, fraction, false, dir.path());
    assert_eq!(py.stats.len(), 28, "the oracle reports every statistic");
    let mut problems = Vec::new();
    for (key, want) in &py.stats {
        let want = if key.ends_with("drawdown_pct") {
            -want
        } else {
            *want
        };
        let got = match &ax.summary[key.as_str()] {
            Value::Null => f64::NAN,
            v => v
                .as_f64()
                .unwrap_or_else(|| panic!("{name}: summary {key} is not a number: {v}")),
        };
        let same = if want.is_nan() || got.is_nan() {
            want.is_nan() && got.is_nan()
        } else {
            (want - got).abs() <= 1e-9 * want.abs().max(1.0)
        };
        if !same {
            problems.push(format!("  {key}: backtesting.py {want:?}, AXON {got:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{name}: statistics differ from backtesting.py (SmaCross {FAST}/{SLOW}, last trade \
         open):\n{}",
        problems.join("\n")
    );
}

#[test]
fn goog_statistics_match_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "GOOG");
    compare_stats("GOOG", &csv, 10_000.0, None);
}

#[test]
fn eurusd_statistics_match_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "EURUSD");
    compare_stats("EURUSD", &csv, 10_000.0, None);
}

/// Sized at 30 % with a larger account, as the trade comparison above (all
/// in, backtesting.py forgives the debt of the margin call, which moves
/// every equity statistic after it).
#[test]
fn btcusd_statistics_match_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = shipped_csv(dir.path(), "BTCUSD");
    compare_stats("BTCUSD", &csv, 1_000_000.0, Some(0.3));
}

#[test]
fn tie_statistics_match_backtesting_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = tie_csv(dir.path());
    compare_stats("TIE", &csv, 10_000.0, None);
}

/// Every OHLC file backtesting.py ships has a comparison above.
#[test]
fn every_shipped_csv_is_compared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = shipped_csvs(dir.path())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.iter().any(|n| n == "GOOG"),
        "backtesting.py ships no GOOG CSV: {names:?}"
    );
    for n in &names {
        assert!(
            ["GOOG", "EURUSD", "BTCUSD"].contains(&n.as_str()),
            "backtesting.py ships {n}, which no test here compares; add one"
        );
    }
}

/// `RollingMean` is pandas' `rolling(n).mean()`, bit for bit, over the closes
/// of every shipped file: crossovers compare means strictly, so one ulp
/// would move a trade.
#[test]
fn rolling_mean_is_pandas_bit_for_bit() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, csv) in shipped_csvs(dir.path()) {
        let text = run_python(&[
            oracle_script(),
            &csv.display().to_string(),
            "--fast",
            &FAST.to_string(),
            "--slow",
            &SLOW.to_string(),
            "--sma-only",
        ]);
        let v: Value = serde_json::from_str(&text).expect("oracle prints JSON");
        let floats = |key: &str| -> Vec<f64> {
            v[key]
                .as_array()
                .unwrap_or_else(|| panic!("oracle output lacks {key}"))
                .iter()
                .map(|s| {
                    let s = s.as_str().expect("repr string");
                    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
                })
                .collect()
        };
        let close = floats("close");
        assert!(close.len() > SLOW, "{name}: only {} closes", close.len());
        for (n, key) in [(FAST, "fast"), (SLOW, "slow")] {
            let want = floats(key);
            assert_eq!(want.len(), close.len());
            let mut mean = RollingMean::new(n);
            let mut mismatches = Vec::new();
            for (i, (&c, &w)) in close.iter().zip(&want).enumerate() {
                let got = mean.push(c);
                let same = got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan());
                if !same {
                    mismatches.push(format!("  row {i}: pandas {w:?}, RollingMean {got:?}"));
                }
            }
            assert!(
                mismatches.is_empty(),
                "{name}: RollingMean({n}) differs from pandas rolling({n}).mean() on {} of {} \
                 rows; first:\n{}",
                mismatches.len(),
                close.len(),
                mismatches[..mismatches.len().min(10)].join("\n")
            );
        }
    }
}
