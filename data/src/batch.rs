//! Columnar in-memory batches of ticks and bars, and their row views.

use std::fmt;

use crate::SymbolId;

/// Which schema a file or reader holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// Top-of-book quotes with last trade: see [`TickBatch`].
    Ticks,
    /// OHLCV bars: see [`BarBatch`].
    Bars,
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataKind::Ticks => "ticks",
            DataKind::Bars => "bars",
        })
    }
}

/// One tick, as a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    /// Event time, nanoseconds since the Unix epoch (UTC).
    pub ts: i64,
    /// Interned symbol.
    pub symbol: SymbolId,
    /// Best bid price.
    pub bid: f64,
    /// Best ask price.
    pub ask: f64,
    /// Quantity at the best bid.
    pub bid_size: f64,
    /// Quantity at the best ask.
    pub ask_size: f64,
    /// Last trade price.
    pub last: f64,
    /// Traded quantity since the previous tick.
    pub volume: f64,
}

/// One OHLCV bar, as a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Bar time (its open), nanoseconds since the Unix epoch (UTC).
    pub ts: i64,
    /// Interned symbol.
    pub symbol: SymbolId,
    /// First trade price.
    pub open: f64,
    /// Highest trade price.
    pub high: f64,
    /// Lowest trade price.
    pub low: f64,
    /// Last trade price.
    pub close: f64,
    /// Traded quantity.
    pub volume: f64,
}

/// A batch of ticks, one `Vec` per column; all columns have the same length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickBatch {
    /// Event time, nanoseconds since the Unix epoch (UTC).
    pub ts: Vec<i64>,
    /// Interned symbol ids.
    pub symbol: Vec<SymbolId>,
    /// Best bid prices.
    pub bid: Vec<f64>,
    /// Best ask prices.
    pub ask: Vec<f64>,
    /// Quantities at the best bid.
    pub bid_size: Vec<f64>,
    /// Quantities at the best ask.
    pub ask_size: Vec<f64>,
    /// Last trade prices.
    pub last: Vec<f64>,
    /// Traded quantities.
    pub volume: Vec<f64>,
}

/// A batch of OHLCV bars, one `Vec` per column; all columns have the same length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarBatch {
    /// Bar time, nanoseconds since the Unix epoch (UTC).
    pub ts: Vec<i64>,
    /// Interned symbol ids.
    pub symbol: Vec<SymbolId>,
    /// Open prices.
    pub open: Vec<f64>,
    /// High prices.
    pub high: Vec<f64>,
    /// Low prices.
    pub low: Vec<f64>,
    /// Close prices.
    pub close: Vec<f64>,
    /// Traded quantities.
    pub volume: Vec<f64>,
}

macro_rules! batch_impl {
    ($batch:ident, $row:ident, $($col:ident),+) => {
        impl $batch {
            /// An empty batch with room for `n` rows in every column.
            pub fn with_capacity(n: usize) -> Self {
                Self { ts: Vec::with_capacity(n), symbol: Vec::with_capacity(n), $($col: Vec::with_capacity(n)),+ }
            }

            /// Number of rows (the length of the `ts` column).
            pub fn len(&self) -> usize {
                self.ts.len()
            }

            /// Whether the batch has no rows.
            pub fn is_empty(&self) -> bool {
                self.ts.is_empty()
            }

            /// The rows in `range` as a new batch.
            pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
                Self {
                    ts: self.ts[range.clone()].to_vec(),
                    symbol: self.symbol[range.clone()].to_vec(),
                    $($col: self.$col[range.clone()].to_vec()),+
                }
            }

            /// Keeps only the rows in `range` (in place).
            pub fn keep(&mut self, range: std::ops::Range<usize>) {
                self.ts.truncate(range.end);
                self.ts.drain(..range.start);
                self.symbol.truncate(range.end);
                self.symbol.drain(..range.start);
                $(self.$col.truncate(range.end); self.$col.drain(..range.start);)+
            }

            /// Row `i`'s exact bits (time, symbol, values): equal keys are
            /// identical rows.
            pub(crate) fn row_key(&self, i: usize) -> Vec<u64> {
                vec![self.ts[i] as u64, u64::from(self.symbol[i]) $(, self.$col[i].to_bits())+]
            }

            /// Removes all rows, keeping the allocations.
            pub fn clear(&mut self) {
                self.ts.clear();
                self.symbol.clear();
                $(self.$col.clear();)+
            }

            /// Reserves room for `n` more rows in every column.
            pub fn reserve(&mut self, n: usize) {
                self.ts.reserve(n);
                self.symbol.reserve(n);
                $(self.$col.reserve(n);)+
            }

            /// Appends one row.
            pub fn push(&mut self, row: $row) {
                self.ts.push(row.ts);
                self.symbol.push(row.symbol);
                $(self.$col.push(row.$col);)+
            }

            /// Appends all rows of `other`.
            pub fn extend_from(&mut self, other: &Self) {
                self.ts.extend_from_slice(&other.ts);
                self.symbol.extend_from_slice(&other.symbol);
                $(self.$col.extend_from_slice(&other.$col);)+
            }

            /// Row `i`, or `None` if out of range (or if the columns have unequal lengths).
            pub fn get(&self, i: usize) -> Option<$row> {
                Some($row {
                    ts: *self.ts.get(i)?,
                    symbol: *self.symbol.get(i)?,
                    $($col: *self.$col.get(i)?),+
                })
            }

            /// Iterates over the rows.
            pub fn iter(&self) -> impl ExactSizeIterator<Item = $row> + '_ {
                (0..self.columns_len()).map(move |i| $row {
                    ts: self.ts[i],
                    symbol: self.symbol[i],
                    $($col: self.$col[i]),+
                })
            }

            /// The length of the shortest column (equal to [`Self::len`] in a well-formed batch).
            pub(crate) fn columns_len(&self) -> usize {
                let mut n = self.ts.len().min(self.symbol.len());
                $(n = n.min(self.$col.len());)+
                n
            }

            /// Whether all columns have the same length.
            pub fn is_consistent(&self) -> bool {
                let n = self.ts.len();
                self.symbol.len() == n $(&& self.$col.len() == n)+
            }
        }
    };
}

/// What the reader does alike with batches of either kind.
pub(crate) trait Rows {
    fn times(&self) -> &[i64];
    fn keep(&mut self, range: std::ops::Range<usize>);
    fn clear(&mut self);
    fn is_empty(&self) -> bool;
}

macro_rules! rows_impl {
    ($batch:ident) => {
        impl Rows for $batch {
            fn times(&self) -> &[i64] {
                &self.ts
            }
            fn keep(&mut self, range: std::ops::Range<usize>) {
                $batch::keep(self, range)
            }
            fn clear(&mut self) {
                $batch::clear(self)
            }
            fn is_empty(&self) -> bool {
                $batch::is_empty(self)
            }
        }
    };
}

rows_impl!(TickBatch);
rows_impl!(BarBatch);

batch_impl!(TickBatch, Tick, bid, ask, bid_size, ask_size, last, volume);
batch_impl!(BarBatch, Bar, open, high, low, close, volume);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_iter_clear() {
        let mut b = TickBatch::with_capacity(4);
        let t = Tick {
            ts: 1,
            symbol: 0,
            bid: 1.0,
            ask: 2.0,
            bid_size: 3.0,
            ask_size: 4.0,
            last: 1.5,
            volume: 5.0,
        };
        b.push(t);
        b.push(Tick { ts: 2, ..t });
        assert_eq!(b.len(), 2);
        assert!(b.is_consistent());
        assert_eq!(b.get(1), Some(Tick { ts: 2, ..t }));
        assert_eq!(b.get(2), None);
        assert_eq!(b.iter().map(|r| r.ts).collect::<Vec<_>>(), [1, 2]);
        let cap = b.bid.capacity();
        b.clear();
        assert!(b.is_empty());
        assert_eq!(b.bid.capacity(), cap);
        b.ask.push(1.0);
        assert!(!b.is_consistent());
        assert_eq!(b.iter().count(), 0);
    }

    #[test]
    fn bars_extend() {
        let mut a = BarBatch::default();
        a.push(Bar {
            ts: 1,
            symbol: 0,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 10.0,
        });
        let mut b = BarBatch::default();
        b.extend_from(&a);
        b.extend_from(&a);
        assert_eq!(b.len(), 2);
        assert_eq!(DataKind::Bars.to_string(), "bars");
    }
}
