//! What can go wrong starting or running a Python strategy.

use std::path::PathBuf;

/// Errors of the Python strategy host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PyStrategyError {
    /// A source file cannot be read or is not Python source.
    #[error("{}: {reason}", path.display())]
    Source {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A stored bundle does not decode.
    #[error("the strategy's source bundle is damaged: {0}")]
    Bundle(String),
    /// The interpreter could not be started, or does not have `axon_quant`.
    #[error(
        "cannot start the Python strategy host with {python}: {reason} (strategies run in an interpreter that has axon_quant: set [strategy] python or $AXON_PYTHON to one)"
    )]
    Start {
        /// The interpreter.
        python: String,
        /// Why (its last lines of stderr when it said something).
        reason: String,
    },
    /// The strategy failed to load (a syntax error, an import error, a
    /// missing class): `where_` names the file and line.
    #[error("{where_}: {message}")]
    Load {
        /// `file line N` (or the file alone).
        where_: String,
        /// The exception.
        message: String,
        /// The configuration key at fault, when it is one.
        key: Option<String>,
    },
    /// The host broke the protocol or went away.
    #[error("the Python strategy host failed: {0}")]
    Host(String),
}
