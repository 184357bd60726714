//! The REST requests of the order operations, built from an order: method,
//! path and parameters, exactly as each venue documents them. Signing and
//! sending are separate (`sign`, the clients).

use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// Order types the adapters send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    /// Market order: by base quantity, or by quote amount for buys.
    Market,
    /// Limit order, good till cancelled.
    Limit,
    /// Limit order that only adds liquidity (post-only).
    LimitMaker,
    /// A market order once the last trade price reaches the order's
    /// `stop_price` (at or above it for a buy, at or below for a sell):
    /// Binance `STOP_LOSS`.
    StopMarket,
    /// A limit order at `price` once the last trade price reaches
    /// `stop_price`: Binance `STOP_LOSS_LIMIT`.
    StopLimit,
}

impl OrderType {
    /// Whether the order rests at a limit price (once triggered, for a stop).
    pub fn has_limit(self) -> bool {
        matches!(self, Self::Limit | Self::LimitMaker | Self::StopLimit)
    }

    /// Whether the order waits for a trigger price.
    pub fn is_stop(self) -> bool {
        matches!(self, Self::StopMarket | Self::StopLimit)
    }
}

/// An order as the adapters send it (after the symbol filters).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Symbol, `BASE/QUOTE` (`LTC/USDT`).
    pub symbol: String,
    /// Side.
    pub side: Side,
    /// Type.
    pub order_type: OrderType,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Trigger price of a stop order.
    pub stop_price: Option<Decimal>,
    /// Base quantity (for a market buy by quote amount: that amount).
    pub quantity: Decimal,
    /// A market buy for this much quote currency instead of a quantity.
    pub by_quote: bool,
    /// Client order id (from the journal; see `client_id`).
    pub client_order_id: String,
    /// Binance self-trade prevention mode (`EXPIRE_MAKER`, ...).
    pub self_trade_prevention: Option<String>,
    /// Binance iceberg quantity.
    pub iceberg_quantity: Option<Decimal>,
}

/// A request: method, path, query or form parameters, or a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// HTTP method.
    pub method: &'static str,
    /// Path under the venue's base URL.
    pub path: &'static str,
    /// Parameters in order (Binance: query string or form body).
    pub params: Vec<(String, String)>,
    /// JSON body (OKX).
    pub body: Option<Value>,
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `LTC/USDT` → `LTCUSDT`.
pub fn binance_symbol(symbol: &str) -> String {
    symbol.replace('/', "")
}

/// `LTC/USDT` → `LTC-USDT`.
pub fn okx_symbol(symbol: &str) -> String {
    symbol.replace('/', "-")
}

fn p(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

/// Binance `POST /api/v3/order`.
pub fn binance_new_order(o: &Order) -> Request {
    let side = match o.side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    };
    let mut params = vec![
        p("symbol", binance_symbol(&o.symbol)),
        p("side", side),
        p("newClientOrderId", o.client_order_id.clone()),
        p("newOrderRespType", "FULL"),
    ];
    match o.order_type {
        OrderType::Market => {
            params.push(p("type", "MARKET"));
            let key = if o.by_quote {
                "quoteOrderQty"
            } else {
                "quantity"
            };
            params.push(p(key, num(o.quantity)));
        }
        OrderType::Limit | OrderType::LimitMaker | OrderType::StopLimit => {
            let t = match o.order_type {
                OrderType::Limit => "LIMIT",
                OrderType::StopLimit => "STOP_LOSS_LIMIT",
                _ => "LIMIT_MAKER",
            };
            params.push(p("type", t));
            params.push(p("quantity", num(o.quantity)));
            if let Some(price) = o.price {
                params.push(p("price", num(price)));
            }
            // LIMIT_MAKER orders take no time in force.
            if o.order_type != OrderType::LimitMaker {
                params.push(p("timeInForce", "GTC"));
            }
        }
        OrderType::StopMarket => {
            params.push(p("type", "STOP_LOSS"));
            params.push(p("quantity", num(o.quantity)));
        }
    }
    if let (Some(stop), true) = (o.stop_price, o.order_type.is_stop()) {
        params.push(p("stopPrice", num(stop)));
    }
    if let Some(stp) = &o.self_trade_prevention {
        params.push(p("selfTradePreventionMode", stp.to_ascii_uppercase()));
    }
    if let Some(q) = o.iceberg_quantity {
        params.push(p("icebergQty", num(q)));
    }
    Request {
        method: "POST",
        path: "/api/v3/order",
        params,
        body: None,
    }
}

/// Binance `DELETE /api/v3/order` by the venue's order id.
pub fn binance_cancel_order(symbol: &str, order_id: &str) -> Request {
    Request {
        method: "DELETE",
        path: "/api/v3/order",
        params: vec![p("symbol", binance_symbol(symbol)), p("orderId", order_id)],
        body: None,
    }
}

/// Binance `GET /api/v3/order` by client order id (after a 5xx, the order's
/// fate is looked up before anything else).
pub fn binance_query_order(symbol: &str, client_order_id: &str) -> Request {
    Request {
        method: "GET",
        path: "/api/v3/order",
        params: vec![
            p("symbol", binance_symbol(symbol)),
            p("origClientOrderId", client_order_id),
        ],
        body: None,
    }
}

/// Binance `DELETE /api/v3/openOrders`.
pub fn binance_cancel_all(symbol: &str) -> Request {
    Request {
        method: "DELETE",
        path: "/api/v3/openOrders",
        params: vec![p("symbol", binance_symbol(symbol))],
        body: None,
    }
}

/// The OKX order object (`POST /api/v5/trade/order` takes it as the body;
/// `batch-orders` takes a list of them). Spot, cash margin. A stop is an
/// algo order instead: see [`okx_trigger_order`].
pub fn okx_order_object(o: &Order) -> Value {
    let ord_type = match o.order_type {
        OrderType::Market | OrderType::StopMarket => "market",
        OrderType::Limit | OrderType::StopLimit => "limit",
        OrderType::LimitMaker => "post_only",
    };
    let mut v = json!({
        "instId": okx_symbol(&o.symbol),
        "side": if o.side == Side::Buy { "buy" } else { "sell" },
        "ordType": ord_type,
        "sz": num(o.quantity),
        "tdMode": "cash",
        "tgtCcy": if o.by_quote { "quote_ccy" } else { "base_ccy" },
        "clOrdId": o.client_order_id,
    });
    if let (Some(price), false) = (o.price, o.order_type == OrderType::Market) {
        v["px"] = json!(num(price));
    }
    v
}

/// OKX `POST /api/v5/trade/order`.
pub fn okx_place_order(o: &Order) -> Request {
    Request {
        method: "POST",
        path: "/api/v5/trade/order",
        params: Vec::new(),
        body: Some(okx_order_object(o)),
    }
}

/// OKX `POST /api/v5/trade/order-algo` for a stop: a `trigger` algo order
/// on the last trade price that places a market order (`orderPx` -1) or a
/// limit order at `price` once `stop_price` trades.
pub fn okx_trigger_order(o: &Order) -> Request {
    let order_px = match (o.order_type, o.price) {
        (OrderType::StopLimit, Some(price)) => num(price),
        _ => "-1".to_string(),
    };
    let body = json!({
        "instId": okx_symbol(&o.symbol),
        "tdMode": "cash",
        "side": if o.side == Side::Buy { "buy" } else { "sell" },
        "ordType": "trigger",
        "sz": num(o.quantity),
        "tgtCcy": "base_ccy",
        "triggerPx": o.stop_price.map(num).unwrap_or_default(),
        "triggerPxType": "last",
        "orderPx": order_px,
        "algoClOrdId": o.client_order_id,
    });
    Request {
        method: "POST",
        path: "/api/v5/trade/order-algo",
        params: Vec::new(),
        body: Some(body),
    }
}

/// OKX `POST /api/v5/trade/cancel-order`.
pub fn okx_cancel_order(symbol: &str, order_id: &str) -> Request {
    Request {
        method: "POST",
        path: "/api/v5/trade/cancel-order",
        params: Vec::new(),
        body: Some(json!({ "instId": okx_symbol(symbol), "ordId": order_id })),
    }
}

/// OKX `GET /api/v5/trade/order`.
pub fn okx_query_order(symbol: &str, order_id: &str) -> Request {
    Request {
        method: "GET",
        path: "/api/v5/trade/order",
        params: vec![p("instId", okx_symbol(symbol)), p("ordId", order_id)],
        body: None,
    }
}

/// OKX `GET /api/v5/trade/orders-pending`.
pub fn okx_open_orders(symbol: &str) -> Request {
    Request {
        method: "GET",
        path: "/api/v5/trade/orders-pending",
        params: vec![p("instId", okx_symbol(symbol))],
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(order_type: OrderType, side: Side) -> Order {
        Order {
            symbol: "BTC/USDT".into(),
            side,
            order_type,
            price: Some(Decimal::new(29_950, 0)),
            stop_price: Some(Decimal::new(30_000, 0)),
            quantity: Decimal::new(15, 4),
            by_quote: false,
            client_order_id: "ax-1".into(),
            self_trade_prevention: None,
            iceberg_quantity: None,
        }
    }

    fn keys(r: &Request) -> Vec<(&str, &str)> {
        r.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    // Binance's documented parameters: STOP_LOSS takes quantity and
    // stopPrice; STOP_LOSS_LIMIT also timeInForce and price.
    #[test]
    fn binance_stops_carry_their_trigger() {
        let r = binance_new_order(&stop(OrderType::StopMarket, Side::Sell));
        assert_eq!(
            keys(&r),
            [
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("newClientOrderId", "ax-1"),
                ("newOrderRespType", "FULL"),
                ("type", "STOP_LOSS"),
                ("quantity", "0.0015"),
                ("stopPrice", "30000"),
            ]
        );
        let r = binance_new_order(&stop(OrderType::StopLimit, Side::Buy));
        assert_eq!(
            keys(&r)[4..],
            [
                ("type", "STOP_LOSS_LIMIT"),
                ("quantity", "0.0015"),
                ("price", "29950"),
                ("timeInForce", "GTC"),
                ("stopPrice", "30000"),
            ]
        );
        // A limit order never sends a stop price, whatever the field holds.
        let r = binance_new_order(&stop(OrderType::Limit, Side::Buy));
        assert!(r.params.iter().all(|(k, _)| k != "stopPrice"));
    }

    // OKX's documented trigger order: orderPx -1 places a market order.
    #[test]
    fn okx_stops_are_trigger_algo_orders() {
        let r = okx_trigger_order(&stop(OrderType::StopMarket, Side::Sell));
        assert_eq!(r.path, "/api/v5/trade/order-algo");
        let b = r.body.unwrap();
        assert_eq!(b["ordType"], "trigger");
        assert_eq!(b["instId"], "BTC-USDT");
        assert_eq!(b["side"], "sell");
        assert_eq!(b["sz"], "0.0015");
        assert_eq!(b["triggerPx"], "30000");
        assert_eq!(b["triggerPxType"], "last");
        assert_eq!(b["orderPx"], "-1");
        assert_eq!(b["algoClOrdId"], "ax-1");
        let b = okx_trigger_order(&stop(OrderType::StopLimit, Side::Buy))
            .body
            .unwrap();
        assert_eq!(b["orderPx"], "29950");
        assert_eq!(b["side"], "buy");
    }
}
