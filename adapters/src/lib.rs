//! # axon-adapters
//!
//! Venues the engine trades with, behind one port, [`Venue`]: Binance and
//! OKX ([`exchange`]: signing, rate limits, websockets, order lookups) and
//! paper trading ([`PaperVenue`]: a venue's market data against the
//! simulated exchange). [`sim::SimExchange`] is the deterministic simulated
//! exchange of backtests and paper sessions: it turns the engine's
//! submitted orders into fills, which the driver feeds back through the
//! sequencer as journaled inputs, so a replay needs no simulator at all.

pub mod exchange;
pub mod paper;
pub mod sim;
mod venue;

pub use paper::PaperVenue;
pub use venue::{Account, Venue, VenueKind};
