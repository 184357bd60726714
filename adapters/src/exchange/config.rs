//! How to reach a venue: credentials, URLs, client-side rate limits and
//! reconnect policy. Secrets are wrapped so that no `Debug`, log line or
//! error message can print them.

use std::fmt;

use serde::Deserialize;

/// A credential. `Debug` prints a placeholder; only [`Secret::expose`]
/// gives the text, and only signing code calls it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The credential itself, for signing and headers.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<empty>)"
        } else {
            "Secret(<redacted>)"
        })
    }
}

/// Client-side request budget, below the venue's own limits
/// (`[exchange.rate_limit]`; a key left out keeps its default).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// REST requests per second, all endpoints.
    pub requests_per_second: u32,
    /// New orders per minute.
    pub orders_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 10,
            orders_per_minute: 60,
        }
    }
}

/// Websocket reconnects: exponential backoff from `initial_backoff_ms`,
/// giving up after `max_retries` failed attempts in a row
/// (`[exchange.reconnect]`; a key left out keeps its default).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconnectConfig {
    /// Failed attempts in a row before the stream is declared lost.
    pub max_retries: u32,
    /// First wait; doubles each attempt (with jitter), capped at 30 s.
    pub initial_backoff_ms: u64,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        Self {
            max_retries: 10,
            initial_backoff_ms: 500,
        }
    }
}

/// A venue connection's settings.
#[derive(Debug, Clone, Default)]
pub struct ExchangeConfig {
    /// API key.
    pub api_key: Secret,
    /// API secret: the HMAC secret, or for Binance an Ed25519 private key in PEM.
    pub api_secret: Secret,
    /// OKX passphrase.
    pub passphrase: Secret,
    /// Testnet (Binance) or demo trading (OKX) instead of production.
    pub testnet: bool,
    /// Client-side rate limits.
    pub rate_limit: RateLimitConfig,
    /// Websocket reconnects.
    pub reconnect: ReconnectConfig,
    /// REST base URL; None: the venue's URL for production or testnet.
    pub rest_url: Option<String>,
    /// Websocket base URL; None: the venue's URL for production or testnet.
    pub ws_url: Option<String>,
    /// Symbols traded, as the venue writes them (`BTCUSDT`, `BTC-USDT`);
    /// instrument ids follow this order. Empty: `connect` loads every
    /// symbol's filters (orders only; streams need named symbols).
    pub symbols: Vec<String>,
    /// Binance: quotes from a local order book kept from the diff-depth
    /// stream and `/api/v3/depth` snapshots, instead of `bookTicker`.
    pub depth: bool,
    /// Binance `recvWindow`, ms.
    pub recv_window_ms: u64,
    /// REST request timeout, ms; a timed-out order is looked up before any retry.
    pub request_timeout_ms: u64,
}

impl ExchangeConfig {
    /// A config for `symbols` with default limits and timeouts.
    pub fn new(symbols: Vec<String>) -> Self {
        Self {
            symbols,
            recv_window_ms: 5_000,
            request_timeout_ms: 10_000,
            ..Self::default()
        }
    }
}
