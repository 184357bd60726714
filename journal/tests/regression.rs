//! Regression tests, each named after the bug it pins.

use std::path::Path;
use std::sync::Arc;

use axon_journal::storage::{SimStorage, Storage};
use axon_journal::{Durability, Journal, JournalError, JournalOptions, JournalReader};

const DIR: &str = "/j";

fn opts() -> JournalOptions {
    JournalOptions {
        durability: Durability::None,
        segment_bytes: 1 << 20,
        block_records: 4,
        buffer_bytes: 4096,
        ..JournalOptions::default()
    }
}

/// A bit flip in the length field of a frame in the middle of the last
/// segment made the frame claim to run past the end of the file. Recovery
/// took that for a torn tail and cut every acknowledged record after it.
#[test]
fn length_flip_in_last_segment_is_corruption_not_a_torn_tail() {
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let mut j = Journal::create_with(storage.clone(), Path::new(DIR), opts()).unwrap();
    for i in 0..20u64 {
        j.append(i as i64, 1, 1, &[i as u8; 16]).unwrap();
    }
    j.close().unwrap();
    let seg = Path::new(DIR).join("00000000000000000000.seg");
    let mut bytes = sim.file_bytes(&seg).unwrap();
    // Frame 5 starts at 64 + 5 * (28 + 16); set bit 20 of its length.
    let off = 64 + 5 * 44;
    bytes[off + 2] ^= 0x10;
    sim.set_file_bytes(&seg, bytes.clone());
    let err = Journal::open_with(storage.clone(), Path::new(DIR), opts()).unwrap_err();
    assert!(
        matches!(err, JournalError::Corrupt { offset, .. } if offset == off as u64),
        "{err}"
    );
    assert_eq!(
        sim.file_bytes(&seg).unwrap(),
        bytes,
        "corruption must not be truncated"
    );
    let reader = JournalReader::open_with(storage, Path::new(DIR)).unwrap();
    assert!(matches!(reader.verify(), Err(JournalError::Corrupt { .. })));
}

/// Opening a cleanly closed journal whose last segment had lost its tail (cut
/// at a frame boundary, or mid-frame) recovered the shorter journal and then
/// cleared the manifest's record of where the journal ended, erasing the
/// evidence. A clean close leaves nothing in flight, so both are damage.
#[test]
fn lost_tail_of_a_closed_journal_is_an_error_not_a_recovery() {
    for cut in [44usize, 3] {
        let sim = SimStorage::new();
        let storage: Arc<dyn Storage> = Arc::new(sim.clone());
        let mut j = Journal::create_with(storage.clone(), Path::new(DIR), opts()).unwrap();
        for i in 0..20u64 {
            j.append(i as i64, 1, 1, &[i as u8; 16]).unwrap();
        }
        j.close().unwrap();
        let seg = Path::new(DIR).join("00000000000000000000.seg");
        let mpath = Path::new(DIR).join("manifest.json");
        let bytes = sim.file_bytes(&seg).unwrap();
        let manifest = sim.file_bytes(&mpath).unwrap();
        sim.set_file_bytes(&seg, bytes[..bytes.len() - cut].to_vec());
        let err = Journal::open_with(storage.clone(), Path::new(DIR), opts()).unwrap_err();
        assert!(
            matches!(
                err,
                JournalError::ChainMismatch { .. } | JournalError::Corrupt { .. }
            ),
            "cut {cut}: {err}"
        );
        assert_eq!(sim.file_bytes(&seg).unwrap().len(), bytes.len() - cut);
        assert_eq!(sim.file_bytes(&mpath).unwrap(), manifest, "manifest kept");
    }
}

/// Recovery scanned the last segment from the chain value in its own header
/// without checking that it continues the previous segment's chain, so a
/// writer could append to a journal that would never verify again.
#[test]
fn last_segment_header_must_continue_the_previous_chain() {
    use axon_journal::format::{SEGMENT_HEADER_LEN, SegmentHeader};
    let sim = SimStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    let small = JournalOptions {
        segment_bytes: 512,
        ..opts()
    };
    let mut j = Journal::create_with(storage.clone(), Path::new(DIR), small.clone()).unwrap();
    for i in 0..30u64 {
        j.append(i as i64, 1, 1, &[i as u8; 16]).unwrap();
    }
    drop(j);
    let mut segs: Vec<_> = sim
        .list(Path::new(DIR))
        .unwrap()
        .into_iter()
        .filter(|n| n.ends_with(".seg"))
        .collect();
    segs.sort();
    assert!(segs.len() >= 2, "{segs:?}");
    let last = Path::new(DIR).join(segs.last().unwrap());
    let mut bytes = sim.file_bytes(&last).unwrap();
    let mut header = SegmentHeader::decode(&bytes).unwrap();
    header.chain_in[0] ^= 1;
    bytes[..SEGMENT_HEADER_LEN].copy_from_slice(&header.encode());
    sim.set_file_bytes(&last, bytes);
    let err = Journal::open_with(storage.clone(), Path::new(DIR), small).unwrap_err();
    assert!(matches!(err, JournalError::ChainMismatch { .. }), "{err}");
    let reader = JournalReader::open_with(storage, Path::new(DIR)).unwrap();
    assert!(matches!(
        reader.verify(),
        Err(JournalError::ChainMismatch { .. })
    ));
}

/// Two writers on one journal interleaved their frames; the second open now
/// fails while the first writer lives, and succeeds once it is gone.
#[test]
fn a_second_writer_is_refused_while_the_first_lives() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Journal::create(dir.path(), opts()).unwrap();
    first.append(0, 1, 1, b"one").unwrap();
    match Journal::open(dir.path(), opts()) {
        Err(JournalError::Locked { path }) => assert_eq!(path, dir.path()),
        other => panic!("expected Locked, got {other:?}"),
    }
    // Readers are not writers.
    assert!(JournalReader::open(dir.path()).is_ok());
    first.close().unwrap();
    let (mut second, report) = Journal::open(dir.path(), opts()).unwrap();
    assert_eq!(report.next_seq, 1);
    second.append(1, 1, 1, b"two").unwrap();
    second.close().unwrap();
}
