//! `axon-data`: market data for AXON backtests, as Arrow/Parquet.
//!
//! # Contract
//!
//! - **Schemas.** Ticks (`ts`, `symbol`, `bid`, `ask`, `bid_size`,
//!   `ask_size`, `last`, `volume`) and bars (`ts`, `symbol`, `open`, `high`,
//!   `low`, `close`, `volume`); types and semantics in `data/README.md` and
//!   [`schema`]. The reader takes what pyarrow and pandas write: any
//!   timestamp unit, with or without a timezone, dates, plain or
//!   dictionary-encoded strings, floats or integers; column order does not
//!   matter and extra columns are ignored (and not even decoded).
//! - **Streaming.** [`MarketReader`] hands out batches of at most
//!   `batch_size` rows into caller-owned [`TickBatch`]/[`BarBatch`] buffers
//!   whose allocations are reused: no allocation per row, and memory does not
//!   grow with the size of the data.
//! - **Validation.** Every row handed out has a non-null timestamp no
//!   earlier than the previous row's (across files too; equal is allowed),
//!   finite positive prices (`bid`, `ask`, `last`, `open`, `high`, `low`,
//!   `close`), finite non-negative sizes and volumes, `bid <= ask`, and
//!   `low <= open, close <= high`. The first violation stops the reader with a
//!   [`DataError`] naming the file, the 1-based data row within that file and
//!   the column, e.g.
//!   `ticks.parquet: row 17, column "bid": price must be finite and > 0, found NaN`.
//!   Nothing here panics on bad input.
//! - **Provenance.** [`MarketReader::provenance`] gives each input file's
//!   size, SHA-256 and row count, computed when it is opened, for the
//!   journal's session-start record.
//! - **Symbols** are interned to dense [`SymbolId`]s in order of first
//!   appearance, so the same files always give the same ids.
//! - **Determinism of synthetic data.** [`TickSynth`] draws from
//!   `ChaCha8Rng` seeded with [`SynthConfig::seed`] (never OS randomness)
//!   and uses only IEEE basic operations, so a seed yields the same ticks,
//!   bit for bit, on every platform; [`synth_ticks_to_parquet`] then yields a
//!   byte-identical file with the same build of this crate (file bytes also
//!   depend on the Parquet library's version, which it records).
//! - **Writers** ([`TickWriter`], [`BarWriter`]) write Parquet with zstd (or
//!   snappy), a dictionary-encoded `symbol`, row groups of 1,048,576 rows,
//!   readable by pyarrow and pandas; a file appears under its name only once
//!   complete.
//!
//! # Example
//!
//! ```
//! use axon_data::{MarketReader, ReaderOptions, SynthConfig, TickBatch, synth_ticks_to_parquet};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("ticks.parquet");
//! let cfg = SynthConfig { ticks: 10_000, seed: 7, ..SynthConfig::default() };
//! assert_eq!(synth_ticks_to_parquet(&cfg, &path)?, 10_000);
//!
//! let mut reader = MarketReader::open(&path, ReaderOptions::default())?;
//! let mut batch = TickBatch::default();
//! let mut rows = 0;
//! while reader.next_ticks(&mut batch)? {
//!     rows += batch.len();
//! }
//! assert_eq!(rows as u64, reader.total_rows());
//! assert_eq!(reader.symbols().names(), ["SYN"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod catalog;
mod columns;
mod counted;
mod csv_import;
mod detmath;
mod error;
mod import;
mod merge;
mod object;
mod reader;
pub mod schema;
mod symbols;
mod synth;
mod time;
mod validate;
mod writer;

pub use batch::{Bar, BarBatch, DataKind, Tick, TickBatch};
pub use catalog::{AddReport, Catalog, CatalogQuery, Partition, Series};
pub use csv_import::import_csv;
pub use error::{DataError, Problem};
pub use import::{
    BinanceKind, BinanceName, BinanceOptions, CsvMapping, ImportReport, MappedKind, TardisKind,
    TsUnit, import_binance, import_mapped_csv, import_tardis,
};
pub use object::is_url as is_object_url;
pub use reader::{FileProvenance, MarketReader, ReaderOptions, read_all_bars, read_all_ticks};
pub use symbols::{SymbolId, SymbolTable};
pub use synth::{SynthConfig, TickSynth, synth_ticks_to_parquet};
pub use time::format_ns;
pub use time::parse_datetime_ns as parse_time;
pub use writer::{BarWriter, Compression, TickWriter, WriterOptions, write_bars, write_ticks};
