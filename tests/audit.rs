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
