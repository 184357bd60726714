//! `axon ctl` against a paper session on the mock exchange: status, pause,
//! resume, kill switch, weights, flatten and cancel-all are answered and
//! journaled with who sent them; bad commands are refused with a reason;
//! one controller at a time; the socket is the owner's only; a session that
//! is gone is named; and the journal, operator inputs included, replays.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde_json::Value;
use support::axon;
use support::live::{
    config, finish, mock, records, replay_verifies, session_dir, spawn_live, terminate, wait_for,
};

fn ctl(dir: &Path, args: &[&str]) -> support::Run {
    let mut all = vec!["ctl", "--journal", "journal"];
    all.extend(args);
    axon(dir, &all)
}

fn status(dir: &Path) -> Value {
    serde_json::from_str(&ctl(dir, &["status"]).ok().stdout).expect("status JSON")
}

fn position(dir: &Path) -> f64 {
    status(dir)["positions"]["BTCUSDT"].as_f64().unwrap()
}

/// A connection that is the session's controller: it asked for the
/// status and got it (the previous controller may still be leaving).
fn controller(socket: &Path) -> UnixStream {
    let mut answer = String::new();
    let mut held = None;
    wait_for("the session to take a controller", || {
        let mut s = UnixStream::connect(socket).unwrap();
        s.write_all(b"{\"command\":\"status\"}\n").unwrap();
        answer.clear();
        BufReader::new(&s).read_line(&mut answer).unwrap();
        let ok = answer.contains("\"ok\":true");
        if ok {
            held = Some(s);
        }
        ok
    });
    held.unwrap()
}

#[test]
fn an_operator_steers_a_paper_session_and_the_replay_does_the_same() {
    let m = mock();
    let dir = session_dir(&config("binance", "paper", "BTCUSDT", &m));
    let d = dir.path();
    let child = spawn_live(d, &[]);
    let socket = d.join("journal/ctl.sock");
    wait_for("the control socket", || socket.exists());
    wait_for("ticks", || status(d)["ticks"].as_u64().unwrap() > 20);
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the socket is the owner's only");

    let s = status(d);
    for key in [
        "positions",
        "open_orders",
        "equity",
        "kill_switch",
        "slots",
        "weights",
        "streams",
        "journal",
        "paused",
    ] {
        assert!(s.get(key).is_some(), "status lacks {key}: {s}");
    }
    assert_eq!(s["paused"], false);
    assert_eq!(s["weights"].as_array().unwrap().len(), 1);

    // Paused: no new orders while ticks go on.
    let line = ctl(d, &["pause"]).ok().stdout;
    assert!(line.starts_with("ok: journaled at seq "), "{line}");
    assert_eq!(status(d)["paused"], true);
    let (orders, ticks) = (
        status(d)["orders"].clone(),
        status(d)["ticks"].as_u64().unwrap(),
    );
    wait_for("ticks while paused", || {
        status(d)["ticks"].as_u64().unwrap() > ticks + 50
    });
    assert_eq!(status(d)["orders"], orders, "no orders while paused");

    // Flat while paused: the position is closed and stays closed.
    wait_for("a position to flatten", || {
        ctl(d, &["resume"]).ok();
        std::thread::sleep(std::time::Duration::from_millis(100));
        ctl(d, &["pause"]).ok();
        position(d) != 0.0
    });
    ctl(d, &["flatten", "--symbol", "BTCUSDT"]).ok();
    wait_for("the flatten to fill", || position(d) == 0.0);
    ctl(d, &["cancel-all"]).ok();
    ctl(d, &["resume"]).ok();
    assert_eq!(status(d)["paused"], false);

    ctl(d, &["kill-switch", "on"]).ok();
    assert_eq!(status(d)["kill_switch"], true);
    ctl(d, &["kill-switch", "off"]).ok();
    assert_eq!(status(d)["kill_switch"], false);
    ctl(d, &["weights", "1.0"]).ok();

    // Refusals name the reason; nothing is journaled for them.
    ctl(d, &["weights", "0.5,0.5"]).error(2, &["2 weights for 1 slots"]);
    ctl(d, &["weights", "a,b"]).error(2, &["weights", "give numbers"]);
    ctl(d, &["flatten", "--symbol", "ETHUSDT"]).error(2, &["ETHUSDT", "not traded"]);
    let zeros = "0".repeat(64);
    ctl(d, &["swap", "--slot", "1", "--sha256", &zeros]).error(2, &["no model with sha256"]);
    ctl(d, &["swap", "--slot", "1", "--sha256", "xyz"]).error(2, &["not a SHA-256"]);

    // One controller at a time.
    let held = controller(&socket);
    ctl(d, &["status"]).error(2, &["another controller"]);
    drop(held);
    wait_for("the controller to leave", || ctl(d, &["status"]).code == 0);
    // The protocol, spoken directly: a bad request is answered, not fatal.
    let mut raw = UnixStream::connect(&socket).unwrap();
    raw.write_all(b"{\"command\":\"reboot\"}\n").unwrap();
    let mut answer = String::new();
    BufReader::new(&raw).read_line(&mut answer).unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["ok"], false, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("reboot"));
    drop(raw);

    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    assert!(!socket.exists(), "the socket goes with the session");
    ctl(d, &["status"]).error(2, &["no session is running", "journal"]);

    // Every command is in the journal with who sent it, and replays.
    let journal = d.join("journal");
    let ops: Vec<Value> = records(d, &journal)
        .into_iter()
        .filter(|r| r["kind"] == "Operator" || r["kind"] == "WeightOverride")
        .collect();
    let text = serde_json::to_string(&ops).unwrap();
    for needle in [
        "Pause",
        "Resume",
        "Flatten",
        "KillSwitch",
        "CancelAll",
        "uid ",
    ] {
        assert!(text.contains(needle), "no {needle} in {text}");
    }
    assert!(
        text.contains("operator (uid "),
        "weights name the operator: {text}"
    );
    replay_verifies(d, &journal);
}

#[test]
fn a_journal_path_too_long_for_a_socket_leaves_the_session_trading() {
    let m = mock();
    let long = "j".repeat(120);
    let dir = session_dir(
        &config("binance", "paper", "BTCUSDT", &m)
            .replace("path = \"journal\"", &format!("path = \"{long}\"")),
    );
    let d = dir.path();
    let child = spawn_live(d, &["--max-duration", "2s"]);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    assert!(
        logs.contains("operator control (axon ctl) is not available"),
        "{logs}"
    );
    replay_verifies(d, &d.join(&long));
}
