//! Hot reload through the real file watcher (short debounce): a changed
//! file swaps in and bumps the version seen by `watch` receivers; unchanged
//! bytes do nothing; half-written, corrupt or wrong-shape files are rejected
//! while the old model keeps serving, and the next good file swaps in.

mod common;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axon_inference::{
    HotReloadConfig, ModelConfig, ModelHotReloader, ReloadEvent, SharedModel, load_backend,
};
use common::{models_dir, reference};

/// Replaces a file the way deployers do: write a temporary file, rename.
fn deploy(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// The same model with its last 16 weights (the output layer's last row)
/// raised by one.
fn perturbed(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let n = b.len();
    for at in (n - 64..n).step_by(4) {
        let v = f32::from_le_bytes(b[at..at + 4].try_into().unwrap()) + 1.0;
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    b
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn swaps_on_change_and_keeps_serving_through_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let original = fs::read(models_dir().join("mlp_4.safetensors")).unwrap();
    fs::write(&path, &original).unwrap();
    let config = ModelConfig::new(&path, vec![1, 4]);
    let shared = SharedModel::new(load_backend(&config).unwrap());
    let mut reload = HotReloadConfig::new(config);
    reload.debounce = Duration::from_millis(100);
    let reloader = ModelHotReloader::new(shared.clone(), reload);
    let events: Arc<Mutex<Vec<ReloadEvent>>> = Arc::default();
    let seen = events.clone();
    reloader.on_event(move |e| seen.lock().unwrap().push(e.clone()));
    let mut rx = reloader.subscribe();
    let _watch = reloader.spawn_watcher().unwrap();

    let x = reference("mlp_4").cases[0].input.clone();
    let before = shared.predict(&x).unwrap();

    deploy(&path, &perturbed(&original));
    wait_for("the first swap", || rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 2);
    assert_eq!(shared.version(), 2);
    let after = shared.predict(&x).unwrap();
    assert_ne!(before, after, "the new weights serve");

    // A half-written file, then garbage: rejected, the model keeps serving.
    deploy(&path, &original[..original.len() / 2]);
    wait_for("the first rejection", || reloader.failures() >= 1);
    deploy(&path, b"garbage");
    wait_for("the second rejection", || reloader.failures() >= 2);
    // A model of another shape is refused too.
    deploy(
        &path,
        &fs::read(models_dir().join("mlp_64x128.safetensors")).unwrap(),
    );
    wait_for("the shape rejection", || reloader.failures() >= 3);
    assert_eq!(shared.version(), 2);
    assert_eq!(
        shared.predict(&x).unwrap(),
        after,
        "the old model kept serving"
    );

    // The next good file is taken: here, the original bytes (a rollback).
    deploy(&path, &original);
    wait_for("the second swap", || shared.version() == 3);
    assert_eq!(shared.predict(&x).unwrap(), before);

    let ev = events.lock().unwrap();
    assert_eq!(ev.len(), 5, "each deployed file reported once: {ev:?}");
    let rejected: Vec<&String> = ev
        .iter()
        .filter_map(|e| match e {
            ReloadEvent::Rejected { reason, .. } => Some(reason),
            ReloadEvent::Swapped { .. } => None,
        })
        .collect();
    assert!(
        rejected
            .iter()
            .any(|r| r.contains("input shape [1, 64, 128]")),
        "{rejected:?}"
    );
    assert!(
        rejected.iter().all(|r| r.contains("model.safetensors")),
        "{rejected:?}"
    );
}

#[test]
fn unchanged_bytes_do_not_swap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    fs::copy(models_dir().join("mlp_4.safetensors"), &path).unwrap();
    let config = ModelConfig::new(&path, vec![1, 4]);
    let shared = SharedModel::new(load_backend(&config).unwrap());
    let reloader = ModelHotReloader::new(shared.clone(), HotReloadConfig::new(config));
    // Touching the file without changing it: same SHA-256, no new version.
    fs::write(&path, fs::read(&path).unwrap()).unwrap();
    assert!(reloader.reload_now().is_none());
    assert_eq!(shared.version(), 1);
    assert_eq!(reloader.swaps(), 0);
}

#[test]
fn receivers_await_the_new_version_from_async_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let original = fs::read(models_dir().join("mlp_4.safetensors")).unwrap();
    fs::write(&path, &original).unwrap();
    let config = ModelConfig::new(&path, vec![1, 4]);
    let shared = SharedModel::new(load_backend(&config).unwrap());
    let mut reload = HotReloadConfig::new(config);
    reload.debounce = Duration::from_millis(50);
    let reloader = ModelHotReloader::new(shared, reload);
    let mut rx = reloader.subscribe();
    let _watch = reloader.spawn_watcher().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let version = rt.block_on(async {
        deploy(&path, &perturbed(&original));
        tokio::time::timeout(Duration::from_secs(20), rx.changed())
            .await
            .expect("a new version within 20 s")
            .unwrap();
        *rx.borrow()
    });
    assert_eq!(version, 2);
}

#[test]
fn a_model_serving_at_a_later_version_keeps_its_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let original = fs::read(models_dir().join("mlp_4.safetensors")).unwrap();
    fs::write(&path, &original).unwrap();
    let config = ModelConfig::new(&path, vec![1, 4]);
    let shared = SharedModel::at_version(Arc::from(load_backend(&config).unwrap()), 3);
    assert_eq!(shared.version(), 3);
    assert_eq!(*shared.subscribe().borrow(), 3);
    let reloader = ModelHotReloader::new(shared.clone(), HotReloadConfig::new(config));
    fs::write(&path, perturbed(&original)).unwrap();
    match reloader.reload_now() {
        Some(ReloadEvent::Swapped { version, .. }) => assert_eq!(version, 4),
        other => panic!("expected a swap, got {other:?}"),
    }
    assert_eq!(shared.version(), 4);
}
