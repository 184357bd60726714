//! One module per `axon` subcommand.

pub mod backtest;
pub mod ctl;
pub mod data;
pub mod demo;
pub mod explain;
pub mod journal;
pub mod live;
pub mod models;
pub mod replay;
pub mod report;
pub mod resample;
pub mod sweep;
pub mod walkforward;
