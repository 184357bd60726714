//! `axon report` end to end: a backtest's journal becomes one
//! self-contained page whose numbers are the run's own (head hash,
//! statistics, trades) and whose monthly returns equal backtesting.py's on
//! the same strategy and data; headless Chromium opens it with no console
//! errors and no network, draws every chart, and a zoom over the price pane
//! moves the equity pane too; `--pdf` prints it; a 200k-tick run is
//! downsampled with its extremes kept; bad input is exit 2.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{axon, axon_env, goog, python, run_python, tempdir};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn backtest(dir: &Path, data: &str, fill: &str, journal: &str) -> Value {
    let config = format!(
        "[session]\ncash = 10000.0\nseed = 7\n[data]\npath = \"{data}\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n\
         [execution]\nfill = \"{fill}\"\nsizing = \"all_in\"\ncommission_bps = 0.0\n\
         [journal]\npath = \"{journal}\"\ndurability = \"none\"\n"
    );
    std::fs::write(dir.join(format!("{journal}.toml")), config).unwrap();
    let summary = format!("{journal}-summary.json");
    axon(
        dir,
        &[
            "backtest",
            "-c",
            &format!("{journal}.toml"),
            "--summary-json",
            &summary,
            "--quiet",
        ],
    )
    .ok();
    serde_json::from_str(&std::fs::read_to_string(dir.join(summary)).unwrap()).unwrap()
}

/// The page's inline JSON of the given script element.
fn inline_json(page: &str, id: &str) -> Value {
    let start = page
        .find(&format!("<script id=\"{id}\" type=\"application/json\">"))
        .unwrap_or_else(|| panic!("no {id} in the page"));
    let body = &page[start..];
    let body = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    serde_json::from_str(&body.replace("<\\/", "</")).expect("inline JSON")
}

/// `YYYY-MM` → percent, from the page's monthly returns table.
fn monthly_table(page: &str) -> Vec<(String, f64)> {
    let table = &page[page
        .find("<table class=\"monthly\">")
        .expect("monthly table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let mut out = Vec::new();
    for row in table.split("<tr><th>").skip(1) {
        let Ok(year) = row[..4].parse::<u32>() else {
            continue;
        };
        let cells: Vec<&str> = row
            .split("<td style=")
            .skip(1)
            .map(|c| &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()])
            .collect();
        assert_eq!(cells.len(), 13, "12 months and the year in {row}");
        for (m, c) in cells[..12].iter().enumerate() {
            if !c.is_empty() {
                out.push((format!("{year:04}-{:02}", m + 1), c.parse().unwrap()));
            }
        }
    }
    out
}

fn browser_check(page: &Path) -> Value {
    let out = Command::new(python())
        .arg(repo().join("tests/browser/report_check.py"))
        .arg(page)
        .output()
        .expect("running the browser check");
    assert!(
        out.status.success(),
        "browser check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("browser check JSON")
}

#[test]
fn a_backtest_report_shows_the_runs_own_numbers_and_draws_in_chromium() {
    let dir = tempdir();
    let csv = goog(dir.path());
    let summary = backtest(dir.path(), "goog.parquet", "next_open", "run");
    let verified = axon(
        dir.path(),
        &["replay", "--journal", "run", "--verify", "--json"],
    )
    .ok();
    let verified: Value = serde_json::from_str(&verified.stdout).unwrap();
    let head = verified["head_hash"].as_str().unwrap().to_owned();

    axon(
        dir.path(),
        &[
            "report",
            "--journal",
            "run",
            "--html",
            "report.html",
            "--pdf",
            "report.pdf",
            "--quiet",
        ],
    )
    .ok();
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();

    // Self-contained: no resource from anywhere else.
    for needle in ["src=\"http", "href=\"http", "<link ", "src=\"//"] {
        assert!(!page.contains(needle), "the page loads {needle}");
    }
    assert!(page.contains("Lightweight Charts"), "licence notice");
    assert!(page.contains("Apache License"), "embedded licence");
    // The run's identity and statistics.
    assert!(page.contains(&head), "head hash {head}");
    assert!(page.contains("sma_cross on GOOG"));
    let trades = summary["trades"].as_u64().unwrap();
    assert!(page.contains(&format!("Trades ({trades})")));
    let listed = inline_json(&page, "axon-trades");
    assert_eq!(listed.as_array().unwrap().len() as u64, trades);
    let sharpe = summary["sharpe"].as_f64().unwrap();
    assert!(
        page.contains(&format!(
            "<tr><th>Sharpe Ratio</th><td class=\"n\">{}</td></tr>",
            format_4(sharpe)
        )),
        "Sharpe {sharpe}"
    );
    let data = inline_json(&page, "axon-data");
    let bars = data["price"].as_array().unwrap().len();
    assert_eq!(bars as u64, summary["market_events"].as_u64().unwrap());
    assert!(data["sharpe"]["points"].as_array().unwrap().len() > 1000);

    // Monthly returns equal backtesting.py's month-end equity changes (its
    // first month has no previous month; the last differs by how the two
    // close the open trade at the end).
    let oracle = run_python(&[
        &repo()
            .join("tests/oracle/sma_backtesting.py")
            .display()
            .to_string(),
        &csv.display().to_string(),
        "--fast",
        "10",
        "--slow",
        "30",
    ]);
    let oracle: Value = serde_json::from_str(&oracle).unwrap();
    let want = oracle["monthly_returns_pct"].as_object().unwrap();
    let got = monthly_table(&page);
    assert!(got.len() > 90, "{} months", got.len());
    for (month, pct) in &got[1..got.len() - 1] {
        let w = want[month].as_f64().unwrap_or_else(|| panic!("{month}"));
        assert!(
            (pct - w).abs() <= 0.051,
            "{month}: report {pct}, backtesting.py {w}"
        );
    }

    // Chromium: no errors, no network, every pane drawn, linked zoom.
    let check = browser_check(&dir.path().join("report.html"));
    assert_eq!(check["page_errors"], Value::Array(vec![]), "{check}");
    assert_eq!(check["console_errors"], Value::Array(vec![]), "{check}");
    assert_eq!(check["remote_requests"], Value::Array(vec![]), "{check}");
    assert_eq!(check["panes"], 5, "{check}");
    assert!(check["charts_drawn"].as_u64().unwrap() >= 5, "{check}");
    assert!(check["sharpe_drawn"].as_u64().unwrap() >= 1, "{check}");
    let width = |r: &Value| r["to"].as_f64().unwrap() - r["from"].as_f64().unwrap();
    assert!(
        width(&check["range_after"]) < width(&check["range_before"]) * 0.9,
        "the wheel zoomed in: {check}"
    );
    assert_eq!(check["equity_pane_changed"], true, "{check}");

    // The PDF: the page printed, text and charts.
    let pdf = dir.path().join("report.pdf");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in ["Statistics", "Monthly returns", "Sharpe Ratio", &head[..32]] {
        assert!(text.contains(needle), "the PDF lacks {needle}");
    }
    let images = Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .unwrap();
    let images = String::from_utf8_lossy(&images.stdout);
    assert!(
        images.lines().count() > 2 + 5,
        "the charts print as images:\n{images}"
    );
}

/// The page's number format (up to 4 decimals, trailing zeros dropped).
fn format_4(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[test]
fn a_large_tick_run_is_downsampled_keeping_its_extremes() {
    let dir = tempdir();
    axon(
        dir.path(),
        &[
            "data",
            "synth",
            "--ticks",
            "200000",
            "-o",
            "ticks.parquet",
            "--quiet",
        ],
    )
    .ok();
    backtest(dir.path(), "ticks.parquet", "next_tick", "run");
    axon(
        dir.path(),
        &["report", "--journal", "run", "--html", "r.html", "--quiet"],
    )
    .ok();
    let page = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(page.contains("Downsampled for display"));
    let data = inline_json(&page, "axon-data");
    let candles = data["price"].as_array().unwrap();
    assert!(candles.len() <= 5_000, "{} columns", candles.len());
    // The highest and lowest mid of the data survive the downsampling.
    let extremes = run_python(&[
        "-c",
        "import pyarrow.parquet as pq, pyarrow.compute as pc, sys\n\
         t = pq.read_table(sys.argv[1])\n\
         mid = pc.divide(pc.add(t['bid'], t['ask']), 2)\n\
         print(repr(pc.min(mid).as_py()), repr(pc.max(mid).as_py()))",
        &dir.path().join("ticks.parquet").display().to_string(),
    ]);
    let (lo, hi) = extremes.trim().split_once(' ').unwrap();
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    let low = candles
        .iter()
        .map(|c| c[3].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    let high = candles
        .iter()
        .map(|c| c[2].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    // (serde_json's float parser may be one unit in the last place off.)
    assert!(
        (low - lo).abs() < 1e-9 && (high - hi).abs() < 1e-9,
        "page {low}..{high}, data {lo}..{hi}"
    );
    // Times are unique and increasing, as the charts need.
    let times: Vec<i64> = candles.iter().map(|c| c[0].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    let equity: Vec<i64> = data["equity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_i64().unwrap())
        .collect();
    assert!(equity.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn bad_input_is_exit_2_naming_what_is_wrong() {
    let dir = tempdir();
    axon(
        dir.path(),
        &["report", "--journal", "nope", "--html", "r.html"],
    )
    .error(2, &["nope"]);
    assert!(!dir.path().join("r.html").exists());

    goog(dir.path());
    backtest(dir.path(), "goog.parquet", "next_open", "run");
    // No browser to print with.
    let missing = dir.path().join("no-such-chromium");
    axon_env(
        dir.path(),
        &[
            "report",
            "--journal",
            "run",
            "--html",
            "r.html",
            "--pdf",
            "r.pdf",
        ],
        &[("AXON_CHROMIUM", &missing)],
    )
    .error(2, &["r.pdf", "no-such-chromium"]);
    // An unwritable output.
    axon(
        dir.path(),
        &["report", "--journal", "run", "--html", "no/such/dir/r.html"],
    )
    .error(2, &["no/such/dir/r.html"]);
    // A damaged journal is refused, naming it.
    let segment = std::fs::read_dir(dir.path().join("run"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .expect("a segment file");
    let mut bytes = std::fs::read(&segment).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&segment, bytes).unwrap();
    axon(
        dir.path(),
        &["report", "--journal", "run", "--html", "r.html"],
    )
    .error(2, &["run"]);
}
