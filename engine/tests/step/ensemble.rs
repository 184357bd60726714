//! The ensemble's operator inputs: weight overrides and model swaps.

use axon_engine::event::{ModelSwap, SwapRejected, WeightChange, WeightOverride};
use axon_engine::{Input, Output};

use super::{CROSS_UP, Harness, config, decision};

#[test]
fn weight_override_changes_weights_and_a_wrong_one_does_nothing() {
    let mut h = Harness::new(config());
    let out = h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.25],
        reason: "operator".into(),
    }));
    assert_eq!(
        out,
        [Output::WeightChange(WeightChange {
            weights: vec![0.25],
            reason: "operator".into(),
        })]
    );
    for bad in [
        vec![],
        vec![0.5, 0.5],
        vec![-1.0],
        vec![f64::NAN],
        vec![f64::INFINITY],
    ] {
        let out = h.step(&Input::WeightOverride(WeightOverride {
            weights: bad.clone(),
            reason: "bad".into(),
        }));
        assert!(out.is_empty(), "{bad:?}: {out:?}");
    }
    // The good override is in force: the decision carries it.
    let out = h.bars(&CROSS_UP);
    assert_eq!(decision(&out).weights, vec![0.25]);
    assert_eq!(decision(&out).score, 0.25);

    // Weight zero silences the only model: crossovers no longer trade.
    let mut h = Harness::new(config());
    h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.0],
        reason: "mute".into(),
    }));
    assert!(h.bars(&CROSS_UP).is_empty());
}

fn swap(slot: u16, version: u32, backend: &str, params: &[(&str, f64)]) -> Input {
    Input::ModelSwap(ModelSwap {
        slot,
        sha256: [7; 32],
        version,
        backend: backend.into(),
        params: params.iter().map(|(k, v)| ((*k).into(), *v)).collect(),
        input_shape: Vec::new(),
        device: String::new(),
    })
}

#[test]
fn model_swaps_add_slots_or_are_rejected() {
    let mut h = Harness::new(config());
    let out = h.step(&swap(1, 1, "rule", &[("fast", 3.0), ("slow", 5.0)]));
    assert_eq!(
        out,
        [Output::WeightChange(WeightChange {
            weights: vec![1.0, 0.0],
            reason: "slot 1 added".into(),
        })]
    );
    // Replacing an existing slot changes no weights.
    assert!(
        h.step(&swap(1, 2, "rule", &[("fast", 2.0), ("slow", 6.0)]))
            .is_empty()
    );
    let out = h.step(&swap(1, 3, "onnx", &[]));
    match &out[..] {
        [
            Output::SwapRejected(SwapRejected {
                slot,
                version,
                reason,
            }),
        ] => {
            assert_eq!((*slot, *version), (1, 3));
            assert!(reason.contains("onnx"), "{reason}");
        }
        other => panic!("expected a SwapRejected, got {other:?}"),
    }
    for params in [
        &[("fast", 3.0)][..],
        &[("fast", 5.0), ("slow", 3.0)],
        &[("fast", 2.5), ("slow", 6.0)],
        &[("fast", 0.0), ("slow", 6.0)],
    ] {
        let out = h.step(&swap(2, 1, "rule", params));
        assert!(
            matches!(&out[..], [Output::SwapRejected(r)] if r.slot == 2),
            "{params:?}: {out:?}"
        );
    }
    // Both slots are evaluated; the new one (weight 0) does not move the score.
    let out = h.bars(&CROSS_UP);
    let d = decision(&out);
    assert_eq!(d.models.len(), 2);
    assert_eq!(d.models[1].version, 2);
    assert_eq!(d.weights, vec![1.0, 0.0]);
    assert_eq!(d.score, 1.0);
    // Give the new slot the weight and the old one none.
    let out = h.step(&Input::WeightOverride(WeightOverride {
        weights: vec![0.0, 1.0],
        reason: "promote".into(),
    }));
    assert_eq!(out.len(), 1);
}
