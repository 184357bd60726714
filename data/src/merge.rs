//! Several time-ordered sources, one per symbol, merged into one stream in
//! time order: at equal times the source listed first comes first, so the
//! same sources always give the same rows in the same order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::{BarBatch, DataError, DataKind, MarketReader, SymbolId, TickBatch};

/// One source and the rows it has handed over but the merge has not used.
#[derive(Debug)]
struct Source {
    reader: MarketReader,
    /// The symbol every row of this source gets in the merged stream.
    id: SymbolId,
    /// The symbol its rows must carry.
    name: String,
    ticks: TickBatch,
    bars: BarBatch,
    pos: usize,
}

/// The merge state of a catalog reader.
#[derive(Debug)]
pub(crate) struct Merge {
    sources: Vec<Source>,
    /// (next time, source index) of every source with rows left.
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    started: bool,
    batch_size: usize,
}

impl Merge {
    /// `readers[i]` holds the rows of merged symbol id `ids[i]`.
    pub(crate) fn new(readers: Vec<(MarketReader, SymbolId, String)>, batch_size: usize) -> Self {
        Self {
            sources: readers
                .into_iter()
                .map(|(reader, id, name)| Source {
                    reader,
                    id,
                    name,
                    ticks: TickBatch::default(),
                    bars: BarBatch::default(),
                    pos: 0,
                })
                .collect(),
            heap: BinaryHeap::new(),
            started: false,
            batch_size: batch_size.max(1),
        }
    }

    pub(crate) fn readers(&self) -> impl Iterator<Item = &MarketReader> {
        self.sources.iter().map(|s| &s.reader)
    }

    /// Loads source `i`'s next batch; queues it if it has rows.
    fn refill(&mut self, i: usize, kind: DataKind) -> Result<(), DataError> {
        let s = &mut self.sources[i];
        s.pos = 0;
        let first = match kind {
            DataKind::Ticks => s.reader.next_ticks(&mut s.ticks)?.then(|| s.ticks.ts[0]),
            DataKind::Bars => s.reader.next_bars(&mut s.bars)?.then(|| s.bars.ts[0]),
        };
        if let Some(wrong) = s.reader.symbols().names().iter().find(|n| **n != s.name) {
            let file = s
                .reader
                .provenance()
                .first()
                .map(|p| p.path.clone().into())
                .unwrap_or_default();
            return Err(DataError::Import {
                file,
                reason: format!(
                    "holds rows of {wrong}, but its partition is symbol={}",
                    s.name
                ),
            });
        }
        if let Some(t) = first {
            self.heap.push(Reverse((t, i)));
        }
        Ok(())
    }

    fn start(&mut self, kind: DataKind) -> Result<(), DataError> {
        if !std::mem::replace(&mut self.started, true) {
            for i in 0..self.sources.len() {
                self.refill(i, kind)?;
            }
        }
        Ok(())
    }

    pub(crate) fn next_ticks(&mut self, out: &mut TickBatch) -> Result<bool, DataError> {
        out.clear();
        self.start(DataKind::Ticks)?;
        while out.len() < self.batch_size {
            let Some(Reverse((_, i))) = self.heap.pop() else {
                break;
            };
            let s = &mut self.sources[i];
            let mut row = s.ticks.get(s.pos).expect("queued sources have a row");
            row.symbol = s.id;
            out.push(row);
            s.pos += 1;
            if s.pos < s.ticks.len() {
                self.heap.push(Reverse((s.ticks.ts[s.pos], i)));
            } else {
                self.refill(i, DataKind::Ticks)?;
            }
        }
        Ok(!out.is_empty())
    }

    pub(crate) fn next_bars(&mut self, out: &mut BarBatch) -> Result<bool, DataError> {
        out.clear();
        self.start(DataKind::Bars)?;
        while out.len() < self.batch_size {
            let Some(Reverse((_, i))) = self.heap.pop() else {
                break;
            };
            let s = &mut self.sources[i];
            let mut row = s.bars.get(s.pos).expect("queued sources have a row");
            row.symbol = s.id;
            out.push(row);
            s.pos += 1;
            if s.pos < s.bars.len() {
                self.heap.push(Reverse((s.bars.ts[s.pos], i)));
            } else {
                self.refill(i, DataKind::Bars)?;
            }
        }
        Ok(!out.is_empty())
    }
}
