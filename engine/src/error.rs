//! Why the engine refuses a configuration or a value. Messages name the
//! setting (`ensemble.floor`, `risk.price_band_pct`) as a config file
//! writes it.

/// A configuration, weight vector or model shape the engine cannot use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A setting out of range; the message names it and its value.
    #[error("{0}")]
    Config(String),
    /// A weight vector whose length is not the number of slots.
    #[error("{given} weights for {slots} slots")]
    WeightCount {
        /// Weights given.
        given: usize,
        /// Slots in the ensemble.
        slots: usize,
    },
    /// A weight that is negative, infinite or NaN.
    #[error("weight {weight} is not a finite non-negative number")]
    BadWeight {
        /// The weight.
        weight: f64,
    },
    /// A model input shape the feature window cannot fill.
    #[error("input shape {shape:?} {reason}")]
    FeatureShape {
        /// The model's input shape.
        shape: Vec<usize>,
        /// What is wrong with it.
        reason: &'static str,
    },
}
