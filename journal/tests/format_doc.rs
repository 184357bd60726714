//! `FORMAT.md` checked against the code: its worked examples must be what the
//! encoder writes, and a reader written from the document alone (plain byte
//! offsets, `crc32c`, `sha2`; no journal code) must parse the golden journal
//! and recompute its head hash. If this fails, the document or the format
//! changed: fix whichever is wrong.

use std::fs;
use std::path::{Path, PathBuf};

use axon_journal::format::{SegmentHeader, begin_frame, finish_frame};
use axon_journal::{ChainHasher, genesis};
use sha2::{Digest, Sha256};

fn doc() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("FORMAT.md")).unwrap()
}

/// The fenced block after `<!-- example:NAME -->`.
fn example(doc: &str, name: &str) -> String {
    let marker = format!("<!-- example:{name} -->");
    let after = &doc[doc.find(&marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len()..];
    let body = &after[after.find("```text\n").unwrap() + 8..];
    body[..body.find("```").unwrap()].to_string()
}

/// Bytes of a hexdump block (`0000: 41 58 ...`).
fn hexdump(block: &str) -> Vec<u8> {
    block
        .lines()
        .flat_map(|l| l.split_once(": ").unwrap().1.split_whitespace())
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[test]
fn worked_examples_match_the_encoder() {
    let doc = doc();
    let header = SegmentHeader {
        block_records: 1024,
        first_seq: 0,
        chain_in: genesis(),
    };
    assert_eq!(hexdump(&example(&doc, "segment-header")), header.encode());

    let mut frame = Vec::new();
    let start = begin_frame(&mut frame, 0, 1_700_000_000_000_000_000, 2, 1);
    frame.extend_from_slice(b"tick");
    finish_frame(&mut frame, start).unwrap();
    assert_eq!(hexdump(&example(&doc, "frame")), frame);

    let mut chain = ChainHasher::new(1024, genesis());
    chain.push_frame(&frame);
    assert_eq!(example(&doc, "head").trim(), hex::encode(chain.head()));

    let genesis_hex = hex::encode(Sha256::digest(b"axon-journal-chain-v1"));
    assert_eq!(genesis_hex, hex::encode(genesis()));
    assert!(doc.contains(&genesis_hex), "FORMAT.md must state genesis");
    assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    assert!(doc.contains("`0xE3069283`"));
}

/// A reader of the golden journal written from FORMAT.md alone.
#[test]
fn golden_journal_parses_by_the_document() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let block = manifest["block_records"].as_u64().unwrap();
    let mut segs: Vec<(u64, PathBuf)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .map(|p| (p.file_stem().unwrap().to_str().unwrap().parse().unwrap(), p))
        .collect();
    segs.sort();

    // Section 5: h(b+1) = SHA-256(h(b) || frames of block b).
    let mut chain: [u8; 32] = Sha256::digest(b"axon-journal-chain-v1").into();
    let mut block_hasher = Sha256::new_with_prefix(chain);
    let mut in_block = 0u64;
    let mut seq = 0u64;
    for (i, (first_seq, path)) in segs.iter().enumerate() {
        let b = fs::read(path).unwrap();
        // Section 3.1.
        assert_eq!(&b[0..8], b"AXONSEG1");
        assert_eq!(u16::from_le_bytes([b[8], b[9]]), 1);
        assert_eq!(u16::from_le_bytes([b[10], b[11]]), 64);
        assert_eq!(u64::from(u32_at(&b, 12)), block);
        assert_eq!(u64_at(&b, 16), *first_seq);
        assert_eq!(u64_at(&b, 16), seq, "segments are consecutive");
        assert_eq!(&b[24..56], &chain, "chain_in = h(first_seq / B)");
        assert_eq!(&b[56..60], &[0; 4]);
        assert_eq!(u32_at(&b, 60), crc32c::crc32c(&b[0..60]));
        assert_eq!(first_seq % block, 0, "segments start at block boundaries");

        // Section 3.2.
        let mut off = 64;
        let mut block_starts = Vec::new();
        while off < b.len() {
            let len = u32_at(&b, off) as usize;
            let end = off + 28 + len;
            assert_eq!(u32_at(&b, off + 4), crc32c::crc32c(&b[off + 8..end]));
            assert_eq!(u64_at(&b, off + 8), seq);
            if in_block == 0 {
                block_starts.push((seq, off as u64, chain));
            }
            block_hasher.update(&b[off..end]);
            in_block += 1;
            if in_block == block {
                chain = std::mem::take(&mut block_hasher).finalize().into();
                block_hasher = Sha256::new_with_prefix(chain);
                in_block = 0;
            }
            seq += 1;
            off = end;
        }
        assert_eq!(off, b.len(), "no bytes after the last frame");

        // Section 6: every sealed segment has an index; the last has none.
        let idx_path = path.with_extension("idx");
        if i + 1 == segs.len() {
            assert!(!idx_path.exists());
            continue;
        }
        let x = fs::read(&idx_path).unwrap();
        assert_eq!(&x[0..8], b"AXONIDX1");
        let count = u32_at(&x, 8) as usize;
        assert_eq!(u32_at(&x, 12), 0);
        assert_eq!(x.len(), 68 + 48 * count);
        assert_eq!(count, block_starts.len());
        for (k, (s, o, c)) in block_starts.iter().enumerate() {
            let e = 16 + 48 * k;
            assert_eq!((u64_at(&x, e), u64_at(&x, e + 8)), (*s, *o));
            assert_eq!(&x[e + 16..e + 48], c);
        }
        let t = 16 + 48 * count;
        assert_eq!(u64_at(&x, t), seq, "end_seq");
        assert_eq!(u64_at(&x, t + 8), b.len() as u64, "end_len");
        assert_eq!(&x[t + 16..t + 48], &chain, "chain_out");
        assert_eq!(u32_at(&x, t + 48), crc32c::crc32c(&x[..t + 48]));
    }
    let head: [u8; 32] = if in_block == 0 {
        chain
    } else {
        block_hasher.finalize().into()
    };
    assert_eq!(manifest["closed"]["next_seq"].as_u64(), Some(seq));
    assert_eq!(
        manifest["closed"]["head_hash"].as_str(),
        Some(hex::encode(head).as_str())
    );
}
