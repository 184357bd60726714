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

impl VenueOrder {
    /// The order's executions as trade updates, from its trades oldest
    /// first (as `order_trades` lists them): each trade's own quantity,
    /// price and commission, cumulative quantities running up to the
    /// order's executed quantity, so that executions already counted add
    /// nothing. Executions the trade list lacks (listed later than the
    /// order's state changed, or the list could not be read) come last as
    /// one update at their average price, with no commission known. The
    /// last update is `last` when the order is filled.
    pub fn executions(&self, trades: &[VenueTrade]) -> Vec<UpdateKind> {
        let mut out = Vec::with_capacity(trades.len() + 1);
        let (mut cumulative, mut notional) = (0.0, 0.0);
        for t in trades {
            cumulative += t.quantity;
            notional += t.quantity * t.price;
            out.push(UpdateKind::Trade {
                trade_id: t.trade_id.clone(),
                quantity: t.quantity,
                price: t.price,
                cumulative,
                commission: t.commission,
                last: false,
            });
        }
        let missing = self.executed - cumulative;
        if missing.abs() <= QUANTITY_NOISE {
            // The sum of the trades is the executed quantity as printed.
            if let Some(UpdateKind::Trade { cumulative, .. }) = out.last_mut() {
                *cumulative = self.executed;
            }
        } else if missing > 0.0 {
            let rest = (self.executed_quote - notional) / missing;
            let price = if rest.is_finite() && rest > 0.0 {
                rest
            } else {
                self.executed_quote / self.executed
            };
            tracing::warn!(
                client_order_id = %self.client_order_id,
                missing,
                "executions missing from the venue's trade list: counted at their average price, commission unknown"
            );
            out.push(UpdateKind::Trade {
                trade_id: "lookup".into(),
                quantity: missing,
                price,
                cumulative: self.executed,
                commission: 0.0,
                last: false,
            });
        }
        if self.status == OrderStatus::Filled
            && let Some(UpdateKind::Trade { last, .. }) = out.last_mut()
        {
            *last = true;
        }
        out
    }
}

/// Quantities closer than this are the same (venues print at most 8
/// decimals; sums of their f64 values drift far less).
pub(crate) const QUANTITY_NOISE: f64 = 1e-10;

/// One execution of an order, as the venue's trade history lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueTrade {
    /// The venue's trade id.
    pub trade_id: String,
    /// Quantity.
    pub quantity: f64,
    /// Price.
    pub price: f64,
    /// Commission in the quote currency, converted as the user-data
    /// streams' are (base asset at the trade price); zero when charged in
    /// an asset that cannot be priced here, such as BNB (see `fee_asset`).
    pub commission: f64,
    /// The commission as charged, in `fee_asset` (negative: a rebate).
    pub fee: f64,
    /// The asset the commission was charged in.
    pub fee_asset: String,
    /// When it executed, ms since the epoch (the venue's clock).
    pub time_ms: i64,
}

/// A configured symbol as `connect` loaded it: its assets and filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolInfo {
    /// Base asset (what is bought and sold).
    pub base: String,
    /// Quote asset (what it is priced and paid in).
    pub quote: String,
    /// The filters every order is snapped to and checked against.
    pub filters: crate::exchange::filters::SymbolFilters,
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
    /// The venue takes orders in step with the market data, from the
    /// engine's outputs, not by request (the simulated exchange).
    #[error("{venue}: orders are booked in step with the market data, not by request")]
    InStep {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn order(executed: f64, executed_quote: f64, status: OrderStatus) -> VenueOrder {
        VenueOrder {
            symbol: "BTCUSDT".into(),
            client_order_id: "axabc1".into(),
            venue_order_id: "7".into(),
            buy: true,
            price: 0.0,
            quantity: 0.3,
            executed,
            executed_quote,
            status,
        }
    }

    fn trade(id: &str, quantity: f64, price: f64, commission: f64) -> VenueTrade {
        VenueTrade {
            trade_id: id.into(),
            quantity,
            price,
            commission,
            fee: commission,
            fee_asset: "USDT".into(),
            time_ms: 0,
        }
    }

    /// (trade id, quantity, price, cumulative, commission, last) of each update.
    fn rows(updates: &[UpdateKind]) -> Vec<(String, f64, f64, f64, f64, bool)> {
        updates
            .iter()
            .map(|u| match u {
                UpdateKind::Trade {
                    trade_id,
                    quantity,
                    price,
                    cumulative,
                    commission,
                    last,
                } => (
                    trade_id.clone(),
                    *quantity,
                    *price,
                    *cumulative,
                    *commission,
                    *last,
                ),
                other => panic!("not a trade: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn each_trade_becomes_an_execution_with_its_own_commission() {
        let o = order(0.3, 0.1 * 100.0 + 0.2 * 101.0, OrderStatus::Filled);
        let trades = [trade("1", 0.1, 100.0, 0.01), trade("2", 0.2, 101.0, 0.0202)];
        let got = rows(&o.executions(&trades));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ("1".into(), 0.1, 100.0, 0.1, 0.01, false));
        // 0.1 + 0.2 is 0.30000000000000004: the last cumulative is the
        // executed quantity as the venue printed it.
        assert_eq!(got[1], ("2".into(), 0.2, 101.0, 0.3, 0.0202, true));
        let partly = order(0.1, 10.0, OrderStatus::PartiallyFilled);
        assert!(
            !rows(&partly.executions(&trades[..1]))[0].5,
            "still working"
        );
    }

    #[test]
    fn executions_missing_from_the_trade_list_come_last_at_their_average_price() {
        let o = order(0.3, 0.1 * 100.0 + 0.2 * 103.0, OrderStatus::Filled);
        let got = rows(&o.executions(&[trade("1", 0.1, 100.0, 0.01)]));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ("1".into(), 0.1, 100.0, 0.1, 0.01, false));
        let (id, qty, px, cum, commission, last) = got[1].clone();
        assert_eq!(
            (id.as_str(), cum, commission, last),
            ("lookup", 0.3, 0.0, true)
        );
        assert!(
            (qty - 0.2).abs() < 1e-12 && (px - 103.0).abs() < 1e-9,
            "{got:?}"
        );
        // No trade list at all: one execution at the order's average price.
        let alone = rows(&o.executions(&[]));
        assert_eq!(alone.len(), 1);
        assert!((alone[0].2 - o.executed_quote / 0.3).abs() < 1e-9);
        // Nothing executed, nothing to report.
        assert!(order(0.0, 0.0, OrderStatus::New).executions(&[]).is_empty());
    }
}
