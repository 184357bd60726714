//! # axon-replay
//!
//! The drivers around the engine: a backtest from Parquet through the
//! simulated exchange into a journal ([`run_backtest`]), an exact replay
//! that re-runs the engine from a journal's inputs and checks every output
//! bit for bit ([`verify_replay`]), a record-by-record journal diff
//! ([`diff_journals`]) and a Parquet export ([`export_parquet`]).
//!
//! Replays need only the journal: the session-start record carries the
//! engine configuration and every fill is a journaled input. The
//! [`Replayer`] is the one place that rebuilds an engine from a journal and
//! steps it; verification, audits and resumed live sessions all go through
//! it.

mod audit;
mod backtest;
mod decision_report;
mod diff;
mod error;
mod export;
mod feed;
mod models;
mod observe;
mod plan;
mod replayer;
mod verify;

pub use audit::{Audit, AuditOptions, AuditTarget, OperatorAction, SlotAudit, audit};
pub use backtest::{
    BacktestReport, CONFIG_SOURCE, LoadedData, Progress, run_backtest, run_backtest_loaded,
    write_config_source,
};
pub use decision_report::{DecisionReport, ExplainOptions, action_name, explain_decision};
pub use diff::{CONTEXT, DecisionChange, DiffReport, Divergence, diff_journals};
pub use error::ReplayError;
pub use export::export_parquet;
pub use feed::{engine_bar, engine_tick};
pub use models::{SwapEntry, model_history};
pub use observe::{InferenceMetrics, RunMetrics};
pub use plan::{BacktestPlan, PlannedModel, SessionPlan};
pub use replayer::{ReplayStep, Replayer};
pub use verify::{Mismatch, RecordView, VerifyOutcome, verify_replay, verify_replay_with};
