//! ML models in backtests, end to end through the `axon` binary: a
//! three-model ensemble with dynamic weights and scheduled swaps replays bit
//! for bit, `axon diff` names the first decision a model change altered,
//! models missing from or corrupted in a journal's store are clear errors,
//! a rollback by SHA-256 works from config or command, and
//! `axon models predict/info` agree with Python onnxruntime.

mod support;

use std::fs;
use std::path::Path;

use serde_json::Value;
use support::{axon, ensemble_config as config, model, models, python, tempdir};

fn swap(slot: u16, at: &str, path: &str) -> String {
    format!("\n[[models.swaps]]\nslot = {slot}\nat = \"{at}\"\npath = \"{path}\"\n")
}

fn setup() -> tempfile::TempDir {
    let dir = tempdir();
    axon(
        dir.path(),
        &[
            "data",
            "synth",
            "--ticks",
            "6000",
            "--seed",
            "3",
            "-o",
            "ticks.parquet",
            "--quiet",
        ],
    )
    .ok();
    dir
}

fn backtest(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    axon(dir, &["backtest", "-c", &format!("{name}.toml"), "--quiet"]).ok();
}

fn records(dir: &Path, journal: &str) -> Vec<Value> {
    let run = axon(dir, &["journal", "inspect", journal, "--json"]).ok();
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("inspect --json lines"))
        .collect()
}

fn swaps(dir: &Path, journal: &str) -> Vec<Value> {
    let run = axon(dir, &["models", "list", "--journal", journal, "--json"]).ok();
    serde_json::from_str::<Vec<Value>>(&run.stdout).unwrap()
}

#[test]
fn an_ensemble_with_scheduled_swaps_replays_bit_for_bit() {
    let dir = setup();
    let d = dir.path();
    let text = config(
        "run1",
        &model("mlp_4.safetensors"),
        &swap(1, "2024-01-02T00:05:00Z", &model("mlp_4.onnx")),
    );
    backtest(d, "run1", &text);

    let s = swaps(d, "run1");
    let got: Vec<(u64, u64, &str)> = s
        .iter()
        .map(|r| {
            (
                r["slot"].as_u64().unwrap(),
                r["version"].as_u64().unwrap(),
                r["backend"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(1, 1, "candle"), (2, 1, "onnx"), (1, 2, "onnx")]);
    assert!(s.iter().all(|r| r["in_store"] == true), "{s:?}");
    let file_sha = axon(d, &["models", "info", "--model", &model("mlp_4.onnx")]).ok();
    let info: Value = serde_json::from_str(&file_sha.stdout).unwrap();
    assert_eq!(
        s[2]["sha256"], info["sha256"],
        "the store holds the very bytes"
    );

    axon(d, &["replay", "--journal", "run1", "--verify"]).ok();

    let recs = records(d, "run1");
    let kind = |r: &Value| r["kind"].as_str().unwrap_or("").to_string();
    let performance = recs
        .iter()
        .filter(|r| kind(r) == "WeightChange" && r["event"].to_string().contains("performance"))
        .count();
    assert!(performance > 0, "dynamic weights never moved");
    let decisions: Vec<&Value> = recs.iter().filter(|r| kind(r) == "Decision").collect();
    assert!(!decisions.is_empty());
    let late = decisions.last().unwrap();
    let models = late["event"]["Output"]["Decision"]["models"]
        .as_array()
        .unwrap();
    assert_eq!(
        models.len(),
        3,
        "every model's raw output is journaled: {late}"
    );
    let zero = Value::from(vec![0; 32]);
    assert_eq!(
        models[0]["input_sha256"], zero,
        "the rule model's features say it all"
    );
    assert_ne!(
        models[2]["input_sha256"], zero,
        "the ML input is pinned by its digest"
    );
    assert_eq!(models[2]["features"].as_array().unwrap().len(), 128);
}

/// Flips the last float of a safetensors file (the output layer's last bias).
fn perturbed_copy(from: &Path, to: &Path) {
    let mut bytes = fs::read(from).unwrap();
    let n = bytes.len();
    let v = f32::from_le_bytes(bytes[n - 4..].try_into().unwrap()) + 0.25;
    bytes[n - 4..].copy_from_slice(&v.to_le_bytes());
    fs::write(to, bytes).unwrap();
}

#[test]
fn diff_names_the_first_decision_a_model_change_altered() {
    let dir = setup();
    let d = dir.path();
    // Two folders with the same config text and data; only the model's
    // bytes differ.
    for (sub, perturb) in [("a", false), ("b", true)] {
        let p = d.join(sub);
        fs::create_dir(&p).unwrap();
        fs::copy(d.join("ticks.parquet"), p.join("ticks.parquet")).unwrap();
        let src = models().join("mlp_4.safetensors");
        if perturb {
            perturbed_copy(&src, &p.join("m.safetensors"));
        } else {
            fs::copy(&src, p.join("m.safetensors")).unwrap();
        }
        backtest(&p, "bt", &config("run", "m.safetensors", ""));
    }
    axon(d, &["replay", "--journal", "b/run", "--verify"]).ok();

    let run = axon(d, &["diff", "a/run", "b/run", "--json"]).expect(1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["first"]["seq"], 1, "the swap's hash differs first");
    let change = &report["first_decision"];
    assert_eq!(change["left"]["kind"], "Decision", "{change}");
    assert_eq!(change["right"]["kind"], "Decision", "{change}");
    assert_ne!(change["left"]["event"], change["right"]["event"]);

    let text = axon(d, &["diff", "a/run", "b/run"]).expect(1).stdout;
    assert!(text.contains("first decision that changed"), "{text}");
}

#[test]
fn models_missing_or_corrupted_in_the_store_are_clear_errors() {
    let dir = setup();
    let d = dir.path();
    backtest(d, "run", &config("run", &model("mlp_4.safetensors"), ""));
    let s = swaps(d, "run");
    let sha = s[0]["sha256"].as_str().unwrap().to_string();
    let blob = d.join("run/artifacts/sha256").join(&sha);

    let bytes = fs::read(&blob).unwrap();
    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    fs::write(&blob, &bad).unwrap();
    axon(d, &["replay", "--journal", "run", "--verify"])
        .error(2, &["could not be loaded", "is corrupt"]);

    fs::remove_file(&blob).unwrap();
    axon(d, &["replay", "--journal", "run", "--verify"]).error(2, &[&sha, "could not be loaded"]);
    let listed = axon(d, &["models", "list", "--journal", "run"]).ok().stdout;
    assert!(listed.contains("MISSING"), "{listed}");
    fs::write(&blob, &bytes).unwrap();
    axon(d, &["replay", "--journal", "run", "--verify"]).ok();
}

#[test]
fn rollback_by_hash_from_config_and_command() {
    let dir = setup();
    let d = dir.path();
    backtest(d, "v1", &config("v1", &model("mlp_4.safetensors"), ""));
    let old = swaps(d, "v1")[0]["sha256"].as_str().unwrap().to_string();

    // Config: slot 1 goes back to v1's model, taken from v1's store by hash.
    let other = d.join("mlp_4_new.safetensors");
    perturbed_copy(&models().join("mlp_4.safetensors"), &other);
    let back = format!(
        "\n[[models.swaps]]\nslot = 1\nat = \"2024-01-02T00:05:00Z\"\nfrom_journal = \"v1\"\nsha256 = \"{old}\"\nbackend = \"candle\"\n"
    );
    backtest(d, "v2", &config("v2", &other.display().to_string(), &back));
    let s = swaps(d, "v2");
    assert_eq!(s[2]["sha256"], old.as_str());
    assert_eq!(s[2]["version"], 2);
    axon(d, &["replay", "--journal", "v2", "--verify"]).ok();

    // Command: the bytes come back out of the store, checked, atomically.
    let out = d.join("restored.safetensors");
    axon(
        d,
        &[
            "models",
            "restore",
            "--journal",
            "v1",
            "--sha256",
            &old,
            "--out",
            "restored.safetensors",
        ],
    )
    .ok();
    assert_eq!(
        fs::read(out).unwrap(),
        fs::read(models().join("mlp_4.safetensors")).unwrap()
    );
    axon(
        d,
        &[
            "models",
            "restore",
            "--journal",
            "v1",
            "--sha256",
            &"0".repeat(64),
            "--out",
            "x",
        ],
    )
    .error(2, &["not in the store", &"0".repeat(64)]);
}

#[test]
fn config_errors_name_the_key() {
    let dir = setup();
    let d = dir.path();
    let cases = [
        (
            config("r", &model("mlp_4.safetensors"), "").replace(
                &format!("path = \"{}\"\n", model("mlp_4.safetensors")),
                &format!(
                    "path = \"{}\"\nsha256 = \"{}\"\n",
                    model("mlp_4.safetensors"),
                    "ab".repeat(32)
                ),
            ),
            vec!["models.slots[0].sha256", "pinned"],
        ),
        (
            config("r", "nope.onnx", ""),
            vec!["models.slots[0].path", "nope.onnx"],
        ),
        (
            config(
                "r",
                &model("mlp_4.safetensors"),
                "\n[[models.swaps]]\nslot = 1\nat = \"yesterday\"\npath = \"x.onnx\"\n",
            ),
            vec!["models.swaps[0].at", "RFC 3339"],
        ),
        (
            config("r", &model("mlp_4.safetensors"), "").replace("floor = 0.05", "floor = 2.0"),
            vec!["ensemble.floor"],
        ),
    ];
    for (text, needles) in cases {
        fs::write(d.join("bad.toml"), text).unwrap();
        axon(d, &["backtest", "-c", "bad.toml", "--quiet"]).error(2, &needles);
        axon(d, &["validate-config", "-c", "bad.toml"]).expect(2);
    }
}

#[derive(serde::Deserialize)]
struct Case {
    input: Vec<f32>,
    onnxruntime: Vec<f32>,
}

#[test]
fn predict_and_info_agree_with_python_onnxruntime() {
    let dir = tempdir();
    let d = dir.path();
    let reference: Value =
        serde_json::from_str(&fs::read_to_string(models().join("reference_io.json")).unwrap())
            .unwrap();
    let cases: Vec<Case> = serde_json::from_value(reference["mlp_4"]["cases"].clone()).unwrap();
    for (i, case) in cases.iter().enumerate() {
        fs::write(
            d.join("in.json"),
            serde_json::to_string(&vec![case.input.clone()]).unwrap(),
        )
        .unwrap();
        for file in ["mlp_4.onnx", "mlp_4.safetensors"] {
            let run = axon(
                d,
                &[
                    "models",
                    "predict",
                    "--model",
                    &model(file),
                    "--input",
                    "in.json",
                ],
            )
            .ok();
            let y: Vec<f32> = serde_json::from_str(run.stdout.trim()).unwrap();
            for (a, b) in y.iter().zip(&case.onnxruntime) {
                assert!(
                    (a - b).abs() <= 1e-5,
                    "{file} case {i}: {y:?} vs {:?}",
                    case.onnxruntime
                );
            }
        }
    }
    let info: Value = serde_json::from_str(
        &axon(d, &["models", "info", "--model", &model("mlp_64x128.onnx")])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(info["backend"], "onnx");
    assert_eq!(info["input_shape"], serde_json::json!([1, 64, 128]));
    assert_eq!(info["output_dim"], 3);
    let bytes = fs::read(models().join("mlp_64x128.onnx")).unwrap();
    assert_eq!(info["sha256"].as_str().unwrap(), sha256_hex(&bytes));

    fs::write(d.join("short.json"), "[[1.0, 2.0, 3.0]]").unwrap();
    axon(
        d,
        &[
            "models",
            "predict",
            "--model",
            &model("mlp_4.onnx"),
            "--input",
            "short.json",
        ],
    )
    .error(2, &["short.json", "[1, 3]", "[1, 4]"]);
    fs::write(d.join("ragged.json"), "[[1.0, 2.0], [3.0]]").unwrap();
    axon(
        d,
        &[
            "models",
            "predict",
            "--model",
            &model("mlp_4.onnx"),
            "--input",
            "ragged.json",
        ],
    )
    .error(2, &["ragged.json", "rectangular"]);
    axon(d, &["models", "info", "--model", "missing.onnx"]).error(2, &["missing.onnx"]);
}

/// Python onnxruntime, run now on fresh inputs, and `axon models predict`
/// with every backend of this build agree within 1e-5.
#[test]
fn predictions_agree_with_python_onnxruntime_run_now() {
    let dir = tempdir();
    let d = dir.path();
    let script = r#"
import json, sys
import numpy as np, onnxruntime as ort
path, out = sys.argv[1], sys.argv[2]
sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(2024)
cases = []
for _ in range(3):
    x = rng.standard_normal((1, 64, 128)).astype(np.float32)
    y = sess.run(None, {"input": x})[0][0]
    cases.append({"input": x.tolist(), "output": [float(v) for v in y]})
json.dump(cases, open(out, "w"))
"#;
    let status = std::process::Command::new(python())
        .args(["-c", script, &model("mlp_64x128.onnx"), "cases.json"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(status.success(), "python onnxruntime failed");
    let cases: Vec<Value> =
        serde_json::from_str(&fs::read_to_string(d.join("cases.json")).unwrap()).unwrap();
    for (i, case) in cases.iter().enumerate() {
        fs::write(d.join("in.json"), case["input"].to_string()).unwrap();
        let want: Vec<f32> = serde_json::from_value(case["output"].clone()).unwrap();
        for file in ["mlp_64x128.onnx", "mlp_64x128.safetensors"] {
            let run = axon(
                d,
                &[
                    "models",
                    "predict",
                    "--model",
                    &model(file),
                    "--input",
                    "in.json",
                ],
            )
            .ok();
            let y: Vec<f32> = serde_json::from_str(run.stdout.trim()).unwrap();
            for (a, b) in y.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-5,
                    "{file} case {i}: {y:?} vs onnxruntime {want:?}"
                );
            }
        }
    }
}

#[test]
fn a_missing_runtime_library_names_the_script_that_fetches_it() {
    let dir = tempdir();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_axon"));
    let out = cmd
        .current_dir(dir.path())
        .args(["models", "info", "--model", &model("mlp_4.onnx")])
        .env("AXON_ONNXRUNTIME_LIB", dir.path().join("libonnxruntime.so"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("scripts/fetch-runtimes.sh") && err.contains("libonnxruntime.so"),
        "{err}"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    axon_inference::sha256_hex(bytes)
}
