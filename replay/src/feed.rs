//! Reads market data on a second thread so Parquet decoding overlaps the
//! engine and the journal. Batches arrive in file order; buffers are
//! recycled, so steady state allocates nothing. Determinism is unaffected:
//! the order of rows is the reader's.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use axon_data::{BarBatch, DataError, DataKind, MarketReader, TickBatch};

/// One batch and the symbols first seen in it.
#[derive(Debug)]
pub struct Batch {
    /// Rows.
    pub rows: Rows,
    /// Names of symbols that appeared for the first time, in id order.
    pub new_symbols: Vec<String>,
}

/// Rows of either kind.
#[derive(Debug)]
pub enum Rows {
    /// Ticks.
    Ticks(TickBatch),
    /// Bars.
    Bars(BarBatch),
}

impl Rows {
    /// Rows in the batch.
    pub fn count(&self) -> usize {
        match self {
            Self::Ticks(b) => b.len(),
            Self::Bars(b) => b.len(),
        }
    }

    /// Event times.
    pub fn times(&self) -> &[i64] {
        match self {
            Self::Ticks(b) => &b.ts,
            Self::Bars(b) => &b.ts,
        }
    }

    /// Symbol ids.
    pub fn symbols(&self) -> &[u32] {
        match self {
            Self::Ticks(b) => &b.symbol,
            Self::Bars(b) => &b.symbol,
        }
    }

    /// The rows in `range`.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        match self {
            Self::Ticks(b) => Self::Ticks(b.slice(range)),
            Self::Bars(b) => Self::Bars(b.slice(range)),
        }
    }
}

/// The consumer side.
#[derive(Debug)]
pub struct Feed {
    batches: Receiver<Result<Batch, DataError>>,
    recycle: SyncSender<Rows>,
    handle: Option<JoinHandle<MarketReader>>,
}

const DEPTH: usize = 4;

impl Feed {
    /// Starts reading on a thread.
    pub fn start(mut reader: MarketReader) -> std::io::Result<Self> {
        let (tx, batches) = sync_channel(DEPTH);
        let (recycle, spare) = sync_channel::<Rows>(DEPTH + 2);
        let kind = reader.kind();
        let handle = std::thread::Builder::new()
            .name("axon-feed".into())
            .spawn(move || {
                // From none: a catalog query's reader knows its symbols
                // before its first row, and they are declared with it.
                let mut known = 0;
                loop {
                    let mut rows = spare.try_recv().unwrap_or(match kind {
                        DataKind::Ticks => Rows::Ticks(TickBatch::default()),
                        DataKind::Bars => Rows::Bars(BarBatch::default()),
                    });
                    let more = match &mut rows {
                        Rows::Ticks(b) => reader.next_ticks(b),
                        Rows::Bars(b) => reader.next_bars(b),
                    };
                    let msg = match more {
                        Ok(false) => break,
                        Ok(true) => {
                            let names = reader.symbols().names();
                            let new_symbols = names[known..].to_vec();
                            known = names.len();
                            Ok(Batch { rows, new_symbols })
                        }
                        Err(e) => Err(e),
                    };
                    let stop = msg.is_err();
                    if tx.send(msg).is_err() || stop {
                        break;
                    }
                }
                reader
            })?;
        Ok(Self {
            batches,
            recycle,
            handle: Some(handle),
        })
    }

    /// The next batch; `None` at the end.
    pub fn next(&mut self) -> Option<Result<Batch, DataError>> {
        self.batches.recv().ok()
    }

    /// Hands a buffer back for reuse.
    pub fn recycle(&self, rows: Rows) {
        let _ = self.recycle.try_send(rows);
    }

    /// Waits for the reader thread and returns the reader.
    pub fn finish(mut self) -> Option<MarketReader> {
        drop(self.batches);
        self.handle.take().and_then(|h| h.join().ok())
    }
}

/// A tick row of the data as the engine's tick: the data's symbol id is the
/// instrument id (the feed declares symbols in id order).
#[inline]
pub fn engine_tick(t: &axon_data::Tick) -> axon_engine::market::Tick {
    axon_engine::market::Tick {
        instrument: t.symbol,
        bid: t.bid,
        ask: t.ask,
        bid_size: t.bid_size,
        ask_size: t.ask_size,
        last: t.last,
        volume: t.volume,
    }
}

/// A bar row of the data as the engine's bar (see [`engine_tick`]).
#[inline]
pub fn engine_bar(b: &axon_data::Bar) -> axon_engine::market::Bar {
    axon_engine::market::Bar {
        instrument: b.symbol,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
    }
}
