//! # axon-metrics
//!
//! Prometheus metrics: the [`MetricsCollector`] and its HTTP exporter.
//!
//! Metrics observe the engine from the outside (drivers record what the
//! engine journaled); nothing here is read back by the engine, so they
//! cannot change a decision. Recording is lock-free: every series a hot path
//! touches is resolved once into an atomic handle ([`InstrumentMetrics`],
//! the per-reason counters), so an update is one atomic add or store.

mod collector;
mod exporter;

pub use collector::{InstrumentMetrics, MetricsCollector, MetricsError};
pub use exporter::Exporter;
