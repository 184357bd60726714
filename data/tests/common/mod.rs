//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a subset")]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use axon_data::{
    Bar, BarBatch, DataError, ReaderOptions, SymbolTable, Tick, TickBatch, read_all_bars,
    read_all_ticks, write_bars, write_ticks,
};
use parquet::arrow::ArrowWriter;

/// A valid tick at `ts`.
pub fn tick(ts: i64) -> Tick {
    Tick {
        ts,
        symbol: 0,
        bid: 99.5,
        ask: 100.5,
        bid_size: 10.0,
        ask_size: 20.0,
        last: 100.0,
        volume: 3.0,
    }
}

/// A valid bar at `ts`.
pub fn bar(ts: i64) -> Bar {
    Bar {
        ts,
        symbol: 0,
        open: 10.0,
        high: 12.0,
        low: 9.0,
        close: 11.0,
        volume: 1000.0,
    }
}

/// `n` valid ticks one second apart for symbol "AAA", with `edit` applied to row `i` (0-based).
pub fn ticks_with(n: usize, edit: impl Fn(usize, &mut Tick)) -> (TickBatch, SymbolTable) {
    let mut symbols = SymbolTable::default();
    symbols.intern("AAA");
    let mut b = TickBatch::default();
    for i in 0..n {
        let mut t = tick(1_700_000_000_000_000_000 + i as i64 * 1_000_000_000);
        edit(i, &mut t);
        b.push(t);
    }
    (b, symbols)
}

/// `n` valid bars one minute apart for symbol "AAA", with `edit` applied to row `i`.
pub fn bars_with(n: usize, edit: impl Fn(usize, &mut Bar)) -> (BarBatch, SymbolTable) {
    let mut symbols = SymbolTable::default();
    symbols.intern("AAA");
    let mut b = BarBatch::default();
    for i in 0..n {
        let mut t = bar(1_700_000_000_000_000_000 + i as i64 * 60_000_000_000);
        edit(i, &mut t);
        b.push(t);
    }
    (b, symbols)
}

/// Writes arbitrary named columns to a Parquet file with arrow directly.
pub fn write_columns(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), a.null_count() > 0))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap_or_else(|e| panic!("batch: {e}"));
    let file = File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let mut w = ArrowWriter::try_new(file, schema, None).unwrap_or_else(|e| panic!("writer: {e}"));
    w.write(&batch).unwrap_or_else(|e| panic!("write: {e}"));
    w.close().unwrap_or_else(|e| panic!("close: {e}"));
}

/// The Python interpreter of the project venv; fails the test if missing.
pub fn python() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-python.sh (creates the venv with pyarrow/pandas the compatibility tests use)",
        p.display()
    );
    p
}

pub fn read_ticks_err(path: &Path) -> DataError {
    match read_all_ticks(path, ReaderOptions::default()) {
        Ok(_) => panic!("{} read without error", path.display()),
        Err(e) => e,
    }
}

pub fn read_bars_err(path: &Path) -> DataError {
    match read_all_bars(path, ReaderOptions::default()) {
        Ok(_) => panic!("{} read without error", path.display()),
        Err(e) => e,
    }
}

/// Asserts the error's message and accessors name `file`, `row` and `column`.
pub fn assert_names(e: &DataError, file: &Path, row: u64, column: &str) {
    let msg = e.to_string();
    let prefix = format!(
        "{}: row {row} (index {}), column \"{column}\": ",
        file.display(),
        row - 1
    );
    assert!(
        msg.starts_with(&prefix),
        "message {msg:?} does not start with {prefix:?}"
    );
    assert_eq!(e.file(), Some(file));
    assert_eq!(e.row(), Some(row));
    assert_eq!(e.column(), Some(column));
}

pub fn tick_file(dir: &Path, name: &str, n: usize, edit: impl Fn(usize, &mut Tick)) -> PathBuf {
    let path = dir.join(name);
    let (b, s) = ticks_with(n, edit);
    write_ticks(&path, &b, &s).unwrap_or_else(|e| panic!("{e}"));
    path
}

pub fn bar_file(dir: &Path, name: &str, n: usize, edit: impl Fn(usize, &mut Bar)) -> PathBuf {
    let path = dir.join(name);
    let (b, s) = bars_with(n, edit);
    write_bars(&path, &b, &s).unwrap_or_else(|e| panic!("{e}"));
    path
}
