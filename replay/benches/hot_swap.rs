//! Hot swap under load, with the real file watcher:
//!
//! 1. Latency from a model file's rename to the new version serving, with
//!    the production 500 ms debounce, against the model's load time.
//! 2. Soak: 1000 swaps (every fourth file broken) while a producer feeds the
//!    engine 10 000 ticks/s; counts dropped ticks and failed predictions,
//!    then replays the journal exactly.
//!
//!     cargo bench -p axon-replay --bench hot_swap
//!
//! `AXON_SOAK_SWAPS` (default 1000) and `AXON_SOAK_DEBOUNCE_MS` (default 20)
//! size the soak.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axon_engine::event::SessionStart;
use axon_engine::market::Tick;
use axon_engine::{Engine, EngineConfig, Input, Sequencer};
use axon_inference::{
    HotReloadConfig, ModelConfig, ModelHotReloader, ModelRegistry, SharedModel, SlotFeed,
    load_backend, swap_record,
};
use axon_journal::{Durability, Journal, JournalOptions};

const SHAPE: [usize; 3] = [1, 64, 128];

fn model_bytes() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models/mlp_64x128.safetensors"),
    )
    .expect("reference model")
}

/// The model with its last weights shifted by `k` (a different SHA-256).
fn variant(base: &[u8], k: u32) -> Vec<u8> {
    let mut b = base.to_vec();
    let n = b.len();
    let v = f32::from_le_bytes(b[n - 4..].try_into().unwrap()) + k as f32 * 1e-3;
    b[n - 4..].copy_from_slice(&v.to_le_bytes());
    b
}

fn deploy(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn latency(dir: &Path, base: &[u8]) {
    let path = dir.join("latency.safetensors");
    std::fs::write(&path, base).unwrap();
    let config = ModelConfig::new(&path, SHAPE.to_vec());
    let mut loads: Vec<f64> = (0..20)
        .map(|_| {
            let s = Instant::now();
            load_backend(&config).unwrap();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let load_ms = median(&mut loads);
    let shared = SharedModel::new(load_backend(&config).unwrap());
    let reloader = ModelHotReloader::new(shared, HotReloadConfig::new(config));
    let reloads: Arc<std::sync::Mutex<Vec<f64>>> = Arc::default();
    let seen = reloads.clone();
    reloader.on_event(move |e| {
        if let axon_inference::ReloadEvent::Swapped { load_time, .. } = e {
            seen.lock().unwrap().push(load_time.as_secs_f64() * 1e3);
        }
    });
    let mut rx = reloader.subscribe();
    let _w = reloader.spawn_watcher().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut lat: Vec<f64> = (1..=20)
        .map(|k| {
            let start = Instant::now();
            deploy(&path, &variant(base, k));
            rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(10), rx.changed())
                    .await
                    .expect("swap within 10 s")
                    .unwrap()
            });
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let p50 = median(&mut lat);
    let max = lat.iter().copied().fold(0.0, f64::max);
    println!("write -> serving (500 ms debounce, 20 swaps): median {p50:.1} ms, max {max:.1} ms");
    println!(
        "model load (median of 20): {load_ms:.2} ms; goal debounce + 2 x load = {:.1} ms",
        500.0 + 2.0 * load_ms
    );
    let mut reload_ms = reloads.lock().unwrap().clone();
    println!(
        "reload work on the watcher's thread (read, SHA-256, load, check, swap; median): {:.2} ms",
        median(&mut reload_ms)
    );
    // The same work back to back on a busy thread, for comparison.
    drop(_w);
    let mut direct: Vec<f64> = (100..120)
        .filter_map(|k| {
            std::fs::write(&path, variant(base, k)).unwrap();
            match reloader.reload_now() {
                Some(axon_inference::ReloadEvent::Swapped { load_time, .. }) => {
                    Some(load_time.as_secs_f64() * 1e3)
                }
                _ => None,
            }
        })
        .collect();
    println!(
        "reload work back to back (median of 20): {:.2} ms",
        median(&mut direct)
    );
}

fn tick(i: u64) -> Tick {
    let x = i as f64;
    let mid = 100.0 + 0.001 * x + (x / 97.0).sin();
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

fn soak(dir: &Path, base: &[u8]) {
    let swaps = env_or("AXON_SOAK_SWAPS", 1000) as u32;
    let debounce = Duration::from_millis(env_or("AXON_SOAK_DEBOUNCE_MS", 20));
    let path = dir.join("live.safetensors");
    std::fs::write(&path, base).unwrap();
    let journal_dir = dir.join("journal");
    let journal = Journal::create(
        &journal_dir,
        JournalOptions {
            durability: Durability::None,
            ..JournalOptions::default()
        },
    )
    .unwrap();
    let store = journal.artifacts().clone();
    let registry = Arc::new(ModelRegistry::new(store.clone()));
    let mut config = EngineConfig::sma(1e6, vec!["SYN".into()], 50, 200);
    config.ensemble.weights = vec![0.5, 0.5];
    config.ensemble.threshold = 0.2;
    let engine = Engine::new(config.clone(), Box::new(registry.clone())).unwrap();
    let mut seq = Sequencer::new(engine, journal);
    let start = SessionStart {
        config,
        config_text: String::new(),
        data: Vec::new(),
        seed: 0,
        engine_version: "bench".into(),
    };
    seq.submit(0, &Input::SessionStart(Box::new(start)))
        .unwrap();
    let model_config = ModelConfig::new(&path, SHAPE.to_vec());
    let sha = store.put(base).unwrap();
    seq.submit(0, &Input::ModelSwap(swap_record(1, 1, sha, &model_config)))
        .unwrap();

    let (tx, rx) = mpsc::channel::<(i64, Input)>();
    let shared = SharedModel::new(load_backend(&model_config).unwrap());
    let mut reload = HotReloadConfig::new(model_config.clone());
    reload.debounce = debounce;
    let reloader = ModelHotReloader::new(shared, reload);
    let feed = SlotFeed::new(1, model_config, store, registry.clone());
    let swap_tx = tx.clone();
    reloader.on_event(move |e| {
        let input = feed.input_for(e).expect("store and stage");
        // The engine stamps it with the time it sequences it.
        swap_tx.send((-1, input)).unwrap();
    });
    let _w = reloader.spawn_watcher().unwrap();

    let engine = std::thread::spawn(move || {
        let mut ticks = 0u64;
        let mut last = 0i64;
        for (t, input) in rx {
            let t = if t < 0 { last } else { t };
            if matches!(input, Input::Tick(_)) {
                ticks += 1;
            }
            if matches!(input, Input::EndOfData) {
                seq.submit(t, &input).unwrap();
                break;
            }
            seq.submit(t, &input).unwrap();
            last = t;
        }
        let (_, journal) = seq.into_parts();
        journal.close().unwrap();
        ticks
    });

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let producer = {
        let tx = tx.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let began = Instant::now();
            let mut i = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                // 10 000 ticks/s: tick i is due at i * 100 us.
                let due = began + Duration::from_micros(i * 100);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                tx.send((1_000_000_000 + i as i64 * 100_000, Input::Tick(tick(i))))
                    .unwrap();
                i += 1;
            }
            (i, began.elapsed())
        })
    };

    let began = Instant::now();
    let mut version_rx = reloader.subscribe();
    let mut broken = 0;
    for k in 1..=swaps {
        if k % 4 == 0 {
            broken += 1;
            let before = reloader.failures();
            deploy(&path, format!("broken model {k}").as_bytes());
            while reloader.failures() == before {
                std::thread::sleep(Duration::from_millis(1));
            }
        } else {
            deploy(&path, &variant(base, k));
            let until = Instant::now() + Duration::from_secs(10);
            while !version_rx.has_changed().unwrap() {
                assert!(Instant::now() < until, "swap {k} not seen within 10 s");
                std::thread::sleep(Duration::from_millis(1));
            }
            version_rx.borrow_and_update();
        }
    }
    let soak_secs = began.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (sent, produced_for) = producer.join().unwrap();
    tx.send((i64::MAX, Input::EndOfData)).unwrap();
    drop(tx);
    let processed = engine.join().unwrap();
    println!(
        "soak: {} swaps ({} good, {broken} broken files) in {soak_secs:.1} s with {} ms debounce",
        swaps,
        reloader.swaps(),
        debounce.as_millis()
    );
    println!(
        "      ticks sent {sent} ({:.0}/s), processed {processed}, dropped {}; failed predictions {}",
        sent as f64 / produced_for.as_secs_f64(),
        sent - processed,
        registry.prediction_failures()
    );
    let verify = axon_replay::verify_replay(&journal_dir, &mut |_, _| {}).unwrap();
    println!(
        "      replay --verify: {} records, {}",
        verify.records,
        if verify.mismatch.is_none() {
            "every output reproduced"
        } else {
            "MISMATCH"
        }
    );
    assert_eq!(sent, processed, "ticks dropped");
    assert_eq!(registry.prediction_failures(), 0);
    assert!(verify.mismatch.is_none(), "{:?}", verify.mismatch);
}

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() {
    // One rayon thread for candle. SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` asks harnesses for their benchmarks.
        println!("hot_swap: bench");
        return;
    }
    let dir: PathBuf = tempfile::tempdir().unwrap().keep();
    let base = model_bytes();
    latency(&dir, &base);
    soak(&dir, &base);
    let _ = std::fs::remove_dir_all(&dir);
}
