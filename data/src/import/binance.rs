//! Binance's public data archives (data.binance.vision): klines of every
//! interval, aggTrades, trades and bookTicker, spot and USD-M/COIN-M
//! futures, monthly or daily, `.zip` as published or unpacked `.csv`.
//!
//! The layouts, from the archives' documentation (binance/binance-public-data
//! README) and the files themselves:
//!
//! | kind | columns used | output |
//! |---|---|---|
//! | klines (`SYMBOL-1m-...`) | 0 open time, 1-5 open, high, low, close, volume | bars at the open time |
//! | aggTrades | 1 price, 2 quantity, 5 time | one tick per trade |
//! | trades | 1 price, 2 quantity, 4 time | one tick per trade |
//! | bookTicker (futures) | 1-4 bid, bid qty, ask, ask qty, 5 transaction time (6 event time when 0) | one tick per quote |
//!
//! Spot files have no header row; futures files have one (`open_time,open,
//! ...`). Both are taken, and a header's names are the columns errors name.
//! Timestamps are integers in milliseconds, or microseconds in spot files
//! from 2025 on, or nanoseconds, told apart by size (below 10^14 is
//! milliseconds, below 10^17 microseconds: unambiguous from 1973 to 5138).
//!
//! A trade has no quote: its tick's `bid`, `ask` and `last` are the trade
//! price, the sizes 0 and `volume` its quantity. A quote has no trade: its
//! tick's `last` is the mid and `volume` 0.

use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::{Sink, csv_error, csv_reader, first_file, line_of, unit_by_size, with_text};
use crate::{DataError, DataKind, ImportReport, Problem, SymbolId};

/// The kinds of Binance archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinanceKind {
    /// OHLCV bars of any interval.
    Klines,
    /// Aggregate trades.
    AggTrades,
    /// Individual trades.
    Trades,
    /// Best bid and ask (futures).
    BookTicker,
}

impl BinanceKind {
    /// The kind as its archives spell it: `klines`, `aggTrades`, `trades`, `bookTicker`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Klines => "klines",
            Self::AggTrades => "aggTrades",
            Self::Trades => "trades",
            Self::BookTicker => "bookTicker",
        }
    }

    /// Parses [`BinanceKind::name`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Klines,
            Self::AggTrades,
            Self::Trades,
            Self::BookTicker,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(s))
    }

    fn output(self) -> DataKind {
        match self {
            Self::Klines => DataKind::Bars,
            _ => DataKind::Ticks,
        }
    }

    /// The documented column names, for files without a header.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Klines => &[
                "open_time",
                "open",
                "high",
                "low",
                "close",
                "volume",
                "close_time",
                "quote_volume",
                "count",
                "taker_buy_volume",
                "taker_buy_quote_volume",
                "ignore",
            ],
            Self::AggTrades => &[
                "agg_trade_id",
                "price",
                "quantity",
                "first_trade_id",
                "last_trade_id",
                "transact_time",
                "is_buyer_maker",
                "is_best_match",
            ],
            Self::Trades => &[
                "id",
                "price",
                "qty",
                "quote_qty",
                "time",
                "is_buyer_maker",
                "is_best_match",
            ],
            Self::BookTicker => &[
                "update_id",
                "best_bid_price",
                "best_bid_qty",
                "best_ask_price",
                "best_ask_qty",
                "transaction_time",
                "event_time",
            ],
        }
    }

    /// Columns a row must have.
    fn width(self) -> usize {
        match self {
            Self::Klines => 6,
            Self::AggTrades => 6,
            Self::Trades => 5,
            Self::BookTicker => 7,
        }
    }
}

/// What an archive's file name says: `BTCUSDT-aggTrades-2024-01.zip`,
/// `BTCUSDT-1m-2024-01-15.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinanceName {
    pub symbol: String,
    pub kind: BinanceKind,
    /// The klines interval (`1s`, `1m`, ..., `1mo`).
    pub interval: Option<String>,
}

impl BinanceName {
    /// Reads the name of `path`; `None` when it is not an archive's name.
    pub fn parse(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let stem = name
            .strip_suffix(".zip")
            .or_else(|| name.strip_suffix(".csv"))
            .or_else(|| name.strip_suffix(".csv.gz"))?;
        let mut parts = stem.split('-');
        let symbol = parts.next().filter(|s| !s.is_empty())?;
        let what = parts.next()?;
        let (kind, interval) = match BinanceKind::parse(what) {
            Some(k) if k != BinanceKind::Klines => (k, None),
            _ if is_interval(what) => (BinanceKind::Klines, Some(what.to_owned())),
            _ => return None,
        };
        Some(Self {
            symbol: symbol.to_owned(),
            kind,
            interval,
        })
    }
}

/// `1s`, `15m`, `4h`, `1d`, `1w`, `1mo`.
fn is_interval(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(&s[digits..], "s" | "m" | "h" | "d" | "w" | "mo")
}

/// What the file names do not say, or what overrides them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinanceOptions {
    /// The symbol written (default: from the file names).
    pub symbol: Option<String>,
    /// The archive kind (default: from the file names).
    pub kind: Option<BinanceKind>,
}

/// Imports Binance archives of one symbol and kind, in the order given
/// (their timestamps must not go back, across files too), into one ticks or
/// bars Parquet file at `out`.
pub fn import_binance(
    inputs: &[PathBuf],
    out: &Path,
    options: &BinanceOptions,
) -> Result<ImportReport, DataError> {
    let (symbol, kind) = plan(inputs, options)?;
    let mut sink = Sink::new(kind.output(), out)?;
    let id = sink.symbol(&symbol);
    for input in inputs {
        with_text(input, |text, name| {
            import_one(text, name, kind, id, &mut sink)
        })?;
    }
    sink.finish(inputs.len())
}

/// The one symbol and kind of all inputs.
fn plan(inputs: &[PathBuf], options: &BinanceOptions) -> Result<(String, BinanceKind), DataError> {
    if inputs.is_empty() {
        return Err(DataError::Import {
            file: first_file(inputs),
            reason: "no input files".into(),
        });
    }
    let mut chosen: Option<(String, BinanceKind, Option<String>)> = None;
    for input in inputs {
        let named = BinanceName::parse(input);
        let symbol = options
            .symbol
            .clone()
            .or_else(|| named.as_ref().map(|n| n.symbol.clone()));
        let kind = options.kind.or(named.as_ref().map(|n| n.kind));
        let (Some(symbol), Some(kind)) = (symbol, kind) else {
            return Err(DataError::Import {
                file: input.clone(),
                reason: "the name does not say the symbol and kind (expected SYMBOL-aggTrades|trades|bookTicker|INTERVAL-DATE.zip or .csv, as data.binance.vision names them); give --symbol and --kind".into(),
            });
        };
        let interval = named.and_then(|n| n.interval);
        match &chosen {
            None => chosen = Some((symbol, kind, interval)),
            Some((s, k, i))
                if *s == symbol && *k == kind && (*i == interval || interval.is_none()) => {}
            Some((s, k, i)) => {
                return Err(DataError::Import {
                    file: input.clone(),
                    reason: format!(
                        "holds {symbol} {}{}, but the first input holds {s} {}{}: one output holds one symbol and kind (a catalog holds many)",
                        kind.name(),
                        interval.map(|i| format!(" {i}")).unwrap_or_default(),
                        k.name(),
                        i.as_ref().map(|i| format!(" {i}")).unwrap_or_default(),
                    ),
                });
            }
        }
    }
    let (symbol, kind, _) = chosen.expect("at least one input");
    Ok((symbol, kind))
}

fn import_one(
    text: &mut dyn std::io::Read,
    file: &Path,
    kind: BinanceKind,
    symbol: SymbolId,
    sink: &mut Sink,
) -> Result<(), DataError> {
    let mut reader = csv_reader(text);
    let mut record = ByteRecord::new();
    let mut names: Vec<String> = kind.columns().iter().map(|s| s.to_string()).collect();
    let mut first = true;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(file, e)),
        }
        if std::mem::take(&mut first) && is_header(&record) {
            names = super::header_names(&record);
            continue;
        }
        let row = Row {
            record: &record,
            file,
            names: &names,
        };
        row.check_width(kind.width())?;
        match kind {
            BinanceKind::Klines => {
                let ts = row.timestamp(0)?;
                let v = [
                    row.number(1)?,
                    row.number(2)?,
                    row.number(3)?,
                    row.number(4)?,
                    row.number(5)?,
                ];
                sink.bar(ts, symbol, v)
                    .map_err(|(col, p)| row.invalid(bar_source(col), p))?;
            }
            BinanceKind::AggTrades | BinanceKind::Trades => {
                let ts = row.timestamp(if kind == BinanceKind::Trades { 4 } else { 5 })?;
                let (price, qty) = (row.number(1)?, row.number(2)?);
                sink.tick(ts, symbol, [price, price, 0.0, 0.0, price, qty])
                    .map_err(|(col, p)| row.invalid(if col == "volume" { 2 } else { 1 }, p))?;
            }
            BinanceKind::BookTicker => {
                let ts = match row.timestamp(5)? {
                    0 => row.timestamp(6)?,
                    t => t,
                };
                let (bid, bid_qty, ask, ask_qty) = (
                    row.number(1)?,
                    row.number(2)?,
                    row.number(3)?,
                    row.number(4)?,
                );
                let mid = (bid + ask) / 2.0;
                sink.tick(ts, symbol, [bid, ask, bid_qty, ask_qty, mid, 0.0])
                    .map_err(|(col, p)| row.invalid(quote_source(col), p))?;
            }
        }
        sink.flush_if_full()?;
    }
}

/// The source column of a bars column.
fn bar_source(column: &str) -> usize {
    match column {
        "open" => 1,
        "high" => 2,
        "low" => 3,
        "close" => 4,
        "volume" => 5,
        _ => 0,
    }
}

/// The bookTicker column of a ticks column (`last` is the mid of both).
fn quote_source(column: &str) -> usize {
    match column {
        "bid" | "last" => 1,
        "bid_size" => 2,
        "ask" => 3,
        "ask_size" => 4,
        _ => 5,
    }
}

/// A header row: its first field starts with a letter (`open_time`, `id`);
/// a data row's is a number, and one that is not is reported as such.
fn is_header(record: &ByteRecord) -> bool {
    record
        .get(0)
        .and_then(|f| f.first())
        .is_some_and(u8::is_ascii_alphabetic)
}

/// One data row and how to name its parts.
struct Row<'a> {
    record: &'a ByteRecord,
    file: &'a Path,
    names: &'a [String],
}

impl Row<'_> {
    fn column(&self, i: usize) -> String {
        self.names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1))
    }

    fn field(&self, i: usize) -> &str {
        super::text(self.record, i)
    }

    fn bad(&self, i: usize, expected: &str) -> DataError {
        super::field_error(self.file, self.record, i, self.column(i), expected)
    }

    fn invalid(&self, i: usize, problem: Problem) -> DataError {
        super::invalid(self.file, self.record, self.column(i), problem)
    }

    /// A row too short for the kind: names the first missing column and
    /// shows the row.
    fn check_width(&self, width: usize) -> Result<(), DataError> {
        if self.record.len() >= width {
            return Ok(());
        }
        let row: Vec<String> = self
            .record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Err(DataError::CsvField {
            file: self.file.to_path_buf(),
            line: line_of(self.record),
            column: self.column(self.record.len()),
            expected: format!("{width} columns"),
            found: row.join(","),
        })
    }

    fn number(&self, i: usize) -> Result<f64, DataError> {
        self.field(i)
            .parse::<f64>()
            .map_err(|_| self.bad(i, "a number"))
    }

    /// An integer timestamp in ms, µs or ns (by size), as ns.
    fn timestamp(&self, i: usize) -> Result<i64, DataError> {
        let raw: i64 = self
            .field(i)
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| self.bad(i, "an integer timestamp in ms, µs or ns"))?;
        let (scale, unit) = unit_by_size(raw, false);
        raw.checked_mul(scale)
            .ok_or_else(|| self.invalid(i, Problem::TimestampOutOfRange { found: raw, unit }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_say_symbol_kind_and_interval() {
        let p = |s: &str| BinanceName::parse(Path::new(s));
        assert_eq!(
            p("data/BTCUSDT-aggTrades-2024-01.zip"),
            Some(BinanceName {
                symbol: "BTCUSDT".into(),
                kind: BinanceKind::AggTrades,
                interval: None
            })
        );
        let k = p("ETHUSDT-1mo-2024-01.csv").unwrap();
        assert_eq!(
            (k.kind, k.interval.as_deref()),
            (BinanceKind::Klines, Some("1mo"))
        );
        assert_eq!(
            p("BTCUSDT-bookTicker-2024-01-15.zip").unwrap().kind,
            BinanceKind::BookTicker
        );
        assert_eq!(
            p("BTCUSDT-trades-2024-01-15.csv.gz").unwrap().kind,
            BinanceKind::Trades
        );
        assert_eq!(p("BTCUSDT-depth-2024-01.zip"), None);
        assert_eq!(p("prices.csv"), None);
        assert!(is_interval("15m") && is_interval("1s") && !is_interval("m") && !is_interval("1y"));
    }
}
