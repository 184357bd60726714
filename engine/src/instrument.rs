//! What the engine keeps per instrument besides the account.

use crate::bars::{BarBuilder, BarSpec};

/// One instrument's state in the engine.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstrumentState {
    /// Market events seen.
    pub(crate) bars: u64,
    /// Bars built from its ticks, one builder per configured spec, with
    /// the count each has closed.
    pub(crate) built: Vec<(BarBuilder, u64)>,
}

impl InstrumentState {
    /// State with a bar builder per spec.
    pub(crate) fn new(specs: &[BarSpec]) -> Self {
        Self {
            bars: 0,
            built: specs.iter().map(|s| (BarBuilder::new(*s), 0)).collect(),
        }
    }

    /// Counts a market event; returns its index for the instrument.
    pub(crate) fn next_bar(&mut self) -> u64 {
        let index = self.bars;
        self.bars += 1;
        index
    }
}
