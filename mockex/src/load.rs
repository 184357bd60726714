//! Load mode's publisher: `rate` events a second in 1 ms batches. Each
//! batch publishes what is due since the load began, so a batch that ran
//! late is caught up by the next rather than lost.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use crate::Load;
use crate::state::Shared;

/// Batch period.
const BATCH: Duration = Duration::from_millis(1);
/// How often the load waits to see a first connection.
const WAIT: Duration = Duration::from_millis(5);

pub(crate) async fn run(shared: Arc<Shared>, load: Load) {
    // The rate is the clients' load: nothing counts before one connects.
    while shared.connections.load(Ordering::Relaxed) == 0 {
        tokio::time::sleep(WAIT).await;
    }
    let start = Instant::now();
    let mut every = tokio::time::interval(BATCH);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut next = 0usize;
    let mut published = 0u64;
    loop {
        every.tick().await;
        let elapsed = start.elapsed();
        if load.duration.is_some_and(|d| elapsed >= d) {
            break;
        }
        let due = (load.rate as u128 * elapsed.as_nanos() / 1_000_000_000) as u64;
        if due > published {
            published += shared.burst(&mut next, due - published);
        }
        shared
            .load_ms
            .store(elapsed.as_millis() as u64, Ordering::Relaxed);
    }
    tracing::info!(published, "mock exchange load finished");
}
