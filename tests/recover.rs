//! `axon journal recover`: cuts a torn tail left by a crash (and nothing
//! else), after which the journal replays; corruption is refused.

use std::path::Path;
use std::process::{Command, Output};

fn axon(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_axon"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn last_segment(dir: &Path) -> std::path::PathBuf {
    let mut segs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    segs.pop().unwrap()
}

/// A demo journal made to look like a crash: not closed, last frame torn.
fn crashed_journal(d: &Path) -> std::path::PathBuf {
    let out = axon(&["demo", "--ticks", "20000", "--out", "demo", "--quiet"], d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = d.join("demo/journal");
    let manifest = j.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m["closed"] = serde_json::Value::Null;
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let seg = last_segment(&j);
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 5)
        .unwrap();
    j
}

#[test]
fn recover_cuts_a_torn_tail_and_the_journal_replays() {
    let dir = tempfile::tempdir().unwrap();
    let j = crashed_journal(dir.path());
    let verify = axon(&["journal", "verify", j.to_str().unwrap()], dir.path());
    assert!(verify.status.success());
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("at offset"),
        "verify reports the torn tail"
    );
    let out = axon(&["journal", "recover", j.to_str().unwrap()], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("cut a torn tail") && stdout.contains("closed cleanly"),
        "{stdout}"
    );
    let again = axon(&["journal", "recover", j.to_str().unwrap()], dir.path());
    assert!(String::from_utf8_lossy(&again.stdout).contains("no torn tail"));
    let replay = axon(
        &[
            "replay",
            "--journal",
            j.to_str().unwrap(),
            "--verify",
            "--quiet",
        ],
        dir.path(),
    );
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
}

#[test]
fn recover_refuses_corruption_before_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let j = crashed_journal(dir.path());
    let seg = last_segment(&j);
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[200] ^= 0x40;
    std::fs::write(&seg, &bytes).unwrap();
    let out = axon(&["journal", "recover", j.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("corrupt journal") && stderr.contains("offset"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&seg).unwrap(), bytes, "nothing was cut");
}
