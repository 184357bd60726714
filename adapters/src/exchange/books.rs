//! What the stream decoders share: the last state of each instrument, so a
//! message that updates part of it (a trade, a quote) still yields a whole
//! tick, and number fields parsed with errors that name them.

use std::collections::BTreeMap;

use axon_engine::market::{InstrumentId, Tick};

use crate::exchange::binance_ws::DecodeError;

/// The last tick of each instrument, by venue symbol.
#[derive(Debug, Default)]
pub(crate) struct Books {
    ids: BTreeMap<String, InstrumentId>,
    last: Vec<Tick>,
}

impl Books {
    /// Instruments in order: the first symbol is instrument 0.
    pub fn new(symbols: &[&str]) -> Self {
        Self {
            ids: symbols
                .iter()
                .enumerate()
                .map(|(i, s)| (s.to_string(), i as InstrumentId))
                .collect(),
            last: (0..symbols.len())
                .map(|i| Tick {
                    instrument: i as InstrumentId,
                    bid: f64::NAN,
                    ask: f64::NAN,
                    bid_size: 0.0,
                    ask_size: 0.0,
                    last: f64::NAN,
                    volume: 0.0,
                })
                .collect(),
        }
    }

    /// The instrument's last tick, None for a symbol not traded here.
    pub fn get_mut(&mut self, symbol: &str) -> Option<&mut Tick> {
        let id = *self.ids.get(symbol)?;
        self.last.get_mut(id as usize)
    }
}

/// A decimal field as f64, or an error naming it.
pub(crate) fn num(field: &'static str, s: &str) -> Result<f64, DecodeError> {
    s.parse().map_err(|_| DecodeError::Number {
        field,
        value: s.to_string(),
    })
}
