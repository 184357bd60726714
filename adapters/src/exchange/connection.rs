//! What the Binance and OKX adapters share above the REST transport: one
//! connection's settings, transport, websocket base and loaded markets,
//! and the steps that follow the same rules at both venues: choosing the
//! URLs, loading the configured symbols' markets, syncing the clock, the
//! retry loop of a signed request (rate-limit waits, one retry after a
//! clock resync), placing an order with a lookup when its outcome is
//! unknown, listing open orders symbol by symbol, reading balances and
//! starting a websocket stream.
//!
//! Each venue's wire format, signing, error classification and codes stay
//! in its own module; they reach this one as its [`Profile`] and as the
//! closures that send, decode and sign.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::exchange::config::ExchangeConfig;
use crate::exchange::market::{self, Market, Markets, Sent, num, text};
use crate::exchange::request::Order;
use crate::exchange::rest::Rest;
use crate::exchange::venue::{
    AdapterStats, Balance, Placed, Stamped, SymbolInfo, VenueError, VenueEvent, VenueOrder, now_ns,
};
use crate::exchange::ws::{self, Flow, Opening, StreamSpec};

/// Rate-limit answers tolerated for one request before giving up.
pub(crate) const RATE_LIMIT_RETRIES: u32 = 5;

/// A venue's fixed facts that the shared steps need.
#[derive(Debug)]
pub(crate) struct Profile {
    /// The venue's name in errors and logs.
    pub name: &'static str,
    /// REST base URL: production, then testnet.
    pub rest: [&'static str; 2],
    /// Websocket base URL: production, then testnet.
    pub ws: [&'static str; 2],
    /// Reconnect a websocket after this long, before the venue's own cut.
    pub max_age: Duration,
    /// A text message to send this often on every websocket, if any.
    pub keepalive: Option<(Duration, &'static str)>,
    /// The code of the error when a request is still rate limited after
    /// [`RATE_LIMIT_RETRIES`] waits.
    pub rate_limit_code: &'static str,
    /// The venue's code for a timestamp outside its window.
    pub clock_code: &'static str,
}

/// One venue connection's state, shared by the adapter's requests and
/// streams.
#[derive(Debug)]
pub(crate) struct Connection {
    pub profile: &'static Profile,
    pub cfg: ExchangeConfig,
    pub rest: Rest,
    /// Websocket base URL, without a trailing `/`.
    pub ws_base: String,
    pub markets: Markets,
}

impl Connection {
    /// The configured URLs, else the venue's production or testnet ones.
    pub fn new(profile: &'static Profile, cfg: ExchangeConfig) -> Result<Self, VenueError> {
        let pick = |configured: &Option<String>, urls: [&str; 2]| {
            configured
                .clone()
                .unwrap_or_else(|| urls[usize::from(cfg.testnet)].to_string())
        };
        let rest_url = pick(&cfg.rest_url, profile.rest);
        let ws_base = pick(&cfg.ws_url, profile.ws);
        Ok(Self {
            rest: Rest::new(profile.name, rest_url, &cfg)?,
            ws_base: ws_base.trim_end_matches('/').to_string(),
            profile,
            cfg,
            markets: Markets::default(),
        })
    }

    /// Refuses new orders from now on (they fail with `VenueError::Closed`
    /// before leaving); requests already sent are answered as usual.
    pub fn close_orders(&self) {
        self.rest.close_orders();
    }

    /// The connection's counters.
    pub fn stats(&self) -> Arc<AdapterStats> {
        self.rest.stats.clone()
    }

    /// A loaded symbol's market.
    pub fn market(&self, symbol: &str) -> Result<Market, VenueError> {
        self.markets.get(self.profile.name, symbol)
    }

    /// A loaded symbol's assets and filters.
    pub fn symbol_info(&self, symbol: &str) -> Result<SymbolInfo, VenueError> {
        Ok(self.market(symbol)?.info())
    }

    /// Loads the markets of the configured symbols (none configured: every
    /// symbol `list` names under `key`); `market` makes each from the
    /// symbol and its entry in `list`, if it has one.
    pub fn load_markets<M>(&self, list: &Value, key: &str, mut market: M) -> Result<(), VenueError>
    where
        M: FnMut(&String, Option<&Value>) -> Result<Market, VenueError>,
    {
        let listed: Vec<String>;
        let symbols = if self.cfg.symbols.is_empty() {
            listed = entries(list)
                .filter_map(|s| s[key].as_str().map(str::to_string))
                .collect();
            &listed
        } else {
            &self.cfg.symbols
        };
        let mut markets = BTreeMap::new();
        for symbol in symbols {
            let entry = entries(list).find(|s| s[key] == symbol.as_str());
            markets.insert(symbol.clone(), market(symbol, entry)?);
        }
        self.markets.replace(markets);
        Ok(())
    }

    /// Sets the clock offset from the venue's time: `fetch` asks for it at
    /// `path`, `server_ms` reads it from the answer, `missing` says what
    /// the answer lacked when it cannot.
    pub async fn sync_clock<F, R>(
        &self,
        path: &str,
        fetch: F,
        server_ms: R,
        missing: &str,
    ) -> Result<(), VenueError>
    where
        F: Future<Output = Result<Value, VenueError>>,
        R: FnOnce(&Value) -> Option<i64>,
    {
        let sent = now_ns() / 1_000_000;
        let v = fetch.await?;
        let received = now_ns() / 1_000_000;
        let server = server_ms(&v).ok_or_else(|| VenueError::Decode {
            venue: self.profile.name,
            path: path.into(),
            detail: missing.into(),
        })?;
        self.rest.set_clock(server, sent, received);
        Ok(())
    }

    /// Sends one request until it is answered. `attempt` waits for its
    /// turn, sends the request (signed anew) and classifies the answer,
    /// `Ok(None)` meaning rate limited (requests are held back already);
    /// after [`RATE_LIMIT_RETRIES`] of those it gives up. A refusal with
    /// the venue's clock code resyncs the clock (`resync`) and tries once
    /// more.
    pub async fn answered<A, AF, S, SF>(
        &self,
        path: &str,
        mut attempt: A,
        resync: S,
    ) -> Result<Value, VenueError>
    where
        A: FnMut() -> AF,
        AF: Future<Output = Result<Option<Value>, VenueError>>,
        S: Fn() -> SF,
        SF: Future<Output = Result<(), VenueError>>,
    {
        let mut resynced = false;
        let mut waits = 0;
        loop {
            match attempt().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {
                    waits += 1;
                    if waits >= RATE_LIMIT_RETRIES {
                        return Err(self.still_limited(path));
                    }
                }
                Err(VenueError::Api { code, .. })
                    if code == self.profile.clock_code && !resynced =>
                {
                    AdapterStats::bump(&self.rest.stats.time_resyncs);
                    tracing::warn!(
                        path,
                        "{} {code}: resyncing the clock and retrying once",
                        self.profile.name
                    );
                    resync().await?;
                    resynced = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The error of a request still rate limited after
    /// [`RATE_LIMIT_RETRIES`] waits.
    pub fn still_limited(&self, path: &str) -> VenueError {
        VenueError::Api {
            venue: self.profile.name,
            path: path.into(),
            status: 429,
            code: self.profile.rate_limit_code.into(),
            msg: format!("still rate limited after {RATE_LIMIT_RETRIES} waits"),
        }
    }

    /// Places an order after the symbol's filters (one they refuse is
    /// rejected without a request). `send` makes one request of the order
    /// as the filters left it; when its outcome is unknown, `query` looks
    /// the order up by its client order id (transport errors retried)
    /// before it is sent again: see [`market::place`].
    pub async fn place_order<S, SF, Q, QF>(
        &self,
        order: &Order,
        send: S,
        query: Q,
    ) -> Result<Placed, VenueError>
    where
        S: Fn(&Order) -> SF,
        SF: Future<Output = Result<Sent, VenueError>>,
        Q: Fn() -> QF,
        QF: Future<Output = Result<Option<VenueOrder>, VenueError>>,
    {
        let sent = match self.market(&order.symbol)?.check(order) {
            Ok(sent) => sent,
            Err(reason) => return Ok(Placed::Rejected { reason }),
        };
        market::place(
            self.profile.name,
            &self.rest.stats,
            &order.client_order_id,
            || send(&sent),
            || market::lookup(&query),
        )
        .await
    }

    /// The open orders of the configured symbols, in their order; `list`
    /// asks for one symbol's.
    pub async fn open_orders<L, LF>(&self, list: L) -> Result<Vec<VenueOrder>, VenueError>
    where
        L: Fn(&str) -> LF,
        LF: Future<Output = Result<Vec<VenueOrder>, VenueError>>,
    {
        let mut out = Vec::new();
        for symbol in &self.cfg.symbols {
            out.extend(list(symbol).await?);
        }
        Ok(out)
    }

    /// Starts one of the connection's websocket streams: `open` says where
    /// to connect and what to send first, `handler` reads each message.
    pub fn spawn_stream<O, H>(
        &self,
        name: &'static str,
        open: O,
        handler: H,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()>
    where
        O: FnMut() -> Opening + Send + 'static,
        H: FnMut(&str, &mut Vec<VenueEvent>) -> Flow + Send + 'static,
    {
        let spec = StreamSpec {
            name,
            reconnect: self.cfg.reconnect,
            max_age: self.profile.max_age,
            keepalive: self.profile.keepalive,
        };
        tokio::spawn(ws::run(
            spec,
            open,
            handler,
            tx,
            self.rest.stats.clone(),
            stop,
        ))
    }
}

/// An adapter's public methods that are its connection's own: closing
/// orders, the counters and a symbol's info (inside `impl`, for a type
/// with a `conn: Connection` field).
macro_rules! connection_methods {
    () => {
        /// Refuses new orders from now on (they fail with
        /// `VenueError::Closed` before leaving); requests already sent are
        /// answered as usual.
        pub fn close_orders(&self) {
            self.conn.close_orders();
        }

        /// The adapter's counters (reconnects, rate limits, weight
        /// headroom).
        pub fn stats(&self) -> std::sync::Arc<$crate::exchange::venue::AdapterStats> {
            self.conn.stats()
        }

        /// A configured symbol's assets and filters, as `connect` loaded
        /// them.
        pub fn symbol_info(
            &self,
            symbol: &str,
        ) -> Result<$crate::exchange::venue::SymbolInfo, $crate::exchange::venue::VenueError> {
            self.conn.symbol_info(symbol)
        }
    };
}
pub(crate) use connection_methods;

/// The entries of a JSON list (none when it is not one).
pub(crate) fn entries(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_array().into_iter().flatten()
}

/// The non-zero balances of a venue's list, whose entries name the asset,
/// the free and the locked amount under `keys`, in that order.
pub(crate) fn balances(list: &Value, [asset, free, locked]: [&str; 3]) -> Vec<Balance> {
    entries(list)
        .map(|b| Balance {
            asset: text(&b[asset]),
            free: num(&b[free]),
            locked: num(&b[locked]),
        })
        .filter(|b| b.free != 0.0 || b.locked != 0.0)
        .collect()
}
