//! kill -9 loops on a real child process: a writer that reports every
//! acknowledgement on stdout is killed with SIGKILL at a seeded-random point,
//! and every record it acknowledged must be in the journal afterwards, with
//! its payload, in a journal that verifies.
//!
//! The child is this test binary itself, re-executed to run only
//! [`child_writer`] with `AXON_KILL9_CHILD_DIR` set. Every iteration opens the
//! same journal again (recovering what the previous kill left), alternating
//! `Every` and `Group` durability, so recovery is exercised on top of
//! recovery.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use axon_journal::{Durability, Journal, JournalOptions, JournalReader};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CHILD_DIR: &str = "AXON_KILL9_CHILD_DIR";
const CHILD_MODE: &str = "AXON_KILL9_CHILD_MODE";
/// Upper bound on what one child appends, so a child whose parent vanished
/// without killing it still stops.
const CHILD_MAX_RECORDS: u64 = 200_000;
const ITERATIONS: usize = 20;
const SEED: u64 = 0x6b69_6c6c_392d_3031;

fn payload(seq: u64) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) % 97) as usize;
    (0..len)
        .map(|i| (seq as u8).wrapping_mul(29) ^ (i as u8))
        .collect()
}

fn time_of(seq: u64) -> i64 {
    1_700_000_000_000_000_000 + seq as i64 * 1_000
}

fn kind_of(seq: u64) -> u16 {
    (seq % 5) as u16
}

fn opts(mode: &str) -> JournalOptions {
    let durability = match mode {
        "every" => Durability::Every,
        "group" => Durability::group(),
        other => panic!("unknown mode {other}"),
    };
    JournalOptions {
        durability,
        // Small segments and blocks: kills land during rolls too.
        segment_bytes: 8 << 10,
        block_records: 4,
        ..JournalOptions::default()
    }
}

/// The writer child. Does nothing unless `AXON_KILL9_CHILD_DIR` is set (so it
/// passes at once in a normal test run). Appends records until killed and
/// prints `ACK <seq>` after each acknowledgement: every record up to and
/// including `seq` is durable by then.
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let mode = std::env::var(CHILD_MODE).unwrap_or_else(|_| "every".into());
    let dir = Path::new(&dir);
    let mut j = if dir.join("manifest.json").exists() {
        Journal::open(dir, opts(&mode)).unwrap().0
    } else {
        Journal::create(dir, opts(&mode)).unwrap()
    };
    let ack = j.ack_handle();
    let mut out = std::io::stdout().lock();
    let start = j.next_seq();
    let mut seq = start;
    while seq < start + CHILD_MAX_RECORDS {
        // Group mode acknowledges batches of 1..=8 records at once.
        let batch = if mode == "group" { seq % 8 + 1 } else { 1 };
        let mut last = seq;
        for _ in 0..batch {
            last = j
                .append(time_of(seq), kind_of(seq), 1, &payload(seq))
                .unwrap();
            assert_eq!(last, seq);
            seq += 1;
        }
        ack.wait(last).unwrap(); // returns at once in Every mode
        assert!(j.durable_seq() > last);
        // One write per line (a pipe write this small is atomic); stop when
        // the parent has gone away.
        if writeln!(out, "ACK {last}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// Runs one child until it has printed `kill_after` acknowledgements, kills
/// it with SIGKILL and returns the highest acknowledged seq it printed.
fn run_and_kill(dir: &Path, mode: &str, kill_after: usize) -> Option<u64> {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_MODE, mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut acks = 0;
    let mut max_acked = None;
    let mut killed = false;
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        // The harness may print "test child_writer ... " before the first ack.
        let Some(ack) = line.strip_suffix('\n').and_then(|l| l.split("ACK ").nth(1)) else {
            continue;
        };
        let seq: u64 = ack.trim().parse().unwrap();
        assert!(max_acked < Some(seq), "acks must increase");
        max_acked = Some(seq);
        acks += 1;
        if acks == kill_after && !killed {
            child.kill().unwrap();
            killed = true;
            // Keep reading: lines already in the pipe were acknowledged too.
        }
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        killed,
        "child exited before {kill_after} acks ({status}): {stderr}"
    );
    max_acked
}

/// Checks the journal after a kill: it verifies (a torn tail allowed), a
/// writer recovers it, and it holds every record below `must_hold` plus
/// possibly more, each with the payload the child wrote. Returns the count.
fn check_after_kill(dir: &Path, must_hold: u64, ctx: &str) -> u64 {
    let verified = JournalReader::open(dir).unwrap().verify().unwrap();
    assert!(verified.records >= must_hold, "{ctx}: {verified:?}");
    let (j, report) = Journal::open(dir, opts("every")).unwrap();
    assert!(report.next_seq >= must_hold, "{ctx}: {report:?}");
    let head = j.head_hash();
    drop(j);
    let reader = JournalReader::open(dir).unwrap();
    let v = reader.verify().unwrap();
    assert_eq!(v.torn_tail_at, None, "{ctx}: recovery left a torn tail");
    assert_eq!(
        (v.records, v.head_hash),
        (report.next_seq, head),
        "{ctx}: reader and writer disagree"
    );
    let mut c = reader.cursor(0, true).unwrap();
    let mut seq = 0;
    while let Some(r) = c.next().unwrap() {
        assert_eq!(r.seq, seq, "{ctx}");
        assert_eq!(
            (r.time_ns, r.kind, r.version, r.payload),
            (time_of(seq), kind_of(seq), 1, &payload(seq)[..]),
            "{ctx}: record {seq}"
        );
        seq += 1;
    }
    assert_eq!(seq, report.next_seq, "{ctx}");
    seq
}

#[test]
fn acknowledged_records_survive_kill_9() {
    if std::env::var_os(CHILD_DIR).is_some() {
        return; // in the child: only `child_writer` runs there
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut must_hold = 0u64;
    for i in 0..ITERATIONS {
        let mode = if i % 2 == 0 { "every" } else { "group" };
        let kill_after = rng.random_range(1..=40usize);
        let ctx = format!("iteration {i}, {mode}, kill after {kill_after} acks");
        if let Some(acked) = run_and_kill(dir, mode, kill_after) {
            must_hold = must_hold.max(acked + 1);
        }
        let held = check_after_kill(dir, must_hold, &ctx);
        // Recovered records are part of the journal from now on.
        must_hold = must_hold.max(held);
    }
    assert!(
        must_hold >= ITERATIONS as u64,
        "children acknowledged too little"
    );
}
