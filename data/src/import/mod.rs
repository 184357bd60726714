//! Importers of the files venues and data vendors publish, into this
//! crate's ticks or bars Parquet: Binance's public data archives
//! ([`import_binance`]), Tardis.dev's CSV datasets ([`import_tardis`]) and
//! any CSV through a column mapping ([`import_mapped_csv`]).
//!
//! Every importer streams: one CSV record at a time from a plain, gzipped
//! or zipped file, 65,536 rows a batch into a [`TickWriter`] or
//! [`BarWriter`], so memory stays flat whatever the input's size. Every row
//! is checked with the rules of the reader (`MarketReader`) before it is
//! written, and an error names the file (an archive's member as
//! `archive.zip/member.csv`), the 1-based line and the source's column. On
//! error no output file is left behind.

mod binance;
mod generic;
mod tardis;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub use binance::{BinanceKind, BinanceName, BinanceOptions, import_binance};
pub use generic::{CsvMapping, MappedKind, TsUnit, import_mapped_csv};
pub use tardis::{TardisKind, import_tardis};

use crate::validate::{check_bar, check_tick};
use crate::{
    Bar, BarBatch, BarWriter, DataError, DataKind, Problem, SymbolId, SymbolTable, Tick, TickBatch,
    TickWriter,
};

/// Rows buffered before a batch is written.
const BATCH: usize = 65_536;
/// The CSV reader's buffer.
const READ_BUFFER: usize = 1 << 20;

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// Ticks or bars.
    pub kind: DataKind,
    /// Rows written.
    pub rows: u64,
    /// Input rows with no row to write: a quote or book with an empty side.
    pub skipped: u64,
    /// Input files read.
    pub files: usize,
    /// The symbols written, in order of first appearance.
    pub symbols: Vec<String>,
    /// First and last timestamps written, ns since the epoch (`None` when
    /// no row was written).
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

/// Calls `f` with the CSV text of `path` and the name errors give it: a
/// plain file, a gzip file (`.gz`), or a zip archive (`.zip`) holding
/// exactly one `.csv` member, read without unpacking it to disk.
pub(crate) fn with_text<T>(
    path: &Path,
    f: impl FnOnce(&mut dyn Read, &Path) -> Result<T, DataError>,
) -> Result<T, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("zip") => {
            let bad = |reason: String| DataError::Import {
                file: path.to_path_buf(),
                reason,
            };
            let mut archive = zip::ZipArchive::new(BufReader::new(file))
                .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
            let members: Vec<String> = archive
                .file_names()
                .filter(|n| n.to_ascii_lowercase().ends_with(".csv"))
                .map(str::to_owned)
                .collect();
            let [member] = members.as_slice() else {
                return Err(bad(format!(
                    "expected a zip archive holding one .csv file, found {} ({})",
                    members.len(),
                    archive.file_names().collect::<Vec<_>>().join(", ")
                )));
            };
            let name = path.join(member);
            let mut entry = archive
                .by_name(member)
                .map_err(|e| bad(format!("{member}: {e}")))?;
            f(&mut entry, &name)
        }
        Some("gz") => f(
            &mut flate2::read::MultiGzDecoder::new(BufReader::new(file)),
            path,
        ),
        _ => f(&mut BufReader::new(file), path),
    }
}

/// A CSV reader over `text`: no header handling (importers look at the
/// first record themselves), rows of any length.
pub(crate) fn csv_reader(text: &mut dyn Read) -> csv::Reader<&mut dyn Read> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(text)
}

/// The output: validated rows, batched into a Parquet writer.
pub(crate) struct Sink {
    out: Out,
    symbols: SymbolTable,
    prev_ts: Option<i64>,
    first_ts: Option<i64>,
    skipped: u64,
}

enum Out {
    Ticks(TickWriter, TickBatch),
    Bars(BarWriter, BarBatch),
}

impl Sink {
    pub(crate) fn new(kind: DataKind, path: &Path) -> Result<Self, DataError> {
        let out = match kind {
            DataKind::Ticks => Out::Ticks(TickWriter::new(path)?, TickBatch::with_capacity(BATCH)),
            DataKind::Bars => Out::Bars(BarWriter::new(path)?, BarBatch::with_capacity(BATCH)),
        };
        Ok(Self {
            out,
            symbols: SymbolTable::default(),
            prev_ts: None,
            first_ts: None,
            skipped: 0,
        })
    }

    pub(crate) fn symbol(&mut self, name: &str) -> SymbolId {
        self.symbols.intern(name)
    }

    /// Checks and buffers one tick: `[bid, ask, bid_size, ask_size, last,
    /// volume]`. An invalid row is refused with the ticks column at fault.
    pub(crate) fn tick(
        &mut self,
        ts: i64,
        symbol: SymbolId,
        v: [f64; 6],
    ) -> Result<(), (&'static str, Problem)> {
        check_tick(self.prev_ts, ts, v)?;
        self.accept(ts);
        let [bid, ask, bid_size, ask_size, last, volume] = v;
        if let Out::Ticks(_, batch) = &mut self.out {
            batch.push(Tick {
                ts,
                symbol,
                bid,
                ask,
                bid_size,
                ask_size,
                last,
                volume,
            });
        }
        Ok(())
    }

    /// Checks and buffers one bar: `[open, high, low, close, volume]`.
    pub(crate) fn bar(
        &mut self,
        ts: i64,
        symbol: SymbolId,
        v: [f64; 5],
    ) -> Result<(), (&'static str, Problem)> {
        check_bar(self.prev_ts, ts, v)?;
        self.accept(ts);
        let [open, high, low, close, volume] = v;
        if let Out::Bars(_, batch) = &mut self.out {
            batch.push(Bar {
                ts,
                symbol,
                open,
                high,
                low,
                close,
                volume,
            });
        }
        Ok(())
    }

    /// An input row that makes no output row (counted, never silent).
    pub(crate) fn skip(&mut self) {
        self.skipped += 1;
    }

    fn accept(&mut self, ts: i64) {
        self.prev_ts = Some(ts);
        self.first_ts.get_or_insert(ts);
    }

    /// Writes the buffered rows once a batch is full.
    pub(crate) fn flush_if_full(&mut self) -> Result<(), DataError> {
        match &mut self.out {
            Out::Ticks(w, b) if b.len() >= BATCH => {
                w.write(b, &self.symbols)?;
                b.clear();
            }
            Out::Bars(w, b) if b.len() >= BATCH => {
                w.write(b, &self.symbols)?;
                b.clear();
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes what is left and closes the file.
    pub(crate) fn finish(self, files: usize) -> Result<ImportReport, DataError> {
        let (kind, rows) = match self.out {
            Out::Ticks(mut w, b) => {
                w.write(&b, &self.symbols)?;
                (DataKind::Ticks, w.finish()?)
            }
            Out::Bars(mut w, b) => {
                w.write(&b, &self.symbols)?;
                (DataKind::Bars, w.finish()?)
            }
        };
        Ok(ImportReport {
            kind,
            rows,
            skipped: self.skipped,
            files,
            symbols: self.symbols.names().to_vec(),
            first_ts: self.first_ts,
            last_ts: self.prev_ts,
        })
    }
}

/// Field `i` of a record as trimmed text; empty when missing or not UTF-8
/// (then refused by whatever parses it, and shown as found).
pub(crate) fn text(record: &csv::ByteRecord, i: usize) -> &str {
    record
        .get(i)
        .and_then(|f| std::str::from_utf8(f).ok())
        .unwrap_or("")
        .trim()
}

/// Field `i` of a record (source column `column`) that does not hold what
/// was `expected`.
pub(crate) fn field_error(
    file: &Path,
    record: &csv::ByteRecord,
    i: usize,
    column: String,
    expected: &str,
) -> DataError {
    DataError::CsvField {
        file: file.to_path_buf(),
        line: line_of(record),
        column,
        expected: expected.to_owned(),
        found: String::from_utf8_lossy(record.get(i).unwrap_or_default()).into_owned(),
    }
}

/// A record whose value in source column `column` breaks a rule.
pub(crate) fn invalid(
    file: &Path,
    record: &csv::ByteRecord,
    column: String,
    problem: Problem,
) -> DataError {
    DataError::CsvInvalid {
        file: file.to_path_buf(),
        line: line_of(record),
        column,
        problem,
    }
}

/// A CSV record's 1-based line.
pub(crate) fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

/// The CSV library's error on `file`, with its line.
pub(crate) fn csv_error(file: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    DataError::Csv {
        file: file.to_path_buf(),
        line,
        source: e,
    }
}

/// An integer timestamp's unit, told by its size: milliseconds below
/// 10^14, microseconds below 10^17, else nanoseconds; with `seconds`,
/// seconds below 10^11 first. Unambiguous from 1973 to 5138. Returns the
/// multiplier to nanoseconds and the unit's name.
pub(crate) fn unit_by_size(v: i64, seconds: bool) -> (i64, &'static str) {
    match v {
        v if seconds && v < 100_000_000_000 => (1_000_000_000, "s"),
        v if v < 100_000_000_000_000 => (1_000_000, "ms"),
        v if v < 100_000_000_000_000_000 => (1_000, "us"),
        _ => (1, "ns"),
    }
}

/// A header row's column names, trimmed.
pub(crate) fn header_names(header: &csv::ByteRecord) -> Vec<String> {
    header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect()
}

/// Where column `name` is in a header, or the error naming what is there.
pub(crate) fn column_of(file: &Path, names: &[String], name: &str) -> Result<usize, DataError> {
    names
        .iter()
        .position(|c| c == name)
        .ok_or_else(|| DataError::CsvMissingColumn {
            file: file.to_path_buf(),
            column: name.to_owned(),
            found: names.to_vec(),
        })
}

/// The input files' names for error messages about the set.
pub(crate) fn first_file(inputs: &[PathBuf]) -> PathBuf {
    inputs.first().cloned().unwrap_or_default()
}
