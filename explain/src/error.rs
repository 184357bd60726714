//! Typed errors of the explainers.

use thiserror::Error;

/// Result alias.
pub type Result<T> = std::result::Result<T, ExplainError>;

/// What can go wrong explaining a decision.
#[derive(Debug, Error)]
pub enum ExplainError {
    /// An observation or background row of the wrong size.
    #[error("{what} has {got} values; the model takes {expected} (shape {shape:?})")]
    Shape {
        /// Which input.
        what: String,
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
        /// The model's input shape.
        shape: Vec<usize>,
    },
    /// No background rows.
    #[error("the background is empty: give at least one observation to compare with")]
    EmptyBackground,
    /// An action the model has no output for.
    #[error("action {action} is not an output of the model ({outputs} outputs)")]
    Action {
        /// The action asked for.
        action: usize,
        /// The model's outputs.
        outputs: usize,
    },
    /// Counterfactuals start from the model's own choice, and it is
    /// another action.
    #[error(
        "the model chooses action {chosen} at this observation, not action {action}: counterfactuals change the model's own choice"
    )]
    NotChosen {
        /// The action asked for.
        action: usize,
        /// The action the model chooses.
        chosen: usize,
    },
    /// A model that answered a batch with the wrong number of outputs.
    #[error("the model returned {got} values for a batch that needs {expected}")]
    Outputs {
        /// Values returned.
        got: usize,
        /// Values the batch needs.
        expected: usize,
    },
    /// Bad feature names.
    #[error("{0}")]
    Layout(String),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] axon_inference::InferenceError),
    /// The least-squares system could not be solved.
    #[error("kernel SHAP: {0}")]
    Solve(String),
    /// Writing a report failed.
    #[error("{path}: {detail}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
}
