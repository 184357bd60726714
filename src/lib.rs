//! The `axon` command's library: configuration files, the subcommands, the
//! live runner. The `axon` binary parses arguments and calls into it; the
//! Python package (`python/`) runs backtests through it.

pub mod canonical;
pub mod commands;
pub mod config;
pub mod config_models;
pub mod exit;
pub mod live;
pub mod output;
