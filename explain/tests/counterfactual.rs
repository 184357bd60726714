//! Counterfactuals are found with and without a background, narrowed to
//! the smallest change, verified on the model, sorted by distance and
//! reproducible; when no single feature flips the decision, features change
//! together. The models are small closed forms, so the right answers are
//! known exactly.

use std::path::Path;
use std::sync::Arc;

use axon_explain::{Counterfactual, CounterfactualGenerator, ExplainError};
use axon_inference::{Backend, InferenceBackend, ModelConfig, ModelInfo, load_backend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Outputs (buy, sell, hold) from a closed form of a 4-feature input.
#[derive(Debug)]
struct Formula {
    info: ModelInfo,
    buy: fn(&[f32]) -> f32,
}

impl Formula {
    fn model(buy: fn(&[f32]) -> f32) -> Arc<dyn Backend> {
        Arc::new(Self {
            info: ModelInfo {
                backend: InferenceBackend::Candle,
                input_shape: vec![1, 4],
                output_dim: 3,
                sha256: [0; 32],
                device: "cpu".into(),
                fp16: false,
            },
            buy,
        })
    }
}

impl Backend for Formula {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict_into(&self, input: &[f32], out: &mut Vec<f32>) -> axon_inference::Result<()> {
        out.clear();
        out.extend([(self.buy)(input), -1.0, 0.0]);
        Ok(())
    }
}

/// Holds until f2 rises by 0.22 (or f3 by 2.2); f0 and f1 do nothing.
fn one_feature() -> Arc<dyn Backend> {
    Formula::model(|x| (x[2] - 0.32) + 0.1 * (x[3] - 2.0))
}

/// f0 and f1 each add at most 0.6, and buying needs more than 1.
fn two_features() -> Arc<dyn Backend> {
    Formula::model(|x| x[0].clamp(0.0, 0.6) + x[1].clamp(0.0, 0.6) - 1.0)
}

const X: [f32; 4] = [0.5, -1.0, 0.1, 2.0];
const HOLD: usize = 2;

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// Each result flips the decision when applied, and a slightly smaller
/// change of the same features does not.
fn check_verified_and_smallest(
    model: &Arc<dyn Backend>,
    x: &[f32],
    action: usize,
    cfs: &[Counterfactual],
) {
    let generator = CounterfactualGenerator::new(model.clone());
    for c in cfs {
        let changed = generator.apply(x, c).unwrap();
        let out = model.predict(&changed).unwrap();
        assert_ne!(argmax(&out), action, "{c:?} does not flip the decision");
        assert_eq!(argmax(&out), c.new_action);
        assert_eq!(out, c.new_outputs);
        for f in &c.changes {
            assert!((f.original_value + f.delta - f.counterfactual_value).abs() < 1e-12);
            assert_eq!(f.original_value, f64::from(x[f.feature_index]));
        }
        let mut shy = c.clone();
        for f in &mut shy.changes {
            f.delta *= 1.0 - 1e-4;
        }
        let out = model.predict(&generator.apply(x, &shy).unwrap()).unwrap();
        assert_eq!(argmax(&out), action, "a smaller change also flips: {c:?}");
    }
    for w in cfs.windows(2) {
        assert!(w[0].distance <= w[1].distance, "sorted by distance");
    }
}

#[test]
fn a_single_feature_flip_is_found_without_a_background() {
    let m = one_feature();
    let cfs = CounterfactualGenerator::new(m.clone())
        .generate(&X, HOLD, 100, &[])
        .unwrap();
    let names: Vec<Vec<&str>> = cfs
        .iter()
        .map(|c| c.changes.iter().map(|f| f.feature_name.as_str()).collect())
        .collect();
    assert_eq!(names, [["f2"], ["f3"]], "{cfs:#?}");
    let f2 = &cfs[0].changes[0];
    assert!((f2.delta - 0.22).abs() < 1e-5, "delta {}", f2.delta);
    assert!((f2.counterfactual_value - 0.32).abs() < 1e-5);
    assert_eq!(cfs[0].new_action, 0);
    assert_eq!(cfs[0].new_action_name, "Buy");
    // No background: the scale is the value's magnitude, at least 1.
    assert!((cfs[0].distance - f2.delta).abs() < 1e-12);
    let f3 = &cfs[1].changes[0];
    assert!((f3.delta - 2.2).abs() < 1e-4, "delta {}", f3.delta);
    assert!((cfs[1].distance - f3.delta / 2.0).abs() < 1e-12);
    check_verified_and_smallest(&m, &X, HOLD, &cfs);
}

#[test]
fn the_background_sets_the_scale() {
    let m = one_feature();
    // f2 spans 1.0 in the background, f3 spans 4.0.
    let bg: Vec<Vec<f32>> = (0..=10)
        .map(|i| {
            let u = i as f32 / 10.0;
            vec![0.0, 0.0, u - 0.5, 4.0 * u]
        })
        .collect();
    let cfs = CounterfactualGenerator::new(m.clone())
        .generate(&X, HOLD, 100, &bg)
        .unwrap();
    assert_eq!(cfs.len(), 2, "{cfs:#?}");
    let (f2, f3) = (&cfs[0].changes[0], &cfs[1].changes[0]);
    assert_eq!((f2.feature_index, f3.feature_index), (2, 3));
    assert!((f2.delta - 0.22).abs() < 1e-5, "delta {}", f2.delta);
    assert!((f3.delta - 2.2).abs() < 1e-4, "delta {}", f3.delta);
    assert!((cfs[0].distance - f2.delta / 1.0).abs() < 1e-6);
    assert!((cfs[1].distance - f3.delta / 4.0).abs() < 1e-6);
    check_verified_and_smallest(&m, &X, HOLD, &cfs);
}

#[test]
fn two_features_change_together_when_one_will_not_do() {
    let m = two_features();
    let x = [0.0, 0.0, 0.3, -0.2];
    assert_eq!(argmax(&m.predict(&x).unwrap()), HOLD);
    let cfs = CounterfactualGenerator::new(m.clone())
        .generate(&x, HOLD, 100, &[])
        .unwrap();
    assert!(!cfs.is_empty(), "f0 and f1 together flip the decision");
    let best = &cfs[0];
    let features: Vec<usize> = best.changes.iter().map(|f| f.feature_index).collect();
    assert_eq!(features, [0, 1], "{best:#?}");
    // The cheapest mix moves both by a half: 0.5 + 0.5 > 1.
    for f in &best.changes {
        assert!((f.delta - 0.5).abs() < 1e-5, "{best:#?}");
    }
    assert!((best.distance - 1.0).abs() < 1e-5);
    assert!(
        cfs.iter().all(|c| c.changes.len() == 2),
        "no single feature flips: {cfs:#?}"
    );
    check_verified_and_smallest(&m, &x, HOLD, &cfs);
    assert!(
        best.describe().starts_with("f0 0.000000 -> 0.5"),
        "{}",
        best.describe()
    );

    // Single-feature changes only: nothing.
    let single = CounterfactualGenerator::with_options(
        m,
        axon_explain::CounterfactualOptions {
            max_features: 1,
            ..Default::default()
        },
    )
    .generate(&x, HOLD, 100, &[])
    .unwrap();
    assert!(single.is_empty());
}

fn mlp() -> Arc<dyn Backend> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models/mlp_16.safetensors");
    Arc::from(load_backend(&ModelConfig::new(path, vec![1, 16])).unwrap())
}

fn rows(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..16).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect())
        .collect()
}

#[test]
fn a_reference_mlp_with_and_without_background_reproducibly() {
    let m = mlp();
    let bg = rows(50, 1);
    let x = rows(1, 2).remove(0);
    let action = argmax(&m.predict(&x).unwrap());
    for background in [&bg[..], &[]] {
        let generator = CounterfactualGenerator::new(m.clone());
        let cfs = generator.generate(&x, action, 100, background).unwrap();
        assert!(!cfs.is_empty(), "some change flips a random MLP's decision");
        check_verified_and_smallest(&m, &x, action, &cfs);
        let again = generator.generate(&x, action, 100, background).unwrap();
        assert_eq!(again, cfs, "the same results every time");
    }
}

#[test]
fn counterfactuals_start_from_the_models_own_choice() {
    let err = CounterfactualGenerator::new(one_feature())
        .generate(&X, 0, 100, &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            ExplainError::NotChosen {
                action: 0,
                chosen: 2
            }
        ),
        "{err}"
    );
    let err = CounterfactualGenerator::new(one_feature())
        .generate(&X[..3], HOLD, 100, &[])
        .unwrap_err();
    assert!(matches!(err, ExplainError::Shape { got: 3, .. }), "{err}");
}
