//! KernelSHAP: exact values add up, sampled values agree with exact ones
//! within sampling error and are reproducible by seed, Python shap's
//! KernelExplainer agrees where it is exact, and bad input is a clear error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_explain::{ExplainError, KernelSHAP, ShapOptions};
use axon_inference::{Backend, ModelConfig, load_backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models")
}

fn model(file: &str, shape: &[usize]) -> Arc<dyn Backend> {
    Arc::from(load_backend(&ModelConfig::new(models().join(file), shape.to_vec())).unwrap())
}

fn rows(n: usize, width: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            (0..width)
                .map(|_| rng.random::<f32>() * 4.0 - 2.0)
                .collect()
        })
        .collect()
}

#[test]
fn exact_values_add_up_to_the_prediction() {
    let m = model("mlp_16.safetensors", &[1, 16]);
    let bg = rows(30, 16, 1);
    let x = &rows(1, 16, 2)[0];
    let opts = ShapOptions {
        max_exact_features: 16,
        ..ShapOptions::default()
    };
    let e = KernelSHAP::with_options(m.clone(), opts)
        .explain(x, 2, &bg)
        .unwrap();
    assert!(e.exact);
    assert_eq!(e.coalitions, 1 << 16);
    assert_eq!(e.feature_names.len(), 16);
    let fx = m.predict(x).unwrap();
    // Every class's values come from the same coalitions.
    for (c, f) in fx.iter().enumerate() {
        assert!((e.predictions[c] - f64::from(*f)).abs() < 1e-6);
        let sum: f64 = e.shap_values[c].iter().sum();
        assert!(
            (e.base_values[c] + sum - e.predictions[c]).abs() < 1e-9,
            "additivity, class {c}: {} + {sum} vs {}",
            e.base_values[c],
            e.predictions[c]
        );
    }
    assert_eq!(e.feature_importances, e.shap_values[2]);
}

#[test]
fn sampled_values_match_exact_ones_within_sampling_error() {
    let m = model("mlp_16.safetensors", &[1, 16]);
    let bg = rows(30, 16, 3);
    let x = &rows(1, 16, 4)[0];
    let exact_opts = ShapOptions {
        max_exact_features: 16,
        ..ShapOptions::default()
    };
    let exact = KernelSHAP::with_options(m.clone(), exact_opts)
        .explain(x, 0, &bg)
        .unwrap();
    let sampled_opts = ShapOptions {
        max_exact_features: 0,
        samples: Some(8000),
        seed: 7,
        ..ShapOptions::default()
    };
    let sampled = KernelSHAP::with_options(m.clone(), sampled_opts.clone())
        .explain(x, 0, &bg)
        .unwrap();
    assert!(!sampled.exact);
    let scale = exact
        .feature_importances
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max);
    let worst = exact
        .feature_importances
        .iter()
        .zip(&sampled.feature_importances)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 0.05 * scale.max(1e-3),
        "sampled off by {worst} (largest value {scale})"
    );
    let sum: f64 = sampled.feature_importances.iter().sum();
    assert!(
        (sampled.base_value + sum - sampled.prediction).abs() < 1e-9,
        "efficiency holds exactly"
    );
    let again = KernelSHAP::with_options(m, sampled_opts)
        .explain(x, 0, &bg)
        .unwrap();
    assert_eq!(again, sampled, "the same seed gives the same values");
}

#[test]
fn windows_explain_per_feature_or_per_cell() {
    let m = model("mlp_64x128.safetensors", &[1, 64, 128]);
    let bg = rows(5, 8192, 5);
    let x = &rows(1, 8192, 6)[0];
    let opts = ShapOptions {
        samples: Some(600),
        ..ShapOptions::default()
    };
    let e = KernelSHAP::with_options(m, opts)
        .explain(x, 1, &bg)
        .unwrap();
    assert_eq!(e.feature_names.len(), 128, "time steps grouped per feature");
    assert!(!e.exact);
    let sum: f64 = e.feature_importances.iter().sum();
    assert!((e.base_value + sum - e.prediction).abs() < 1e-9);
    let small = model("mlp_4.safetensors", &[1, 4]);
    let cells = ShapOptions {
        per_cell: true,
        ..ShapOptions::default()
    };
    let e = KernelSHAP::with_options(small, cells)
        .explain(&[0.1, 0.2, 0.3, 0.4], 0, &rows(4, 4, 8))
        .unwrap();
    assert_eq!(e.feature_names.len(), 4);
}

#[test]
fn bad_input_is_a_clear_error() {
    let m = model("mlp_4.safetensors", &[1, 4]);
    let k = KernelSHAP::new(m);
    let bg = rows(3, 4, 9);
    match k.explain(&[1.0, 2.0], 0, &bg) {
        Err(ExplainError::Shape {
            got: 2,
            expected: 4,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        k.explain(&[0.0; 4], 0, &[]),
        Err(ExplainError::EmptyBackground)
    ));
    let ragged = vec![vec![0.0; 4], vec![0.0; 3]];
    let e = k.explain(&[0.0; 4], 0, &ragged).unwrap_err().to_string();
    assert!(e.contains("background row 1"), "{e}");
    assert!(matches!(
        k.explain(&[0.0; 4], 3, &bg),
        Err(ExplainError::Action {
            action: 3,
            outputs: 3
        })
    ));
}

/// Python shap's KernelExplainer on the ONNX twin of the model (through
/// onnxruntime), same observation and background: with 4 features it
/// enumerates every coalition, so its values are exact and must match ours.
#[test]
fn python_shap_agrees_where_it_is_exact() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} missing: run scripts/setup-python.sh",
        python.display()
    );
    let bg = rows(25, 4, 10);
    let x = rows(1, 4, 11).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let input = serde_json::json!({ "x": x, "background": bg });
    std::fs::write(dir.path().join("in.json"), input.to_string()).unwrap();
    let script = r#"
import json, sys
import numpy as np, onnxruntime as ort, shap
model, io = sys.argv[1], sys.argv[2]
d = json.load(open(io + "/in.json"))
sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
def f(z):
    z = np.asarray(z, dtype=np.float32)
    return np.concatenate([sess.run(None, {"input": z[i:i + 1]})[0] for i in range(len(z))])
bg = np.asarray(d["background"], dtype=np.float32)
ex = shap.KernelExplainer(f, bg)
x = np.asarray([d["x"]], dtype=np.float32)
sv = ex.shap_values(x, nsamples=2 ** 4 + 10, silent=True)
sv = np.asarray(sv)  # (1, features, classes) or (classes, 1, features)
if sv.shape[0] == 1:
    per_class = sv[0].T
else:
    per_class = sv[:, 0, :]
json.dump({"values": per_class.tolist(), "base": np.asarray(ex.expected_value).tolist()}, open(io + "/out.json", "w"))
"#;
    let out = std::process::Command::new(python)
        .args([
            "-c",
            script,
            &models().join("mlp_4.onnx").display().to_string(),
            &dir.path().display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python shap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    let ours = model("mlp_4.onnx", &[1, 4]);
    for action in 0..3 {
        let e = KernelSHAP::new(ours.clone())
            .explain(&x, action, &bg)
            .unwrap();
        let base = py["base"][action].as_f64().unwrap();
        assert!(
            (e.base_value - base).abs() < 1e-6,
            "base {action}: {} vs shap {base}",
            e.base_value
        );
        for j in 0..4 {
            let v = py["values"][action][j].as_f64().unwrap();
            let d = (e.feature_importances[j] - v).abs();
            assert!(
                d < 1e-6,
                "class {action} feature {j}: {} vs shap {v}",
                e.feature_importances[j]
            );
        }
    }
}
