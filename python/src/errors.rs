//! Rust errors as Python exceptions: `AxonValueError` (also a
//! `ValueError`) for bad input, `AxonIOError` (also an `OSError`) for files,
//! `AxonError` for the rest; all three derive from `AxonError`, defined in
//! `axon_quant/errors.py`. The message is the Rust error's.

use std::fmt::Display;

use pyo3::prelude::*;
use pyo3::types::PyType;

fn raise(class: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let class = py
            .import("axon_quant.errors")
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(c) => PyErr::from_type(c, message),
            Err(e) => e,
        }
    })
}

/// Bad input (a shape, a value, an unknown name).
pub fn value_error(e: impl Display) -> PyErr {
    raise("AxonValueError", e.to_string())
}

/// A file that cannot be read or written.
pub fn io_error(e: impl Display) -> PyErr {
    raise("AxonIOError", e.to_string())
}

/// Anything else (a venue answer, a failed verification).
pub fn axon_error(e: impl Display) -> PyErr {
    raise("AxonError", e.to_string())
}

/// An inference error, by kind.
pub fn inference(e: axon_inference::InferenceError) -> PyErr {
    use axon_inference::InferenceError as E;
    match e {
        E::Io { .. } => io_error(e),
        _ => value_error(e),
    }
}

/// An explainer error.
pub fn explain(e: axon_explain::ExplainError) -> PyErr {
    value_error(e)
}
