//! Load the [1, 64, 128] reference model with every backend in this build,
//! check the backends agree, and time single predictions, on the CPU and,
//! with `--device cuda:N`, on that GPU as well (outputs compared with the
//! CPU's).
//!
//!     cargo run --release -p axon-inference --example inference
//!     cargo run --release -p axon-inference --features tch --example inference -- --device cuda:0
//!
//! Prints one JSON object per backend and device.

use std::path::{Path, PathBuf};
use std::time::Instant;

use axon_inference::{Backend, Device, InferenceBackend, ModelConfig, load_backend};

fn model(ext: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../data/models/mlp_64x128.{ext}"))
}

fn time(model: &dyn Backend, x: &[f32], n: usize) -> (f64, f64) {
    let mut out = Vec::new();
    for _ in 0..n / 10 {
        model.predict_into(x, &mut out).unwrap();
    }
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            model.predict_into(x, &mut out).unwrap();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[n / 2], t[n * 99 / 100])
}

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One rayon thread for candle. SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let mut device = Device::Cpu;
    let mut n = 5_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--device" => device = args.next().ok_or("--device needs a value")?.parse()?,
            "--n" => n = args.next().ok_or("--n needs a value")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let x: Vec<f32> = (0..8192)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
        .collect();
    let mut backends = vec![(InferenceBackend::Candle, "safetensors")];
    if cfg!(feature = "onnx") {
        backends.push((InferenceBackend::Onnx, "onnx"));
    }
    if cfg!(feature = "tch") {
        backends.push((InferenceBackend::Tch, "pt"));
    }
    let mut reference: Option<Vec<f32>> = None;
    for (backend, ext) in backends {
        let mut config = ModelConfig::new(model(ext), vec![1, 64, 128]);
        config.backend = backend;
        let cpu = load_backend(&config)?;
        let y = cpu.predict(&x)?;
        let agree = reference.get_or_insert_with(|| y.clone());
        let diff = y
            .iter()
            .zip(agree.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        let (p50, p99) = time(cpu.as_ref(), &x, n);
        println!(
            r#"{{"backend":"{backend}","device":"cpu","output":{y:?},"max_diff_vs_first_backend":{diff:e},"p50_us":{p50:.1},"p99_us":{p99:.1}}}"#
        );
        if device == Device::Cpu {
            continue;
        }
        config.device = device;
        match load_backend(&config) {
            Ok(gpu) => {
                let g = gpu.predict(&x)?;
                let d = g
                    .iter()
                    .zip(&y)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                let (p50, p99) = time(gpu.as_ref(), &x, n);
                println!(
                    r#"{{"backend":"{backend}","device":"{device}","output":{g:?},"max_diff_vs_cpu":{d:e},"p50_us":{p50:.1},"p99_us":{p99:.1}}}"#
                );
            }
            Err(e) => println!(
                r#"{{"backend":"{backend}","device":"{device}","unavailable":{:?}}}"#,
                e.to_string()
            ),
        }
    }
    Ok(())
}
