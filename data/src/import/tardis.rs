//! Tardis.dev downloadable CSV files: `trades`, `quotes`,
//! `book_snapshot_25` (and `_5`) and `incremental_book_L2`, gzipped as
//! downloaded or not.
//!
//! The files have a header; columns are found by name (from the dataset
//! documentation at docs.tardis.dev/downloadable-csv-files): `symbol`,
//! `timestamp` (exchange time, microseconds since the epoch) and
//! `local_timestamp`, then per data type
//!
//! | data type | columns used | output |
//! |---|---|---|
//! | trades | `price`, `amount` | one tick per trade (bid = ask = last = price) |
//! | quotes | `bid_price`, `bid_amount`, `ask_price`, `ask_amount` | one tick per quote (last = mid) |
//! | book_snapshot_N | `bids[0].price`, `bids[0].amount`, `asks[0].price`, `asks[0].amount` | one tick per snapshot (last = mid) |
//! | incremental_book_L2 | `is_snapshot`, `side`, `price`, `amount` | the book rebuilt; one tick per update message that changes the top of book |
//!
//! The data type comes from the header. A quote or book without both a bid
//! and an ask (an empty side, an empty field) has no tick: such rows are
//! counted in [`ImportReport::skipped`], never dropped unseen.
//! `incremental_book_L2` rows of one message share `timestamp` and
//! `local_timestamp`; the top of book is read after the whole message. A
//! snapshot that follows updates replaces the book, as Tardis documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::{Sink, column_of, csv_error, csv_reader, first_file, header_names, line_of, with_text};
use crate::{DataError, DataKind, ImportReport, Problem, SymbolId};

/// The Tardis data types this importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TardisKind {
    Trades,
    Quotes,
    BookSnapshot,
    IncrementalBookL2,
}

impl TardisKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Trades => "trades",
            Self::Quotes => "quotes",
            Self::BookSnapshot => "book_snapshot",
            Self::IncrementalBookL2 => "incremental_book_L2",
        }
    }

    /// From a header's column names.
    fn detect(names: &[String]) -> Option<Self> {
        let has = |n: &str| names.iter().any(|c| c == n);
        if has("is_snapshot") {
            Some(Self::IncrementalBookL2)
        } else if has("bids[0].price") {
            Some(Self::BookSnapshot)
        } else if has("bid_price") {
            Some(Self::Quotes)
        } else if has("price") && has("amount") {
            Some(Self::Trades)
        } else {
            None
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Trades => &["price", "amount"],
            Self::Quotes => &["bid_price", "bid_amount", "ask_price", "ask_amount"],
            Self::BookSnapshot => &[
                "bids[0].price",
                "bids[0].amount",
                "asks[0].price",
                "asks[0].amount",
            ],
            Self::IncrementalBookL2 => &["is_snapshot", "side", "price", "amount"],
        }
    }
}

/// Imports Tardis CSV files (any of the four data types, one type for all),
/// in the order given, into one ticks Parquet file at `out`. Symbols come
/// from the `symbol` column.
pub fn import_tardis(inputs: &[PathBuf], out: &Path) -> Result<ImportReport, DataError> {
    if inputs.is_empty() {
        return Err(DataError::Import {
            file: first_file(inputs),
            reason: "no input files".into(),
        });
    }
    let mut sink = Sink::new(DataKind::Ticks, out)?;
    let mut kind = None;
    for input in inputs {
        with_text(input, |text, name| {
            import_one(text, name, &mut kind, &mut sink)
        })?;
    }
    sink.finish(inputs.len())
}

/// Where the needed columns are in one file.
struct Columns {
    names: Vec<String>,
    symbol: usize,
    timestamp: usize,
    local: usize,
    values: Vec<usize>,
}

fn columns(file: &Path, header: &ByteRecord) -> Result<(TardisKind, Columns), DataError> {
    let names = header_names(header);
    let kind = TardisKind::detect(&names).ok_or_else(|| DataError::Import {
        file: file.to_path_buf(),
        reason: format!(
            "line 1 (header): not a Tardis trades, quotes, book_snapshot or incremental_book_L2 file, found columns [{}]",
            names.join(", ")
        ),
    })?;
    let find = |n: &str| column_of(file, &names, n);
    let cols = Columns {
        symbol: find("symbol")?,
        timestamp: find("timestamp")?,
        local: find("local_timestamp")?,
        values: kind
            .columns()
            .iter()
            .map(|n| find(n))
            .collect::<Result<_, _>>()?,
        names: names.clone(),
    };
    Ok((kind, cols))
}

fn import_one(
    text: &mut dyn std::io::Read,
    file: &Path,
    kind_so_far: &mut Option<TardisKind>,
    sink: &mut Sink,
) -> Result<(), DataError> {
    let mut reader = csv_reader(text);
    let mut record = ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Ok(()),
        Err(e) => return Err(csv_error(file, e)),
    }
    let (kind, cols) = columns(file, &record)?;
    if let Some(k) = kind_so_far
        && *k != kind
    {
        return Err(DataError::Import {
            file: file.to_path_buf(),
            reason: format!(
                "holds {}, but the first input holds {}: one output holds one data type",
                kind.name(),
                k.name()
            ),
        });
    }
    *kind_so_far = Some(kind);
    let mut book = L2::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, e)),
        }
        let row = Row {
            record: &record,
            file,
            cols: &cols,
        };
        let symbol = sink.symbol(row.text(cols.symbol));
        let ts = row.timestamp()?;
        match kind {
            TardisKind::Trades => {
                let (price, amount) = (row.number(0)?, row.number(1)?);
                sink.tick(ts, symbol, [price, price, 0.0, 0.0, price, amount])
                    .map_err(|(col, p)| row.invalid(usize::from(col == "volume"), p))?;
            }
            TardisKind::Quotes | TardisKind::BookSnapshot => {
                let (Some(bid), Some(ask)) = (row.optional(0)?, row.optional(2)?) else {
                    sink.skip();
                    continue;
                };
                let (bid_size, ask_size) = (row.number(1)?, row.number(3)?);
                quote(sink, &row, ts, symbol, [bid, bid_size, ask, ask_size])?;
            }
            TardisKind::IncrementalBookL2 => {
                let message = (ts, row.raw(cols.local).to_vec(), symbol);
                if book.message.as_ref().is_some_and(|m| *m != message) {
                    book.emit(sink, file)?;
                }
                book.apply(&row, message)?;
            }
        }
        sink.flush_if_full()?;
    }
    if kind == TardisKind::IncrementalBookL2 {
        book.emit(sink, file)?;
    }
    Ok(())
}

/// A two-sided quote as a tick; errors name the quote's own columns.
fn quote(
    sink: &mut Sink,
    row: &Row<'_>,
    ts: i64,
    symbol: SymbolId,
    [bid, bid_size, ask, ask_size]: [f64; 4],
) -> Result<(), DataError> {
    let mid = (bid + ask) / 2.0;
    sink.tick(ts, symbol, [bid, ask, bid_size, ask_size, mid, 0.0])
        .map_err(|(col, p)| {
            let i = match col {
                "bid" | "last" => 0,
                "bid_size" => 1,
                "ask" => 2,
                "ask_size" => 3,
                _ => usize::MAX,
            };
            row.invalid(i, p)
        })?;
    Ok(())
}

/// One side of a book: size by price, keyed by the price's bits (positive
/// f64 bits order as the prices do).
type Side = BTreeMap<u64, f64>;

/// A book rebuilt from `incremental_book_L2`, per symbol of the file.
#[derive(Default)]
struct L2 {
    /// Per symbol: bids and asks.
    books: BTreeMap<SymbolId, (Side, Side)>,
    /// The message being read: (timestamp, local_timestamp, symbol).
    message: Option<(i64, Vec<u8>, SymbolId)>,
    /// Whether the last row applied was a snapshot row, per symbol.
    in_snapshot: BTreeMap<SymbolId, bool>,
    /// The top of book last emitted, per symbol.
    last: BTreeMap<SymbolId, [f64; 4]>,
    /// The line of the message's last row.
    line: u64,
}

impl L2 {
    fn apply(&mut self, row: &Row<'_>, message: (i64, Vec<u8>, SymbolId)) -> Result<(), DataError> {
        let symbol = message.2;
        self.message = Some(message);
        self.line = line_of(row.record);
        let snapshot = match row.text(row.cols.values[0]) {
            "true" | "True" | "1" => true,
            "false" | "False" | "0" => false,
            _ => return Err(row.bad(0, "true or false")),
        };
        let book = self.books.entry(symbol).or_default();
        let was = self.in_snapshot.insert(symbol, snapshot).unwrap_or(false);
        if snapshot && !was {
            // A new snapshot replaces whatever the updates built.
            book.0.clear();
            book.1.clear();
        }
        let side = match row.text(row.cols.values[1]) {
            "bid" | "buy" => &mut book.0,
            "ask" | "sell" => &mut book.1,
            _ => return Err(row.bad(1, "bid or ask")),
        };
        let price = row.number(2)?;
        if !(price.is_finite() && price > 0.0) {
            return Err(row.invalid(2, Problem::InvalidPrice { found: price }));
        }
        let amount = row.number(3)?;
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(row.invalid(3, Problem::InvalidSize { found: amount }));
        }
        if amount == 0.0 {
            side.remove(&price.to_bits());
        } else {
            side.insert(price.to_bits(), amount);
        }
        Ok(())
    }

    /// After a message: a tick if its symbol's top of book changed and has
    /// both sides; a one-sided book is counted as skipped.
    fn emit(&mut self, sink: &mut Sink, file: &Path) -> Result<(), DataError> {
        let Some((ts, _, symbol)) = self.message.take() else {
            return Ok(());
        };
        let Some((bids, asks)) = self.books.get(&symbol) else {
            return Ok(());
        };
        let best_bid = bids.iter().next_back();
        let best_ask = asks.iter().next();
        let (Some((&b, &bq)), Some((&a, &aq))) = (best_bid, best_ask) else {
            sink.skip();
            return Ok(());
        };
        let top = [f64::from_bits(b), bq, f64::from_bits(a), aq];
        if self.last.get(&symbol) == Some(&top) {
            return Ok(());
        }
        self.last.insert(symbol, top);
        let [bid, bid_size, ask, ask_size] = top;
        sink.tick(
            ts,
            symbol,
            [bid, ask, bid_size, ask_size, (bid + ask) / 2.0, 0.0],
        )
        // The book, not one field, is what is wrong (crossed, say): named
        // at the message's last row.
        .map_err(|(_, problem)| DataError::CsvInvalid {
            file: file.to_path_buf(),
            line: self.line,
            column: "price (the top of book after this message)".into(),
            problem,
        })
    }
}

struct Row<'a> {
    record: &'a ByteRecord,
    file: &'a Path,
    cols: &'a Columns,
}

impl Row<'_> {
    fn raw(&self, i: usize) -> &[u8] {
        self.record.get(i).unwrap_or_default()
    }

    fn text(&self, i: usize) -> &str {
        super::text(self.record, i)
    }

    /// The name of value column `v` (`usize::MAX`: the timestamp).
    fn name(&self, v: usize) -> String {
        let i = self
            .cols
            .values
            .get(v)
            .copied()
            .unwrap_or(self.cols.timestamp);
        self.cols.names[i].clone()
    }

    fn bad(&self, v: usize, expected: &str) -> DataError {
        let i = self
            .cols
            .values
            .get(v)
            .copied()
            .unwrap_or(self.cols.timestamp);
        super::field_error(self.file, self.record, i, self.name(v), expected)
    }

    fn invalid(&self, v: usize, problem: Problem) -> DataError {
        super::invalid(self.file, self.record, self.name(v), problem)
    }

    fn number(&self, v: usize) -> Result<f64, DataError> {
        self.text(self.cols.values[v])
            .parse()
            .map_err(|_| self.bad(v, "a number"))
    }

    /// A number, or `None` for an empty field (an empty side of a book).
    fn optional(&self, v: usize) -> Result<Option<f64>, DataError> {
        if self.text(self.cols.values[v]).is_empty() {
            return Ok(None);
        }
        self.number(v).map(Some)
    }

    /// `timestamp` in microseconds, as ns.
    fn timestamp(&self) -> Result<i64, DataError> {
        let raw: i64 = self
            .text(self.cols.timestamp)
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| self.bad(usize::MAX, "microseconds since the epoch"))?;
        raw.checked_mul(1_000).ok_or_else(|| {
            self.invalid(
                usize::MAX,
                Problem::TimestampOutOfRange {
                    found: raw,
                    unit: "us",
                },
            )
        })
    }
}
