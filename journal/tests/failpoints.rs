//! Fail points inside the real file-system code (`FsStorage`) and the segment
//! roll: short writes, ENOSPC, fsync errors and a crash during a roll. Run
//! with `cargo test -p axon-journal --features failpoints`.
//!
//! Fail points are process-global: every test holds a `fail::FailScenario`,
//! whose global lock runs them one at a time and whose drop clears every fail
//! point, even when a test panics.

#![cfg(feature = "failpoints")]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use axon_journal::{Durability, Journal, JournalError, JournalOptions, JournalReader};
use fail::FailScenario;

const ENOSPC: i32 = 28;
/// Payload length: with the 28-byte frame header a frame is 128 bytes.
const PAYLOAD: usize = 100;
const FRAME: u64 = 128;

fn payload(seq: u64) -> Vec<u8> {
    (0..PAYLOAD as u64)
        .map(|i| (seq.wrapping_mul(131) ^ i) as u8)
        .collect()
}

fn opts(durability: Durability) -> JournalOptions {
    JournalOptions {
        durability,
        segment_bytes: 1 << 20,
        block_records: 8,
        buffer_bytes: 4096,
        ..JournalOptions::default()
    }
}

fn append(j: &mut Journal, seq: u64) -> Result<u64, JournalError> {
    j.append(seq as i64, 1, 1, &payload(seq))
}

fn segment(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{first_seq:020}.seg"))
}

fn is_poisoned<T: std::fmt::Debug>(r: Result<T, JournalError>) -> bool {
    matches!(r, Err(JournalError::Poisoned { .. }))
}

fn is_io(err: &JournalError, op: &str, errno: Option<i32>) -> bool {
    match err {
        JournalError::Io { op: o, source, .. } => {
            *o == op && (errno.is_none() || source.raw_os_error() == errno)
        }
        _ => false,
    }
}

/// Reads the whole journal through a verifying reader and checks that it
/// holds exactly records `0..n` with the payloads the tests write.
fn assert_holds_exactly(dir: &Path, n: u64) {
    let reader = JournalReader::open(dir).unwrap();
    let report = reader.verify().unwrap();
    assert_eq!(report.records, n, "record count");
    assert_eq!(report.torn_tail_at, None);
    let mut c = reader.cursor(0, true).unwrap();
    let mut seq = 0;
    while let Some(r) = c.next().unwrap() {
        assert_eq!((r.seq, r.payload), (seq, &payload(seq)[..]), "record {seq}");
        seq += 1;
    }
    assert_eq!(seq, n);
}

/// A short write (half a buffer reaches the file, then ENOSPC) while flushing
/// a buffer of `in_buffer` records.
///
/// Must hold afterwards: the flush returns the ENOSPC error; every later
/// append, flush and sync returns `Poisoned` and writes nothing; reopening
/// recovers the records written before the failed buffer plus the whole
/// frames of the half that reached the file, and cuts the partial frame
/// after them as a torn tail (when the buffer held one record, exactly the
/// records before it).
#[test]
fn short_write_poisons_and_recovery_cuts_the_partial_frame() {
    for in_buffer in [1u64, 11] {
        let scenario = FailScenario::setup();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut j = Journal::create(dir, opts(Durability::None)).unwrap();
        for seq in 0..50 {
            append(&mut j, seq).unwrap();
        }
        assert_eq!(j.sync().unwrap(), 50);
        for seq in 50..50 + in_buffer {
            append(&mut j, seq).unwrap();
        }
        let seg = segment(dir, 0);
        let len_before = fs::metadata(&seg).unwrap().len();

        fail::cfg("storage::short_write", "return").unwrap();
        let err = j.flush().unwrap_err();
        assert!(is_io(&err, "write", Some(ENOSPC)), "{err}");
        fail::remove("storage::short_write");

        let half = in_buffer * FRAME / 2;
        let len_failed = fs::metadata(&seg).unwrap().len();
        assert_eq!(len_failed, len_before + half);
        assert!(is_poisoned(append(&mut j, 50 + in_buffer)));
        assert!(is_poisoned(j.flush()));
        assert!(is_poisoned(j.sync()));
        drop(j);
        assert_eq!(
            fs::metadata(&seg).unwrap().len(),
            len_failed,
            "wrote after poison"
        );

        let whole = half / FRAME;
        let (j, report) = Journal::open(dir, opts(Durability::None)).unwrap();
        assert_eq!(report.next_seq, 50 + whole);
        let torn = report.truncated.expect("the partial frame is a torn tail");
        assert_eq!(torn.segment, seg);
        assert_eq!(torn.offset, len_before + whole * FRAME);
        assert_eq!(torn.dropped_bytes, half - whole * FRAME);
        drop(j);
        assert_holds_exactly(dir, 50 + whole);
        scenario.teardown();
    }
}

/// ENOSPC on the write of a full buffer an `append` handed off.
///
/// Must hold afterwards: the write thread's error comes back, as ENOSPC, from
/// a later append or at the latest the next flush, and after it appends
/// return `Poisoned`; nothing of the failed buffer reached the file, so
/// reopening finds no torn tail and exactly the records flushed before it.
#[test]
fn enospc_on_write_poisons_and_keeps_what_was_written() {
    let scenario = FailScenario::setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut j = Journal::create(dir, opts(Durability::None)).unwrap();
    for seq in 0..40 {
        append(&mut j, seq).unwrap();
    }
    j.flush().unwrap();

    fail::cfg("storage::write", "return(enospc)").unwrap();
    // 32 frames of 128 bytes fill the 4096-byte buffer: the 32nd append
    // hands it to the write thread, whose write fails.
    let mut err = None;
    for seq in 40..80 {
        if let Err(e) = append(&mut j, seq) {
            assert!(seq > 40 + 31, "no write failed before the buffer filled");
            err = Some(e);
            break;
        }
    }
    let err = err.unwrap_or_else(|| j.flush().expect_err("the flush reports the failed write"));
    assert!(is_io(&err, "write", Some(ENOSPC)), "{err}");
    fail::remove("storage::write");
    assert!(is_poisoned(append(&mut j, 72)));
    assert!(is_poisoned(j.sync()));
    drop(j);

    let (j, report) = Journal::open(dir, opts(Durability::None)).unwrap();
    assert_eq!(report.next_seq, 40);
    assert_eq!(report.truncated, None);
    drop(j);
    assert_holds_exactly(dir, 40);
    scenario.teardown();
}

/// fdatasync fails in `Every` mode.
///
/// Must hold afterwards: the append whose sync failed returns the fdatasync
/// error (it is never acknowledged); later appends and syncs return
/// `Poisoned`; reopening recovers every acknowledged record (the failed one
/// reached the page cache, so it may be there too, intact).
#[test]
fn fsync_error_in_every_mode_is_never_an_ack() {
    let scenario = FailScenario::setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut j = Journal::create(dir, opts(Durability::Every)).unwrap();
    for seq in 0..10 {
        append(&mut j, seq).unwrap();
    }
    assert_eq!(j.durable_seq(), 10);
    fail::cfg("storage::fsync", "return(eio)").unwrap();
    let err = append(&mut j, 10).unwrap_err();
    assert!(is_io(&err, "fdatasync", None), "{err}");
    fail::remove("storage::fsync");
    assert_eq!(j.durable_seq(), 10, "a failed sync acknowledged nothing");
    assert!(is_poisoned(append(&mut j, 11)));
    assert!(is_poisoned(j.sync()));
    assert!(is_poisoned(j.wait_durable(10)));
    drop(j);

    let (j, report) = Journal::open(dir, opts(Durability::Every)).unwrap();
    assert!((10..=11).contains(&report.next_seq), "{report:?}");
    drop(j);
    assert_holds_exactly(dir, report.next_seq);
    scenario.teardown();
}

/// fdatasync fails on the group-commit thread.
///
/// Must hold afterwards: a thread waiting for the record's acknowledgement
/// gets an error, never an ack, and so does the appender's own wait;
/// `durable_seq` does not move past the last successful sync; the writer is
/// poisoned; reopening recovers every acknowledged record.
#[test]
fn fsync_error_in_group_mode_fails_waiters_and_poisons() {
    let scenario = FailScenario::setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut j = Journal::create(dir, opts(Durability::group())).unwrap();
    let ack = j.ack_handle();
    for seq in 0..10 {
        append(&mut j, seq).unwrap();
    }
    ack.wait(9).unwrap();
    let acked = ack.durable_seq().unwrap();
    assert!(acked >= 10);

    fail::cfg("storage::fsync", "return(eio)").unwrap();
    let seq = append(&mut j, 10).unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter = {
        let ack = ack.clone();
        std::thread::spawn(move || tx.send(ack.wait(seq)).unwrap())
    };
    let own = j.wait_durable(seq);
    let other = rx.recv().unwrap();
    waiter.join().unwrap();
    fail::remove("storage::fsync");
    assert!(is_poisoned(own), "the appender's wait must fail");
    assert!(is_poisoned(other), "the other thread's wait must fail");
    assert_eq!(ack.durable_seq(), Some(acked), "no ack past the failure");
    assert!(is_poisoned(append(&mut j, 11)));
    assert!(is_poisoned(j.sync()));
    assert!(is_poisoned(ack.wait(seq)));
    drop(j);

    let (j, report) = Journal::open(dir, opts(Durability::None)).unwrap();
    assert!(report.next_seq >= acked, "{report:?}");
    drop(j);
    assert_holds_exactly(dir, report.next_seq);
    scenario.teardown();
}

/// What a power cut leaves of a segment whose creation was interrupted.
#[derive(Debug, Clone, Copy)]
enum NewSegment {
    /// The file as the process left it.
    AsLeft,
    /// Its directory entry never became durable: the file is gone.
    Lost,
}

/// A crash during a segment roll, at each step of it: writing the sealed
/// segment's index (`storage::write_atomic`), creating the new segment
/// (`storage::create`), and after its header is synced but before the
/// directory is (`roll::before_dir_sync`); for each, the new segment file
/// kept or lost.
///
/// Must hold afterwards: the append that triggered the roll returns an
/// error and the writer is poisoned; reopening recovers every record synced
/// before the roll (all 32: the roll syncs first), the journal verifies, and
/// the reopened writer appends through further rolls to a journal that
/// verifies and holds every record.
#[test]
fn crash_during_segment_roll_recovers_every_synced_record() {
    // 64-byte frames (36-byte payloads), 8-record blocks of 512 bytes: the
    // segment reaches 2048 bytes at the end of the 4th block, seq 31.
    let small = |durability| JournalOptions {
        segment_bytes: 2048,
        ..opts(durability)
    };
    let p = |seq: u64| vec![seq as u8; 36];
    for point in [
        "storage::write_atomic",
        "storage::create",
        "roll::before_dir_sync",
    ] {
        for outcome in [NewSegment::AsLeft, NewSegment::Lost] {
            let scenario = FailScenario::setup();
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let mut j = Journal::create(dir, small(Durability::None)).unwrap();
            for seq in 0..31 {
                j.append(0, 1, 1, &p(seq)).unwrap();
            }
            fail::cfg(point, "return").unwrap();
            let err = j.append(0, 1, 1, &p(31)).unwrap_err();
            fail::remove(point);
            assert!(matches!(err, JournalError::Io { .. }), "{point}: {err}");
            assert!(is_poisoned(j.append(0, 1, 1, &p(32))), "{point}");
            drop(j);
            let new_seg = segment(dir, 32);
            if let NewSegment::Lost = outcome {
                let _ = fs::remove_file(&new_seg);
            }

            let ctx = format!("{point}, {outcome:?}");
            let (mut j, report) = Journal::open(dir, small(Durability::None)).unwrap();
            assert_eq!(report.next_seq, 32, "{ctx}");
            let v = JournalReader::open(dir).unwrap().verify().unwrap();
            assert_eq!(v.records, 32, "{ctx}");
            for seq in 32..100 {
                assert_eq!(j.append(0, 1, 1, &p(seq)).unwrap(), seq, "{ctx}");
            }
            j.close().unwrap();
            let reader = JournalReader::open(dir).unwrap();
            let v = reader.verify().unwrap();
            assert_eq!(v.records, 100, "{ctx}");
            assert!(v.segments >= 3, "{ctx}: {v:?}");
            let mut c = reader.cursor(0, true).unwrap();
            while let Some(r) = c.next().unwrap() {
                assert_eq!(r.payload, &p(r.seq)[..], "{ctx}");
            }
            scenario.teardown();
        }
    }
}

/// The reference run for the roll test: with no fail point the same appends
/// roll at seq 31 to a segment starting at 32, so the fail points above are
/// hit where the test says.
#[test]
fn roll_happens_where_the_roll_test_expects() {
    let scenario = FailScenario::setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = JournalOptions {
        segment_bytes: 2048,
        ..opts(Durability::None)
    };
    let mut j = Journal::create(dir, o).unwrap();
    for seq in 0..31u64 {
        j.append(0, 1, 1, &[seq as u8; 36]).unwrap();
    }
    assert!(!segment(dir, 32).exists());
    j.append(0, 1, 1, &[31; 36]).unwrap();
    assert!(segment(dir, 32).exists());
    assert!(dir.join(format!("{:020}.idx", 0)).exists());
    drop(j);
    scenario.teardown();
}
