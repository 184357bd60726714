//! What both venues' adapters share about a symbol and an order: the
//! symbol's filters and assets, the order as it will be sent after them,
//! commissions in the quote currency, reading venue JSON, and looking an
//! order (or its trades) up with retries.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::RwLock;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::exchange::filters::{self, SymbolFilters};
use crate::exchange::request::{Order, Side};
use crate::exchange::venue::{AdapterStats, Placed, VenueError, VenueOrder, VenueTrade};

/// A symbol's filters and assets.
#[derive(Debug, Clone)]
pub(crate) struct Market {
    pub filters: SymbolFilters,
    pub base: String,
    pub quote: String,
}

impl Market {
    /// What callers may know of it.
    pub fn info(&self) -> crate::exchange::venue::SymbolInfo {
        crate::exchange::venue::SymbolInfo {
            base: self.base.clone(),
            quote: self.quote.clone(),
            filters: self.filters.clone(),
        }
    }

    /// The order as it will be sent: price and quantity snapped to the
    /// filters, or why it cannot be sent. A market order's `price`, when
    /// set, is only the reference for the notional check.
    pub fn check(&self, order: &Order) -> Result<Order, String> {
        let side = match order.side {
            Side::Buy => filters::Side::Buy,
            Side::Sell => filters::Side::Sell,
        };
        let limit = order.order_type.has_limit();
        let stop = match (order.order_type.is_stop(), order.stop_price) {
            (false, _) => None,
            (true, Some(stop)) => Some(
                self.filters
                    .trigger(side, stop)
                    .map_err(|e| format!("local filter: {e}"))?,
            ),
            (true, None) => return Err("a stop order needs a stop price".into()),
        };
        // A stop market order's notional is priced at its trigger.
        let reference = stop.or(order.price).unwrap_or(Decimal::ZERO);
        let checked = self
            .filters
            .apply(
                side,
                order.price.filter(|_| limit),
                order.quantity,
                reference,
            )
            .map_err(|e| format!("local filter: {e}"))?;
        let mut sent = order.clone();
        sent.price = checked.price;
        sent.quantity = checked.quantity;
        sent.stop_price = stop;
        Ok(sent)
    }

    /// A fee in the quote currency: as it is when paid in the quote asset,
    /// times the price when paid in the base asset; other assets (BNB)
    /// cannot be priced here and count as zero.
    pub fn quote_fee(&self, asset: &str, fee: f64, price: f64) -> f64 {
        let v = if asset == self.quote {
            fee
        } else if asset == self.base {
            fee * price
        } else {
            0.0
        };
        if v.is_finite() { v } else { 0.0 }
    }

    /// One execution from a venue's trade history, its commission (`fee`
    /// charged in `fee_asset`) converted to the quote currency.
    pub fn trade(
        &self,
        trade_id: String,
        (quantity, price): (f64, f64),
        (fee, fee_asset): (f64, String),
        time_ms: i64,
    ) -> VenueTrade {
        let commission = self.quote_fee(&fee_asset, fee, price);
        if commission == 0.0 && fee != 0.0 {
            tracing::warn!(
                %trade_id,
                fee,
                %fee_asset,
                quote = %self.quote,
                "commission in an asset that cannot be priced in the quote currency: counted as zero"
            );
        }
        VenueTrade {
            trade_id,
            quantity,
            price,
            commission,
            fee,
            fee_asset,
            time_ms,
        }
    }
}

/// The loaded markets of one adapter.
#[derive(Debug, Default)]
pub(crate) struct Markets(RwLock<BTreeMap<String, Market>>);

impl Markets {
    pub fn replace(&self, markets: BTreeMap<String, Market>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = markets;
    }

    pub fn snapshot(&self) -> BTreeMap<String, Market> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A symbol's market, or an error saying it was never loaded.
    pub fn get(&self, venue: &str, symbol: &str) -> Result<Market, VenueError> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(symbol)
            .cloned()
            .ok_or_else(|| {
                VenueError::Config(format!(
                    "{venue}: {symbol}: not loaded (not in the configured symbols, or connect() not called)"
                ))
            })
    }
}

/// A number field: a decimal string (empty or missing: 0), or a number;
/// NaN for anything else.
pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s.is_empty() => 0.0,
        Value::String(s) => s.parse().unwrap_or(f64::NAN),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::Null => 0.0,
        _ => f64::NAN,
    }
}

/// A text field (numbers as written; missing: empty).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Attempts at placing one order whose outcome stays unknown.
const PLACE_ATTEMPTS: u32 = 3;

/// What one placement request came back with.
pub(crate) enum Sent {
    /// Booked, with the venue's order id.
    Accepted(String),
    /// Refused as a duplicate client order id: an earlier attempt may
    /// have got through.
    Duplicate(String),
    /// Refused for this order (the venue's code and message).
    Rejected(String),
}

/// Places an order: `send` makes one request; when its outcome is unknown
/// (a 5xx, a timeout, a duplicate id) the order is looked up by its client
/// id before anything else, and sent again (same id) only if the venue
/// does not have it.
pub(crate) async fn place<S, SF, L, LF>(
    venue: &'static str,
    stats: &AdapterStats,
    client_order_id: &str,
    mut send: S,
    lookup: L,
) -> Result<Placed, VenueError>
where
    S: FnMut() -> SF,
    SF: Future<Output = Result<Sent, VenueError>>,
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<VenueOrder>, VenueError>>,
{
    let accepted = |o: VenueOrder| Placed::Accepted {
        venue_order_id: o.venue_order_id,
    };
    let mut last = String::new();
    for attempt in 1..=PLACE_ATTEMPTS {
        match send().await {
            Ok(Sent::Accepted(venue_order_id)) => return Ok(Placed::Accepted { venue_order_id }),
            Ok(Sent::Rejected(reason)) => return Ok(Placed::Rejected { reason }),
            Ok(Sent::Duplicate(reason)) => {
                if let Some(o) = lookup().await? {
                    return Ok(accepted(o));
                }
                last = reason;
            }
            Err(VenueError::Api { code, msg, .. }) => {
                return Ok(Placed::Rejected {
                    reason: format!("{code}: {msg}"),
                });
            }
            Err(VenueError::Transport { detail, .. }) => {
                AdapterStats::bump(&stats.lookups);
                tracing::warn!(%client_order_id, attempt, %detail, "order outcome unknown: looking it up");
                if let Some(o) = lookup().await? {
                    return Ok(accepted(o));
                }
                last = detail;
            }
            Err(e) => return Err(e),
        }
    }
    Err(VenueError::Unknown {
        venue,
        client_order_id: client_order_id.to_string(),
        attempts: PLACE_ATTEMPTS,
        detail: last,
    })
}

/// Runs a lookup (an order, its trades), retrying transport errors with
/// backoff (200 ms, doubling, 5 retries).
pub(crate) async fn lookup<T, F, Fut>(query: F) -> Result<T, VenueError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, VenueError>>,
{
    query
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_times(5),
        )
        .sleep(tokio::time::sleep)
        .when(|e| matches!(e, VenueError::Transport { .. }))
        .await
}
