//! # axon-adapters
//!
//! Venues the engine trades with. [`sim::SimExchange`] is the deterministic
//! simulated exchange used by backtests: it turns the engine's submitted
//! orders into fills, which the driver feeds back through the sequencer as
//! journaled inputs, so a replay needs no simulator at all.

pub mod exchange;
pub mod sim;
