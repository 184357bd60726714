//! Golden journal: `tests/golden/v1/` is a journal written by format version 1
//! and committed. These tests prove that this build still reads it, byte for
//! byte, and still writes it.
//!
//! **If `golden_v1_still_reads` fails after a change, journals written before
//! the change no longer read**: the change broke the on-disk format (or the
//! hash chain). Do not regenerate the files to make it pass. Either undo the
//! change, or bump `FORMAT_VERSION`, keep a reader for v1, and add a `v2/`
//! beside `v1/`.
//!
//! If only `writer_still_writes_the_golden_bytes` fails, old journals still
//! read but new ones come out different: that too is a format change and
//! needs the same decision.
//!
//! The files were made by the ignored test `regenerate_golden_v1`:
//! `cargo test -p axon-journal --test golden -- --ignored regenerate_golden_v1`.

use std::fs;
use std::path::{Path, PathBuf};

use axon_journal::{Durability, Hash, Journal, JournalOptions, JournalReader};
use sha2::{Digest, Sha256};

/// Records in the golden journal.
const RECORDS: u64 = 200;
const BLOCK_RECORDS: u32 = 8;
/// Small segments so the journal has several (rolls happen at the block
/// boundary after this size is reached).
const SEGMENT_BYTES: u64 = 2048;
/// The record whose payload names the artifact.
const ARTIFACT_RECORD: u64 = 123;
const ARTIFACT: &[u8] = b"axon golden artifact v1: stand-in for model bytes\n";
/// Head hash of the golden journal, hex. Changes iff any record byte or the
/// chain definition changes.
const HEAD_HASH: &str = "28c29c18819330fbf0bdf4eb0090a77b8891109ede15bb3c58009583a4e34419";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1")
}

fn artifact_hash() -> Hash {
    Sha256::digest(ARTIFACT).into()
}

/// The deterministic content of record `seq`: (time_ns, kind, version, payload).
fn record(seq: u64) -> (i64, u16, u16, Vec<u8>) {
    let time_ns = match seq {
        0 => 0,
        1 => -1, // before the epoch: time is a plain i64
        _ => 1_700_000_000_000_000_000 + seq as i64 * 1_000_003,
    };
    let kind = [1u16, 2, 3, 7, 0xfffe][(seq % 5) as usize];
    let version = 1 + (seq % 3) as u16;
    let payload = match seq {
        0 => Vec::new(),
        ARTIFACT_RECORD => [b"artifact:".as_slice(), &artifact_hash()].concat(),
        s if s % 50 == 7 => (0..=255u8).collect(), // every byte value
        s => format!("rec {s}").repeat((s % 3) as usize + 1).into_bytes(),
    };
    (time_ns, kind, version, payload)
}

/// Writes the golden journal into `dir` (which must not hold a journal).
fn write_golden(dir: &Path) {
    let opts = JournalOptions {
        durability: Durability::None,
        segment_bytes: SEGMENT_BYTES,
        block_records: BLOCK_RECORDS,
        ..JournalOptions::default()
    };
    let mut j = Journal::create(dir, opts).unwrap();
    assert_eq!(j.artifacts().put(ARTIFACT).unwrap(), artifact_hash());
    for seq in 0..RECORDS {
        let (time_ns, kind, version, payload) = record(seq);
        assert_eq!(j.append(time_ns, kind, version, &payload).unwrap(), seq);
    }
    j.close().unwrap();
}

/// Every file under `dir`, as (path relative to `dir`, bytes), sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.file_name().is_some_and(|n| n != "writer.lock") {
                // The lock file is empty and only its OS lock matters.
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn golden_v1_still_reads() {
    let reader = JournalReader::open(golden_dir()).unwrap();
    let report = reader.verify().unwrap();
    assert_eq!(report.records, RECORDS);
    assert!(report.segments >= 3, "{report:?}");
    assert_eq!(report.torn_tail_at, None);
    assert_eq!(hex::encode(report.head_hash), HEAD_HASH);
    let closed = reader.manifest().closed.clone().expect("closed cleanly");
    assert_eq!(
        (closed.next_seq, closed.head_hash.as_str()),
        (RECORDS, HEAD_HASH)
    );
    assert_eq!(reader.manifest().block_records, BLOCK_RECORDS);

    // Specific records, read by seeking (through the sparse indexes) as well
    // as by a full scan.
    for seq in [0, 1, 7, 8, 57, ARTIFACT_RECORD, RECORDS - 1] {
        let mut c = reader.cursor(seq, true).unwrap();
        let r = c.next().unwrap().unwrap();
        let (time_ns, kind, version, payload) = record(seq);
        assert_eq!(
            (r.seq, r.time_ns, r.kind, r.version, r.payload),
            (seq, time_ns, kind, version, &payload[..]),
            "record {seq}"
        );
    }
    let mut c = reader.cursor(0, true).unwrap();
    let mut seq = 0;
    while let Some(r) = c.next().unwrap() {
        assert_eq!(r.to_owned().payload, record(seq).3, "record {seq}");
        seq += 1;
    }
    assert_eq!(seq, RECORDS);
    assert_eq!(c.head_hash().map(hex::encode).as_deref(), Some(HEAD_HASH));

    // The artifact named by a record loads, and its bytes hash to its name.
    let mut c = reader.cursor(ARTIFACT_RECORD, false).unwrap();
    let r = c.next().unwrap().unwrap();
    let name: Hash = r.payload[b"artifact:".len()..].try_into().unwrap();
    assert_eq!(reader.artifacts().get(&name).unwrap(), ARTIFACT);
}

#[test]
fn golden_v1_accepts_appends_from_this_build() {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in files(&golden_dir()) {
        let to = tmp.path().join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, bytes).unwrap();
    }
    let (mut j, report) = Journal::open(tmp.path(), JournalOptions::default()).unwrap();
    assert_eq!(report.next_seq, RECORDS);
    assert_eq!(report.truncated, None);
    assert_eq!(hex::encode(j.head_hash()), HEAD_HASH);
    assert_eq!(j.append(5, 1, 1, b"new").unwrap(), RECORDS);
    j.close().unwrap();
    let v = JournalReader::open(tmp.path()).unwrap().verify().unwrap();
    assert_eq!(v.records, RECORDS + 1);
}

#[test]
fn writer_still_writes_the_golden_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    write_golden(tmp.path());
    let written = files(tmp.path());
    let golden = files(&golden_dir());
    let names = |fs: &[(PathBuf, Vec<u8>)]| fs.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&written), names(&golden), "file set");
    for ((rel, got), (_, want)) in written.iter().zip(&golden) {
        assert!(
            got == want,
            "{} differs from the golden file",
            rel.display()
        );
    }
}

/// Regenerates `tests/golden/v1/`. Only for a deliberate new format version
/// (see the module docs); never to make the tests above pass.
#[test]
#[ignore = "writes into the source tree; run by hand for a new format version"]
fn regenerate_golden_v1() {
    let dir = golden_dir();
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    write_golden(&dir);
    let head = JournalReader::open(&dir)
        .unwrap()
        .verify()
        .unwrap()
        .head_hash;
    println!("HEAD_HASH = {}", hex::encode(head));
}
