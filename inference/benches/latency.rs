//! Single-prediction latency per backend on the [1, 64, 128] reference
//! model, CPU, one thread; Python onnxruntime on the same model in the same
//! run as the peer.
//!
//!     cargo bench -p axon-inference --bench latency            # onnx, candle
//!     cargo bench -p axon-inference --features tch --bench latency
//!
//! Criterion reports medians; a second pass of 20 000 timed calls per
//! backend prints p50 and p99. The peer is `scripts/bench-onnxruntime.py`,
//! run with the project's `.venv` (skipped with a note if it is missing).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axon_inference::{Backend, InferenceBackend, ModelConfig, load_backend};
use criterion::Criterion;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models")
}

fn backends() -> Vec<(InferenceBackend, &'static str)> {
    let mut v = vec![(InferenceBackend::Candle, "safetensors")];
    if cfg!(feature = "onnx") {
        v.push((InferenceBackend::Onnx, "onnx"));
    }
    if cfg!(feature = "tch") {
        v.push((InferenceBackend::Tch, "pt"));
    }
    v
}

fn load(backend: InferenceBackend, ext: &str) -> Box<dyn Backend> {
    let mut c = ModelConfig::new(models().join(format!("mlp_64x128.{ext}")), vec![1, 64, 128]);
    c.backend = backend;
    c.num_threads = 1;
    load_backend(&c).unwrap_or_else(|e| panic!("{backend}: {e}"))
}

fn input() -> Vec<f32> {
    (0..8192)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
        .collect()
}

fn percentiles(model: &dyn Backend, x: &[f32], n: usize) -> (f64, f64) {
    let mut out = Vec::with_capacity(3);
    for _ in 0..1000 {
        model.predict_into(x, &mut out).unwrap();
    }
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            model.predict_into(x, &mut out).unwrap();
            s.elapsed()
        })
        .collect();
    t.sort();
    let us = |q: f64| t[((n as f64 * q) as usize).min(n - 1)].as_secs_f64() * 1e6;
    (us(0.50), us(0.99))
}

fn python_peer() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    if !python.exists() {
        return None;
    }
    let out = std::process::Command::new(python)
        .arg(root.join("scripts/bench-onnxruntime.py"))
        .args([
            "--model",
            &models().join("mlp_64x128.onnx").display().to_string(),
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() {
    // candle sizes its thread pool from RAYON_NUM_THREADS on every call; one
    // thread, as every backend here. SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let x = input();
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(5));
    let mut g = c.benchmark_group("predict_mlp_64x128_cpu_1thread");
    for (backend, ext) in backends() {
        let model = load(backend, ext);
        let mut out = Vec::with_capacity(3);
        g.bench_function(backend.name(), |b| {
            b.iter(|| model.predict_into(&x, &mut out).unwrap())
        });
    }
    g.finish();
    println!("\nper-call latency, 20000 calls after 1000 warm-up calls:");
    for (backend, ext) in backends() {
        let model = load(backend, ext);
        let (p50, p99) = percentiles(model.as_ref(), &x, 20_000);
        println!(
            "  {:<8} p50 {p50:7.1} us   p99 {p99:7.1} us",
            backend.name()
        );
    }
    match python_peer() {
        Some(json) => println!("  python onnxruntime (same run): {json}"),
        None => println!("  python onnxruntime: .venv missing (run scripts/setup-python.sh)"),
    }
    c.final_summary();
}
