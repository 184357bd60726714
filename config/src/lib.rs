//! # axon-config
//!
//! A session's TOML configuration, from text to plan, in two steps:
//!
//! 1. [`Config::parse`] (or [`Config::load`], which reads the file first)
//!    checks the file's shape: unknown keys, wrong types and a missing or
//!    doubled source (`[data]` for a backtest, `[exchange]` for a live
//!    session, see [`Source`]) are errors that name the file, the key and
//!    the line. It reads nothing else.
//! 2. [`Config::backtest_plan`] and [`Config::live_plan`] check values and
//!    load what the file points at: model files (hashed and checked
//!    against their pins), rollbacks from earlier journals' stores, and
//!    credentials from the environment.
//!
//! Defaults live once, on the types the file is read into: the engine's
//! [`RiskLimits`](axon_engine::config::RiskLimits), the venue's
//! [`RateLimitConfig`](axon_adapters::exchange::config::RateLimitConfig)
//! and [`ReconnectConfig`](axon_adapters::exchange::config::ReconnectConfig),
//! and this crate's sections.
//!
//! What a journal records of the file is its [`canonical_settings`]: the
//! parsed settings without locations or credentials, so a session's head
//! hash never depends on where it was written or how the file is laid out.

mod canonical;
mod error;
mod exchange;
mod file;
mod load;
mod models;
mod plan;
mod python;

pub use canonical::canonical_settings;
pub use error::ConfigError;
pub use exchange::{ExchangeSection, Mode, redact};
pub use file::{
    Config, ConfigFile, Data, DurabilityKind, Execution, JournalSection, Session, SizingKind,
    Source, Strategy, StrategyKind,
};
pub use models::{At, EnsembleSection, ModelEntry, ModelsSection, WeightMode};
pub use plan::LivePlan;
