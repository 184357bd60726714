//! Model hot reload inside `axon live` against the mock exchange: a slot
//! with `watch = true` swaps when its file is replaced by a rename or
//! rewritten in place, refuses a broken file (the old model keeps
//! serving), and is rolled back by `axon models restore`. Every swap and
//! refusal is a journaled input, decisions after a swap use the new model,
//! the metrics show each step, and the session replays exactly.

mod support;

use std::fs;
use std::path::Path;

use serde_json::Value;
use support::live::{
    config, finish, free_port, metric, mock, records, replay_verifies, scrape, session_dir,
    spawn_live, terminate, wait_for,
};
use support::{axon, models, tempdir};

/// `mlp_4.onnx` with its output layer's biases raised by `delta`: the same
/// graph and shape, other weights. (The ONNX file holds each initializer's
/// floats as raw little-endian bytes, the same bytes as the safetensors
/// file's tensor.)
fn onnx_variant(delta: f32) -> Vec<u8> {
    let st = fs::read(models().join("mlp_4.safetensors")).unwrap();
    let n = u64::from_le_bytes(st[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&st[8..8 + n]).unwrap();
    let offsets = &header["layers.1.bias"]["data_offsets"];
    let (from, to) = (
        8 + n + offsets[0].as_u64().unwrap() as usize,
        8 + n + offsets[1].as_u64().unwrap() as usize,
    );
    let bias = &st[from..to];
    let mut onnx = fs::read(models().join("mlp_4.onnx")).unwrap();
    let at = onnx
        .windows(bias.len())
        .position(|w| w == bias)
        .expect("the output bias is stored raw in the ONNX file");
    for i in (at..at + bias.len()).step_by(4) {
        let v = f32::from_le_bytes(onnx[i..i + 4].try_into().unwrap()) + delta;
        onnx[i..i + 4].copy_from_slice(&v.to_le_bytes());
    }
    onnx
}

fn sha256_hex(bytes: &[u8]) -> String {
    axon_inference::sha256_hex(bytes)
}

/// Replaces a file the way deployers do: a temporary file, then a rename.
fn deploy(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// The mock live config with every decision journaled and slot 1 a
/// watched ONNX model.
fn watched_config(mode: &str, m: &axon_mockex::MockExchange) -> String {
    config("binance", mode, "BTCUSDT", m).replace(
        "commission_bps = 10.0\n",
        "commission_bps = 10.0\ndecisions = \"all\"\n",
    ) + r#"
[ensemble]
threshold = 0.1
weights = [0.5, 0.5]

[[models.slots]]
path = "models/live.onnx"
watch = true
"#
}

fn hex_of(v: &Value) -> String {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| format!("{:02x}", b.as_u64().unwrap()))
        .collect()
}

fn input<'a>(r: &'a Value, kind: &str) -> &'a Value {
    &r["event"]["Input"][kind]
}

/// The serving version of slot 1 in `model_info`, if published.
fn serving(port: u16) -> Option<(u64, String)> {
    let text = scrape(port);
    let line = text
        .lines()
        .find(|l| l.starts_with("model_info{") && l.contains("slot=\"1\""))?;
    let label = |k: &str| {
        let from = line.find(&format!("{k}=\""))? + k.len() + 2;
        Some(line[from..].split('"').next()?.to_string())
    };
    Some((label("version")?.parse().ok()?, label("sha256")?))
}

#[test]
fn a_watched_slot_swaps_refuses_and_rolls_back_in_a_live_session_that_replays() {
    let m = mock();
    let dir = session_dir(&watched_config("testnet", &m));
    let d = dir.path();
    let original = fs::read(models().join("mlp_4.onnx")).unwrap();
    let (renamed, rewritten) = (onnx_variant(0.75), onnx_variant(-0.5));
    let shas = [&original, &renamed, &rewritten].map(|b| sha256_hex(b));
    fs::create_dir(d.join("models")).unwrap();
    let path = d.join("models/live.onnx");
    fs::write(&path, &original).unwrap();
    let port = free_port();
    let child = spawn_live(
        d,
        &[
            "--max-duration",
            "120s",
            "--metrics-port",
            &port.to_string(),
        ],
    );
    let at = |version: u64, sha: &str| serving(port).is_some_and(|(v, s)| v == version && s == sha);
    // Decisions by the serving model: the metrics' event count moves on
    // (it is pushed every second, so by more than a second's worth).
    let events = || metric(&scrape(port), "engine_events_total", &[]).unwrap_or(0.0);
    let decide = |what: &str| {
        let seen = events();
        wait_for(what, || events() > seen + 500.0);
    };
    wait_for("slot 1 serving version 1", || at(1, &shas[0]));
    decide("decisions by version 1");

    // A deployer's atomic rename.
    deploy(&path, &renamed);
    wait_for("version 2 after the rename", || at(2, &shas[1]));
    decide("decisions by version 2");
    // An in-place rewrite of the same file.
    fs::write(&path, &rewritten).unwrap();
    wait_for("version 3 after the rewrite", || at(3, &shas[2]));
    decide("decisions by version 3");
    // A broken file: refused, and version 3 keeps serving. (A torn read
    // of the rewrite above may have been refused already: count from here.)
    let failed = || {
        metric(
            &scrape(port),
            "model_swaps_total",
            &[("slot", "1"), ("result", "failed")],
        )
        .unwrap_or(0.0)
    };
    let failed_before = failed();
    fs::write(&path, b"this is not an ONNX model").unwrap();
    wait_for("the broken file refused", || failed() > failed_before);
    assert_eq!(serving(port).unwrap().0, 3, "the refused file was served");
    // Rollback: the first model, out of the session's own store.
    axon(
        d,
        &[
            "models",
            "restore",
            "--journal",
            "journal",
            "--sha256",
            &shas[0],
            "--out",
            "models/live.onnx",
        ],
    )
    .ok();
    wait_for("version 4 after the restore", || at(4, &shas[0]));
    decide("decisions by version 4");
    // An operator's rollback, straight from the store: `axon ctl swap`.
    axon(
        d,
        &[
            "ctl",
            "--journal",
            "journal",
            "swap",
            "--slot",
            "1",
            "--sha256",
            &shas[1],
        ],
    )
    .ok();
    wait_for("version 5 after ctl swap", || at(5, &shas[1]));
    decide("decisions by version 5");
    axon(d, &["ctl", "--journal", "journal", "weights", "0.6,0.4"]).ok();
    decide("decisions with the operator's weights");
    let text = scrape(port);
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "axon live failed:\n{logs}");
    assert_eq!(
        metric(
            &text,
            "model_swaps_total",
            &[("slot", "1"), ("result", "ok")]
        ),
        Some(5.0),
        "the first load and four swaps:\n{text}"
    );

    let journal = d.join("journal");
    let recs = records(d, &journal);
    // Each swap and the refusal is a journaled input, in order, with the
    // bytes' hash; decisions use the slot's latest version.
    let mut swaps = Vec::new();
    let mut refused = Vec::new();
    let mut current = 0;
    let mut decided = std::collections::BTreeMap::new();
    for r in &recs {
        match r["kind"].as_str().unwrap() {
            "ModelSwap" => {
                let s = input(r, "ModelSwap");
                if s["slot"] == 1 {
                    current = s["version"].as_u64().unwrap();
                    swaps.push((current, hex_of(&s["sha256"])));
                }
            }
            "ModelRejected" => {
                let s = input(r, "ModelRejected");
                refused.push((current, s["reason"].as_str().unwrap().to_string()));
            }
            "SwapRejected" => {
                let s = &r["event"]["Output"]["SwapRejected"];
                assert_eq!(s["version"], current, "{r}");
            }
            "Decision" => {
                let models = r["event"]["Output"]["Decision"]["models"]
                    .as_array()
                    .unwrap();
                let ml = models.iter().find(|m| m["slot"] == 1).unwrap();
                assert_eq!(ml["version"], current, "a decision used another model: {r}");
                *decided.entry(current).or_insert(0) += 1;
            }
            _ => {}
        }
    }
    let expect: Vec<(u64, String)> = [1, 2, 3, 4, 5]
        .into_iter()
        .zip([&shas[0], &shas[1], &shas[2], &shas[0], &shas[1]].map(String::clone))
        .collect();
    assert_eq!(swaps, expect);
    // An in-place rewrite is not atomic: on a loaded machine the watcher
    // may read it half-written, refuse that (version 2 keeps serving) and
    // swap the whole file in once the write completes, as `swaps` shows.
    // The broken file is refused exactly once, while version 3 serves.
    assert!(
        refused.iter().all(|(v, _)| *v == 2 || *v == 3),
        "{refused:?}"
    );
    let broken: Vec<_> = refused.iter().filter(|(v, _)| *v == 3).collect();
    assert_eq!(broken.len(), 1, "{refused:?}");
    assert!(broken[0].1.contains("live.onnx"), "{refused:?}");
    for v in 1..=5 {
        assert!(
            decided.get(&v).copied().unwrap_or(0) > 0,
            "no decision by version {v}: {decided:?}"
        );
    }
    // The swapped-in bytes are in the journal's store.
    for sha in &shas {
        assert_eq!(
            sha256_hex(&fs::read(journal.join("artifacts/sha256").join(sha)).unwrap()),
            *sha
        );
    }
    replay_verifies(d, &journal);
    // An audit of the last decision shows who changed the weights.
    let last = recs.iter().rev().find(|r| r["kind"] == "Decision").unwrap()["seq"]
        .as_u64()
        .unwrap()
        .to_string();
    axon(
        d,
        &[
            "audit",
            "--journal",
            "journal",
            "--seq",
            &last,
            "--background",
            "10",
            "--json",
            "audit.json",
        ],
    )
    .ok();
    let audit: Value = serde_json::from_slice(&fs::read(d.join("audit.json")).unwrap()).unwrap();
    let ops = serde_json::to_string(&audit["provenance"]["operator"]).unwrap();
    assert!(
        ops.contains("weights [0.6, 0.4]") && ops.contains("operator (uid "),
        "{audit}"
    );
}

#[test]
fn a_resumed_session_swaps_in_a_watched_file_changed_while_it_was_stopped() {
    let m = mock();
    let dir = session_dir(&watched_config("testnet", &m));
    let d = dir.path();
    fs::create_dir(d.join("models")).unwrap();
    let path = d.join("models/live.onnx");
    fs::write(&path, fs::read(models().join("mlp_4.onnx")).unwrap()).unwrap();
    let port = free_port();
    let metrics_port = port.to_string();
    let first = spawn_live(
        d,
        &["--max-duration", "60s", "--metrics-port", &metrics_port],
    );
    wait_for("the first run serving version 1", || {
        serving(port).is_some_and(|(v, _)| v == 1)
    });
    terminate(&first);
    let (code, logs) = finish(first);
    assert_eq!(code, 0, "{logs}");

    let changed = onnx_variant(0.75);
    fs::write(&path, &changed).unwrap();
    // Another port: the first run's may linger.
    let port = free_port();
    let metrics_port = port.to_string();
    let second = spawn_live(
        d,
        &["--max-duration", "60s", "--metrics-port", &metrics_port],
    );
    let sha = sha256_hex(&changed);
    wait_for("the resumed run serving the changed file", || {
        serving(port).is_some_and(|(v, s)| v == 2 && s == sha)
    });
    terminate(&second);
    let (code, logs) = finish(second);
    assert_eq!(code, 0, "{logs}");
    let journal = d.join("journal");
    let swaps: Vec<u64> = records(d, &journal)
        .iter()
        .filter(|r| r["kind"] == "ModelSwap")
        .map(|r| input(r, "ModelSwap")["version"].as_u64().unwrap())
        .collect();
    assert_eq!(swaps, [1, 2]);
    replay_verifies(d, &journal);
}

#[test]
fn watch_is_refused_outside_live_slots() {
    let dir = tempdir();
    let d = dir.path();
    let backtest = support::ensemble_config("run", &support::model("mlp_4.onnx"), "").replacen(
        "threads = 1\n",
        "threads = 1\nwatch = true\n",
        1,
    );
    fs::write(d.join("bt.toml"), backtest).unwrap();
    axon(d, &["validate-config", "-c", "bt.toml"]).error(
        2,
        &["models.slots[1].watch", "live sessions", "[[models.swaps]]"],
    );

    let m = mock();
    let live = watched_config("paper", &m)
        + "\n[[models.swaps]]\nslot = 1\nat = 0\npath = \"models/live.onnx\"\nwatch = true\n";
    fs::create_dir(d.join("models")).unwrap();
    fs::copy(models().join("mlp_4.onnx"), d.join("models/live.onnx")).unwrap();
    fs::write(d.join("live.toml"), live).unwrap();
    axon(d, &["validate-config", "-c", "live.toml"])
        .error(2, &["models.swaps[0].watch", "[[models.slots]]"]);

    let typo = watched_config("paper", &m).replace("watch = true", "wach = true");
    fs::write(d.join("live.toml"), typo).unwrap();
    axon(d, &["validate-config", "-c", "live.toml"]).error(2, &["wach"]);
}

#[test]
fn the_hot_reload_example_runs_against_the_mock() {
    let m = mock();
    let dir = tempdir();
    let d = dir.path();
    let example = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/live-hot-reload.toml"),
    )
    .unwrap()
    .replace("http://127.0.0.1:18080", &m.rest_url())
    .replace("ws://127.0.0.1:18080", &m.ws_url());
    fs::create_dir(d.join("examples")).unwrap();
    fs::write(d.join("examples/live-hot-reload.toml"), example).unwrap();
    let model = d.join("live-model.onnx");
    fs::copy(models().join("mlp_4.onnx"), &model).unwrap();
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(d)
        .args(["live", "-c", "examples/live-hot-reload.toml", "--quiet"])
        .args(["--max-duration", "60s", "--metrics-port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("version 1", || serving(port).is_some_and(|(v, _)| v == 1));
    deploy(&model, &onnx_variant(0.75));
    wait_for("version 2", || serving(port).is_some_and(|(v, _)| v == 2));
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    replay_verifies(d, &d.join("live-hot-reload-journal"));
}
