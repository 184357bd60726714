//! [`import_csv`]: OHLCV CSV (Yahoo Finance, backtesting.py) to a bars
//! Parquet file.

use std::fs::File;
use std::path::Path;

use csv::{ReaderBuilder, StringRecord, Trim};

use crate::time::parse_datetime_ns;
use crate::validate::check_bar;
use crate::{Bar, BarBatch, BarWriter, DataError, SymbolTable};

/// Header names (lowercase) taken as the date column.
const DATE_NAMES: [&str; 5] = ["date", "datetime", "timestamp", "time", "ts"];
/// Header names of an unnamed first (index) column, as pandas writes it.
const INDEX_NAMES: [&str; 3] = ["", "unnamed: 0", "index"];
const DATE_EXPECTED: &str = "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339)";

struct Columns {
    /// Index and header spelling of: date, open, high, low, close, volume.
    idx: [Option<usize>; 6],
    names: [String; 6],
}

fn find_columns(file: &Path, headers: &StringRecord) -> Result<Columns, DataError> {
    let lower: Vec<String> = headers
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let position = |want: &str| lower.iter().position(|h| h == want);
    let mut idx = [None; 6];
    idx[0] = DATE_NAMES.iter().find_map(|n| position(n));
    if idx[0].is_none()
        && lower
            .first()
            .is_some_and(|h| INDEX_NAMES.contains(&h.as_str()))
    {
        idx[0] = Some(0);
    }
    for (slot, name) in idx[1..]
        .iter_mut()
        .zip(["open", "high", "low", "close", "volume"])
    {
        *slot = position(name);
    }
    let canonical = ["Date", "Open", "High", "Low", "Close", "Volume"];
    // Volume is optional (taken as 0); the others are required.
    for (i, found) in idx[..5].iter().enumerate() {
        if found.is_none() {
            return Err(DataError::CsvMissingColumn {
                file: file.to_path_buf(),
                column: canonical[i].to_owned(),
                found: headers.iter().map(str::to_owned).collect(),
            });
        }
    }
    let names = std::array::from_fn(
        |i| match idx[i].and_then(|j| headers.get(j)).map(str::trim) {
            Some(h) if !h.is_empty() => h.to_owned(),
            _ => canonical[i].to_owned(),
        },
    );
    Ok(Columns { idx, names })
}

/// Imports an OHLCV CSV file into a bars Parquet file at `out`, all rows
/// under `symbol`. Returns the number of rows written.
///
/// The header must name `Open`, `High`, `Low`, `Close` (any case) and a date
/// column named `Date`, `Datetime`, `Timestamp`, `Time` or `ts`, or left
/// unnamed as the first column (pandas' index, as in backtesting.py's
/// `GOOG.csv`). `Volume` is optional (0 when absent); other columns such as
/// `Adj Close` are ignored. Dates are `YYYY-MM-DD` (midnight UTC),
/// `YYYY-MM-DD HH:MM[:SS[.f]]` (UTC) or RFC 3339 with an offset. Rows must be
/// valid bars in non-decreasing date order; errors name the file, the 1-based
/// line and the column. On error no output file is left behind.
pub fn import_csv(csv_path: &Path, out: &Path, symbol: &str) -> Result<u64, DataError> {
    let file = File::open(csv_path).map_err(|e| DataError::io(csv_path, e))?;
    let csv_err = |line: u64, source: csv::Error| DataError::Csv {
        file: csv_path.to_path_buf(),
        line,
        source,
    };
    let mut reader = ReaderBuilder::new()
        .has_headers(true)
        .trim(Trim::All)
        .from_reader(file);
    let headers = reader.headers().map_err(|e| csv_err(1, e))?.clone();
    let cols = find_columns(csv_path, &headers)?;

    let mut symbols = SymbolTable::default();
    let symbol_id = symbols.intern(symbol);
    let mut writer = BarWriter::new(out)?;
    let mut batch = BarBatch::with_capacity(65_536);
    let mut record = StringRecord::new();
    let mut prev_ts = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(csv_err(line, e));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |k: usize| cols.idx[k].and_then(|j| record.get(j));
        let field_err = |k: usize, expected: &str| DataError::CsvField {
            file: csv_path.to_path_buf(),
            line,
            column: cols.names[k].clone(),
            expected: expected.to_owned(),
            found: field(k).unwrap_or_default().to_owned(),
        };
        let ts = field(0)
            .and_then(parse_datetime_ns)
            .ok_or_else(|| field_err(0, DATE_EXPECTED))?;
        let mut values = [0.0; 5];
        for (k, v) in values.iter_mut().enumerate() {
            let col = k + 1;
            *v = match field(col) {
                None if cols.idx[col].is_none() => 0.0,
                text => text
                    .and_then(|t| t.parse::<f64>().ok())
                    .ok_or_else(|| field_err(col, "a number"))?,
            };
        }
        check_bar(prev_ts, ts, values).map_err(|(column, problem)| {
            let k = ["ts", "open", "high", "low", "close", "volume"]
                .iter()
                .position(|c| *c == column)
                .unwrap_or(0);
            DataError::CsvInvalid {
                file: csv_path.to_path_buf(),
                line,
                column: cols.names[k].clone(),
                problem,
            }
        })?;
        prev_ts = Some(ts);
        let [open, high, low, close, volume] = values;
        batch.push(Bar {
            ts,
            symbol: symbol_id,
            open,
            high,
            low,
            close,
            volume,
        });
        if batch.len() == 65_536 {
            writer.write(&batch, &symbols)?;
            batch.clear();
        }
    }
    writer.write(&batch, &symbols)?;
    writer.finish()
}
