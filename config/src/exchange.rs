//! `[exchange]`: the venue of a live session. Credentials come from the environment variables the file
//! names (or, discouraged, from the file itself); they never reach the
//! journal, a log line or an error message.

use axon_adapters::VenueKind;
use axon_adapters::exchange::config::{RateLimitConfig, ReconnectConfig, Secret};
use serde::Deserialize;

use crate::error::ConfigError;
use crate::file::Config;

/// Where orders go.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Live market data, orders to the simulated exchange.
    Paper,
    /// The venue's testnet (Binance) or demo trading (OKX).
    Testnet,
    /// Real money.
    Production,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSection {
    pub venue: VenueKind,
    pub mode: Mode,
    pub symbols: Vec<String>,
    pub rest_url: Option<String>,
    pub ws_url: Option<String>,
    #[serde(default = "default_key_env")]
    pub api_key_env: String,
    #[serde(default = "default_secret_env")]
    pub api_secret_env: String,
    #[serde(default = "default_passphrase_env")]
    pub passphrase_env: String,
    /// Literal credentials: read, never journaled (the journal holds the
    /// file with these values redacted). Prefer the `*_env` keys.
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
    pub passphrase: Option<String>,
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    #[serde(default)]
    pub reconnect: ReconnectConfig,
    pub recv_window_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
    /// Binance: quotes from a local order book (diff depth + snapshots).
    #[serde(default)]
    pub depth: bool,
}

fn default_key_env() -> String {
    "AXON_API_KEY".into()
}
fn default_secret_env() -> String {
    "AXON_API_SECRET".into()
}
fn default_passphrase_env() -> String {
    "AXON_PASSPHRASE".into()
}

/// The names of the keys whose values are redacted from the journal.
const SECRET_KEYS: [&str; 3] = ["api_key", "api_secret", "passphrase"];

/// The config text with `[exchange]` credential values replaced.
pub fn redact(text: &str) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    if let Some(ex) = doc.get_mut("exchange").and_then(|t| t.as_table_like_mut()) {
        for key in SECRET_KEYS {
            if let Some(item) = ex.get_mut(key)
                && item.is_value()
            {
                *item = toml_edit::value("<redacted>");
            }
        }
    }
    doc.to_string()
}

/// A credential from the file or the environment variable the file names.
pub(crate) fn credential(
    config: &Config,
    literal: &Option<String>,
    env_key: &str,
    env_name: &str,
) -> Result<Secret, ConfigError> {
    if let Some(v) = literal {
        return Ok(Secret::new(v.clone()));
    }
    match std::env::var(env_name) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        _ => Err(config.key_error(
            &format!("exchange.{env_key}"),
            format!("environment variable {env_name} is not set (this mode sends orders, so it needs credentials)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_replaces_literal_credentials_and_keeps_the_rest() {
        let text = "[session]\ncash = 1.0\n\n[exchange]\nvenue = \"okx\" # venue\napi_key = \"k-123\"\napi_secret = \"s-456\"\npassphrase = \"p-789\"\napi_key_env = \"X\"\n";
        let out = redact(text);
        for secret in ["k-123", "s-456", "p-789"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(out.contains("venue = \"okx\" # venue"));
        assert!(out.contains("api_key_env = \"X\""));
        assert_eq!(out.matches("<redacted>").count(), 3);
    }
}
