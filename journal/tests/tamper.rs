//! Tampering that checksums cannot see: a frame rewritten with a valid CRC,
//! a rewritten index. The hash chain must catch each one, and verification
//! must say where.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_journal::format::{begin_frame, decode_frame, finish_frame};
use axon_journal::storage::{SimStorage, Storage};
use axon_journal::{Durability, Journal, JournalError, JournalOptions, JournalReader};

const DIR: &str = "/j";
const PAYLOAD: usize = 24;

/// A closed journal of 117 records in segments of 2 blocks of 8 records
/// (the last segment partly filled).
fn journal() -> (SimStorage, Vec<String>) {
    let sim = SimStorage::new();
    let opts = JournalOptions {
        durability: Durability::None,
        segment_bytes: 400,
        block_records: 8,
        buffer_bytes: 4096,
        ..JournalOptions::default()
    };
    let mut j = Journal::create_with(Arc::new(sim.clone()), Path::new(DIR), opts).unwrap();
    for i in 0..117u64 {
        j.append(i as i64, 3, 1, &[i as u8; PAYLOAD]).unwrap();
    }
    j.close().unwrap();
    let mut segs: Vec<String> = sim
        .list(Path::new(DIR))
        .unwrap()
        .into_iter()
        .filter(|n| n.ends_with(".seg"))
        .collect();
    segs.sort();
    assert!(segs.len() >= 4, "test needs several segments: {segs:?}");
    (sim, segs)
}

/// Rewrites the `nth` frame of a segment with a different payload and a
/// correct CRC, as someone editing the file on purpose would.
fn rewrite_frame(sim: &SimStorage, seg: &Path, nth: usize) -> u64 {
    let mut bytes = sim.file_bytes(seg).unwrap();
    let mut at = 64;
    for _ in 0..nth {
        let (_, n) = decode_frame(&bytes[at..]).unwrap();
        at += n;
    }
    let (rec, n) = decode_frame(&bytes[at..]).unwrap();
    let (seq, time, kind, version) = (rec.seq, rec.time_ns, rec.kind, rec.version);
    let mut frame = Vec::new();
    let start = begin_frame(&mut frame, seq, time, kind, version);
    frame.extend_from_slice(&[0xEE; PAYLOAD]);
    finish_frame(&mut frame, start).unwrap();
    assert_eq!(frame.len(), n);
    bytes[at..at + n].copy_from_slice(&frame);
    sim.set_file_bytes(seg, bytes);
    seq
}

fn verify(sim: &SimStorage) -> Result<axon_journal::VerifyReport, JournalError> {
    JournalReader::open_with(Arc::new(sim.clone()), Path::new(DIR))?.verify()
}

fn path(name: &str) -> PathBuf {
    Path::new(DIR).join(name)
}

#[test]
fn a_rewritten_frame_in_a_sealed_segment_breaks_the_chain() {
    let (sim, segs) = journal();
    let seq = rewrite_frame(&sim, &path(&segs[1]), 3);
    // Every frame still passes its CRC...
    let reader = JournalReader::open_with(Arc::new(sim.clone()), Path::new(DIR)).unwrap();
    let mut plain = reader.cursor(0, false).unwrap();
    while plain.next().unwrap().is_some() {}
    // ...but the chain does not.
    match verify(&sim) {
        Err(JournalError::ChainMismatch { seq: at, .. }) => {
            assert!(
                at > seq,
                "reported at seq {at}, before the rewritten seq {seq}"
            )
        }
        other => panic!("expected a chain mismatch, got {other:?}"),
    }
}

#[test]
fn a_rewritten_frame_in_the_last_segment_contradicts_the_closed_head() {
    let (sim, segs) = journal();
    rewrite_frame(&sim, &path(segs.last().unwrap()), 1);
    match verify(&sim) {
        Err(JournalError::ChainMismatch { segment, .. }) => {
            assert!(segment.ends_with("manifest.json"), "{}", segment.display())
        }
        other => panic!("expected a chain mismatch against the manifest, got {other:?}"),
    }
}

#[test]
fn a_rewritten_index_is_reported_with_its_file() {
    let (sim, segs) = journal();
    let idx = path(&segs[1].replace(".seg", ".idx"));
    let mut bytes = sim.file_bytes(&idx).unwrap();
    // The first entry's chain value (after magic, count, reserved, seq, offset).
    bytes[16 + 16] ^= 1;
    let body = bytes.len() - 4;
    let crc = crc32c::crc32c(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
    sim.set_file_bytes(&idx, bytes);
    match verify(&sim) {
        Err(JournalError::ChainMismatch { segment, .. }) => assert_eq!(segment, idx),
        other => panic!(
            "expected a chain mismatch in {}, got {other:?}",
            idx.display()
        ),
    }
}

#[test]
fn the_untouched_journal_verifies() {
    let (sim, _) = journal();
    let report = verify(&sim).unwrap();
    assert_eq!(report.records, 117);
}
