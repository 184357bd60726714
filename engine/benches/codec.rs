//! Why the journal payloads are bincode 2 with its native derive: encode and
//! decode of the hottest record (a tick) through the engine's codec
//! (`engine`, bincode derive), bincode's serde path on the same fields, and
//! rkyv 0.8 (serialize; validated access, since journal bytes are untrusted
//! input; full deserialize).
//!
//! `cargo bench -p axon-engine --bench codec`

use std::hint::black_box;

use axon_engine::Input;
use axon_engine::market::Tick;
use criterion::{Criterion, criterion_group, criterion_main};

#[derive(
    Clone,
    Copy,
    serde::Serialize,
    serde::Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
struct TickMirror {
    instrument: u32,
    bid: f64,
    ask: f64,
    bid_size: f64,
    ask_size: f64,
    last: f64,
    volume: f64,
}

const TICK: Tick = Tick {
    instrument: 3,
    bid: 101.25,
    ask: 101.27,
    bid_size: 400.0,
    ask_size: 1200.0,
    last: 101.26,
    volume: 300.0,
};

fn mirror() -> TickMirror {
    TickMirror {
        instrument: TICK.instrument,
        bid: TICK.bid,
        ask: TICK.ask,
        bid_size: TICK.bid_size,
        ask_size: TICK.ask_size,
        last: TICK.last,
        volume: TICK.volume,
    }
}

fn codec(c: &mut Criterion) {
    let cfg = bincode::config::standard();
    let mut g = c.benchmark_group("tick_encode");
    let mut buf = Vec::with_capacity(256);
    g.bench_function("engine", |b| {
        b.iter(|| {
            buf.clear();
            Input::Tick(black_box(TICK)).encode(&mut buf);
            buf.len()
        })
    });
    g.bench_function("bincode_serde", |b| {
        b.iter(|| {
            buf.clear();
            bincode::serde::encode_into_std_write(black_box(mirror()), &mut buf, cfg).unwrap_or(0)
        })
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| {
            rkyv::to_bytes::<rkyv::rancor::Error>(&black_box(mirror()))
                .map(|v| v.len())
                .unwrap_or(0)
        })
    });
    g.finish();

    let mut engine_bytes = Vec::new();
    Input::Tick(TICK).encode(&mut engine_bytes);
    let serde_mirror_bytes = bincode::serde::encode_to_vec(mirror(), cfg).unwrap_or_default();
    let rkyv_bytes = rkyv::to_bytes::<rkyv::rancor::Error>(&mirror())
        .map(|v| v.to_vec())
        .unwrap_or_default();
    let mut g = c.benchmark_group("tick_decode");
    g.bench_function("engine", |b| {
        b.iter(|| Input::decode(2, 1, black_box(&engine_bytes)).is_ok())
    });
    g.bench_function("bincode_serde", |b| {
        b.iter(|| {
            bincode::serde::decode_from_slice::<TickMirror, _>(black_box(&serde_mirror_bytes), cfg)
                .map(|(t, _)| t.bid)
                .unwrap_or(0.0)
        })
    });
    g.bench_function("rkyv_validated_access", |b| {
        b.iter(|| {
            rkyv::access::<ArchivedTickMirror, rkyv::rancor::Error>(black_box(&rkyv_bytes))
                .map(|t| t.bid.to_native())
                .unwrap_or(0.0)
        })
    });
    g.bench_function("rkyv_deserialize", |b| {
        b.iter(|| {
            rkyv::from_bytes::<TickMirror, rkyv::rancor::Error>(black_box(&rkyv_bytes))
                .map(|t| t.bid)
                .unwrap_or(0.0)
        })
    });
    g.finish();
    println!(
        "encoded tick sizes: bincode {} bytes, rkyv {} bytes",
        engine_bytes.len(),
        rkyv_bytes.len()
    );
}

criterion_group!(benches, codec);
criterion_main!(benches);
