//! MarketReader tick throughput over a synthesized 2M-row file.

use std::hint::black_box;

use axon_data::{MarketReader, ReaderOptions, SynthConfig, TickBatch, synth_ticks_to_parquet};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: u64 = 2_000_000;

fn read_ticks(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench_ticks.parquet");
    let cfg = SynthConfig {
        ticks: ROWS,
        seed: 1,
        ..SynthConfig::default()
    };
    synth_ticks_to_parquet(&cfg, &path).expect("synthesize bench file");

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10);
    group.bench_function("ticks_2m_rows", |b| {
        let mut batch = TickBatch::default();
        b.iter(|| {
            let mut reader = MarketReader::open(&path, ReaderOptions::default()).expect("open");
            let mut rows = 0usize;
            while reader.next_ticks(&mut batch).expect("read") {
                rows += batch.len();
                black_box(&batch);
            }
            assert_eq!(rows as u64, ROWS);
        });
    });
    group.finish();
}

criterion_group!(benches, read_ticks);
criterion_main!(benches);
