//! What the engine keeps per instrument besides the account: its market
//! event count and what scores the models on its next price.

use crate::event::ModelOutput;

/// One instrument's state in the engine.
#[derive(Debug, Clone)]
pub(crate) struct InstrumentState {
    /// Market events seen.
    pub(crate) bars: u64,
    /// The last price; NaN before the first market event.
    last_price: f64,
    /// Each slot's virtual position at the last event (the sign of its
    /// buy − sell), which earns the next price change.
    votes: Vec<f64>,
}

impl Default for InstrumentState {
    fn default() -> Self {
        Self {
            bars: 0,
            last_price: f64::NAN,
            votes: Vec::new(),
        }
    }
}

impl InstrumentState {
    /// Counts a market event; returns its index for the instrument.
    pub(crate) fn next_bar(&mut self) -> u64 {
        let index = self.bars;
        self.bars += 1;
        index
    }

    /// Records the event's price; returns the return since the previous
    /// event, or `None` when there is nothing to credit: no votes yet, or
    /// no positive previous price to take a return from.
    pub(crate) fn reprice(&mut self, price: f64) -> Option<f64> {
        let prev = std::mem::replace(&mut self.last_price, price);
        if self.votes.is_empty() || prev.is_nan() || prev <= 0.0 {
            return None;
        }
        Some(price / prev - 1.0)
    }

    /// Writes each of `slots` slots' return on `change` into `out`: its
    /// virtual position times the change, 0 for a slot that has not voted.
    pub(crate) fn credit(&self, slots: usize, change: f64, out: &mut Vec<f64>) {
        out.clear();
        out.extend((0..slots).map(|s| self.votes.get(s).map_or(0.0, |v| v * change)));
    }

    /// Replaces the votes with the models' signals at this event.
    pub(crate) fn record_votes(&mut self, models: &[ModelOutput]) {
        self.votes.clear();
        self.votes
            .extend(models.iter().map(|m| (m.raw[0] - m.raw[1]).signum()));
    }
}
