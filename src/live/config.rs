//! `[exchange]`: the venue of a live session, and the plan built from the
//! whole file. Credentials come from the environment variables the file
//! names (or, discouraged, from the file itself); they never reach the
//! journal, a log line or an error message.

use std::path::PathBuf;

use axon_adapters::exchange::config::{ExchangeConfig, RateLimitConfig, ReconnectConfig, Secret};
use axon_adapters::sim::{FillModel, SimConfig};
use axon_engine::EngineConfig;
use axon_journal::JournalOptions;
use axon_replay::PlannedModel;
use serde::Deserialize;

use crate::config::Loaded;
use crate::exit::Failure;

/// Which venue.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Binance,
    Okx,
}

impl VenueKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Binance => "binance",
            Self::Okx => "okx",
        }
    }
}

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
    pub rate_limit: RateLimitSection,
    #[serde(default)]
    pub reconnect: ReconnectSection,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSection {
    pub requests_per_second: u32,
    pub orders_per_minute: u32,
}

impl Default for RateLimitSection {
    fn default() -> Self {
        let d = RateLimitConfig::default();
        Self {
            requests_per_second: d.requests_per_second,
            orders_per_minute: d.orders_per_minute,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconnectSection {
    pub max_retries: u32,
    pub initial_backoff_ms: u64,
}

impl Default for ReconnectSection {
    fn default() -> Self {
        let d = ReconnectConfig::default();
        Self {
            max_retries: d.max_retries,
            initial_backoff_ms: d.initial_backoff_ms,
        }
    }
}

/// Everything a live session needs.
#[derive(Debug)]
pub struct LivePlan {
    pub venue: VenueKind,
    pub mode: Mode,
    pub exchange: ExchangeConfig,
    pub engine: EngineConfig,
    pub sim: SimConfig,
    pub journal_dir: PathBuf,
    pub journal: JournalOptions,
    pub seed: u64,
    /// The canonical settings (no locations, no credentials), journaled.
    pub config_text: String,
    /// The config file with credentials redacted, kept beside the journal.
    pub config_source: String,
    pub models: Vec<PlannedModel>,
    /// Slots whose files are watched and hot-swapped for the whole session.
    pub watched: Vec<u16>,
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
fn credential(
    loaded: &Loaded,
    literal: &Option<String>,
    env_key: &str,
    env_name: &str,
) -> Result<Secret, Failure> {
    if let Some(v) = literal {
        return Ok(Secret::new(v.clone()));
    }
    match std::env::var(env_name) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        _ => Err(loaded.key_error(
            &format!("exchange.{env_key}"),
            format!("environment variable {env_name} is not set (this mode sends orders, so it needs credentials)"),
        )),
    }
}

impl Loaded {
    /// The `[exchange]` section, or an error saying it is needed.
    pub fn exchange(&self) -> Result<&ExchangeSection, Failure> {
        self.file
            .exchange
            .as_ref()
            .ok_or_else(|| self.key_error("exchange", "required for a live session"))
    }

    /// Checks the file for a live session and builds its plan.
    pub fn live_plan(&self) -> Result<LivePlan, Failure> {
        let ex = self.exchange()?;
        if self.file.data.is_some() {
            return Err(self.key_error(
                "data",
                "a live session takes its market data from [exchange]; remove [data]",
            ));
        }
        if ex.symbols.is_empty() {
            return Err(self.key_error("exchange.symbols", "name at least one symbol"));
        }
        let engine = self.engine_config()?;
        if ex.rate_limit.requests_per_second == 0 || ex.rate_limit.orders_per_minute == 0 {
            return Err(self.key_error("exchange.rate_limit", "limits must be > 0"));
        }
        let models = self.planned_models()?;
        if let Some(m) = models.iter().find(|m| m.at_ns.is_some()) {
            return Err(self.key_error(
                "models.swaps",
                format!(
                    "slot {}: scheduled swaps belong to backtests; a live session loads its slots at start and swaps those with `watch = true` when their files change",
                    m.slot
                ),
            ));
        }
        let (api_key, api_secret, passphrase) = if ex.mode == Mode::Paper {
            Default::default()
        } else {
            let key = credential(self, &ex.api_key, "api_key_env", &ex.api_key_env)?;
            let secret = credential(self, &ex.api_secret, "api_secret_env", &ex.api_secret_env)?;
            let pass = if ex.venue == VenueKind::Okx {
                credential(self, &ex.passphrase, "passphrase_env", &ex.passphrase_env)?
            } else {
                Secret::default()
            };
            (key, secret, pass)
        };
        let mut exchange = ExchangeConfig::new(ex.symbols.clone());
        exchange.api_key = api_key;
        exchange.api_secret = api_secret;
        exchange.passphrase = passphrase;
        exchange.testnet = ex.mode != Mode::Production;
        exchange.rest_url = ex.rest_url.clone();
        exchange.ws_url = ex.ws_url.clone();
        exchange.rate_limit = RateLimitConfig {
            requests_per_second: ex.rate_limit.requests_per_second,
            orders_per_minute: ex.rate_limit.orders_per_minute,
        };
        exchange.reconnect = ReconnectConfig {
            max_retries: ex.reconnect.max_retries,
            initial_backoff_ms: ex.reconnect.initial_backoff_ms,
        };
        exchange.depth = ex.depth;
        if ex.depth && ex.venue != VenueKind::Binance {
            return Err(self.key_error(
                "exchange.depth",
                "only Binance's depth stream is kept as a local book",
            ));
        }
        if let Some(ms) = ex.recv_window_ms {
            exchange.recv_window_ms = ms;
        }
        if let Some(ms) = ex.request_timeout_ms {
            exchange.request_timeout_ms = ms;
        }
        let e = &self.file.execution;
        Ok(LivePlan {
            venue: ex.venue,
            mode: ex.mode,
            exchange,
            engine,
            sim: SimConfig {
                fill: FillModel::NextTick,
                commission_bps: e.commission_bps,
                slippage: e.slippage,
            },
            journal_dir: self.resolve(&self.file.journal.path),
            journal: self.journal_options()?,
            seed: self.file.session.seed,
            config_text: crate::canonical::canonical_settings(&self.text),
            config_source: redact(&self.text),
            models,
            watched: self.watched_slots(),
        })
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
