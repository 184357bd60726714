//! Explain one prediction of the [1, 16] reference model: Shapley values,
//! counterfactuals and permutation importance, written as a report in HTML,
//! PDF and JSON.
//!
//!     cargo run -p axon-explain --example explain [-- OUT_DIR]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_explain::{KernelSHAP, ReportContext, ReportGenerator, ShapOptions};
use axon_inference::{Backend, ModelConfig, load_backend};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("explain-report"), PathBuf::from);
    std::fs::create_dir_all(&out)?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models/mlp_16.safetensors");
    let model: Arc<dyn Backend> = Arc::from(load_backend(&ModelConfig::new(&path, vec![1, 16]))?);
    // A deterministic background and observation.
    let row = |k: usize| -> Vec<f32> {
        (0..16)
            .map(|j| (((k * 31 + j * 17) % 97) as f32 / 24.0) - 2.0)
            .collect()
    };
    let background: Vec<Vec<f32>> = (0..100).map(row).collect();
    let x = row(1234);
    let outputs = model.predict(&x)?;
    let action = (0..3).fold(0, |b, i| if outputs[i] > outputs[b] { i } else { b });
    let options = ShapOptions {
        max_exact_features: 16,
        ..ShapOptions::default()
    };
    let e = KernelSHAP::with_options(model.clone(), options.clone()).explain(
        &x,
        action,
        &background,
    )?;
    println!(
        "action {action}: f(x) = {:.6}, E[f] = {:.6}",
        e.prediction, e.base_value
    );
    for (n, v) in e.feature_names.iter().zip(&e.feature_importances) {
        println!("  {n:>4} {v:+.6}");
    }
    let report = ReportGenerator::new(model)
        .with_background(background)
        .with_shap_options(options)
        .with_context(ReportContext {
            title: "mlp_16: one prediction explained".into(),
            fields: vec![("model".into(), path.display().to_string())],
            ..ReportContext::default()
        })
        .generate_report(&x, action, true, true, true)?;
    report.export_html(out.join("report.html"))?;
    report.export_pdf(out.join("report.pdf"))?;
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(&report.to_json())?,
    )?;
    println!("wrote {}/report.{{html,pdf,json}}", out.display());
    Ok(())
}
