//! Crash consistency on a storage that keeps written and durable bytes apart:
//! every acknowledged record survives a crash, torn tails recover to a valid
//! prefix, corruption before the tail is reported and never truncated.

use std::path::Path;
use std::sync::Arc;

use axon_journal::storage::{CrashMode, SimStorage, Storage};
use axon_journal::{
    Durability, Journal, JournalError, JournalOptions, JournalReader, Manifest, RecoveryPolicy,
};
use proptest::prelude::*;

const DIR: &str = "/j";

fn opts(durability: Durability) -> JournalOptions {
    JournalOptions {
        durability,
        segment_bytes: 2048,
        block_records: 4,
        buffer_bytes: 4096,
        ..JournalOptions::default()
    }
}

fn payload(i: u64) -> Vec<u8> {
    // Varying lengths so frame boundaries move around.
    (0..(i % 37 + 1))
        .map(|b| (i as u8).wrapping_mul(31).wrapping_add(b as u8))
        .collect()
}

fn read_all(sim: &SimStorage) -> Vec<(u64, Vec<u8>)> {
    let reader = JournalReader::open_with(Arc::new(sim.clone()), Path::new(DIR)).unwrap();
    reader.verify().unwrap();
    let mut c = reader.cursor(0, true).unwrap();
    let mut out = Vec::new();
    while let Some(r) = c.next().unwrap() {
        out.push((r.seq, r.payload.to_vec()));
    }
    out
}

#[test]
fn synced_records_survive_a_crash_and_unsynced_may_not() {
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let mut j =
        Journal::create_with(storage.clone(), Path::new(DIR), opts(Durability::None)).unwrap();
    for i in 0..100 {
        j.append(i as i64, 1, 1, &payload(i)).unwrap();
    }
    let durable = j.sync().unwrap();
    assert_eq!(durable, 100);
    for i in 100..150 {
        j.append(i as i64, 1, 1, &payload(i)).unwrap();
    }
    j.flush().unwrap();
    std::mem::forget(j); // no drop-time flush: the process "dies" here
    sim.crash(CrashMode::DropUnsynced);
    let (j, report) = Journal::open_with(storage, Path::new(DIR), opts(Durability::None)).unwrap();
    assert!(
        report.next_seq >= 100,
        "lost acknowledged records: {report:?}"
    );
    let recs = read_all(&sim);
    assert_eq!(recs.len() as u64, j.next_seq());
    for (seq, p) in recs {
        assert_eq!(p, payload(seq));
    }
}

#[test]
fn every_mode_acknowledges_each_append() {
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let mut j =
        Journal::create_with(storage.clone(), Path::new(DIR), opts(Durability::Every)).unwrap();
    for i in 0..40 {
        j.append(0, 1, 1, &payload(i)).unwrap();
    }
    std::mem::forget(j);
    sim.crash(CrashMode::DropUnsynced);
    let (_, report) = Journal::open_with(storage, Path::new(DIR), opts(Durability::Every)).unwrap();
    assert_eq!(report.next_seq, 40);
}

#[test]
fn group_commit_acknowledged_records_survive() {
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let mut j =
        Journal::create_with(storage.clone(), Path::new(DIR), opts(Durability::group())).unwrap();
    let ack = j.ack_handle();
    let mut acked = 0;
    for i in 0..300u64 {
        let seq = j.append(0, 1, 1, &payload(i)).unwrap();
        if i % 50 == 49 {
            ack.wait(seq).unwrap();
            acked = seq + 1;
        }
    }
    std::mem::forget(j);
    sim.crash(CrashMode::DropUnsynced);
    let (_, report) = Journal::open_with(storage, Path::new(DIR), opts(Durability::None)).unwrap();
    assert!(
        report.next_seq >= acked,
        "acked {acked}, recovered {}",
        report.next_seq
    );
    assert_eq!(read_all(&sim).len() as u64, report.next_seq);
}

/// Builds a journal, returns the last segment's path and bytes, and the
/// frame end offsets of its records.
fn journal_with(n: u64) -> (SimStorage, std::path::PathBuf, Vec<u8>) {
    let sim = SimStorage::new();
    let mut j = Journal::create_with(
        Arc::new(sim.clone()),
        Path::new(DIR),
        opts(Durability::None),
    )
    .unwrap();
    for i in 0..n {
        j.append(i as i64, 1, 1, &payload(i)).unwrap();
    }
    j.close().unwrap();
    let names = sim.list(Path::new(DIR)).unwrap();
    let mut segs: Vec<_> = names.into_iter().filter(|n| n.ends_with(".seg")).collect();
    segs.sort();
    let last = Path::new(DIR).join(segs.last().unwrap());
    let bytes = sim.file_bytes(&last).unwrap();
    (sim, last, bytes)
}

/// Clears the manifest's clean-close mark, as a writer does when it opens the
/// journal: a tail can only be torn by a writer that crashed after that.
fn reopened_by_a_writer(sim: &SimStorage) {
    let mpath = Path::new(DIR).join("manifest.json");
    let mut m = Manifest::parse(&sim.file_bytes(&mpath).unwrap()).unwrap();
    m.closed = None;
    sim.set_file_bytes(&mpath, m.to_bytes());
}

#[test]
fn torn_tail_cut_at_every_byte_recovers_a_valid_prefix() {
    let (sim, last, bytes) = journal_with(60);
    let full = read_all(&sim);
    // Cut the last segment at every byte offset of its last records.
    let from = bytes.len().saturating_sub(200).max(64);
    for cut in from..bytes.len() {
        let s = SimStorage::new();
        for name in sim.list(Path::new(DIR)).unwrap() {
            let p = Path::new(DIR).join(&name);
            s.set_file_bytes(&p, sim.file_bytes(&p).unwrap());
        }
        s.set_file_bytes(&last, bytes[..cut].to_vec());
        reopened_by_a_writer(&s);
        let (j, report) =
            Journal::open_with(Arc::new(s.clone()), Path::new(DIR), opts(Durability::None))
                .unwrap();
        let recs = read_all(&s);
        assert_eq!(recs.len() as u64, report.next_seq);
        assert_eq!(&full[..recs.len()], &recs[..], "cut at {cut}: not a prefix");
        assert!(recs.len() >= full.len() - 6, "cut at {cut} lost too much");
        drop(j);
    }
}

#[test]
fn strict_policy_refuses_a_torn_tail_and_changes_nothing() {
    let (sim, last, bytes) = journal_with(20);
    sim.set_file_bytes(&last, bytes[..bytes.len() - 3].to_vec());
    let strict = JournalOptions {
        recovery: RecoveryPolicy::Strict,
        ..opts(Durability::None)
    };
    let err = Journal::open_with(Arc::new(sim.clone()), Path::new(DIR), strict).unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err}");
    assert_eq!(sim.file_bytes(&last).unwrap().len(), bytes.len() - 3);
}

#[test]
fn flipped_bit_in_a_sealed_segment_is_reported_not_truncated() {
    let (sim, _last, _) = journal_with(200);
    let mut segs: Vec<_> = sim
        .list(Path::new(DIR))
        .unwrap()
        .into_iter()
        .filter(|n| n.ends_with(".seg"))
        .collect();
    segs.sort();
    assert!(segs.len() >= 3, "test needs sealed segments: {segs:?}");
    let sealed = Path::new(DIR).join(&segs[1]);
    let mut bytes = sim.file_bytes(&sealed).unwrap();
    let len = bytes.len();
    bytes[len / 2] ^= 0x10;
    sim.set_file_bytes(&sealed, bytes.clone());
    let reader = JournalReader::open_with(Arc::new(sim.clone()), Path::new(DIR)).unwrap();
    let err = reader.verify().unwrap_err();
    match &err {
        JournalError::Corrupt { segment, seq, .. } => {
            assert_eq!(segment, &sealed);
            assert!(seq.is_some());
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&segs[1]) && msg.contains("offset"), "{msg}");
    // Opening for write does not touch the sealed segment.
    let _ = Journal::open_with(
        Arc::new(sim.clone()),
        Path::new(DIR),
        opts(Durability::None),
    );
    assert_eq!(sim.file_bytes(&sealed).unwrap(), bytes);
}

#[test]
fn flipped_bit_before_the_tail_of_the_last_segment_is_a_hard_error() {
    let (sim, last, mut bytes) = journal_with(10);
    bytes[80] ^= 1;
    sim.set_file_bytes(&last, bytes.clone());
    let err = Journal::open_with(
        Arc::new(sim.clone()),
        Path::new(DIR),
        opts(Durability::None),
    )
    .unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err}");
    assert_eq!(
        sim.file_bytes(&last).unwrap(),
        bytes,
        "corruption must not be truncated"
    );
}

#[test]
fn head_hash_is_independent_of_segment_size_and_durability() {
    let heads: Vec<_> = [
        (512u64, Durability::None),
        (1 << 20, Durability::Every),
        (4096, Durability::group()),
    ]
    .into_iter()
    .map(|(segment_bytes, durability)| {
        let sim = SimStorage::new();
        let o = JournalOptions {
            segment_bytes,
            durability,
            block_records: 4,
            ..JournalOptions::default()
        };
        let mut j = Journal::create_with(Arc::new(sim.clone()), Path::new(DIR), o).unwrap();
        for i in 0..90 {
            j.append(i, 2, 1, &payload(i as u64)).unwrap();
        }
        let head = j.head_hash();
        j.close().unwrap();
        let v = JournalReader::open_with(Arc::new(sim), Path::new(DIR))
            .unwrap()
            .verify()
            .unwrap();
        assert_eq!(v.head_hash, head);
        head
    })
    .collect();
    assert!(heads.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn cursor_seeks_to_any_sequence_number() {
    let (sim, _, _) = journal_with(150);
    let reader = JournalReader::open_with(Arc::new(sim), Path::new(DIR)).unwrap();
    for from in [0u64, 1, 3, 4, 5, 63, 64, 99, 149] {
        let mut c = reader.cursor(from, false).unwrap();
        let first = c.next().unwrap().unwrap();
        assert_eq!(first.seq, from);
        assert_eq!(first.payload, &payload(from)[..]);
    }
    let mut c = reader.cursor(150, false).unwrap();
    assert!(c.next().unwrap().is_none());
}

#[derive(Debug, Clone)]
enum Op {
    Append(u8),
    Sync,
    Flush,
    Crash(bool, usize),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u8>().prop_map(Op::Append),
        1 => Just(Op::Sync),
        1 => Just(Op::Flush),
        1 => (any::<bool>(), 0usize..200).prop_map(|(t, n)| Op::Crash(t, n)),
        1 => Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Model-based: the journal against a Vec of records. After a crash the
    /// journal holds a prefix of the model at least as long as the synced part.
    #[test]
    fn model_append_sync_crash_reopen(ops in proptest::collection::vec(op(), 1..80)) {
        let sim = SimStorage::new();
        let storage: Arc<dyn Storage> = Arc::new(sim.clone());
        let mut j = Some(Journal::create_with(storage.clone(), Path::new(DIR), opts(Durability::None)).unwrap());
        let mut model: Vec<Vec<u8>> = Vec::new();
        let mut synced = 0usize;
        for op in ops {
            match op {
                Op::Append(b) => {
                    let p = vec![b; (b % 50) as usize];
                    let seq = j.as_mut().unwrap().append(0, 1, 1, &p).unwrap();
                    prop_assert_eq!(seq as usize, model.len());
                    model.push(p);
                }
                Op::Sync => { synced = j.as_mut().unwrap().sync().unwrap() as usize; }
                Op::Flush => { j.as_mut().unwrap().flush().unwrap(); }
                Op::Crash(torn, n) => {
                    std::mem::forget(j.take());
                    sim.crash(if torn { CrashMode::KeepPrefix(n) } else { CrashMode::DropUnsynced });
                    let (nj, report) = Journal::open_with(storage.clone(), Path::new(DIR), opts(Durability::None)).unwrap();
                    let n = report.next_seq as usize;
                    prop_assert!(n >= synced && n <= model.len(), "recovered {} synced {} model {}", n, synced, model.len());
                    model.truncate(n);
                    synced = n;
                    j = Some(nj);
                }
                Op::Reopen => {
                    j.take().unwrap().close().unwrap();
                    let (nj, report) = Journal::open_with(storage.clone(), Path::new(DIR), opts(Durability::None)).unwrap();
                    prop_assert_eq!(report.next_seq as usize, model.len());
                    synced = model.len();
                    j = Some(nj);
                }
            }
        }
        j.take().unwrap().close().unwrap();
        let recs = read_all(&sim);
        prop_assert_eq!(recs.len(), model.len());
        for ((_, got), want) in recs.iter().zip(&model) {
            prop_assert_eq!(got, want);
        }
    }
}

/// Group commit with the appender and several threads waiting for
/// acknowledgements at once: every wait returns, every acknowledged record
/// survives a crash, and `durable_seq` as seen through any handle never runs
/// ahead of what survives.
#[test]
fn group_commit_acks_from_many_threads_survive_a_crash() {
    use std::sync::mpsc;
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let mut j =
        Journal::create_with(storage.clone(), Path::new(DIR), opts(Durability::group())).unwrap();
    let mut senders = Vec::new();
    let mut waiters = Vec::new();
    for _ in 0..4 {
        let (tx, rx) = mpsc::channel::<u64>();
        let ack = j.ack_handle();
        senders.push(tx);
        waiters.push(std::thread::spawn(move || {
            let mut acked = 0u64;
            for seq in rx {
                ack.wait(seq).unwrap();
                assert!(ack.durable_seq().unwrap() > seq);
                acked = acked.max(seq + 1);
            }
            acked
        }));
    }
    for i in 0..2000u64 {
        let seq = j.append(0, 1, 1, &payload(i)).unwrap();
        if i % 7 == 0 {
            senders[(i % 4) as usize].send(seq).unwrap();
        }
    }
    drop(senders);
    let acked = waiters
        .into_iter()
        .map(|w| w.join().unwrap())
        .max()
        .unwrap();
    assert!(acked >= 1996, "acked {acked}");
    std::mem::forget(j);
    sim.crash(CrashMode::DropUnsynced);
    let (_, report) = Journal::open_with(storage, Path::new(DIR), opts(Durability::None)).unwrap();
    assert!(
        report.next_seq >= acked,
        "acked {acked}, recovered {report:?}"
    );
    let recs = read_all(&sim);
    for (seq, p) in recs {
        assert_eq!(p, payload(seq));
    }
}
