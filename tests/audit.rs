//! `axon audit` and `axon explain` end to end: a decision of a backtest with
//! an ML ensemble is rebuilt from its journal alone, reproduced bit for bit
//! and explained (HTML, PDF, JSON); from an order back to its decision; bad
//! targets and broken stores are clear errors; `explain` works on a model
//! file with JSON or Parquet backgrounds.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{axon, ensemble_config, model, python, tempdir};

fn backtested() -> tempfile::TempDir {
    let dir = tempdir();
    let d = dir.path();
    axon(
        d,
        &[
            "data",
            "synth",
            "--ticks",
            "4000",
            "--seed",
            "5",
            "-o",
            "ticks.parquet",
            "--quiet",
        ],
    )
    .ok();
    fs::write(
        d.join("bt.toml"),
        ensemble_config("run", &model("mlp_4.safetensors"), ""),
    )
    .unwrap();
    axon(d, &["backtest", "-c", "bt.toml", "--quiet"]).ok();
    dir
}

fn records(d: &Path, kind: &str) -> Vec<Value> {
    let out = axon(d, &["journal", "inspect", "run", "--json"])
        .ok()
        .stdout;
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["kind"] == kind)
        .collect()
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (scripts/setup-report-tools.sh)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_shap(json: &Value) {
    let base = json["base_value"].as_f64().unwrap();
    let pred = json["prediction"].as_f64().unwrap();
    let action = json["action"].as_u64().unwrap() as usize;
    let values: Vec<f64> = serde_json::from_value(json["shap_values"][action].clone()).unwrap();
    let sum: f64 = values.iter().sum();
    assert!((base + sum - pred).abs() < 1e-9, "{base} + {sum} != {pred}");
    assert_eq!(
        values.len(),
        json["feature_names"].as_array().unwrap().len()
    );
}

/// The report reads as a person needs it: time in UTC, the price to the
/// instrument's decimals, "all 4" rather than "top 20 of 4", each slot's
/// part in the score, and a warning when the explained model had no weight.
fn check_read_by_a_person(record: &Value, json: &Value, html: &str, pdf: &str) {
    let d = &record["event"]["Output"]["Decision"];
    let time_ns = record["time_ns"].as_i64().unwrap();
    let when = format!("{} ({time_ns} ns)", axon_explain::utc_time(time_ns));
    assert!(
        when.starts_with("2024-01-0") && when.contains('T'),
        "{when}"
    );
    assert!(pdf.contains(&format!("event time: {when}")), "{pdf}");
    assert!(html.contains(&when));
    assert_eq!(
        json["provenance"]["time_utc"],
        axon_explain::utc_time(time_ns)
    );
    // The synthetic quotes are in cents; a mid may need one decimal more.
    assert_eq!(json["provenance"]["price_decimals"], 2);
    let price_text = pdf
        .lines()
        .find_map(|l| l.strip_prefix("price: "))
        .expect("a price line");
    let decimals = price_text.split('.').nth(1).map_or(0, str::len);
    assert!((2..=3).contains(&decimals), "price {price_text:?}");
    assert!((price_text.parse::<f64>().unwrap() - d["price"].as_f64().unwrap()).abs() < 1e-9);
    assert!(html.contains("SHAP values, all 4") && !html.contains("top 20 of"));
    assert!(pdf.contains("features: all 4"), "{pdf}");

    // Each slot's contribution, weight × (buy − sell), adds up to the score.
    let e = &json["ensemble"];
    assert_eq!(e["score"], d["score"]);
    assert_eq!(e["threshold"], 0.3);
    let parts = e["contributions"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    let mut sum = 0.0;
    for (i, p) in parts.iter().enumerate() {
        let raw = &d["models"][i]["raw"];
        let edge = raw[0].as_f64().unwrap() - raw[1].as_f64().unwrap();
        let weight = d["weights"][i].as_f64().unwrap();
        assert_eq!(p["slot"], i);
        assert_eq!(p["contribution"].as_f64().unwrap(), weight * edge + 0.0);
        sum += p["contribution"].as_f64().unwrap();
    }
    assert_eq!(
        sum,
        d["score"].as_f64().unwrap(),
        "the engine's sum, in slot order"
    );
    // The explained ML slot moved the score most (the lower among equals).
    let explained = e["explained_slot"].as_u64().unwrap() as usize;
    let moved = |i: usize| parts[i]["contribution"].as_f64().unwrap().abs();
    assert_eq!(explained, if moved(2) > moved(1) { 2 } else { 1 });
    assert!(html.contains("What moved the ensemble score"));
    assert!(pdf.contains("What moved the ensemble score") && pdf.contains("slot 0, rule: "));
    let unweighted = d["weights"][explained].as_f64().unwrap() == 0.0;
    let warnings = json["warnings"].as_array().unwrap();
    if unweighted {
        let warning = warnings[0].as_str().unwrap();
        assert!(
            warning.starts_with(&format!(
                "The explained model (slot {explained}, candle) had weight 0 in this decision"
            )),
            "{warning}"
        );
        assert!(
            html.find("Warning: The explained model").unwrap() < html.find("<h2>Decision").unwrap()
        );
        // Under the title, before anything else.
        let second = pdf.lines().nth(1).unwrap_or_default();
        assert!(second.starts_with("WARNING: The explained model"), "{pdf}");
    } else {
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    // Counterfactuals change the model's own choice, nearest first.
    let cfs = json["counterfactuals"].as_array().unwrap();
    let mut last = 0.0;
    for c in cfs {
        assert_ne!(c["new_action"], json["model_action"]);
        assert!(!c["changes"].as_array().unwrap().is_empty());
        let distance = c["distance"].as_f64().unwrap();
        assert!(distance >= last);
        last = distance;
    }
}

#[test]
fn a_decision_is_rebuilt_reproduced_and_explained() {
    let dir = backtested();
    let d = dir.path();
    let decisions = records(d, "Decision");
    let last = decisions.last().expect("decisions");
    let seq = last["seq"].as_u64().unwrap().to_string();
    let run = axon(
        d,
        &[
            "audit",
            "--journal",
            "run",
            "--seq",
            &seq,
            "--html",
            "a.html",
            "--pdf",
            "a.pdf",
            "--json",
            "a.json",
            "--samples",
            "400",
        ],
    )
    .ok();
    assert!(run.stdout.contains("yes, bit for bit"), "{}", run.stdout);
    let json: Value = serde_json::from_str(&fs::read_to_string(d.join("a.json")).unwrap()).unwrap();
    let p = &json["provenance"];
    assert_eq!(p["reproduced"], true);
    assert_eq!(
        p["input_verified"], true,
        "the input tensor matches the journaled digest"
    );
    assert_eq!(p["seq"].as_u64().unwrap().to_string(), seq);
    assert_eq!(p["decision"], last["event"]["Output"]["Decision"]);
    assert!(p["slots"].as_array().unwrap().len() == 3);
    check_shap(&json);
    let names = json["feature_names"].as_array().unwrap();
    assert!(
        names.len() == 4 || names.len() == 128,
        "per feature of the window: {names:?}"
    );
    assert_eq!(names[0], "ret_1");
    let html = fs::read_to_string(d.join("a.html")).unwrap();
    assert!(html.contains("<svg") && html.contains(&format!("seq {seq}")));
    let text = pdf_text(&d.join("a.pdf"));
    for needle in [
        format!("sequence: {seq}"),
        "SHAP values".into(),
        "reproduced: yes".into(),
    ] {
        assert!(text.contains(&needle), "PDF lacks {needle:?}:\n{text}");
    }
    check_read_by_a_person(last, &json, &html, &text);

    // The other ML slot on request: the 64x128 window, 128 features.
    axon(
        d,
        &[
            "audit",
            "--journal",
            "run",
            "--seq",
            &seq,
            "--slot",
            "2",
            "--json",
            "b.json",
            "--samples",
            "300",
            "--quiet",
        ],
    )
    .ok();
    let b: Value = serde_json::from_str(&fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    assert_eq!(b["feature_names"].as_array().unwrap().len(), 128);
    assert_eq!(b["exact"], false);
    check_shap(&b);
    axon(
        d,
        &["audit", "--journal", "run", "--seq", &seq, "--slot", "0"],
    )
    .error(2, &["slot 0 has no ML model"]);
}

#[test]
fn from_an_order_back_to_its_decision() {
    let dir = backtested();
    let d = dir.path();
    let intent = records(d, "OrderIntent")
        .into_iter()
        .find(|r| r["event"]["Output"]["OrderIntent"]["reduce_only"] == false)
        .expect("an entry order");
    let client = intent["event"]["Output"]["OrderIntent"]["client_id"]
        .as_u64()
        .unwrap();
    let intent_seq = intent["seq"].as_u64().unwrap();
    axon(
        d,
        &[
            "audit",
            "--journal",
            "run",
            "--order",
            &client.to_string(),
            "--json",
            "o.json",
            "--samples",
            "300",
            "--quiet",
        ],
    )
    .ok();
    let json: Value = serde_json::from_str(&fs::read_to_string(d.join("o.json")).unwrap()).unwrap();
    let seq = json["provenance"]["seq"].as_u64().unwrap();
    assert!(seq < intent_seq, "the decision comes before its order");
    let decision_before = records(d, "Decision")
        .into_iter()
        .rev()
        .find(|r| r["seq"].as_u64().unwrap() < intent_seq)
        .unwrap();
    assert_eq!(decision_before["seq"].as_u64().unwrap(), seq);
    assert!(
        json["provenance"]["order"]
            .as_str()
            .unwrap()
            .contains(&format!("client order {client}"))
    );
}

#[test]
fn bad_targets_and_broken_stores_are_clear_errors() {
    let dir = backtested();
    let d = dir.path();
    axon(d, &["audit", "--journal", "run", "--seq", "0"])
        .error(2, &["seq 0 is not a Decision", "SessionStart"]);
    axon(d, &["audit", "--journal", "run", "--seq", "99999999"]).error(2, &["no record 99999999"]);
    axon(d, &["audit", "--journal", "run", "--order", "987654"])
        .error(2, &["no order with client order id 987654"]);
    axon(d, &["audit", "--journal", "nope"]).expect(2);
    let seq = records(d, "Decision").last().unwrap()["seq"]
        .as_u64()
        .unwrap()
        .to_string();
    let swaps: Vec<Value> = serde_json::from_str(
        &axon(d, &["models", "list", "--journal", "run", "--json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let sha = swaps[1]["sha256"].as_str().unwrap().to_string();
    let blob = d.join("run/artifacts/sha256").join(&sha);
    let bytes = fs::read(&blob).unwrap();
    fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    axon(d, &["audit", "--journal", "run", "--seq", &seq]).error(2, &[&sha, "corrupt"]);
    fs::remove_file(&blob).unwrap();
    axon(d, &["audit", "--journal", "run", "--seq", &seq]).error(2, &[&sha, "not in the store"]);
}

#[test]
fn explain_works_on_a_model_file() {
    let dir = tempdir();
    let d = dir.path();
    fs::write(d.join("obs.json"), "[[0.5, -1.0, 0.25, 2.0]]").unwrap();
    let bg: Vec<Vec<f64>> = (0..30)
        .map(|i| {
            (0..4)
                .map(|j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0)
                .collect()
        })
        .collect();
    fs::write(d.join("bg.json"), serde_json::to_string(&bg).unwrap()).unwrap();
    axon(
        d,
        &[
            "explain",
            "--model",
            &model("mlp_4.onnx"),
            "--observation",
            "obs.json",
            "--background",
            "bg.json",
            "--json",
            "e.json",
            "--html",
            "e.html",
            "--pdf",
            "e.pdf",
        ],
    )
    .ok();
    let json: Value = serde_json::from_str(&fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    assert_eq!(
        json["feature_names"],
        serde_json::json!(["f0", "f1", "f2", "f3"])
    );
    assert_eq!(json["exact"], true);
    assert_eq!(
        json["shap_values"].as_array().unwrap().len(),
        3,
        "per output class"
    );
    assert!(json["counterfactuals"].is_array());
    assert_eq!(json["provenance"]["backend"], "onnx");
    check_shap(&json);
    assert!(pdf_text(&d.join("e.pdf")).contains("SHAP values"));

    // The same background as Parquet rows, and the candle twin: same values.
    let status = Command::new(python())
        .args(["-c", "import json, sys, pyarrow as pa, pyarrow.parquet as pq\nrows = json.load(open(sys.argv[1]))\npq.write_table(pa.table({f'f{j}': [r[j] for r in rows] for j in range(4)}), sys.argv[2])", "bg.json", "bg.parquet"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(status.success());
    axon(
        d,
        &[
            "explain",
            "--model",
            &model("mlp_4.safetensors"),
            "--observation",
            "obs.json",
            "--background",
            "bg.parquet",
            "--json",
            "p.json",
        ],
    )
    .ok();
    let p: Value = serde_json::from_str(&fs::read_to_string(d.join("p.json")).unwrap()).unwrap();
    let (a, b): (Vec<f64>, Vec<f64>) = (
        serde_json::from_value(json["shap_values"][0].clone()).unwrap(),
        serde_json::from_value(p["shap_values"][0].clone()).unwrap(),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-5, "onnx {a:?} vs candle {b:?}");
    }

    fs::write(d.join("short.json"), "[1.0, 2.0]").unwrap();
    axon(
        d,
        &[
            "explain",
            "--model",
            &model("mlp_4.onnx"),
            "--observation",
            "short.json",
            "--background",
            "bg.json",
        ],
    )
    .error(2, &["short.json", "[2]", "4 values"]);
    fs::write(d.join("empty.json"), "[]").unwrap();
    axon(
        d,
        &[
            "explain",
            "--model",
            &model("mlp_4.onnx"),
            "--observation",
            "obs.json",
            "--background",
            "empty.json",
        ],
    )
    .error(2, &["empty.json"]);
}
