//! OKX algo orders, the `trigger` kind only (spot, cash): a stop that
//! places a market order (`orderPx` -1) or a limit order at `orderPx` once
//! the last price reaches `triggerPx`. Placed, looked up and cancelled by
//! `algoId` or `algoClOrdId`; the regular order it places is reported on the
//! `orders` channel with those ids.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::OkxError;
use super::json as oj;
use super::rest::{
    Refusal, Reply, authenticate, field, generic_error, inst, json_body, ok, order_basics,
    query_param, refusal, refuse,
};
use crate::Venue;
use crate::matching::{NewOrder, OrdKind, Tif};
use crate::state::{Shared, State as Book};
use crate::util::{now_ms, on_grid};

/// One algo operation's answer: `code` "0", or "1" with its `sCode`.
fn answer(algo_id: &str, algo_cl: &str, s_code: &str, s_msg: &str) -> Response {
    let code = if s_code == "0" { "0" } else { "1" };
    Json(json!({
        "code": code,
        "msg": "",
        "data": [{"algoId": algo_id, "algoClOrdId": algo_cl, "clOrdId": "", "tag": "",
                  "sCode": s_code, "sMsg": s_msg}],
    }))
    .into_response()
}

/// `POST /api/v5/trade/order-algo`.
pub(super) async fn place(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Reply {
    let req = json_body(&shared, &method, &uri, &headers, &body)?;
    let cl = field(&req, "algoClOrdId").unwrap_or_default();
    let placed = trigger_request(&shared, &req, &cl).and_then(|o| {
        shared
            .place(o)
            .map_err(|e| refusal(e, refuse("51065", "algoClOrdId already exists.")))
    });
    let order = match placed {
        Ok(o) => o,
        Err((code, msg)) => return Ok(answer("", &cl, code, &msg)),
    };
    if let Some(status) = shared.faults().take_error_after_accept() {
        return Ok(generic_error(status));
    }
    Ok(answer(
        &order.id.to_string(),
        &order.client_id,
        "0",
        "Order placed",
    ))
}

/// The stop a `trigger` algo body asks for, checked as OKX does.
fn trigger_request(shared: &Shared, req: &Value, cl: &str) -> Result<NewOrder, Refusal> {
    let (sym, side) = order_basics(shared, req, "algoClOrdId", cl)?;
    if field(req, "ordType").as_deref() != Some("trigger") {
        return Err(refuse("51000", "Parameter ordType error"));
    }
    if field(req, "triggerPxType").is_some_and(|t| t != "last") {
        return Err(refuse("51000", "Parameter triggerPxType error"));
    }
    let s = &shared.cfg.symbols[sym];
    let price = |key: &str| {
        field(req, key)
            .and_then(|p| p.parse::<f64>().ok())
            .filter(|p| *p > 0.0 && on_grid(*p, s.tick_size))
            .ok_or_else(|| refuse("51000", &format!("Parameter {key} error")))
    };
    let stop = price("triggerPx")?;
    let (kind, limit) = match field(req, "orderPx").as_deref() {
        Some("-1") => (OrdKind::StopLoss, None),
        Some(_) => (OrdKind::StopLossLimit, Some(price("orderPx")?)),
        None => return Err(refuse("51000", "Parameter orderPx error")),
    };
    let qty = field(req, "sz")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|q| q.is_finite() && *q >= s.step_size && on_grid(*q, s.step_size))
        .ok_or_else(|| refuse("51000", "Parameter sz error"))?;
    Ok(NewOrder {
        venue: Venue::Okx,
        sym,
        client_id: cl.to_owned(),
        side,
        kind,
        tif: Tif::Gtc,
        price: limit,
        stop: Some(stop),
        algo: true,
        qty,
        quote_qty: None,
    })
}

/// The algo order named by `algoId` or `algoClOrdId`.
fn named(st: &Book, sym: usize, id: Option<&str>, cl: Option<&str>) -> Option<usize> {
    let id = id.and_then(|i| i.parse::<u64>().ok());
    st.orders.iter().position(|o| {
        o.venue == Venue::Okx
            && o.algo
            && o.sym == sym
            && match (id, cl) {
                (Some(id), _) => o.id == id,
                (None, Some(c)) => o.client_id == c,
                (None, None) => false,
            }
    })
}

/// `GET /api/v5/trade/order-algo` by `algoId` or `algoClOrdId`.
pub(super) async fn query(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    authenticate(&shared, &method, &uri, &headers, "")?;
    let (id, cl) = (query_param(&q, "algoId"), query_param(&q, "algoClOrdId"));
    if id.is_none() && cl.is_none() {
        return Err(OkxError::ok(
            "51000",
            "Parameter algoId or algoClOrdId error",
        ));
    }
    let sym = match query_param(&q, "instId") {
        Some(i) => inst(&shared, Some(&i))?,
        None => 0,
    };
    let st = shared.lock();
    let found = (0..st.markets.len())
        .filter(|&s| query_param(&q, "instId").is_none() || s == sym)
        .find_map(|s| named(&st, s, id.as_deref(), cl.as_deref()));
    let idx = found.ok_or_else(|| OkxError::ok("51603", "Order does not exist"))?;
    let o = &st.orders[idx];
    Ok(ok(json!([oj::algo(&st.markets[o.sym].sym, o)])))
}

/// `POST /api/v5/trade/cancel-algos`: a list of `{algoId, instId}`; only an
/// algo not triggered yet can be cancelled.
pub(super) async fn cancel(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Reply {
    authenticate(&shared, &method, &uri, &headers, &body)?;
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let Some(list) = req.as_array().filter(|l| !l.is_empty()) else {
        return Err(OkxError::ok("51000", "Parameter algoId error"));
    };
    let mut data = Vec::new();
    let mut failed = 0;
    for item in list {
        let id = field(item, "algoId").unwrap_or_default();
        let sym = inst(&shared, field(item, "instId").as_deref())?;
        let now = now_ms();
        let mut st = shared.lock();
        let cancelled = match named(&st, sym, Some(&id), None) {
            Some(i) if !st.orders[i].working => st.cancel(i, String::new(), now),
            _ => false,
        };
        let (s_code, s_msg) = if cancelled {
            ("0", "")
        } else {
            failed += 1;
            ("51603", "Order does not exist")
        };
        data.push(json!({"algoId": id, "algoClOrdId": "", "sCode": s_code, "sMsg": s_msg}));
    }
    let code = match failed {
        0 => "0",
        n if n == list.len() => "1",
        _ => "2",
    };
    Ok(Json(json!({"code": code, "msg": "", "data": data})).into_response())
}
