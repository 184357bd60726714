//! KernelSHAP on the [1, 16] reference model with 100 background rows: the
//! exact path (all 2^16 coalitions) and the sampled path (2·16 + 2048
//! coalitions, shap's default), on candle (batched) and ONNX Runtime
//! (batched, symbolic batch dimension); then Python shap's KernelExplainer
//! on the same model, background and observation
//! (`scripts/bench-shap.py`), in the same run.
//!
//!     cargo bench -p axon-explain --bench shap

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axon_explain::{KernelSHAP, ShapOptions};
use axon_inference::{Backend, ModelConfig, load_backend};
use criterion::Criterion;

fn rows(n: usize, seed: usize) -> Vec<Vec<f32>> {
    (seed..seed + n)
        .map(|k| {
            (0..16)
                .map(|j| (((k * 31 + j * 17) % 97) as f32 / 24.0) - 2.0)
                .collect()
        })
        .collect()
}

fn model(file: &str) -> Arc<dyn Backend> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/models")
        .join(file);
    Arc::from(load_backend(&ModelConfig::new(path, vec![1, 16])).expect("reference model"))
}

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() {
    // One rayon thread for candle. SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let bg = rows(100, 0);
    let x = rows(1, 1234).remove(0);
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    let mut g = c.benchmark_group("kernel_shap_mlp16_bg100");
    for file in ["mlp_16.safetensors", "mlp_16.onnx"] {
        let m = model(file);
        let backend = m.info().backend.name();
        let exact = KernelSHAP::with_options(
            m.clone(),
            ShapOptions {
                max_exact_features: 16,
                ..ShapOptions::default()
            },
        );
        g.bench_function(format!("{backend}/exact"), |b| {
            b.iter(|| exact.explain(&x, 0, &bg).unwrap())
        });
        let sampled = KernelSHAP::with_options(
            m,
            ShapOptions {
                max_exact_features: 0,
                ..ShapOptions::default()
            },
        );
        g.bench_function(format!("{backend}/sampled_2080"), |b| {
            b.iter(|| sampled.explain(&x, 0, &bg).unwrap())
        });
    }
    g.finish();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    if std::env::var_os("AXON_BENCH_NO_PEER").is_some() {
        return;
    }
    match std::process::Command::new(&python)
        .arg(root.join("scripts/bench-shap.py"))
        .output()
    {
        Ok(out) if out.status.success() => println!(
            "python shap (same run): {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        Ok(out) => println!(
            "python shap failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!(
            "python shap: {} not runnable ({e}); run scripts/setup-python.sh",
            python.display()
        ),
    }
    c.final_summary();
}
