//! OKX v5 subset: REST under `/api/v5`, websockets at `/ws/v5/public` and
//! `/ws/v5/private`.

mod algo;
mod json;
mod rest;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::state::Shared;

/// The OKX routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v5/public/time", get(rest::time))
        .route("/api/v5/public/instruments", get(rest::instruments))
        .route("/api/v5/market/ticker", get(rest::ticker))
        .route(
            "/api/v5/trade/order",
            get(rest::query_order).post(rest::place_order),
        )
        .route("/api/v5/trade/cancel-order", post(rest::cancel_order))
        .route(
            "/api/v5/trade/order-algo",
            post(algo::place).get(algo::query),
        )
        .route("/api/v5/trade/cancel-algos", post(algo::cancel))
        .route("/api/v5/trade/orders-pending", get(rest::orders_pending))
        .route("/api/v5/trade/fills", get(rest::fills_recent))
        .route("/api/v5/trade/fills-history", get(rest::fills_history))
        .route("/api/v5/account/balance", get(rest::balance))
        .route("/ws/v5/public", get(ws::public))
        .route("/ws/v5/private", get(ws::private))
}

/// An OKX error reply: HTTP status and `{"code","msg","data":[]}`.
#[derive(Debug)]
pub(crate) struct OkxError {
    status: StatusCode,
    code: &'static str,
    msg: String,
}

impl OkxError {
    fn unauthorized(code: &'static str, msg: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code,
            msg: msg.into(),
        }
    }

    /// A business error: OKX answers those with HTTP 200.
    pub(super) fn ok(code: &'static str, msg: impl Into<String>) -> Self {
        Self {
            status: StatusCode::OK,
            code,
            msg: msg.into(),
        }
    }
}

impl IntoResponse for OkxError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "msg": self.msg, "data": []});
        (self.status, axum::Json(body)).into_response()
    }
}
