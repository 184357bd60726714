//! Exit codes, in one place. Library crates return typed errors; this is
//! where each becomes a code and one line on stderr (never a backtrace):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a verification, diff or audit found a difference |
//! | 2 | bad usage or bad input (a file, a key, a value, a journal) |
//! | 3 | a live session lost its venue for good; its journal is closed and replays |

use std::fmt;

use axon_live::LiveError;

/// A verification or diff found a difference.
pub const DIFFERS: u8 = 1;
/// Bad usage or bad input.
pub const BAD_INPUT: u8 = 2;
/// A live session stopped because a venue stream was lost for good.
pub const STREAM_LOST: u8 = 3;

/// Why a command failed, and its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or input.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: BAD_INPUT,
            message: message.into(),
        }
    }

    /// A verification or diff found a difference.
    pub fn differs(message: impl Into<String>) -> Self {
        Self {
            code: DIFFERS,
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

/// Errors whose every case is bad input.
macro_rules! bad_input {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Self::input(e.to_string())
            }
        }
    )*};
}

bad_input!(
    axon_replay::ReplayError,
    axon_journal::JournalError,
    axon_data::DataError,
    axon_config::ConfigError,
    axon_explain::ExplainError,
);

impl From<LiveError> for Failure {
    fn from(e: LiveError) -> Self {
        let code = match e {
            LiveError::StreamLost { .. } => STREAM_LOST,
            _ => BAD_INPUT,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

/// Turns an error from anywhere into a failure: one already classified
/// (typed errors become failures through the `From`s above where a command
/// returns them), anything else as bad input.
pub fn classify(err: anyhow::Error) -> Failure {
    match err.downcast::<Failure>() {
        Ok(f) => f,
        Err(other) => Failure::input(format!("{other:#}")),
    }
}
