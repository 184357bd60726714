//! Shared helpers: the reference models and their recorded outputs.
#![allow(dead_code, reason = "each test binary uses part of this")]

use std::path::PathBuf;

use serde::Deserialize;

pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/models")
}

#[derive(Debug, Deserialize)]
pub struct Reference {
    pub input_shape: Vec<usize>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub input: Vec<f32>,
    pub onnxruntime: Vec<f32>,
}

/// Outputs Python onnxruntime computed for each reference model.
pub fn reference(name: &str) -> Reference {
    let text = std::fs::read_to_string(models_dir().join("reference_io.json")).unwrap();
    let mut all: std::collections::BTreeMap<String, Reference> =
        serde_json::from_str(&text).unwrap();
    all.remove(name).unwrap()
}

pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
