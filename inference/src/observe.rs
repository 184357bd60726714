//! Timing predictions for operators: an observer hands each loaded model a
//! sink for its prediction latencies. What it records never reaches the
//! engine's decisions.

use std::fmt;
use std::sync::Arc;

/// Where one model's prediction latencies (seconds) go.
#[derive(Clone)]
pub struct LatencySink(Arc<dyn Fn(f64) + Send + Sync>);

impl LatencySink {
    /// A sink calling `f` with each latency in seconds.
    pub fn new(f: impl Fn(f64) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Records one latency.
    pub fn record(&self, seconds: f64) {
        (self.0)(seconds)
    }
}

impl fmt::Debug for LatencySink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LatencySink")
    }
}

/// Gives each model the registry builds a latency sink.
pub trait InferenceObserver: Send + Sync + fmt::Debug {
    /// The sink for a model (backend name, SHA-256 hex).
    fn sink(&self, backend: &str, sha256_hex: &str) -> LatencySink;
}
