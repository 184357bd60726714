//! Exit codes: 0 success, 1 a verification or diff found a difference,
//! 2 bad usage or bad input. Errors print as one line, never a backtrace.

use std::fmt;

/// Why a command failed, and its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or input: exit 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// A verification or diff found a difference: exit 1.
    pub fn differs(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl From<axon_replay::ReplayError> for Failure {
    fn from(e: axon_replay::ReplayError) -> Self {
        Self::input(e.to_string())
    }
}

impl From<axon_journal::JournalError> for Failure {
    fn from(e: axon_journal::JournalError) -> Self {
        Self::input(e.to_string())
    }
}

impl From<axon_data::DataError> for Failure {
    fn from(e: axon_data::DataError) -> Self {
        Self::input(e.to_string())
    }
}

/// Turns an error from anywhere into a failure (exit 2 unless it is one already).
pub fn classify(err: anyhow::Error) -> Failure {
    match err.downcast::<Failure>() {
        Ok(f) => f,
        Err(other) => Failure::input(format!("{other:#}")),
    }
}
