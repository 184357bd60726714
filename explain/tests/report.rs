//! Counterfactuals flip the decision and come nearest first; the HTML report
//! renders in headless Chromium with no console messages and a non-blank
//! screenshot; the PDF parses with pdftotext and carries the key fields.
//! Chromium and pdftotext come from scripts/setup-report-tools.sh; the tests
//! fail, never skip, without them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axon_explain::{
    CounterfactualGenerator, PricePoint, ReportContext, ReportGenerator, ShapOptions, SlotInfo,
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

#[test]
fn counterfactuals_flip_the_decision_nearest_first() {
    let m = model();
    let bg = rows(50, 1);
    let x = rows(1, 2).remove(0);
    let action = argmax(&m.predict(&x).unwrap());
    let cfs = CounterfactualGenerator::new(m.clone())
        .generate(&x, action, 200, &bg)
        .unwrap();
    assert!(
        !cfs.is_empty(),
        "some feature change flips a random MLP's decision"
    );
    for w in cfs.windows(2) {
        assert!(w[0].distance <= w[1].distance, "sorted by distance");
    }
    for c in &cfs {
        let mut changed = x.clone();
        changed[c.feature_index] = c.counterfactual_value as f32;
        let out = m.predict(&changed).unwrap();
        assert_ne!(argmax(&out), action, "{c:?} does not flip the decision");
        assert_eq!(argmax(&out), c.new_action);
        let (lo, hi) = bg.iter().fold((f32::MAX, f32::MIN), |(lo, hi), b| {
            (lo.min(b[c.feature_index]), hi.max(b[c.feature_index]))
        });
        assert!(
            (c.counterfactual_value as f32) >= lo - 1e-5
                && (c.counterfactual_value as f32) <= hi + 1e-5
        );
        assert!((c.original_value + c.delta - c.counterfactual_value).abs() < 1e-9);
    }
    let again = CounterfactualGenerator::new(m)
        .generate(&x, action, 200, &bg)
        .unwrap();
    assert_eq!(again, cfs, "seeded: the same results every time");
}

fn report_dir() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let m = model();
    let x = rows(1, 3).remove(0);
    let action = argmax(&m.predict(&x).unwrap());
    let context = ReportContext {
        title: "Decision seq 4242".into(),
        fields: vec![
            ("journal".into(), "run1/".into()),
            ("sequence".into(), "4242".into()),
            ("instrument".into(), "SYN".into()),
        ],
        slots: vec![SlotInfo {
            slot: 1,
            version: 2,
            backend: "candle".into(),
            sha256: "ab".repeat(32),
            weight: 0.5,
            raw: vec![0.2, 0.3, 0.5],
        }],
        prices: (0..100)
            .map(|i| PricePoint {
                time_ns: i * 1_000_000,
                price: 100.0 + (i as f64 / 7.0).sin(),
            })
            .collect(),
        decision_time_ns: Some(60_000_000),
        order: Some("client order 17: Buy 10 @ market".into()),
    };
    let names: Vec<String> = (1..=16).map(|k| format!("ret_{k}")).collect();
    let report = ReportGenerator::new(m)
        .with_background(rows(40, 4))
        .with_context(context)
        .with_shap_options(ShapOptions {
            feature_names: Some(names),
            ..ShapOptions::default()
        })
        .generate_report(&x, action, true, true, true)
        .unwrap();
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
    ] {
        assert!(text.contains(needle), "PDF text lacks {needle:?}:\n{text}");
    }
}
