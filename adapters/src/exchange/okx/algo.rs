//! OKX stops: `trigger` algo orders (`POST /api/v5/trade/order-algo`) on
//! the last trade price. The algo carries our client order id as its
//! `algoClOrdId`; once it triggers it places a regular order whose
//! executions arrive on the `orders` channel with that same id. Lookups and
//! cancels go through the algo (`GET /trade/order-algo`, `POST
//! /trade/cancel-algos`) until it has triggered, then through the regular
//! order it placed.

use reqwest::Method;
use serde_json::{Value, json};

use super::{OkxAdapter, venue_order};
use crate::exchange::market::{Sent, num, text};
use crate::exchange::request::{self, Order};
use crate::exchange::venue::{
    OrderStatus, OrderUpdate, Placed, UpdateKind, VenueError, VenueOrder,
};

/// What OKX answers for an algo or order it does not have.
const NOT_FOUND: &str = "51603";

impl OkxAdapter {
    /// Places a stop as a `trigger` algo order; the venue id is its `algoId`.
    pub(super) async fn place_trigger(&self, order: &Order) -> Result<Placed, VenueError> {
        let send = |sent: &Order| {
            let req = request::okx_trigger_order(sent);
            async move {
                let v = self
                    .request(Method::POST, req.path, req.body.as_ref(), true)
                    .await?;
                let d = &v["data"][0];
                let reason = format!("{}: {}", text(&d["sCode"]), text(&d["sMsg"]));
                Ok(match text(&d["sCode"]).as_str() {
                    "0" => Sent::Accepted(text(&d["algoId"])),
                    // algoClOrdId already exists: an earlier attempt got through.
                    "51065" => Sent::Duplicate(reason),
                    _ => Sent::Rejected(reason),
                })
            }
        };
        let query = || self.query_trigger(&order.symbol, &order.client_order_id);
        self.conn.place_order(order, send, query).await
    }

    /// The algo order with this `algoClOrdId`, if OKX has it.
    async fn algo(&self, client_order_id: &str) -> Result<Option<Value>, VenueError> {
        let q = format!("/api/v5/trade/order-algo?algoClOrdId={client_order_id}");
        match self.request(Method::GET, &q, None, false).await {
            Ok(v) => Ok(v["data"].as_array().and_then(|d| d.first()).cloned()),
            Err(VenueError::Api { code, .. }) if code == NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A stop by its client order id: once triggered, the regular order it
    /// placed (under our client id); before, the algo itself.
    pub(super) async fn query_trigger(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<Option<VenueOrder>, VenueError> {
        let Some(a) = self.algo(client_order_id).await? else {
            return Ok(None);
        };
        if let Some(child) = placed(&a) {
            let q = format!("/api/v5/trade/order?instId={symbol}&ordId={child}");
            let v = self.request(Method::GET, &q, None, false).await?;
            if let Some(o) = v["data"].as_array().and_then(|d| d.first()) {
                let mut o = venue_order(o);
                o.client_order_id = client_order_id.to_string();
                return Ok(Some(o));
            }
        }
        Ok(Some(VenueOrder {
            symbol: text(&a["instId"]),
            client_order_id: client_order_id.to_string(),
            venue_order_id: text(&a["algoId"]),
            buy: a["side"] == "buy",
            price: num(&a["orderPx"]).max(0.0),
            quantity: num(&a["sz"]),
            executed: 0.0,
            executed_quote: 0.0,
            status: match a["state"].as_str().unwrap_or_default() {
                "canceled" => OrderStatus::Canceled,
                "order_failed" => OrderStatus::Rejected,
                _ => OrderStatus::New,
            },
        }))
    }

    /// Cancels a stop: the algo while it waits, else the regular order it
    /// placed. `Ok(false)`: nothing of it is open at the venue.
    pub(super) async fn cancel_trigger(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<bool, VenueError> {
        let Some(a) = self.algo(client_order_id).await? else {
            return Ok(false);
        };
        let (path, body) = match (a["state"].as_str(), placed(&a)) {
            (Some("live" | "pause"), _) => (
                "/api/v5/trade/cancel-algos",
                json!([{ "algoId": text(&a["algoId"]), "instId": symbol }]),
            ),
            (_, Some(child)) => (
                "/api/v5/trade/cancel-order",
                json!({ "instId": symbol, "ordId": child }),
            ),
            _ => return Ok(false),
        };
        let v = self.request(Method::POST, path, Some(&body), false).await?;
        Ok(text(&v["data"][0]["sCode"]) == "0")
    }
}

/// The regular order a triggered algo placed.
fn placed(a: &Value) -> Option<String> {
    let id = match text(&a["ordId"]) {
        id if id.is_empty() => text(&a["ordIdList"][0]),
        id => id,
    };
    (!id.is_empty()).then_some(id)
}

/// An `orders-algo` channel entry: the stop waiting (new), cancelled or
/// failed to place its order. Once triggered its order's own updates follow
/// on the `orders` channel.
pub(super) fn update(d: &Value) -> Option<OrderUpdate> {
    let kind = match d["state"].as_str()? {
        "live" => UpdateKind::New,
        "canceled" => UpdateKind::Canceled,
        "order_failed" => UpdateKind::Rejected(format!(
            "stop failed to place its order (failCode {})",
            text(&d["failCode"])
        )),
        _ => return None,
    };
    Some(OrderUpdate {
        client_order_id: text(&d["algoClOrdId"]),
        venue_order_id: text(&d["algoId"]),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algo_states_become_updates_under_our_client_id() {
        let entry = |state: &str| json!({"algoId": "77", "algoClOrdId": "axabc9", "state": state, "ordId": "", "failCode": "51008"});
        let u = update(&entry("live")).unwrap();
        assert_eq!(
            (u.client_order_id.as_str(), u.venue_order_id.as_str()),
            ("axabc9", "77")
        );
        assert_eq!(u.kind, UpdateKind::New);
        assert_eq!(
            update(&entry("canceled")).unwrap().kind,
            UpdateKind::Canceled
        );
        assert!(matches!(
            update(&entry("order_failed")).unwrap().kind,
            UpdateKind::Rejected(r) if r.contains("51008")
        ));
        // Triggered: its regular order reports from now on.
        assert!(update(&entry("effective")).is_none());
        assert_eq!(placed(&entry("live")), None);
        assert_eq!(
            placed(&json!({"ordId": "", "ordIdList": ["901"]})),
            Some("901".to_string())
        );
    }
}
