//! What can be wrong with a configuration file. Every variant names the
//! file; most name the key.

use std::path::PathBuf;

/// A configuration file that cannot be read, parsed or planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{}: cannot read config: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text is not TOML.
    #[error("{}{}: {message}", path.display(), line_text(*line))]
    Syntax {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// A key has the wrong type, is unknown or is missing (`key` is empty
    /// when the error is not at a key).
    #[error("{}:{}{}: {message}", path.display(), key_text(key), line_text(*line))]
    Parse {
        path: PathBuf,
        key: String,
        line: Option<usize>,
        message: String,
    },
    /// A value the file's shape allows but the session cannot use.
    #[error("{}: key {key}: {reason}", path.display())]
    Key {
        path: PathBuf,
        key: String,
        reason: String,
    },
    /// The engine configuration as a whole is inconsistent.
    #[error("{}: {source}", path.display())]
    Engine {
        path: PathBuf,
        source: axon_engine::EngineError,
    },
}

fn key_text(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!(" key {key}")
    }
}

fn line_text(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}
