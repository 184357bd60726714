//! Writer -> reader round trips, synthetic-data determinism, input type
//! variety, directories and provenance.

mod common;

use std::sync::Arc;

use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Float32Array, Float64Array, Int64Array,
    LargeStringArray, StringArray, TimestampMillisecondArray, UInt32Array,
};
use axon_data::{
    Compression, DataError, DataKind, MarketReader, ReaderOptions, SymbolTable, SynthConfig,
    TickBatch, TickSynth, TickWriter, WriterOptions, read_all_bars, read_all_ticks,
    synth_ticks_to_parquet,
};
use common::write_columns;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

type R = Result<(), Box<dyn std::error::Error>>;

fn synth_all(cfg: &SynthConfig) -> (TickBatch, SymbolTable) {
    let mut s = TickSynth::new(cfg.clone());
    let (mut all, mut b, mut symbols) = (
        TickBatch::default(),
        TickBatch::default(),
        SymbolTable::default(),
    );
    while s.next_batch(10_000, &mut b, &mut symbols) {
        all.extend_from(&b);
    }
    (all, symbols)
}

#[test]
fn synth_parquet_reader_gives_identical_batches() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("syn.parquet");
    let cfg = SynthConfig {
        ticks: 150_000,
        seed: 11,
        ..SynthConfig::default()
    };
    assert_eq!(synth_ticks_to_parquet(&cfg, &path)?, 150_000);
    let (expected, expected_symbols) = synth_all(&cfg);

    let opts = ReaderOptions {
        batch_size: 4_096,
        ..ReaderOptions::default()
    };
    let mut reader = MarketReader::open(&path, opts)?;
    assert_eq!(reader.kind(), DataKind::Ticks);
    assert_eq!(reader.total_rows(), 150_000);
    let (mut got, mut batch, mut batches) = (TickBatch::default(), TickBatch::default(), 0);
    while reader.next_ticks(&mut batch)? {
        assert!(batch.len() <= 4_096);
        got.extend_from(&batch);
        batches += 1;
    }
    assert!(batches >= 150_000 / 4_096);
    assert_eq!(got, expected);
    assert_eq!(reader.symbols(), &expected_symbols);
    assert!(
        !reader.next_ticks(&mut batch)? && batch.is_empty(),
        "end is sticky"
    );

    let prov = reader.provenance();
    assert_eq!(prov.len(), 1);
    let bytes = std::fs::read(&path)?;
    assert_eq!(prov[0].bytes, bytes.len() as u64);
    assert_eq!(prov[0].sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(prov[0].rows, 150_000);
    assert_eq!(prov[0].path, path.to_string_lossy());
    Ok(())
}

#[test]
fn same_seed_gives_byte_identical_files_and_other_seeds_differ() -> R {
    let dir = tempfile::tempdir()?;
    let cfg = SynthConfig {
        ticks: 20_000,
        seed: 5,
        ..SynthConfig::default()
    };
    let (a, b, c) = (
        dir.path().join("a.parquet"),
        dir.path().join("b.parquet"),
        dir.path().join("c.parquet"),
    );
    synth_ticks_to_parquet(&cfg, &a)?;
    synth_ticks_to_parquet(&cfg, &b)?;
    synth_ticks_to_parquet(&SynthConfig { seed: 6, ..cfg }, &c)?;
    let (a, b, c) = (std::fs::read(a)?, std::fs::read(b)?, std::fs::read(c)?);
    assert_eq!(a, b);
    assert_ne!(a, c);
    Ok(())
}

#[test]
fn directory_is_read_in_file_name_order_with_shared_symbols() -> R {
    let dir = tempfile::tempdir()?;
    let day = 86_400_000_000_000i64;
    let mut expected = TickBatch::default();
    // Written out of name order; two symbols.
    for (name, day_index, symbol) in [
        ("2024-01-03.parquet", 1, "BBB"),
        ("2024-01-02.parquet", 0, "AAA"),
    ] {
        let cfg = SynthConfig {
            ticks: 1_000,
            seed: day_index as u64,
            symbol: symbol.into(),
            start_ts_ns: SynthConfig::default().start_ts_ns + day_index * day,
            ..SynthConfig::default()
        };
        synth_ticks_to_parquet(&cfg, &dir.path().join(name))?;
    }
    std::fs::write(dir.path().join("README.txt"), "ignored")?;
    for (seed, symbol_id, day_index) in [(0u64, 0u32, 0i64), (1, 1, 1)] {
        let cfg = SynthConfig {
            ticks: 1_000,
            seed,
            start_ts_ns: SynthConfig::default().start_ts_ns + day_index * day,
            ..SynthConfig::default()
        };
        let (mut b, _) = synth_all(&cfg);
        b.symbol.iter_mut().for_each(|s| *s = symbol_id);
        expected.extend_from(&b);
    }
    let mut reader = MarketReader::open(dir.path(), ReaderOptions::default())?;
    let names: Vec<String> = reader.provenance().iter().map(|p| p.path.clone()).collect();
    assert!(
        names[0].ends_with("2024-01-02.parquet") && names[1].ends_with("2024-01-03.parquet"),
        "{names:?}"
    );
    assert_eq!(reader.total_rows(), 2_000);
    let (mut got, mut b) = (TickBatch::default(), TickBatch::default());
    while reader.next_ticks(&mut b)? {
        got.extend_from(&b);
    }
    assert_eq!(got, expected);
    assert_eq!(reader.symbols().names(), ["AAA", "BBB"]);
    Ok(())
}

#[test]
fn foreign_types_any_column_order_and_extra_columns() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("foreign.parquet");
    // Bars with Date32 ts, Int8-keyed dictionary symbols, Float32/Int64/UInt32 values,
    // shuffled order and an extra column.
    let symbols: DictionaryArray<Int8Type> = vec!["B", "A", "B"].into_iter().collect();
    write_columns(
        &path,
        vec![
            (
                "volume",
                Arc::new(UInt32Array::from(vec![10, 0, 30])) as ArrayRef,
            ),
            (
                "close",
                Arc::new(Float32Array::from(vec![1.5f32, 2.5, 3.5])),
            ),
            ("note", Arc::new(StringArray::from(vec!["x", "y", "z"]))),
            ("symbol", Arc::new(symbols)),
            ("high", Arc::new(Int64Array::from(vec![2, 3, 4]))),
            ("low", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
            (
                "ts",
                Arc::new(Date32Array::from(vec![19_724, 19_725, 19_725])),
            ),
            ("open", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
        ],
    );
    let (bars, symbols) = read_all_bars(&path, ReaderOptions::default())?;
    assert_eq!(symbols.names(), ["B", "A"]);
    assert_eq!(bars.symbol, [0, 1, 0]);
    assert_eq!(
        bars.ts,
        [
            1_704_153_600_000_000_000,
            1_704_240_000_000_000_000,
            1_704_240_000_000_000_000
        ]
    );
    assert_eq!(bars.close, [1.5, 2.5, 3.5]);
    assert_eq!(bars.high, [2.0, 3.0, 4.0]);
    assert_eq!(bars.volume, [10.0, 0.0, 30.0]);

    // Ticks with ms timestamps (no timezone) and LargeUtf8 symbols.
    let path = dir.path().join("ms.parquet");
    let f = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v; 2])) };
    write_columns(
        &path,
        vec![
            (
                "symbol",
                Arc::new(LargeStringArray::from(vec!["X", "Y"])) as ArrayRef,
            ),
            (
                "ts",
                Arc::new(TimestampMillisecondArray::from(vec![1_000, 1_001])),
            ),
            ("bid", f(1.0)),
            ("ask", f(1.0)),
            ("bid_size", f(0.0)),
            ("ask_size", f(0.0)),
            ("last", f(1.0)),
            ("volume", f(0.0)),
        ],
    );
    let (ticks, symbols) = read_all_ticks(&path, ReaderOptions::default())?;
    assert_eq!(ticks.ts, [1_000_000_000, 1_001_000_000]);
    assert_eq!(symbols.names(), ["X", "Y"]);
    Ok(())
}

#[test]
fn writer_options_and_row_groups() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("snappy.parquet");
    let opts = WriterOptions {
        compression: Compression::Snappy,
        row_group_rows: 1_000,
        ..WriterOptions::default()
    };
    let mut w = TickWriter::with_options(&path, &opts)?;
    let mut synth = TickSynth::new(SynthConfig {
        ticks: 5_500,
        ..SynthConfig::default()
    });
    let (mut b, mut symbols) = (TickBatch::default(), SymbolTable::default());
    while synth.next_batch(700, &mut b, &mut symbols) {
        w.write(&b, &symbols)?;
    }
    assert!(!path.exists(), "the file appears only when finished");
    assert_eq!(w.finish()?, 5_500);
    let meta = parquet::file::reader::FileReader::metadata(
        &parquet::file::serialized_reader::SerializedFileReader::new(std::fs::File::open(&path)?)?,
    )
    .clone();
    assert_eq!(meta.num_row_groups(), 6);
    let col = meta.row_group(0).column(0);
    assert_eq!(col.compression(), parquet::basic::Compression::SNAPPY);
    let (got, _) = read_all_ticks(
        &path,
        ReaderOptions {
            batch_size: 333,
            ..ReaderOptions::default()
        },
    )?;
    let (expected, _) = synth_all(&SynthConfig {
        ticks: 5_500,
        ..SynthConfig::default()
    });
    assert_eq!(got, expected);
    Ok(())
}

/// A random valid tick batch: non-decreasing timestamps, up to 4 symbols,
/// bid <= ask, non-negative sizes.
fn arb_ticks() -> impl Strategy<Value = (TickBatch, SymbolTable)> {
    let row = (
        0i64..1_000_000,
        0u32..4,
        1e-6f64..1e6,
        0.0f64..1e3,
        0.0f64..1e9,
        0.0f64..1e9,
        0.0f64..1.0,
        0.0f64..1e9,
    );
    prop::collection::vec(row, 0..3_000).prop_map(|rows| {
        let mut symbols = SymbolTable::default();
        for name in ["A", "BB", "CCC", "D"] {
            symbols.intern(name);
        }
        let mut b = TickBatch::default();
        let mut ts = -1_000_000_000i64;
        for (dt, sym, bid, spread, bs, asz, frac, vol) in rows {
            ts += dt;
            let ask = bid + spread;
            b.push(axon_data::Tick {
                ts,
                symbol: sym,
                bid,
                ask,
                bid_size: bs,
                ask_size: asz,
                last: bid + frac * spread,
                volume: vol,
            });
        }
        (b, symbols)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn reader_round_trips_random_valid_batches((batch, symbols) in arb_ticks(), batch_size in 1usize..5_000, split in 0usize..3_000) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let mut w = TickWriter::with_options(&path, &WriterOptions { row_group_rows: 1_024, ..WriterOptions::default() }).unwrap();
        // Write in two pieces to exercise streaming.
        let split = split.min(batch.len());
        let mut first = TickBatch::default();
        let mut second = TickBatch::default();
        for (i, t) in batch.iter().enumerate() {
            if i < split { first.push(t) } else { second.push(t) }
        }
        w.write(&first, &symbols).unwrap();
        w.write(&second, &symbols).unwrap();
        prop_assert_eq!(w.finish().unwrap(), batch.len() as u64);

        let read = read_all_ticks(&path, ReaderOptions { batch_size, ..ReaderOptions::default() });
        if batch.is_empty() {
            // A file of zero rows is refused by name, not read as an empty market.
            let is_no_rows = matches!(&read, Err(DataError::NoRows { path: p, .. }) if p == &path);
            prop_assert!(is_no_rows, "expected NoRows for {}, got {:?}", path.display(), read.map(|(b, _)| b.len()));
            return Ok(());
        }
        let (got, got_symbols) = read.unwrap();
        prop_assert_eq!(got.len(), batch.len());
        // Values and timestamps exactly; symbols by name (ids follow first appearance).
        prop_assert_eq!(&got.ts, &batch.ts);
        prop_assert_eq!(&got.bid, &batch.bid);
        prop_assert_eq!(&got.ask, &batch.ask);
        prop_assert_eq!(&got.bid_size, &batch.bid_size);
        prop_assert_eq!(&got.ask_size, &batch.ask_size);
        prop_assert_eq!(&got.last, &batch.last);
        prop_assert_eq!(&got.volume, &batch.volume);
        for (g, e) in got.symbol.iter().zip(&batch.symbol) {
            prop_assert_eq!(got_symbols.name(*g), symbols.name(*e));
        }
    }
}
