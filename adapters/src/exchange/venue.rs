//! What the adapters report and how they fail, common to both venues.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axon_engine::market::Tick;
use thiserror::Error;

/// Nanoseconds since the Unix epoch now: the receive stamp of an event.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// An order's state at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Accepted, nothing filled.
    New,
    /// Partly filled, still working.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Cancelled (possibly after partial fills).
    Canceled,
    /// Refused.
    Rejected,
    /// Expired (time in force, self-trade prevention).
    Expired,
}

impl OrderStatus {
    /// Whether the order can still fill.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::PartiallyFilled)
    }
}

/// An order as the venue reports it (query, open orders).
#[derive(Debug, Clone, PartialEq)]
pub struct VenueOrder {
    /// Symbol, as the venue writes it.
    pub symbol: String,
    /// Our client order id.
    pub client_order_id: String,
    /// The venue's id.
    pub venue_order_id: String,
    /// `true` for buys.
    pub buy: bool,
    /// Limit price (0 for market orders).
    pub price: f64,
    /// Ordered quantity.
    pub quantity: f64,
    /// Executed quantity so far.
    pub executed: f64,
    /// Executed notional so far (quote currency).
    pub executed_quote: f64,
    /// State.
    pub status: OrderStatus,
}

/// A free and locked balance of one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    /// Asset.
    pub asset: String,
    /// Available.
    pub free: f64,
    /// In open orders.
    pub locked: f64,
}

/// What happened to an order, from the user-data stream.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateKind {
    /// Accepted.
    New,
    /// An execution.
    Trade {
        /// The venue's trade id (fills are deduplicated by it).
        trade_id: String,
        /// Quantity of this execution.
        quantity: f64,
        /// Its price.
        price: f64,
        /// Executed quantity of the order so far, this one included.
        cumulative: f64,
        /// Commission of this execution, in the quote currency.
        commission: f64,
        /// Whether the order is now completely filled.
        last: bool,
    },
    /// Cancelled.
    Canceled,
    /// Refused or expired, with the venue's reason.
    Rejected(String),
}

/// An order update.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderUpdate {
    /// Our client order id.
    pub client_order_id: String,
    /// The venue's id.
    pub venue_order_id: String,
    /// What happened.
    pub kind: UpdateKind,
}

/// Something a venue connection reports, stamped with its receive time.
#[derive(Debug, Clone, PartialEq)]
pub enum VenueEvent {
    /// A market data update.
    Tick(Tick),
    /// An order update.
    Order(OrderUpdate),
    /// A stream is (again) connected; after a reconnect, updates may have
    /// been missed and open orders should be looked up.
    StreamUp {
        /// Which stream (`market`, `user`).
        stream: &'static str,
        /// Whether this is a reconnect.
        reconnect: bool,
    },
    /// A stream dropped and will be reconnected.
    StreamDown {
        /// Which stream.
        stream: &'static str,
        /// Why.
        reason: String,
    },
    /// A stream could not be restored within the reconnect policy.
    StreamLost {
        /// Which stream.
        stream: &'static str,
        /// The last error.
        reason: String,
    },
}

/// An event and when it was received (ns since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped {
    /// Receive time.
    pub recv_ns: i64,
    /// The event.
    pub event: VenueEvent,
}

/// The outcome of placing an order.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// The venue has the order.
    Accepted {
        /// The venue's id.
        venue_order_id: String,
    },
    /// The venue refused it (or the symbol filters did, before sending).
    Rejected {
        /// Why, in the venue's words.
        reason: String,
    },
}

/// Why a request failed.
#[derive(Debug, Error)]
pub enum VenueError {
    /// Credentials refused: fatal, retrying cannot help.
    #[error("{venue}: authentication failed: {detail}")]
    Auth {
        /// Venue.
        venue: &'static str,
        /// The venue's message.
        detail: String,
    },
    /// The venue answered with an error.
    #[error("{venue}: {path}: HTTP {status}, code {code}: {msg}")]
    Api {
        /// Venue.
        venue: &'static str,
        /// Request path.
        path: String,
        /// HTTP status.
        status: u16,
        /// The venue's error code.
        code: String,
        /// The venue's message.
        msg: String,
    },
    /// No answer (connection refused, reset, timed out) or a 5xx.
    #[error("{venue}: {path}: no usable answer: {detail}")]
    Transport {
        /// Venue.
        venue: &'static str,
        /// Request path.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// An answer we cannot read.
    #[error("{venue}: {path}: unexpected response: {detail}")]
    Decode {
        /// Venue.
        venue: &'static str,
        /// Request path.
        path: String,
        /// What was expected.
        detail: String,
    },
    /// Bad settings (a key that does not parse, an unknown symbol).
    #[error("{0}")]
    Config(String),
    /// New orders are closed (the session is stopping); this one was not sent.
    #[error("{venue}: order not sent: new orders are closed")]
    Closed {
        /// Venue.
        venue: &'static str,
    },
    /// An order placement's outcome is still unknown after looking it up.
    #[error(
        "{venue}: order {client_order_id}: outcome unknown after {attempts} attempts: {detail}"
    )]
    Unknown {
        /// Venue.
        venue: &'static str,
        /// The order.
        client_order_id: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        detail: String,
    },
}

/// Counters an adapter keeps for operators (read by the metrics exporter).
#[derive(Debug, Default)]
pub struct AdapterStats {
    /// Websocket reconnects.
    pub reconnects: AtomicU64,
    /// Answers with HTTP 429 or 418 (or OKX 50011).
    pub rate_limited: AtomicU64,
    /// Clock resyncs after a timestamp error.
    pub time_resyncs: AtomicU64,
    /// Placements whose outcome had to be looked up (5xx, timeouts).
    pub lookups: AtomicU64,
    /// Request weight used in the venue's current window (Binance header).
    pub used_weight: AtomicU64,
    /// The venue's request weight limit (Binance exchangeInfo).
    pub weight_limit: AtomicU64,
}

impl AdapterStats {
    /// Remaining share of the request-weight budget, 0..=1 (1 when unknown).
    pub fn headroom(&self) -> f64 {
        let limit = self.weight_limit.load(Ordering::Relaxed);
        if limit == 0 {
            return 1.0;
        }
        let used = self.used_weight.load(Ordering::Relaxed).min(limit);
        1.0 - used as f64 / limit as f64
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
