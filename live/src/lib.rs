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

pub mod control;
mod error;
mod latency;
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
pub use latency::{LatencyReport, Stage};
pub use session::{LiveReport, run};

/// A future that resolves on SIGINT or SIGTERM. The handlers are
/// registered when this is called (inside a runtime), not when the future
/// is first polled: a signal that arrives while the session is still
/// starting then stops it cleanly instead of killing the process.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        async move {
            let (Ok(mut int), Ok(mut term)) = handlers else {
                std::future::pending::<()>().await;
                return;
            };
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs a session on its own runtime until SIGINT or SIGTERM, or
/// `max_duration`, or a stream is lost for good.
pub fn run_blocking(
    plan: LivePlan,
    max_duration: Option<Duration>,
    metrics: Option<MetricsCollector>,
) -> Result<LiveReport, LiveError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LiveError::Runtime)?;
    runtime.block_on(async {
        let shutdown = shutdown_signal();
        run(plan, max_duration, metrics, shutdown).await
    })
}
