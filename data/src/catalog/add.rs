//! [`Catalog::add`]: rows into their partitions, merged with what is there.
//!
//! The input is read once, in time order; a day's rows are held until the
//! input moves past that day, then merged into the partition file (written
//! whole to a `.partial` file and renamed into place). Merging keeps time
//! order and drops duplicates: among rows with the same time, a row already
//! in the partition is not added again, but a row that occurs twice in the
//! input (two identical trades in one millisecond) stays twice. Adding a
//! file a second time therefore changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{Catalog, Partition, check_name, date_of};
use crate::object::{self, Bucket};
use crate::{
    BarBatch, BarWriter, DataError, DataKind, MarketReader, ReaderOptions, SymbolTable, TickBatch,
    TickWriter, WriterOptions,
};

/// What [`Catalog::add`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AddReport {
    /// Rows read from the input.
    pub rows_read: u64,
    /// Rows added to the catalog.
    pub rows_added: u64,
    /// Input rows the catalog already held.
    pub duplicates: u64,
    /// Partitions written.
    pub partitions: usize,
}

/// One partition's rows of either kind.
enum Rows {
    Ticks(TickBatch),
    Bars(BarBatch),
}

impl Rows {
    fn empty(kind: DataKind) -> Self {
        match kind {
            DataKind::Ticks => Self::Ticks(TickBatch::default()),
            DataKind::Bars => Self::Bars(BarBatch::default()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Ticks(b) => b.len(),
            Self::Bars(b) => b.len(),
        }
    }

    fn ts(&self) -> &[i64] {
        match self {
            Self::Ticks(b) => &b.ts,
            Self::Bars(b) => &b.ts,
        }
    }

    fn key(&self, i: usize) -> Vec<u64> {
        match self {
            Self::Ticks(b) => b.row_key(i),
            Self::Bars(b) => b.row_key(i),
        }
    }

    /// Appends row `i` of `from` (same kind) as symbol 0.
    fn push_from(&mut self, from: &Rows, i: usize) {
        match (self, from) {
            (Self::Ticks(out), Self::Ticks(b)) => {
                if let Some(mut r) = b.get(i) {
                    r.symbol = 0;
                    out.push(r);
                }
            }
            (Self::Bars(out), Self::Bars(b)) => {
                if let Some(mut r) = b.get(i) {
                    r.symbol = 0;
                    out.push(r);
                }
            }
            _ => {}
        }
    }
}

impl Catalog {
    /// Files the rows of the ticks or bars Parquet `input` (one symbol or
    /// several) under `venue` and `kind`, one partition per symbol and UTC
    /// day.
    pub fn add(&self, input: &Path, venue: &str, kind: &str) -> Result<AddReport, DataError> {
        let bad = |reason: String| DataError::Import {
            file: input.to_path_buf(),
            reason,
        };
        check_name("venue", venue).map_err(bad)?;
        check_name("kind", kind).map_err(bad)?;
        let mut reader = MarketReader::open(input, ReaderOptions::default())?;
        let data_kind = reader.kind();
        let mut report = AddReport::default();
        let mut buckets = Vec::new();
        // (symbol, date) -> rows, held until the input is past that day.
        let mut pending: BTreeMap<(String, String), Rows> = BTreeMap::new();
        let mut batch = Rows::empty(data_kind);
        loop {
            let more = match &mut batch {
                Rows::Ticks(b) => reader.next_ticks(b)?,
                Rows::Bars(b) => reader.next_bars(b)?,
            };
            if !more {
                break;
            }
            let names = reader.symbols().names().to_vec();
            for i in 0..batch.len() {
                let symbol_id = match &batch {
                    Rows::Ticks(b) => b.symbol[i],
                    Rows::Bars(b) => b.symbol[i],
                };
                let symbol = names[symbol_id as usize].clone();
                check_name("symbol", &symbol).map_err(bad)?;
                let date = date_of(batch.ts()[i]);
                pending
                    .entry((symbol, date))
                    .or_insert_with(|| Rows::empty(data_kind))
                    .push_from(&batch, i);
            }
            report.rows_read += batch.len() as u64;
            // Days before the batch's last are complete.
            let today = batch.ts().last().map(|&t| date_of(t)).unwrap_or_default();
            let done: Vec<(String, String)> = pending
                .keys()
                .filter(|(_, d)| *d < today)
                .cloned()
                .collect();
            for key in done {
                if let Some(rows) = pending.remove(&key) {
                    self.flush(venue, kind, key, rows, &mut report, &mut buckets)?;
                }
            }
        }
        for (key, rows) in std::mem::take(&mut pending) {
            self.flush(venue, kind, key, rows, &mut report, &mut buckets)?;
        }
        Ok(report)
    }

    /// Merges `rows` into their partition file.
    fn flush(
        &self,
        venue: &str,
        kind: &str,
        (symbol, date): (String, String),
        rows: Rows,
        report: &mut AddReport,
        buckets: &mut Vec<Bucket>,
    ) -> Result<(), DataError> {
        let partition = Partition {
            venue: venue.to_owned(),
            symbol: symbol.clone(),
            kind: kind.to_owned(),
            date,
        };
        let path = self.path(&partition);
        let data_kind = match rows {
            Rows::Ticks(_) => DataKind::Ticks,
            Rows::Bars(_) => DataKind::Bars,
        };
        // A partition in object storage: its bucket, and its key.
        let remote = if object::is_url(&path) {
            Some(object::bucket(&path, buckets)?)
        } else {
            None
        };
        // An object that cannot be looked up is an error, never taken as
        // absent (that would overwrite it).
        let exists = match &remote {
            Some((bucket, key)) => bucket.head(key)?.is_some(),
            None => path.is_file(),
        };
        let existing = if exists {
            read_partition(&path, data_kind, &symbol)?
        } else {
            Rows::empty(data_kind)
        };
        let (merged, added) = merge(&existing, &rows, data_kind);
        report.rows_added += added;
        report.duplicates += rows.len() as u64 - added;
        report.partitions += 1;
        if added == 0 {
            return Ok(());
        }
        // An object is written locally, then uploaded whole.
        let scratch = if remote.is_some() {
            Some(tempfile::tempdir().map_err(|e| DataError::io(&path, e))?)
        } else {
            None
        };
        let target = match &scratch {
            Some(dir) => dir.path().join("part.parquet"),
            None => path.clone(),
        };
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        }
        let mut symbols = SymbolTable::default();
        symbols.intern(&symbol);
        // The path names the symbol (see `WriterOptions::symbol_column`).
        let options = WriterOptions {
            symbol_column: false,
            ..WriterOptions::default()
        };
        match merged {
            Rows::Ticks(b) => {
                let mut w = TickWriter::with_options(&target, &options)?;
                w.write(&b, &symbols)?;
                w.finish()?;
            }
            Rows::Bars(b) => {
                let mut w = BarWriter::with_options(&target, &options)?;
                w.write(&b, &symbols)?;
                w.finish()?;
            }
        }
        if let Some((bucket, key)) = &remote {
            bucket.put_file(key, &target)?;
        }
        Ok(())
    }
}

/// A partition's rows (one symbol: symbol 0).
fn read_partition(path: &Path, kind: DataKind, symbol: &str) -> Result<Rows, DataError> {
    let options = ReaderOptions {
        default_symbol: Some(symbol.to_owned()),
        ..ReaderOptions::default()
    };
    let mut reader = MarketReader::open(path, options)?;
    if reader.kind() != kind {
        return Err(DataError::KindMismatch {
            file: path.to_path_buf(),
            expected: kind,
            found: reader.kind(),
        });
    }
    let mut all = Rows::empty(kind);
    let mut batch = Rows::empty(kind);
    loop {
        let more = match &mut batch {
            Rows::Ticks(b) => reader.next_ticks(b)?,
            Rows::Bars(b) => reader.next_bars(b)?,
        };
        if !more {
            return Ok(all);
        }
        for i in 0..batch.len() {
            all.push_from(&batch, i);
        }
    }
}

/// `old` and `new` (both time-ordered) as one time-ordered partition, and
/// how many of `new`'s rows it adds: per time, `old`'s rows in order, then
/// those of `new` beyond the copies `old` already holds.
fn merge(old: &Rows, new: &Rows, kind: DataKind) -> (Rows, u64) {
    let mut out = Rows::empty(kind);
    let (mut i, mut j, mut added) = (0, 0, 0u64);
    let (ot, nt) = (old.ts(), new.ts());
    while i < ot.len() || j < nt.len() {
        let t = match (ot.get(i), nt.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let mut held: HashMap<Vec<u64>, u32> = HashMap::new();
        while ot.get(i) == Some(&t) {
            *held.entry(old.key(i)).or_default() += 1;
            out.push_from(old, i);
            i += 1;
        }
        while nt.get(j) == Some(&t) {
            match held.get_mut(&new.key(j)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    out.push_from(new, j);
                    added += 1;
                }
            }
            j += 1;
        }
    }
    (out, added)
}
