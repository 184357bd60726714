//! The HTML report renders in headless Chromium with no console messages and
//! a non-blank screenshot; the PDF parses with pdftotext and carries the key
//! fields; both (and the JSON) say which slots moved the ensemble score and
//! warn when the explained model carried no weight.
//! Chromium and pdftotext come from scripts/setup-report-tools.sh; the tests
//! fail, never skip, without them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axon_explain::{
    EnsembleScore, PricePoint, Report, ReportContext, ReportGenerator, ShapOptions, SlotInfo,
};
use axon_inference::{Backend, ModelConfig, load_backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn model() -> Arc<dyn Backend> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models/mlp_16.safetensors");
    Arc::from(load_backend(&ModelConfig::new(path, vec![1, 16])).unwrap())
}

fn rows(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..16).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect())
        .collect()
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// A decision of an ensemble whose rule slot 0 moved the score while the
/// explained ML slot 1 had weight 0; the ensemble bought, whatever the MLP
/// chose itself.
fn report() -> Report {
    let m = model();
    let x = rows(1, 3).remove(0);
    let context = ReportContext {
        title: "Decision seq 4242".into(),
        fields: vec![
            ("journal".into(), "run1/".into()),
            ("sequence".into(), "4242".into()),
            ("instrument".into(), "SYN".into()),
        ],
        slots: vec![
            SlotInfo {
                slot: 0,
                version: 1,
                backend: "rule".into(),
                sha256: String::new(),
                weight: 0.4,
                raw: vec![1.0, 0.0, 0.0],
                contribution: 0.4,
            },
            SlotInfo {
                slot: 1,
                version: 2,
                backend: "candle".into(),
                sha256: "ab".repeat(32),
                weight: 0.0,
                raw: vec![0.2, 0.3, 0.5],
                contribution: 0.0,
            },
        ],
        prices: (0..100)
            .map(|i| PricePoint {
                time_ns: i * 1_000_000,
                price: 100.0 + (i as f64 / 7.0).sin(),
            })
            .collect(),
        decision_time_ns: Some(60_000_000),
        order: Some("client order 17: Buy 10 @ market".into()),
        ensemble: Some(EnsembleScore {
            score: 0.4,
            threshold: 0.3,
        }),
        explained_slot: Some(1),
        price_decimals: Some(2),
    };
    let names: Vec<String> = (1..=16).map(|k| format!("ret_{k}")).collect();
    ReportGenerator::new(m)
        .with_background(rows(40, 4))
        .with_context(context)
        .with_shap_options(ShapOptions {
            feature_names: Some(names),
            ..ShapOptions::default()
        })
        .generate_report(&x, 0, true, true, true)
        .unwrap()
}

const WARNING: &str = "The explained model (slot 1, candle) had weight 0 in this decision: it did not move the ensemble score; the score came from slot 0 (rule, +0.400000).";

#[test]
fn the_report_says_what_moved_the_score() {
    let report = report();
    assert_eq!(report.warnings, [WARNING]);
    let json = report.to_json();
    assert_eq!(json["warnings"][0], WARNING);
    assert_eq!(json["context"]["slots"][0]["contribution"], 0.4);
    assert_eq!(json["context"]["explained_slot"], 1);
    // Counterfactuals change the MLP's own choice, not the ensemble's Buy.
    assert_eq!(report.model_action, argmax(&report.outputs));
    for c in report.counterfactuals.as_ref().unwrap() {
        assert_ne!(c.new_action, report.model_action);
    }
    let html = report.to_html().unwrap();
    for needle in [
        &format!(r#"<p class="warning" role="alert">Warning: {WARNING}</p>"#),
        "What moved the ensemble score",
        r#"<tr><td>0</td><td>rule</td><td class="n">0.400000</td><td class="n">+1.000000</td><td class="n">+0.400000</td>"#,
        r#"<tr class="explained"><td>1</td><td>candle</td><td class="n">0.000000</td><td class="n">-0.100000</td><td class="n">+0.000000</td><td>explained below</td>"#,
        "Ensemble score +0.400000 (the sum of the contributions) is above the threshold 0.300000: Buy.",
        "SHAP values, all 16",
        "Permutation importance, all 16",
    ] {
        assert!(html.contains(needle), "HTML lacks {needle:?}");
    }
    assert!(!html.contains("top 20 of 16"));
    // The warning comes before anything else.
    assert!(html.find("Warning:").unwrap() < html.find("<h2>Decision").unwrap());
}

fn report_dir() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let report = report();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    report.export_html(&html).unwrap();
    report.export_pdf(&pdf).unwrap();
    (dir, html, pdf)
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let (dir, html, _) = report_dir();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains("<svg") && text.contains("SHAP values") && text.contains("Counterfactuals")
    );
    assert!(
        !text.contains("<script") && !text.contains("<link"),
        "self-contained"
    );
    let shot = dir.path().join("shot.png");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=900,1800",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium (scripts/setup-report-tools.sh)");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let dark = buf[..info.buffer_size()]
        .chunks_exact(px)
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let total = (info.width * info.height) as usize;
    assert!(
        dark * 200 > total,
        "screenshot is blank: {dark} of {total} pixels drawn"
    );
}

#[test]
fn the_pdf_report_parses_and_carries_the_key_fields() {
    let (_dir, _, pdf) = report_dir();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (scripts/setup-report-tools.sh)");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Decision seq 4242",
        "sequence: 4242",
        "instrument: SYN",
        "action:",
        "SHAP values",
        "Counterfactuals",
        "ret_",
        &"ab".repeat(32),
        "WARNING: The explained model (slot 1, candle) had weight 0",
        "What moved the ensemble score",
        "slot 0, rule: 0.400000 x +1.000000 = +0.400000",
        "slot 1, candle: 0.000000 x -0.100000 = +0.000000 (explained below)",
        "the model's own choice:",
        "features: all 16",
    ] {
        assert!(text.contains(needle), "PDF text lacks {needle:?}:\n{text}");
    }
}
