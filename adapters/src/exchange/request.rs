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
        OrderType::Limit | OrderType::LimitMaker => {
            let t = if o.order_type == OrderType::Limit {
                "LIMIT"
            } else {
                "LIMIT_MAKER"
            };
            params.push(p("type", t));
            params.push(p("quantity", num(o.quantity)));
            if let Some(price) = o.price {
                params.push(p("price", num(price)));
            }
            // LIMIT_MAKER orders take no time in force.
            if o.order_type == OrderType::Limit {
                params.push(p("timeInForce", "GTC"));
            }
        }
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
/// `batch-orders` takes a list of them). Spot, cash margin.
pub fn okx_order_object(o: &Order) -> Value {
    let ord_type = match o.order_type {
        OrderType::Market => "market",
        OrderType::Limit => "limit",
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
