//! Market data as the engine sees it: plain `Copy` values, no allocation.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Index of an instrument in the session's instrument list.
pub type InstrumentId = u32;

/// A top-of-book quote with the last trade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Tick {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Best bid.
    pub bid: f64,
    /// Best ask.
    pub ask: f64,
    /// Size at the bid.
    pub bid_size: f64,
    /// Size at the ask.
    pub ask_size: f64,
    /// Last trade price.
    pub last: f64,
    /// Traded volume since the previous tick.
    pub volume: f64,
}

impl Tick {
    /// The mid price, the tick's mark.
    #[inline]
    pub fn mid(&self) -> f64 {
        (self.bid + self.ask) * 0.5
    }
}

/// An OHLCV bar; its event time is the bar's open time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Bar {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Open.
    pub open: f64,
    /// High.
    pub high: f64,
    /// Low.
    pub low: f64,
    /// Close.
    pub close: f64,
    /// Volume.
    pub volume: f64,
}

/// Order side.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Encode, Decode,
)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl Side {
    /// +1 for buys, -1 for sells.
    #[inline]
    pub fn sign(self) -> f64 {
        match self {
            Self::Buy => 1.0,
            Self::Sell => -1.0,
        }
    }

    /// The other side.
    #[inline]
    pub fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }
}
