//! TickSynth generation throughput into a reused batch.

use std::hint::black_box;

use axon_data::{SymbolTable, SynthConfig, TickBatch, TickSynth};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TICKS: u64 = 1_000_000;

fn synth_ticks(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth");
    group.throughput(Throughput::Elements(TICKS));
    group.sample_size(10);
    group.bench_function("ticks_1m", |b| {
        let mut batch = TickBatch::default();
        let mut symbols = SymbolTable::default();
        b.iter(|| {
            let mut synth = TickSynth::new(SynthConfig {
                ticks: TICKS,
                ..SynthConfig::default()
            });
            while synth.next_batch(65_536, &mut batch, &mut symbols) {
                black_box(&batch);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, synth_ticks);
criterion_main!(benches);
