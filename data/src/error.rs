//! The crate's error type. Every variant names the file it concerns; errors
//! about one value also name the 1-based data row (Parquet) or line (CSV) and
//! the column.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::DataKind;
use crate::time::format_ns;

/// What is wrong with one value (or one row's combination of values).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// The value is null.
    Null,
    /// A price (bid, ask, last, open, high, low, close) that is NaN, infinite, zero or negative.
    InvalidPrice {
        /// The offending value.
        found: f64,
    },
    /// A size or volume that is NaN, infinite or negative.
    InvalidSize {
        /// The offending value.
        found: f64,
    },
    /// A crossed quote: bid above ask.
    BidAboveAsk {
        /// The bid.
        bid: f64,
        /// The ask.
        ask: f64,
    },
    /// A bar whose high is below its low.
    HighBelowLow {
        /// The high.
        high: f64,
        /// The low.
        low: f64,
    },
    /// A bar's open or close outside `[low, high]`.
    OutsideBarRange {
        /// The open or close.
        found: f64,
        /// The bar's low.
        low: f64,
        /// The bar's high.
        high: f64,
    },
    /// A timestamp earlier than the one before it (in this file or, for the
    /// first row of a file, the last row of the previous file).
    TimestampBackwards {
        /// The previous timestamp, ns since the epoch.
        previous: i64,
        /// This row's timestamp, ns since the epoch.
        found: i64,
    },
    /// A timestamp that does not fit in `i64` nanoseconds (years 1677..2262).
    TimestampOutOfRange {
        /// The raw stored value.
        found: i64,
        /// Its unit (`s`, `ms`, `us`, `ns`, `days`).
        unit: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Null => write!(f, "value must not be null, found null"),
            Problem::InvalidPrice { found } => {
                write!(f, "price must be finite and > 0, found {found}")
            }
            Problem::InvalidSize { found } => {
                write!(f, "size must be finite and >= 0, found {found}")
            }
            Problem::BidAboveAsk { bid, ask } => {
                write!(f, "bid must be <= ask, found bid {bid} > ask {ask}")
            }
            Problem::HighBelowLow { high, low } => {
                write!(f, "high must be >= low, found high {high} < low {low}")
            }
            Problem::OutsideBarRange { found, low, high } => {
                write!(
                    f,
                    "must lie within [low, high] = [{low}, {high}], found {found}"
                )
            }
            Problem::TimestampBackwards { previous, found } => write!(
                f,
                "timestamps must not decrease, found {} ({found} ns) after {} ({previous} ns)",
                format_ns(*found),
                format_ns(*previous)
            ),
            Problem::TimestampOutOfRange { found, unit } => {
                write!(
                    f,
                    "timestamp must fit in i64 nanoseconds, found {found} {unit}"
                )
            }
        }
    }
}

/// Errors from reading, validating, writing, importing or synthesizing market data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// An operating-system I/O error on a file or directory.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file or directory.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not Parquet, or its footer or schema cannot be read.
    #[error("{}: not a readable Parquet file: {source}", file.display())]
    NotParquet {
        /// The file.
        file: PathBuf,
        /// The Parquet library's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Decoding row data failed (corrupt page, unsupported encoding).
    #[error("{}: cannot decode rows from row {row} (index {}) on: {source}", file.display(), row.saturating_sub(1))]
    Decode {
        /// The file.
        file: PathBuf,
        /// First 1-based row of the batch that failed.
        row: u64,
        /// The Arrow/Parquet error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// Writing a Parquet file failed.
    #[error("{}: cannot write Parquet: {source}", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// The Parquet library's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A directory holds no `*.parquet` file.
    #[error("{}: directory holds no *.parquet file", dir.display())]
    EmptyDirectory {
        /// The directory.
        dir: PathBuf,
    },
    /// The data hold no rows at all: nothing to backtest.
    #[error("{}: no rows ({}); market data needs at least one row", path.display(), describe_empty(files))]
    NoRows {
        /// The file, or the directory of files.
        path: PathBuf,
        /// The files read (each with zero rows).
        files: Vec<PathBuf>,
    },
    /// A required column is absent.
    #[error("{}: missing column \"{column}\" (expected {expected})", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The missing column.
        column: String,
        /// The types the column may have.
        expected: String,
    },
    /// A column has a type the reader cannot take.
    #[error("{}: column \"{column}\": type must be {expected}, found {found}", file.display())]
    ColumnType {
        /// The file.
        file: PathBuf,
        /// The column.
        column: String,
        /// The types the column may have.
        expected: String,
        /// The column's Arrow type.
        found: String,
    },
    /// The columns match neither the ticks nor the bars schema.
    #[error(
        "{}: neither ticks (ts, symbol, bid, ask, bid_size, ask_size, last, volume) nor bars (ts, symbol, open, high, low, close, volume), found columns [{}]",
        file.display(),
        columns.join(", ")
    )]
    UnknownKind {
        /// The file.
        file: PathBuf,
        /// The columns it has.
        columns: Vec<String>,
    },
    /// A file of a directory holds another kind of data than the first file.
    #[error("{}: holds {found}, but the first file holds {expected}", file.display())]
    KindMismatch {
        /// The file.
        file: PathBuf,
        /// The kind of the first file.
        expected: DataKind,
        /// The kind of this file.
        found: DataKind,
    },
    /// `next_ticks` on a bars reader, or `next_bars` on a ticks reader.
    #[error("cannot read {requested} from {}, which holds {found}", file.display())]
    WrongKind {
        /// The (first) file opened.
        file: PathBuf,
        /// What the caller asked for.
        requested: DataKind,
        /// What the data is.
        found: DataKind,
    },
    /// A reader that already returned an error was called again.
    #[error("{}: reading stopped at an earlier error", file.display())]
    Stopped {
        /// The file the earlier error concerned.
        file: PathBuf,
    },
    /// One value (or one row's combination of values) is invalid.
    #[error("{}: row {row} (index {}), column \"{column}\": {problem}", file.display(), row.saturating_sub(1))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based data row within the file.
        row: u64,
        /// The column.
        column: String,
        /// What is wrong.
        problem: Problem,
    },
    /// A CSV field that cannot be parsed.
    #[error("{}: line {line}, column \"{column}\": expected {expected}, found \"{found}\"", file.display())]
    CsvField {
        /// The CSV file.
        file: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column, as named in the header.
        column: String,
        /// What the field should hold.
        expected: String,
        /// The field's text.
        found: String,
    },
    /// A CSV row with an invalid value.
    #[error("{}: line {line}, column \"{column}\": {problem}", file.display())]
    CsvInvalid {
        /// The CSV file.
        file: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column, as named in the header.
        column: String,
        /// What is wrong.
        problem: Problem,
    },
    /// The CSV header lacks a required column.
    #[error("{}: line 1 (header): missing column \"{column}\", found [{}]", file.display(), found.join(", "))]
    CsvMissingColumn {
        /// The CSV file.
        file: PathBuf,
        /// The missing column.
        column: String,
        /// The header's columns.
        found: Vec<String>,
    },
    /// The CSV is malformed (unequal field counts, invalid UTF-8, I/O).
    #[error("{}: line {line}: {source}", file.display())]
    Csv {
        /// The CSV file.
        file: PathBuf,
        /// 1-based line (0 if unknown).
        line: u64,
        /// The CSV library's error.
        #[source]
        source: csv::Error,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {field} must be {expected}, found \"{found}\"")]
    InvalidConfig {
        /// The field.
        field: &'static str,
        /// The accepted range.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// An input to an importer that it cannot take as a whole: an archive
    /// with no or several CSV members, a file name that says no data kind,
    /// inputs that mix symbols or kinds.
    #[error("{}: {reason}", file.display())]
    Import {
        /// The input.
        file: PathBuf,
        /// What is wrong, and what was expected.
        reason: String,
    },
    /// A batch handed to a writer is malformed (unequal column lengths,
    /// symbol ids missing from the symbol table).
    #[error("{}: cannot write batch: {reason}", file.display())]
    BadBatch {
        /// The file being written.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// "the file has 0 rows" or "3 files, each with 0 rows: a.parquet, ...".
fn describe_empty(files: &[PathBuf]) -> String {
    match files {
        [_] => "the file has 0 rows".to_owned(),
        _ => format!(
            "{} files, each with 0 rows: {}",
            files.len(),
            files
                .iter()
                .map(|f| f.file_name().unwrap_or(f.as_os_str()).to_string_lossy())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl DataError {
    /// The file (or directory) the error concerns, if it concerns one.
    pub fn file(&self) -> Option<&Path> {
        Some(match self {
            DataError::Io { file, .. }
            | DataError::NotParquet { file, .. }
            | DataError::Decode { file, .. }
            | DataError::Write { file, .. }
            | DataError::MissingColumn { file, .. }
            | DataError::ColumnType { file, .. }
            | DataError::UnknownKind { file, .. }
            | DataError::KindMismatch { file, .. }
            | DataError::WrongKind { file, .. }
            | DataError::Stopped { file }
            | DataError::Invalid { file, .. }
            | DataError::CsvField { file, .. }
            | DataError::CsvInvalid { file, .. }
            | DataError::CsvMissingColumn { file, .. }
            | DataError::Csv { file, .. }
            | DataError::Import { file, .. }
            | DataError::BadBatch { file, .. } => file,
            DataError::EmptyDirectory { dir } => dir,
            DataError::NoRows { path, .. } => path,
            DataError::InvalidConfig { .. } => return None,
        })
    }

    /// The 1-based data row (Parquet) or line (CSV) the error concerns, if it
    /// concerns one.
    pub fn row(&self) -> Option<u64> {
        match self {
            DataError::Decode { row, .. } | DataError::Invalid { row, .. } => Some(*row),
            DataError::CsvField { line, .. } | DataError::CsvInvalid { line, .. } => Some(*line),
            DataError::CsvMissingColumn { .. } => Some(1),
            DataError::Csv { line, .. } if *line > 0 => Some(*line),
            _ => None,
        }
    }

    /// The column the error concerns, if it concerns one.
    pub fn column(&self) -> Option<&str> {
        match self {
            DataError::MissingColumn { column, .. }
            | DataError::ColumnType { column, .. }
            | DataError::Invalid { column, .. }
            | DataError::CsvField { column, .. }
            | DataError::CsvInvalid { column, .. }
            | DataError::CsvMissingColumn { column, .. } => Some(column),
            _ => None,
        }
    }

    pub(crate) fn io(file: &Path, source: std::io::Error) -> Self {
        DataError::Io {
            file: file.to_path_buf(),
            source,
        }
    }
}
