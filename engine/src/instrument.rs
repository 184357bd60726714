//! What the engine keeps per instrument besides the account.

/// One instrument's state in the engine.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstrumentState {
    /// Market events seen.
    pub(crate) bars: u64,
}

impl InstrumentState {
    /// Counts a market event; returns its index for the instrument.
    pub(crate) fn next_bar(&mut self) -> u64 {
        let index = self.bars;
        self.bars += 1;
        index
    }
}
