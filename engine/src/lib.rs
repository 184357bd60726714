//! # axon-engine
//!
//! The deterministic core of AXON: event types, the `Model` port, the
//! ensemble, risk checks, orders, portfolio and PnL, and the sequencer loop
//! shared by backtest, replay and live trading.
//!
//! ## Contract
//!
//! The engine is a pure state machine: `(state, input) -> (state, outputs)`.
//! Time is the event time of the input being processed. It reads no clock,
//! no environment, no unseeded randomness and iterates no hash-ordered
//! collection (enforced by `clippy.toml` in this crate). Given the same
//! inputs, the same binary produces the same outputs bit for bit, which is
//! what `axon replay --verify` checks.
//!
//! Every input is journaled before the engine acts on it, and every output
//! after; see [`Sequencer`].

pub mod bars;
pub mod broker;
pub mod calendar;
mod codec;
pub mod config;
mod desk;
mod engine;
pub mod ensemble;
pub mod error;
pub mod event;
pub mod features;
mod instrument;
pub mod market;
pub mod model;
mod portfolio;
pub mod pymath;
mod risk;
pub mod rolling;
mod sequencer;
pub mod sizing;
mod stats;
pub mod strategy;

pub use codec::{DecodeError, Event};
pub use config::EngineConfig;
pub use desk::OrderRequest;
pub use engine::Engine;
pub use ensemble::{
    DynamicWeightedEnsemble, DynamicWeights, Ensemble, EnsembleConfig, EnsembleMetrics, Evaluation,
};
pub use error::EngineError;
pub use event::{Input, Output};
pub use features::FeatureWindow;
pub use portfolio::{Portfolio, Trade};
pub use risk::{Risk, RiskBook};
pub use sequencer::{EventLog, MemoryLog, Sequencer};
pub use stats::Summary;
