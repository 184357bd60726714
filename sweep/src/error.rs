//! What a sweep can fail with. Each names the parameter, the run or the
//! file at fault.

use std::path::PathBuf;

/// A sweep that cannot be defined or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A `--param` or `--constraint` that does not parse or cannot apply.
    #[error("{0}")]
    Spec(String),
    /// The base configuration, or a run's, is refused.
    #[error(transparent)]
    Config(Box<axon_config::ConfigError>),
    /// A run failed.
    #[error("run {run} ({params}): {source}")]
    Run {
        /// Its index.
        run: usize,
        /// Its parameters, `key=value` joined.
        params: String,
        /// Why.
        #[source]
        source: Box<axon_replay::ReplayError>,
    },
    /// The data could not be loaded.
    #[error(transparent)]
    Data(Box<axon_replay::ReplayError>),
    /// The output folder cannot be written, or holds another sweep.
    #[error("{}: {reason}", path.display())]
    Output {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl From<axon_config::ConfigError> for SweepError {
    fn from(e: axon_config::ConfigError) -> Self {
        Self::Config(Box::new(e))
    }
}

impl From<axon_replay::ReplayError> for SweepError {
    fn from(e: axon_replay::ReplayError) -> Self {
        Self::Data(Box::new(e))
    }
}
