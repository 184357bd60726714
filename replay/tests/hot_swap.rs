//! Hot swaps in a running engine: every reload outcome enters through the
//! sequencer (a `ModelSwap` with the bytes in the journal's store, or a
//! `ModelRejected`), so an exact replay reproduces every decision, using the
//! stored models, with no file watcher and no staged models.

use std::path::Path;
use std::sync::Arc;

use axon_engine::event::{ModelSwap, SessionStart, kind};
use axon_engine::market::Tick;
use axon_engine::{Engine, EngineConfig, Input, Sequencer};
use axon_inference::{
    HotReloadConfig, ModelConfig, ModelHotReloader, ModelRegistry, SharedModel, SlotFeed,
    load_backend, swap_record,
};
use axon_journal::{Journal, JournalOptions, JournalReader};
use axon_replay::verify_replay;

fn model_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/models")
        .join(name)
}

fn tick(i: u64) -> Tick {
    // A deterministic wiggle with a drift, so models vote both ways.
    let x = i as f64;
    let mid = 100.0 + 0.01 * x + 2.0 * (x / 37.0).sin() + 0.5 * (x / 5.0).cos();
    Tick {
        instrument: 0,
        bid: mid - 0.01,
        ask: mid + 0.01,
        bid_size: 1.0,
        ask_size: 1.0,
        last: mid,
        volume: 1.0,
    }
}

#[test]
fn reloads_in_a_running_engine_replay_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    let watched = tmp.path().join("live.safetensors");
    let original = std::fs::read(model_file("mlp_4.safetensors")).unwrap();
    std::fs::write(&watched, &original).unwrap();

    let mut config = EngineConfig::sma(100_000.0, vec!["SYN".into()], 5, 20);
    config.ensemble.weights = vec![0.5, 0.5];
    config.ensemble.threshold = 0.1;
    let journal = Journal::create(&dir, JournalOptions::default()).unwrap();
    let store = journal.artifacts().clone();
    let registry = Arc::new(ModelRegistry::new(store.clone()));
    let engine = Engine::new(config.clone(), Box::new(registry.clone())).unwrap();
    let mut seq = Sequencer::new(engine, journal);
    let start = SessionStart {
        config,
        config_text: String::new(),
        data: Vec::new(),
        seed: 0,
        engine_version: "test".into(),
    };
    seq.submit(0, &Input::SessionStart(Box::new(start)))
        .unwrap();

    // Slot 1: the watched model, version 1.
    let model_config = ModelConfig::new(&watched, vec![1, 4]);
    let shared = SharedModel::new(load_backend(&model_config).unwrap());
    let sha = store.put(&original).unwrap();
    let first: ModelSwap = swap_record(1, 1, sha, &model_config);
    seq.submit(0, &Input::ModelSwap(first)).unwrap();
    let reloader = ModelHotReloader::new(shared, HotReloadConfig::new(model_config.clone()));
    let feed = SlotFeed::new(1, model_config, store, registry.clone());

    let variants: Vec<Vec<u8>> = (1..=5)
        .map(|k| {
            let mut b = original.clone();
            let n = b.len();
            for at in (n - 64..n).step_by(4) {
                let v = f32::from_le_bytes(b[at..at + 4].try_into().unwrap()) + 0.5 * k as f32;
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            b
        })
        .collect();
    let mut t = 1_000_000_000i64;
    for i in 0..2_000u64 {
        if i % 400 == 399 {
            let k = (i / 400) as usize;
            // Every other reload is a broken file, which must not swap.
            let broken = format!("broken file {k}").into_bytes();
            let bytes = if k % 2 == 1 { &broken } else { &variants[k] };
            std::fs::write(&watched, bytes).unwrap();
            let event = reloader.reload_now().expect("the bytes changed");
            seq.submit(t, &feed.input_for(&event).unwrap()).unwrap();
        }
        seq.submit(t, &Input::Tick(tick(i))).unwrap();
        t += 100_000_000;
    }
    seq.submit(t, &Input::EndOfData).unwrap();
    assert_eq!(registry.prediction_failures(), 0);
    assert!(registry.errors().is_empty(), "{:?}", registry.errors());
    let (_, journal) = seq.into_parts();
    journal.close().unwrap();

    let mut counts = std::collections::BTreeMap::new();
    let reader = JournalReader::open(&dir).unwrap();
    let mut cursor = reader.cursor(0, true).unwrap();
    while let Some(r) = cursor.next().unwrap() {
        *counts.entry(r.kind).or_insert(0) += 1;
    }
    assert_eq!(counts.get(&kind::MODEL_SWAP), Some(&4), "{counts:?}");
    assert_eq!(counts.get(&kind::MODEL_REJECTED), Some(&2), "{counts:?}");
    assert_eq!(counts.get(&kind::SWAP_REJECTED), Some(&2), "{counts:?}");
    assert!(
        counts.get(&kind::DECISION).copied().unwrap_or(0) > 10,
        "{counts:?}"
    );

    let outcome = verify_replay(&dir, &mut |_, _| {}).unwrap();
    assert!(outcome.mismatch.is_none(), "{:?}", outcome.mismatch);
}
