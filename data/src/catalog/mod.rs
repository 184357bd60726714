//! A market data catalog: Parquet files in Hive-style partitions,
//!
//! ```text
//! DIR/venue=binance/symbol=BTCUSDT/kind=trades/date=2024-01-15/part-0.parquet
//! ```
//!
//! one file per venue, symbol, kind and UTC day, in this crate's ticks or
//! bars schema without the `symbol` column (the path names it), rows in
//! time order. pyarrow, polars and DuckDB read `DIR` as
//! one partitioned dataset. [`Catalog::add`] files rows into their
//! partitions, merging with what is there; [`Catalog::open`] reads a query
//! (symbols, kind, time range) as one time-ordered stream, opening only the
//! partitions of the range's days and, within them, only the row groups
//! whose `ts` statistics overlap the range.
//!
//! `DIR` may be `s3://bucket/prefix` (see the `object` module): partitions
//! are found with one listing, read by ranges, and written whole.

mod add;

use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

pub use add::AddReport;

use crate::object::{self, Bucket, Ranged};
use crate::time::{NANOS_PER_DAY, civil_from_days};
use crate::{DataError, MarketReader, ReaderOptions};

/// The file each partition holds.
const PART: &str = "part-0.parquet";

/// A catalog rooted at a folder.
#[derive(Debug, Clone)]
pub struct Catalog {
    root: PathBuf,
}

/// One partition's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Partition {
    pub venue: String,
    pub symbol: String,
    pub kind: String,
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
}

/// What the catalog holds of one venue, symbol and kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    pub venue: String,
    pub symbol: String,
    pub kind: String,
    pub first_date: String,
    pub last_date: String,
    pub days: usize,
    pub rows: u64,
    pub bytes: u64,
}

/// What to read from a catalog.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogQuery {
    /// The venue; may be left out when each symbol is under one venue.
    pub venue: Option<String>,
    /// Symbols, merged in time order; at equal times the earlier listed
    /// comes first. Their ids in the stream follow this order.
    pub symbols: Vec<String>,
    /// `trades`, `quotes`, `bars_1m`, ...
    pub kind: String,
    /// First time read (ns, included).
    pub start: Option<i64>,
    /// Time reading stops at (ns, excluded).
    pub end: Option<i64>,
}

/// `YYYY-MM-DD` of a time (UTC).
pub(crate) fn date_of(ns: i64) -> String {
    let (y, m, d) = civil_from_days(ns.div_euclid(NANOS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Checks a partition value: letters, digits, `_`, `-`, `.`; not empty, not
/// starting with a dot.
pub(crate) fn check_name(what: &str, value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && !value.starts_with('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} cannot name a partition (letters, digits, _, - and . only)"
        ))
    }
}

impl Catalog {
    /// The catalog at `root` (created by the first [`Catalog::add`]).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The catalog's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a partition.
    pub fn path(&self, p: &Partition) -> PathBuf {
        self.root
            .join(format!("venue={}", p.venue))
            .join(format!("symbol={}", p.symbol))
            .join(format!("kind={}", p.kind))
            .join(format!("date={}", p.date))
            .join(PART)
    }

    /// Every partition with its file, sorted by venue, symbol, kind, date.
    /// Folders that are not `key=value` partitions are ignored.
    pub fn partitions(&self) -> Result<Vec<(Partition, PathBuf)>, DataError> {
        if object::is_url(&self.root) {
            return self.remote_partitions();
        }
        if !self.root.is_dir() {
            return Err(DataError::Import {
                file: self.root.clone(),
                reason: "no catalog here (a folder of venue=/symbol=/kind=/date= partitions)"
                    .into(),
            });
        }
        let mut out = Vec::new();
        for venue in level(&self.root, "venue")? {
            for symbol in level(&venue.1, "symbol")? {
                for kind in level(&symbol.1, "kind")? {
                    for date in level(&kind.1, "date")? {
                        let file = date.1.join(PART);
                        if file.is_file() {
                            let p = Partition {
                                venue: venue.0.clone(),
                                symbol: symbol.0.clone(),
                                kind: kind.0.clone(),
                                date: date.0,
                            };
                            out.push((p, file));
                        }
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// [`Catalog::partitions`] of a catalog in object storage: one listing.
    fn remote_partitions(&self) -> Result<Vec<(Partition, PathBuf)>, DataError> {
        let (bucket, prefix) = Bucket::open(&self.root)?;
        let mut out = Vec::new();
        for o in bucket.list(&prefix)? {
            let rel = o.key().strip_prefix(prefix.as_str()).unwrap_or(o.key());
            let parts: Vec<&str> = rel.trim_start_matches('/').split('/').collect();
            let value = |part: &str, key: &str| {
                part.strip_prefix(key)
                    .and_then(|r| r.strip_prefix('='))
                    .map(str::to_owned)
            };
            if let [v, s, k, d, file] = parts.as_slice()
                && *file == PART
                && let (Some(venue), Some(symbol), Some(kind), Some(date)) = (
                    value(v, "venue"),
                    value(s, "symbol"),
                    value(k, "kind"),
                    value(d, "date"),
                )
            {
                let p = Partition {
                    venue,
                    symbol,
                    kind,
                    date,
                };
                out.push((p, o.url()));
            }
        }
        if out.is_empty() {
            return Err(DataError::Import {
                file: self.root.clone(),
                reason: "no catalog here (no venue=/symbol=/kind=/date= partitions)".into(),
            });
        }
        out.sort();
        Ok(out)
    }

    /// What the catalog holds, per venue, symbol and kind (rows from the
    /// Parquet footers).
    pub fn series(&self) -> Result<Vec<Series>, DataError> {
        let mut out: Vec<Series> = Vec::new();
        let mut buckets = Vec::new();
        for (p, file) in self.partitions()? {
            let (rows, bytes) = footer_rows(&file, &mut buckets)?;
            match out.last_mut() {
                Some(s) if s.venue == p.venue && s.symbol == p.symbol && s.kind == p.kind => {
                    s.last_date = p.date;
                    s.days += 1;
                    s.rows += rows;
                    s.bytes += bytes;
                }
                _ => out.push(Series {
                    venue: p.venue,
                    symbol: p.symbol,
                    kind: p.kind,
                    first_date: p.date.clone(),
                    last_date: p.date,
                    days: 1,
                    rows,
                    bytes,
                }),
            }
        }
        Ok(out)
    }

    /// The files a query reads, per symbol in the query's order, each
    /// symbol's in date order: only the days the time range touches.
    pub fn select(&self, q: &CatalogQuery) -> Result<Vec<(String, Vec<PathBuf>)>, DataError> {
        let bad = |reason: String| DataError::Import {
            file: self.root.clone(),
            reason,
        };
        if q.symbols.is_empty() {
            return Err(bad("the query names no symbol".into()));
        }
        let first_day = q.start.map(date_of);
        let last_day = q.end.map(|e| date_of(e - 1));
        let all = self.partitions()?;
        let mut out = Vec::new();
        for symbol in &q.symbols {
            let of_symbol: Vec<&(Partition, PathBuf)> = all
                .iter()
                .filter(|(p, _)| &p.symbol == symbol && p.kind == q.kind)
                .filter(|(p, _)| q.venue.as_ref().is_none_or(|v| &p.venue == v))
                .collect();
            let mut venues: Vec<&str> = of_symbol.iter().map(|(p, _)| p.venue.as_str()).collect();
            venues.dedup();
            if venues.len() > 1 {
                return Err(bad(format!(
                    "{symbol} {} is under several venues ({}): name one ([data] venue)",
                    q.kind,
                    venues.join(", ")
                )));
            }
            let files: Vec<PathBuf> = of_symbol
                .into_iter()
                .filter(|(p, _)| first_day.as_ref().is_none_or(|d| &p.date >= d))
                .filter(|(p, _)| last_day.as_ref().is_none_or(|d| &p.date <= d))
                .map(|(_, f)| f.clone())
                .collect();
            if files.is_empty() {
                return Err(bad(format!(
                    "no {} of {symbol}{} in the time range (see axon data catalog ls)",
                    q.kind,
                    q.venue
                        .as_ref()
                        .map(|v| format!(" on {v}"))
                        .unwrap_or_default()
                )));
            }
            out.push((symbol.clone(), files));
        }
        Ok(out)
    }

    /// Reads a query: every symbol's rows in the time range, merged in time
    /// order, validated as any data are.
    pub fn open(
        &self,
        q: &CatalogQuery,
        options: ReaderOptions,
    ) -> Result<MarketReader, DataError> {
        let range = q.start.unwrap_or(i64::MIN)..q.end.unwrap_or(i64::MAX);
        let mut readers = Vec::new();
        for (symbol, files) in self.select(q)? {
            // The files leave the symbol to their partition path.
            let opts = ReaderOptions {
                time_range: Some(range.clone()),
                default_symbol: Some(symbol.clone()),
                ..options.clone()
            };
            readers.push((symbol, MarketReader::open_files(&self.root, files, opts)?));
        }
        MarketReader::merged(readers, options)
    }
}

/// The `key=value` folders of `dir`: (value, path), sorted by value.
fn level(dir: &Path, key: &str) -> Result<Vec<(String, PathBuf)>, DataError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(value) = name.strip_prefix(key).and_then(|r| r.strip_prefix('='))
            && entry.path().is_dir()
        {
            out.push((value.to_owned(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// (rows, bytes) of a Parquet file from its footer and size.
fn footer_rows(file: &Path, buckets: &mut Vec<Bucket>) -> Result<(u64, u64), DataError> {
    if object::is_url(file) {
        let o = object::find(file, buckets)?;
        let size = o.size;
        let ranged = Ranged::new(o, Default::default());
        let meta =
            ArrowReaderMetadata::load(&ranged, ArrowReaderOptions::new()).map_err(|source| {
                DataError::NotParquet {
                    file: file.to_path_buf(),
                    source,
                }
            })?;
        let rows = u64::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
        return Ok((rows, size));
    }
    let f = std::fs::File::open(file).map_err(|e| DataError::io(file, e))?;
    let bytes = f.metadata().map_err(|e| DataError::io(file, e))?.len();
    let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).map_err(|source| {
        DataError::NotParquet {
            file: file.to_path_buf(),
            source,
        }
    })?;
    let rows = u64::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    Ok((rows, bytes))
}
