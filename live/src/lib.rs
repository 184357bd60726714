//! # axon-live
//!
//! The live session: the engine against a venue (or, in paper mode, a
//! venue's market data against the simulated exchange), every venue event
//! journaled before the engine sees it, so the session replays exactly
//! (`axon replay --verify`) and, after a stop or a crash, resumes from its
//! own journal without sending an order twice.
//!
//! The venue is a [`Venue`](axon_adapters::Venue): the session loop has no
//! per-venue code. A session is planned from a config file by
//! [`axon_config::Config::live_plan`] and run by [`run`] (inside a tokio
//! runtime) or [`run_blocking`].

mod error;
mod models;
mod orders;
mod reconcile;
mod session;
mod sizing;
mod start;

use std::time::Duration;

use axon_config::LivePlan;
use axon_metrics::MetricsCollector;

pub use error::LiveError;
pub use session::{LiveReport, run};

/// Waits for SIGINT or SIGTERM.
pub async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs a session on its own runtime until SIGINT or SIGTERM, or
/// `max_duration`, or a stream is lost for good.
pub fn run_blocking(
    plan: LivePlan,
    max_duration: Option<Duration>,
    metrics: Option<MetricsCollector>,
) -> Result<LiveReport, LiveError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(LiveError::Runtime)?;
    runtime.block_on(run(plan, max_duration, metrics, signalled()))
}
