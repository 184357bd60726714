//! Properties of the decoder and of recovery on arbitrary bytes, shared by the
//! cargo-fuzz targets in `fuzz/` (included there with `#[path]`) and by the
//! seeded test `tests/decode_fuzz.rs`, so CI checks the same thing the fuzzer
//! does.
//!
//! Depends only on `axon_journal` and `tempfile`.

use std::path::Path;
use std::sync::OnceLock;

use axon_journal::format::{
    FRAME_HEADER_LEN, SEGMENT_HEADER_LEN, SegmentHeader, begin_frame, decode_frame, finish_frame,
};
use axon_journal::{Durability, Journal, JournalOptions, JournalReader};

/// Decodes frames at every position `decode_frame` leads to (the next frame
/// after a good one, the next byte after a bad one) and the segment header.
/// Must never panic, and whatever decodes must re-encode to the same bytes.
pub fn check_decode(data: &[u8]) {
    let mut off = 0;
    while off < data.len() {
        match decode_frame(&data[off..]) {
            Ok((rec, n)) => {
                assert!(n >= FRAME_HEADER_LEN && n <= data.len() - off);
                assert_eq!(rec.payload.len(), n - FRAME_HEADER_LEN);
                let mut buf = Vec::new();
                let start = begin_frame(&mut buf, rec.seq, rec.time_ns, rec.kind, rec.version);
                buf.extend_from_slice(rec.payload);
                assert_eq!(finish_frame(&mut buf, start), Ok(rec.payload.len()));
                assert_eq!(&buf[..], &data[off..off + n], "re-encoding differs");
                off += n;
            }
            Err(_) => off += 1,
        }
    }
    if let Ok(h) = SegmentHeader::decode(data) {
        assert_eq!(&h.encode()[..], &data[..SEGMENT_HEADER_LEN]);
    }
}

/// Block size of the fixture journal.
const BLOCK: u32 = 4;
/// Records in the fixture's sealed first segment; the fuzzed segment starts here.
const SEALED: u64 = 8;

fn fixture_opts() -> JournalOptions {
    JournalOptions {
        durability: Durability::None,
        segment_bytes: 64,
        block_records: BLOCK,
        ..JournalOptions::default()
    }
}

/// A journal whose first segment is sealed (with its index) and whose last
/// segment is empty: (file name, bytes) of each file, and the last segment's
/// valid header.
struct Fixture {
    files: Vec<(String, Vec<u8>)>,
    last_name: String,
    last_header: SegmentHeader,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        // segment_bytes 64 rolls at the first block boundary; write two blocks
        // so the last segment (from SEALED) exists and is empty.
        let mut j = Journal::create(tmp.path(), fixture_opts()).expect("create");
        for seq in 0..SEALED {
            j.append(seq as i64, 1, 1, &[seq as u8; 5]).expect("append");
        }
        drop(j);
        let last_name = format!("{SEALED:020}.seg");
        let mut files = Vec::new();
        let mut last_header = None;
        for entry in std::fs::read_dir(tmp.path()).expect("read_dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(entry.path()).expect("read");
            if name == last_name {
                last_header = Some(SegmentHeader::decode(&bytes).expect("header"));
            } else if entry.path().is_file() && !name.starts_with(&format!("{SEALED:020}")) {
                files.push((name, bytes));
            }
        }
        Fixture {
            files,
            last_name,
            last_header: last_header.expect("the fixture rolled"),
        }
    })
}

/// Builds the last segment's bytes from fuzz input. The first byte picks how:
/// - `0`: a valid header, then the rest as raw bytes;
/// - `1`: the rest as the whole file, header included;
/// - otherwise: a valid header, then frames made from the rest, so that CRCs
///   are right and the fuzzer explores sequence numbers, lengths, torn and
///   damaged tails: each frame takes a control byte (seq offset, damage) and
///   a length byte, then that many payload bytes.
fn last_segment(data: &[u8]) -> Vec<u8> {
    let header = fixture().last_header.encode();
    let Some((&mode, rest)) = data.split_first() else {
        return header.to_vec();
    };
    match mode {
        0 => [&header[..], rest].concat(),
        1 => rest.to_vec(),
        _ => {
            let mut buf = header.to_vec();
            let mut seq = SEALED;
            let mut input = rest;
            while let [ctrl, len, tail @ ..] = input {
                let len = usize::from(*len).min(tail.len());
                let (payload, tail) = tail.split_at(len);
                input = tail;
                // Mostly the right seq; sometimes a gap, a repeat, a jump.
                let this = match ctrl & 0x0f {
                    0x0f => seq.wrapping_add(u64::from(ctrl >> 4)),
                    0x0e => seq.wrapping_sub(1),
                    _ => seq,
                };
                let start = begin_frame(&mut buf, this, i64::from(*ctrl), 1, 1);
                buf.extend_from_slice(payload);
                let _ = finish_frame(&mut buf, start);
                if ctrl & 0xf0 == 0xa0 && buf.len() > start {
                    // Damage one byte of this frame.
                    let at = start + (usize::from(*ctrl) * 7) % (buf.len() - start);
                    buf[at] ^= 0x5a;
                }
                seq = this.wrapping_add(1);
            }
            // A trailing odd byte cuts that many bytes off the end (a tear).
            if let [cut] = input {
                let keep = buf.len().saturating_sub(usize::from(*cut));
                buf.truncate(keep.max(SEGMENT_HEADER_LEN));
            }
            buf
        }
    }
}

fn scratch_dir() -> tempfile::TempDir {
    // tmpfs when there is one: recovery fsyncs, and the fuzzer runs it a lot.
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("tempdir")
}

/// Writes a journal whose last segment is made from `data` and opens it with
/// the reader and the writer. Neither may panic. Whenever the writer's
/// recovery accepts the journal, it must then verify, hold exactly the
/// records recovery reported, and take a further append. Returns whether
/// recovery accepted the journal.
pub fn check_open(data: &[u8]) -> bool {
    let fx = fixture();
    let tmp = scratch_dir();
    let dir = tmp.path();
    for (name, bytes) in &fx.files {
        std::fs::write(dir.join(name), bytes).expect("write fixture");
    }
    std::fs::write(dir.join(&fx.last_name), last_segment(data)).expect("write segment");

    if let Ok(reader) = JournalReader::open(dir) {
        let _ = reader.verify();
        if let Ok(mut c) = reader.cursor(SEALED, true) {
            while let Ok(Some(_)) = c.next() {}
        }
    }
    let Ok((mut j, report)) = Journal::open(dir, fixture_opts()) else {
        return false;
    };
    assert!(report.next_seq >= SEALED, "{report:?}");
    let head = j.head_hash();
    let v = JournalReader::open(dir)
        .and_then(|r| r.verify())
        .unwrap_or_else(|e| panic!("recovered journal does not verify: {e} ({report:?})"));
    assert_eq!(v.records, report.next_seq);
    assert_eq!(v.head_hash, head);
    assert_eq!(v.torn_tail_at, None);
    let seq = j.append(0, 9, 1, b"after recovery").expect("append");
    assert_eq!(seq, report.next_seq);
    j.close().expect("close");
    let v = JournalReader::open(dir)
        .and_then(|r| r.verify())
        .expect("verifies after an append");
    assert_eq!(v.records, report.next_seq + 1);
    true
}
