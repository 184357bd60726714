//! Binance spot subset: REST under `/api/v3`, websockets under `/ws` and
//! `/stream`.

mod json;
mod rest;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::state::Shared;
use crate::util::now_ms;

/// The Binance routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v3/ping", get(rest::ping))
        .route("/api/v3/time", get(rest::time))
        .route("/api/v3/exchangeInfo", get(rest::exchange_info))
        .route("/api/v3/depth", get(rest::depth))
        .route("/api/v3/ticker/bookTicker", get(rest::book_ticker))
        .route(
            "/api/v3/order",
            get(rest::query_order)
                .post(rest::new_order)
                .delete(rest::cancel_order),
        )
        .route(
            "/api/v3/openOrders",
            get(rest::open_orders).delete(rest::cancel_open_orders),
        )
        .route("/api/v3/account", get(rest::account))
        .route("/api/v3/myTrades", get(rest::my_trades))
        .route(
            "/api/v3/userDataStream",
            post(rest::listen_key_new)
                .put(rest::listen_key_keepalive)
                .delete(rest::listen_key_close),
        )
        .route("/ws", get(ws::raw_root))
        .route("/ws/{*streams}", get(ws::raw))
        .route("/stream", get(ws::combined))
}

/// A Binance error reply: HTTP status and `{"code","msg"}`.
#[derive(Debug)]
pub(crate) struct BinanceError {
    status: StatusCode,
    code: i64,
    msg: String,
}

impl BinanceError {
    /// An HTTP 400 error.
    fn bad(code: i64, msg: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            msg: msg.into(),
        }
    }

    fn mandatory(param: &str) -> Self {
        Self::bad(
            -1102,
            format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."),
        )
    }

    fn illegal(param: &str) -> Self {
        Self::bad(
            -1100,
            format!(
                "Illegal characters found in parameter '{param}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'."
            ),
        )
    }

    fn filter(name: &str) -> Self {
        Self::bad(-1013, format!("Filter failure: {name}"))
    }
}

impl IntoResponse for BinanceError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "msg": self.msg});
        (self.status, axum::Json(body)).into_response()
    }
}

/// Whether a query string carries `key` (any value).
fn has_param(query: Option<&str>, key: &str) -> bool {
    query
        .unwrap_or_default()
        .split('&')
        .any(|kv| kv.split('=').next() == Some(key))
}

/// Adds `X-MBX-USED-WEIGHT-1M` to every Binance reply (faulted ones too) and
/// `X-MBX-ORDER-COUNT-10S` to order endpoint replies.
pub(crate) async fn usage_headers(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/v3/") {
        return next.run(req).await;
    }
    let weight = match path {
        "/api/v3/exchangeInfo" => 20,
        "/api/v3/openOrders" | "/api/v3/account" => 4,
        // As Binance documents it: 20, or 5 for one order's trades.
        "/api/v3/myTrades" if has_param(req.uri().query(), "orderId") => 5,
        "/api/v3/myTrades" => 20,
        _ => 1,
    };
    let order_endpoint = path == "/api/v3/order";
    let used = shared.lock().add_weight(weight, now_ms());
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    headers.insert("x-mbx-used-weight-1m", HeaderValue::from(used));
    if order_endpoint {
        // Counted after the handler so that this order is included.
        let count = shared.lock().orders_last_10s(now_ms());
        headers.insert("x-mbx-order-count-10s", HeaderValue::from(count));
    }
    resp
}
