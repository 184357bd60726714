//! The session's requests to the venue, each in its own task whose answer
//! comes back to the session loop as stamped venue events: placements,
//! cancels and order lookups.

use std::sync::Arc;
use std::time::Duration;

use axon_adapters::Venue;
use axon_adapters::exchange::client_id::client_order_id;
use axon_adapters::exchange::request::{self, Order};
use axon_adapters::exchange::venue::{
    OrderStatus, OrderUpdate, Placed, Stamped, UpdateKind, VenueError, VenueEvent, now_ns,
};
use axon_engine::event::{OrderIntent, OrderType, Quantity};
use axon_engine::market::Side;
use rust_decimal::Decimal;

use super::{Live, RECHECK};
use crate::latency::OrderClock;

/// The request for an engine order. A stop is sent as the venue's stop
/// order, which triggers at the venue on its last trade price (one the
/// venue finds already reached goes out as the order it has become: see
/// the adapters).
pub(super) fn venue_order(
    intent: &OrderIntent,
    symbols: &[String],
    tag: &str,
) -> Result<Order, String> {
    let symbol = symbols
        .get(intent.instrument as usize)
        .ok_or_else(|| format!("instrument {} is not traded here", intent.instrument))?;
    let units = match intent.quantity {
        Quantity::Units(u) => u,
        Quantity::EquityFraction(_) => {
            return Err("an equity-fraction order has no quantity to send".into());
        }
    };
    let dec = |v: f64, what: &str| {
        // f64's Display is the shortest text that reads back the same.
        v.to_string()
            .parse::<Decimal>()
            .map_err(|e| format!("{what} {v}: {e}"))
    };
    let (order_type, price, stop) = match intent.order_type {
        OrderType::Market | OrderType::MarketOnClose => {
            (request::OrderType::Market, intent.reference_price, None)
        }
        OrderType::Limit(p) => (request::OrderType::Limit, p, None),
        OrderType::Stop(stop) => (request::OrderType::StopMarket, stop, Some(stop)),
        OrderType::StopLimit { stop, limit } => (request::OrderType::StopLimit, limit, Some(stop)),
    };
    Ok(Order {
        symbol: symbol.clone(),
        side: match intent.side {
            Side::Buy => request::Side::Buy,
            Side::Sell => request::Side::Sell,
        },
        order_type,
        price: Some(dec(price, "price")?),
        stop_price: stop.map(|s| dec(s, "stop price")).transpose()?,
        quantity: dec(units, "quantity")?,
        by_quote: false,
        client_order_id: client_order_id(tag, intent.client_id),
        self_trade_prevention: None,
        iceberg_quantity: None,
    })
}

/// Looks an order up and reports what the venue knows of it: its
/// executions one by one from its trade list, so that those the session
/// missed (a stream gap, a restart) are counted with the commission the
/// venue charged, and those already counted add nothing.
pub(super) async fn lookup(venue: Arc<dyn Venue>, symbol: String, id: String) -> Vec<Stamped> {
    let update = |kind, venue_order_id: &str| Stamped {
        recv_ns: now_ns(),
        event: VenueEvent::Order(OrderUpdate {
            client_order_id: id.clone(),
            venue_order_id: venue_order_id.to_string(),
            kind,
        }),
    };
    match venue.query_order(&symbol, &id).await {
        Ok(Some(o)) => {
            let mut out = vec![update(UpdateKind::New, &o.venue_order_id)];
            let trades = venue.order_trades(&o).await.unwrap_or_else(|e| {
                tracing::warn!(client_order_id = %id, error = %e, "order trades lookup failed: its executions count without commission");
                Vec::new()
            });
            for kind in o.executions(&trades) {
                out.push(update(kind, &o.venue_order_id));
            }
            match o.status {
                OrderStatus::Canceled => out.push(update(UpdateKind::Canceled, &o.venue_order_id)),
                OrderStatus::Rejected | OrderStatus::Expired => out.push(update(
                    UpdateKind::Rejected(format!("{:?} at the venue", o.status)),
                    &o.venue_order_id,
                )),
                _ => {}
            }
            out
        }
        Ok(None) => vec![update(
            UpdateKind::Rejected("the venue has no such order".into()),
            "",
        )],
        Err(e) => {
            tracing::warn!(client_order_id = %id, error = %e, "order lookup failed");
            Vec::new()
        }
    }
}

impl Live {
    pub(super) fn spawn_lookup(&mut self, client_id: u64, after: Duration) {
        let Some(t) = self.tracker.get(client_id) else {
            return;
        };
        let symbol = self.symbols[t.instrument as usize].clone();
        let id = client_order_id(&self.tag, client_id);
        let venue = self.venue.clone();
        self.tasks.spawn(async move {
            tokio::time::sleep(after).await;
            lookup(venue, symbol, id).await
        });
    }

    /// Places an order; `clock`, when a tick caused it, times the request.
    pub(super) fn spawn_place(&mut self, order: Order, clock: Option<OrderClock>) {
        let venue = self.venue.clone();
        self.placing = true;
        self.tasks.spawn(async move {
            let id = order.client_order_id.clone();
            if let Some(c) = &clock {
                c.sent();
            }
            let answer = venue.place_order(&order).await;
            let recv_ns = now_ns();
            if let Some(c) = &clock {
                c.acked();
            }
            let (kind, venue_order_id) = match answer {
                Ok(Placed::Accepted { venue_order_id }) => (UpdateKind::New, venue_order_id),
                Ok(Placed::Rejected { reason }) => (UpdateKind::Rejected(reason), String::new()),
                Err(e @ VenueError::Unknown { .. }) | Err(e @ VenueError::Transport { .. }) => {
                    // Not known either way: look again later, never resend blindly.
                    tracing::error!(client_order_id = %id, error = %e, "order outcome unknown");
                    tokio::time::sleep(RECHECK).await;
                    return lookup(venue, order.symbol, id).await;
                }
                Err(VenueError::Closed { .. }) => (
                    UpdateKind::Rejected("session stopping: not sent".into()),
                    String::new(),
                ),
                Err(e) => (
                    UpdateKind::Rejected(format!("not placed: {e}")),
                    String::new(),
                ),
            };
            vec![Stamped {
                recv_ns,
                event: VenueEvent::Order(OrderUpdate {
                    client_order_id: id,
                    venue_order_id,
                    kind,
                }),
            }]
        });
    }

    pub(super) fn spawn_cancel(&mut self, client_id: u64) {
        let Some(t) = self.tracker.get(client_id) else {
            return;
        };
        if t.done {
            return;
        }
        let symbol = self.symbols[t.instrument as usize].clone();
        let id = client_order_id(&self.tag, client_id);
        let venue = self.venue.clone();
        self.tasks.spawn(async move {
            match venue.cancel_order(&symbol, &id).await {
                Ok(true) => vec![Stamped {
                    recv_ns: now_ns(),
                    event: VenueEvent::Order(OrderUpdate {
                        client_order_id: id,
                        venue_order_id: String::new(),
                        kind: UpdateKind::Canceled,
                    }),
                }],
                // Not open any more: its fate is whatever the venue says.
                Ok(false) => lookup(venue, symbol, id).await,
                Err(e) => {
                    tracing::warn!(client_order_id = %id, error = %e, "cancel failed");
                    Vec::new()
                }
            }
        });
    }
}
