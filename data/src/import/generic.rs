//! Any CSV with a header, through a column mapping: which source column
//! holds the time, the symbol and each ticks or bars column.
//!
//! ```toml
//! kind = "ticks"            # or "bars"
//! ts = "time"               # the time column
//! ts_unit = "ms"            # s, ms, us, ns, datetime, or auto (default)
//! symbol = "BTCUSDT"        # every row's symbol, or:
//! # symbol_column = "sym"
//! delimiter = ","           # one byte (default ",")
//! [columns]                 # target = source
//! bid = "best_bid"
//! ask = "best_ask"
//! ```
//!
//! Ticks need `bid` and `ask`; `bid_size`, `ask_size` and `volume` default
//! to 0 and `last` to the mid. Bars need `open`, `high`, `low`, `close`;
//! `volume` defaults to 0. One source column may feed several targets
//! (`bid = "price"`, `ask = "price"`, `last = "price"` for trades). `auto`
//! takes an integer as s, ms, µs or ns by its size (below 10^11 seconds,
//! 10^14 ms, 10^17 µs) and anything else as a date-time (`YYYY-MM-DD`,
//! `YYYY-MM-DD HH:MM:SS[.f]`, RFC 3339).

use std::path::{Path, PathBuf};

use csv::ByteRecord;
use serde::Deserialize;

use super::{Sink, column_of, csv_error, first_file, header_names, unit_by_size, with_text};
use crate::time::parse_datetime_ns;
use crate::{DataError, DataKind, ImportReport, Problem, schema};

/// How the time column is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TsUnit {
    S,
    Ms,
    Us,
    Ns,
    /// A date or date-time text.
    Datetime,
    /// An integer's unit by its size, else a date-time.
    #[default]
    Auto,
}

/// A generic CSV's mapping (see the module docs for the TOML form).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    /// `ticks` or `bars`.
    pub kind: MappedKind,
    /// The time column.
    pub ts: String,
    #[serde(default)]
    pub ts_unit: TsUnit,
    /// Every row's symbol.
    #[serde(default)]
    pub symbol: Option<String>,
    /// Or the column holding it.
    #[serde(default)]
    pub symbol_column: Option<String>,
    /// The field delimiter (one byte).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// Target column = source column.
    pub columns: std::collections::BTreeMap<String, String>,
}

fn comma() -> char {
    ','
}

/// The output kind of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MappedKind {
    Ticks,
    Bars,
}

/// Target columns, whether required, and the default when not mapped.
const TICK_TARGETS: [(&str, bool); 6] = [
    ("bid", true),
    ("ask", true),
    ("bid_size", false),
    ("ask_size", false),
    ("last", false),
    ("volume", false),
];
const BAR_TARGETS: [(&str, bool); 5] = [
    ("open", true),
    ("high", true),
    ("low", true),
    ("close", true),
    ("volume", false),
];

/// The mapping resolved against one file's header.
struct Resolved {
    names: Vec<String>,
    ts: usize,
    symbol: Option<usize>,
    /// Per target column: the source index, or `None` (its default).
    values: Vec<Option<usize>>,
}

/// Imports CSV files through `mapping`, in the order given, into one ticks
/// or bars Parquet file at `out`.
pub fn import_mapped_csv(
    inputs: &[PathBuf],
    out: &Path,
    mapping: &CsvMapping,
) -> Result<ImportReport, DataError> {
    let invalid = |reason: String| DataError::Import {
        file: first_file(inputs),
        reason,
    };
    if inputs.is_empty() {
        return Err(invalid("no input files".into()));
    }
    if mapping.symbol.is_some() == mapping.symbol_column.is_some() {
        return Err(invalid(
            "the mapping needs one of `symbol` (every row's) or `symbol_column`".into(),
        ));
    }
    if !mapping.delimiter.is_ascii() {
        return Err(invalid(format!(
            "the delimiter must be one ASCII character, found {:?}",
            mapping.delimiter
        )));
    }
    let targets: &[(&str, bool)] = match mapping.kind {
        MappedKind::Ticks => &TICK_TARGETS,
        MappedKind::Bars => &BAR_TARGETS,
    };
    for key in mapping.columns.keys() {
        if !targets.iter().any(|(t, _)| t == key) {
            return Err(invalid(format!(
                "the mapping's column {key:?} is not a {} column (expected one of {})",
                kind_name(mapping.kind),
                targets
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    for (t, required) in targets {
        if *required && !mapping.columns.contains_key(*t) {
            return Err(invalid(format!(
                "the mapping has no source for the {} column {t:?}",
                kind_name(mapping.kind)
            )));
        }
    }
    let kind = match mapping.kind {
        MappedKind::Ticks => DataKind::Ticks,
        MappedKind::Bars => DataKind::Bars,
    };
    let mut sink = Sink::new(kind, out)?;
    let fixed = mapping.symbol.as_deref().map(|s| sink.symbol(s));
    for input in inputs {
        with_text(input, |text, name| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(mapping.delimiter as u8)
                .from_reader(text);
            let mut record = ByteRecord::new();
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => return Err(csv_error(name, e)),
            }
            let cols = resolve(name, &record, mapping, targets)?;
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => return Ok(()),
                    Err(e) => return Err(csv_error(name, e)),
                }
                let row = Row {
                    record: &record,
                    file: name,
                    cols: &cols,
                };
                let ts = row.timestamp(mapping.ts_unit)?;
                let symbol = match (fixed, cols.symbol) {
                    (Some(id), _) => id,
                    (None, Some(i)) => sink.symbol(row.text(i)),
                    (None, None) => unreachable!("checked: symbol or symbol_column"),
                };
                match mapping.kind {
                    MappedKind::Ticks => {
                        let bid = row.value(0, 0.0)?;
                        let ask = row.value(1, 0.0)?;
                        let v = [
                            bid,
                            ask,
                            row.value(2, 0.0)?,
                            row.value(3, 0.0)?,
                            row.value(4, (bid + ask) / 2.0)?,
                            row.value(5, 0.0)?,
                        ];
                        sink.tick(ts, symbol, v)
                            .map_err(|(col, p)| row.invalid(col, &schema::TICK_VALUES, p))?;
                    }
                    MappedKind::Bars => {
                        let v = [
                            row.value(0, 0.0)?,
                            row.value(1, 0.0)?,
                            row.value(2, 0.0)?,
                            row.value(3, 0.0)?,
                            row.value(4, 0.0)?,
                        ];
                        sink.bar(ts, symbol, v)
                            .map_err(|(col, p)| row.invalid(col, &schema::BAR_VALUES, p))?;
                    }
                }
                sink.flush_if_full()?;
            }
        })?;
    }
    sink.finish(inputs.len())
}

fn kind_name(kind: MappedKind) -> &'static str {
    match kind {
        MappedKind::Ticks => "ticks",
        MappedKind::Bars => "bars",
    }
}

fn resolve(
    file: &Path,
    header: &ByteRecord,
    mapping: &CsvMapping,
    targets: &[(&str, bool)],
) -> Result<Resolved, DataError> {
    let names = header_names(header);
    let find = |n: &str| column_of(file, &names, n);
    Ok(Resolved {
        ts: find(&mapping.ts)?,
        symbol: mapping.symbol_column.as_deref().map(find).transpose()?,
        values: targets
            .iter()
            .map(|(t, _)| mapping.columns.get(*t).map(|s| find(s)).transpose())
            .collect::<Result<_, _>>()?,
        names,
    })
}

struct Row<'a> {
    record: &'a ByteRecord,
    file: &'a Path,
    cols: &'a Resolved,
}

impl Row<'_> {
    fn text(&self, i: usize) -> &str {
        super::text(self.record, i)
    }

    fn bad(&self, i: usize, expected: &str) -> DataError {
        let column = self.cols.names[i].clone();
        super::field_error(self.file, self.record, i, column, expected)
    }

    /// Target `t`'s value, or `default` when it is not mapped.
    fn value(&self, t: usize, default: f64) -> Result<f64, DataError> {
        match self.cols.values[t] {
            None => Ok(default),
            Some(i) => self.text(i).parse().map_err(|_| self.bad(i, "a number")),
        }
    }

    /// A validation failure on target column `col`, named by its source.
    fn invalid(&self, col: &str, targets: &[&str], problem: Problem) -> DataError {
        let source = targets
            .iter()
            .position(|t| *t == col)
            .and_then(|t| self.cols.values[t])
            .unwrap_or(self.cols.ts);
        let column = self.cols.names[source].clone();
        super::invalid(self.file, self.record, column, problem)
    }

    fn timestamp(&self, unit: TsUnit) -> Result<i64, DataError> {
        let i = self.cols.ts;
        let text = self.text(i);
        let expected = match unit {
            TsUnit::S => "an integer of seconds since the epoch",
            TsUnit::Ms => "an integer of milliseconds since the epoch",
            TsUnit::Us => "an integer of microseconds since the epoch",
            TsUnit::Ns => "an integer of nanoseconds since the epoch",
            TsUnit::Datetime => "a date-time (YYYY-MM-DD[ HH:MM:SS[.f]] or RFC 3339)",
            TsUnit::Auto => "an integer timestamp or a date-time",
        };
        let integer = || text.parse::<i64>().ok().filter(|v| *v >= 0);
        let (raw, scale, name) = match unit {
            TsUnit::S => (integer(), 1_000_000_000, "s"),
            TsUnit::Ms => (integer(), 1_000_000, "ms"),
            TsUnit::Us => (integer(), 1_000, "us"),
            TsUnit::Ns => (integer(), 1, "ns"),
            TsUnit::Datetime => {
                return parse_datetime_ns(text).ok_or_else(|| self.bad(i, expected));
            }
            TsUnit::Auto => match integer() {
                Some(v) => {
                    let (scale, unit) = unit_by_size(v, true);
                    (Some(v), scale, unit)
                }
                None => {
                    return parse_datetime_ns(text).ok_or_else(|| self.bad(i, expected));
                }
            },
        };
        let raw = raw.ok_or_else(|| self.bad(i, expected))?;
        raw.checked_mul(scale).ok_or_else(|| {
            let problem = Problem::TimestampOutOfRange {
                found: raw,
                unit: name,
            };
            super::invalid(self.file, self.record, self.cols.names[i].clone(), problem)
        })
    }
}
