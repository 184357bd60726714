//! The fuzz targets' properties (`tests/support/fuzz_props.rs`, shared with
//! `fuzz/`) on seeded random inputs, so every CI run checks them: the frame
//! and header decoders never panic on ~100k random and mutated buffers and
//! re-encode what they accept; recovery never panics on damaged last
//! segments, and a journal it accepts verifies.

#[path = "support/fuzz_props.rs"]
mod fuzz_props;

use axon_journal::format::{SegmentHeader, begin_frame, finish_frame};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A buffer of valid frames with random fields and payload lengths.
fn valid_frames(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut buf = Vec::new();
    let first: u64 = rng.random_range(0..1000);
    for i in 0..rng.random_range(0..6u64) {
        let start = begin_frame(
            &mut buf,
            first + i,
            rng.random(),
            rng.random(),
            rng.random(),
        );
        let len = rng.random_range(0..80);
        buf.extend((0..len).map(|_| rng.random::<u8>()));
        finish_frame(&mut buf, start).unwrap();
    }
    buf
}

fn mutate(rng: &mut ChaCha8Rng, buf: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..4) {
        if buf.is_empty() {
            buf.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..buf.len());
        match rng.random_range(0..6) {
            0 => buf[at] ^= 1 << rng.random_range(0..8),
            1 => buf[at] = rng.random(),
            2 => buf.truncate(at),
            3 => {
                let junk: Vec<u8> = (0..rng.random_range(1..40)).map(|_| rng.random()).collect();
                buf.splice(at..at, junk);
            }
            4 => {
                // A plausible or absurd length field at a random spot.
                let len: u32 = match rng.random_range(0..3) {
                    0 => rng.random_range(0..64),
                    1 => 16 * 1024 * 1024 + rng.random_range(0..2),
                    _ => rng.random(),
                };
                let end = (at + 4).min(buf.len());
                buf[at..end].copy_from_slice(&len.to_le_bytes()[..end - at]);
            }
            _ => buf.resize(at + rng.random_range(0..64), 0),
        }
    }
}

#[test]
fn decoder_survives_100k_random_and_mutated_buffers() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xdec0_de00_0001);
    let header = SegmentHeader {
        block_records: 8,
        first_seq: 0,
        chain_in: [3; 32],
    }
    .encode();
    for i in 0..100_000u32 {
        let mut buf = match i % 4 {
            0 => {
                let mut b = vec![0; rng.random_range(0..200)];
                rng.fill_bytes(&mut b);
                b
            }
            1 => [&header[..], &valid_frames(&mut rng)].concat(),
            _ => valid_frames(&mut rng),
        };
        if i % 4 != 0 && i % 8 != 1 {
            mutate(&mut rng, &mut buf);
        }
        fuzz_props::check_decode(&buf);
    }
}

#[test]
fn recovery_survives_random_last_segments() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x0be0_0001);
    let mut accepted = 0;
    for i in 0..300u32 {
        // Mostly structured input (valid CRCs), some raw bytes.
        let mode = match i % 6 {
            0 => 0u8,
            1 => 1,
            _ => 2,
        };
        let mut data = vec![mode];
        let len = rng.random_range(0..400);
        data.extend((0..len).map(|_| {
            // Bias control bytes towards "the right seq, no damage".
            if rng.random_range(0..3) == 0 {
                rng.random::<u8>()
            } else {
                rng.random_range(0..0x0e)
            }
        }));
        accepted += u32::from(fuzz_props::check_open(&data));
    }
    // Both outcomes must be exercised, or the inputs have gone stale.
    assert!(
        (30..=270).contains(&accepted),
        "recovery accepted {accepted} of 300"
    );
}
