//! OKX REST handlers.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::OkxError;
use super::json as oj;
use crate::Venue;
use crate::matching::{NewOrder, OrdKind, PlaceError, Side, Tif};
use crate::state::Shared;
use crate::util::{floor_to, hmac_sha256, now_ms, now_us, on_grid, parse_form, parse_iso_ms};

pub(super) type Reply = Result<Response, OkxError>;

/// OKX refuses requests whose timestamp is further than this from its clock.
const MAX_SKEW_MS: u64 = 30_000;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Checks the `OK-ACCESS-*` headers. The signature covers
/// timestamp + METHOD + request path (with `?query`) + body.
pub(super) fn authenticate(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &str,
) -> Result<(), OkxError> {
    if header(headers, "ok-access-key") != shared.cfg.api_key {
        return Err(OkxError::unauthorized("50111", "Invalid OK-ACCESS-KEY"));
    }
    if header(headers, "ok-access-passphrase") != shared.cfg.passphrase {
        return Err(OkxError::unauthorized(
            "50105",
            "Invalid OK-ACCESS-PASSPHRASE",
        ));
    }
    let ts = header(headers, "ok-access-timestamp");
    let ms = parse_iso_ms(ts)
        .ok_or_else(|| OkxError::unauthorized("50112", "Invalid OK-ACCESS-TIMESTAMP"))?;
    let skewed = shared.faults().take_timestamp_skew();
    if skewed || now_ms().abs_diff(ms) > MAX_SKEW_MS {
        return Err(OkxError::unauthorized("50102", "Timestamp request expired"));
    }
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let prehash = format!("{ts}{}{path}{body}", method.as_str());
    let expected = BASE64.encode(hmac_sha256(
        shared.cfg.api_secret.as_bytes(),
        prehash.as_bytes(),
    ));
    if header(headers, "ok-access-sign") != expected {
        return Err(OkxError::unauthorized("50113", "Invalid Sign"));
    }
    Ok(())
}

/// A successful reply: `{"code":"0","msg":"","data":...}`.
pub(super) fn ok(data: Value) -> Response {
    Json(json!({"code": "0", "msg": "", "data": data})).into_response()
}

pub(super) fn query_param(q: &Option<String>, key: &str) -> Option<String> {
    parse_form(q.as_deref().unwrap_or(""))
        .into_iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v)
}

/// A string field of a JSON body (OKX sends numbers as strings; bare
/// numbers are taken too).
pub(super) fn field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn inst(shared: &Shared, inst_id: Option<&str>) -> Result<usize, OkxError> {
    let id = inst_id.ok_or_else(|| OkxError::ok("51000", "Parameter instId error"))?;
    shared
        .okx_symbol(id)
        .ok_or_else(|| OkxError::ok("51001", "Instrument ID does not exist"))
}

pub(super) async fn time() -> Json<Value> {
    Json(json!({"code": "0", "msg": "", "data": [{"ts": now_ms().to_string()}]}))
}

pub(super) async fn instruments(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Reply {
    match query_param(&q, "instType").as_deref() {
        Some("SPOT") => {}
        Some(_) => return Ok(ok(json!([]))),
        None => {
            return Err(OkxError::ok("50014", "Parameter instType can not be empty"));
        }
    }
    let only = query_param(&q, "instId");
    let list: Vec<Value> = shared
        .cfg
        .symbols
        .iter()
        .filter(|s| only.as_ref().is_none_or(|i| *i == s.okx_name()))
        .map(|s| {
            json!({
                "instType": "SPOT",
                "instId": s.okx_name(),
                "uly": "",
                "instFamily": "",
                "baseCcy": s.base,
                "quoteCcy": s.quote,
                "settleCcy": "",
                "ctVal": "",
                "ctMult": "",
                "ctValCcy": "",
                "listTime": "1606468572000",
                "expTime": "",
                "lever": "",
                "tickSz": crate::util::fmt_trim(s.tick_size),
                "lotSz": crate::util::fmt_trim(s.step_size),
                "minSz": crate::util::fmt_trim(s.step_size),
                "ctType": "",
                "alias": "",
                "state": "live",
                "maxLmtSz": "9999999999",
                "maxMktSz": "1000000",
            })
        })
        .collect();
    Ok(ok(list.into()))
}

pub(super) async fn ticker(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Reply {
    let sym = inst(&shared, query_param(&q, "instId").as_deref())?;
    let st = shared.lock();
    let m = &st.markets[sym];
    let s = &m.sym;
    let (bq, aq) = m.best_qty();
    Ok(ok(json!([{
        "instType": "SPOT",
        "instId": s.okx_name(),
        "last": oj::px(s, m.last_px),
        "lastSz": oj::sz(s, m.last_sz),
        "askPx": oj::px(s, m.ask()),
        "askSz": oj::sz(s, aq),
        "bidPx": oj::px(s, m.bid()),
        "bidSz": oj::sz(s, bq),
        "ts": now_ms().to_string(),
    }])))
}

/// A failed single-order operation: `code` "1" and the reason per order.
pub(super) fn op_failed(
    cl_ord_id: &str,
    ord_id: &str,
    s_code: &str,
    s_msg: &str,
    in_time: u64,
) -> Response {
    Json(json!({
        "code": "1",
        "msg": "All operations failed",
        "data": [{"clOrdId": cl_ord_id, "ordId": ord_id, "tag": "", "ts": now_ms().to_string(),
                  "sCode": s_code, "sMsg": s_msg}],
        "inTime": in_time.to_string(),
        "outTime": now_us().to_string(),
    }))
    .into_response()
}

/// OKX client order ids: 1 to 32 letters and digits.
fn valid_cl_ord_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

pub(super) async fn place_order(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Reply {
    let in_time = now_us();
    let req = json_body(&shared, &method, &uri, &headers, &body)?;
    let cl = field(&req, "clOrdId").unwrap_or_default();
    let fail = |(code, msg): Refusal| Ok(op_failed(&cl, "", code, &msg, in_time));
    let order = match order_request(&shared, &req, &cl) {
        Ok(order) => order,
        Err(refusal) => return fail(refusal),
    };
    let order = match shared.place(order) {
        Ok(o) => o,
        Err(e) => return fail(refusal(e, refuse("51016", "Duplicated client order ID"))),
    };
    if let Some(status) = shared.faults().take_error_after_accept() {
        return Ok(generic_error(status));
    }
    Ok(Json(json!({
        "code": "0",
        "msg": "",
        "data": [{"clOrdId": order.client_id, "ordId": order.id.to_string(), "tag": "",
                  "ts": order.created.to_string(), "sCode": "0", "sMsg": "Order placed"}],
        "inTime": in_time.to_string(),
        "outTime": now_us().to_string(),
    }))
    .into_response())
}

/// An authenticated request's JSON body.
pub(super) fn json_body(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &str,
) -> Result<Value, OkxError> {
    authenticate(shared, method, uri, headers, body)?;
    serde_json::from_str(body).map_err(|_| OkxError {
        status: StatusCode::BAD_REQUEST,
        code: "50002",
        msg: "JSON syntax error".into(),
    })
}

/// Why OKX refuses a placement the book turned down; `duplicate` is its
/// refusal of a client id in use (regular and algo orders word it apart).
pub(super) fn refusal(e: PlaceError, duplicate: Refusal) -> Refusal {
    match e {
        PlaceError::Duplicate => duplicate,
        PlaceError::Insufficient(asset) => (
            "51008",
            format!("Order failed. Insufficient {asset} balance in account."),
        ),
        PlaceError::WouldTake | PlaceError::WouldTrigger => {
            refuse("51000", "Parameter ordType error")
        }
    }
}

/// Why OKX refuses one order: its `sCode` and `sMsg`.
pub(super) type Refusal = (&'static str, String);

pub(super) fn refuse(code: &'static str, msg: &str) -> Refusal {
    (code, msg.to_owned())
}

/// What any order body (regular or algo) is checked for first, in OKX's
/// order: its client id (the `id_key` field, `cl`), instrument, trade mode
/// and side.
pub(super) fn order_basics(
    shared: &Shared,
    req: &Value,
    id_key: &str,
    cl: &str,
) -> Result<(usize, Side), Refusal> {
    if !cl.is_empty() && !valid_cl_ord_id(cl) {
        return Err(refuse("51000", &format!("Parameter {id_key} error")));
    }
    let Some(sym) = field(req, "instId").and_then(|i| shared.okx_symbol(&i)) else {
        return Err(refuse("51001", "Instrument ID does not exist"));
    };
    if field(req, "tdMode").as_deref() != Some("cash") {
        return Err(refuse("51000", "Parameter tdMode error"));
    }
    let side = match field(req, "side").as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => return Err(refuse("51000", "Parameter side error")),
    };
    Ok((sym, side))
}

/// The order a `POST /api/v5/trade/order` body asks for (client order id
/// `cl`), checked in OKX's order.
fn order_request(shared: &Shared, req: &Value, cl: &str) -> Result<NewOrder, Refusal> {
    let (sym, side) = order_basics(shared, req, "clOrdId", cl)?;
    let (kind, tif) = order_type(req)?;
    let s = &shared.cfg.symbols[sym];
    let price = match kind {
        OrdKind::Market => None,
        _ => match field(req, "px").and_then(|p| p.parse::<f64>().ok()) {
            Some(p) if p > 0.0 && on_grid(p, s.tick_size) => Some(p),
            _ => return Err(refuse("51000", "Parameter px error")),
        },
    };
    let (qty, quote_qty) = size(shared, req, sym, side, kind)?;
    Ok(NewOrder {
        venue: Venue::Okx,
        sym,
        client_id: cl.to_owned(),
        side,
        kind,
        tif,
        price,
        stop: None,
        algo: false,
        qty,
        quote_qty,
    })
}

/// An order's `ordType`.
fn order_type(req: &Value) -> Result<(OrdKind, Tif), Refusal> {
    let (kind, tif) = match field(req, "ordType").as_deref() {
        Some("market") => (OrdKind::Market, Tif::Gtc),
        Some("limit") => (OrdKind::Limit, Tif::Gtc),
        Some("post_only") => (OrdKind::LimitMaker, Tif::Gtc),
        Some("ioc") => (OrdKind::Limit, Tif::Ioc),
        Some("fok") => (OrdKind::Limit, Tif::Fok),
        _ => return Err(refuse("51000", "Parameter ordType error")),
    };
    Ok((kind, tif))
}

/// An order's base quantity and, when `sz` counts the quote currency,
/// that amount.
fn size(
    shared: &Shared,
    req: &Value,
    sym: usize,
    side: Side,
    kind: OrdKind,
) -> Result<(f64, Option<f64>), Refusal> {
    let s = &shared.cfg.symbols[sym];
    let Some(size) = field(req, "sz")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
    else {
        return Err(refuse("51000", "Parameter sz error"));
    };
    // OKX spot market buys count `sz` in the quote currency unless told
    // otherwise; sells and limit orders count it in the base currency.
    let in_quote = kind == OrdKind::Market
        && match field(req, "tgtCcy").as_deref() {
            Some("quote_ccy") => true,
            Some("base_ccy") => false,
            Some(_) => return Err(refuse("51000", "Parameter tgtCcy error")),
            None => side == Side::Buy,
        };
    let (qty, quote_qty) = if in_quote {
        let touch = shared.touch(sym, side);
        (floor_to(size / touch, s.step_size), Some(size))
    } else {
        if !on_grid(size, s.step_size) {
            return Err(refuse("51000", "Parameter sz error"));
        }
        (size, None)
    };
    if qty < s.step_size {
        return Err(refuse(
            "51020",
            "Your order should meet or exceed the minimum order amount.",
        ));
    }
    Ok((qty, quote_qty))
}

/// The body of a 5xx after an accepted order.
pub(super) fn generic_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"code": "50001", "msg": "Service temporarily unavailable. Please try again later.", "data": []});
    (status, Json(body)).into_response()
}

pub(super) async fn cancel_order(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Reply {
    let in_time = now_us();
    authenticate(&shared, &method, &uri, &headers, &body)?;
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let cl = field(&req, "clOrdId");
    let ord = field(&req, "ordId");
    let sym = inst(&shared, field(&req, "instId").as_deref())?;
    let id = ord.as_deref().and_then(|o| o.parse::<u64>().ok());
    let now = now_ms();
    let mut st = shared.lock();
    let idx = st
        .find(Venue::Okx, sym, id, cl.as_deref())
        .filter(|&i| regular(&st.orders[i], cl.is_some()));
    match idx {
        Some(i) if st.cancel(i, String::new(), now) => {
            let o = &st.orders[i];
            Ok(Json(json!({
                "code": "0",
                "msg": "",
                "data": [{"clOrdId": o.client_id, "ordId": o.id.to_string(), "ts": now.to_string(),
                          "sCode": "0", "sMsg": ""}],
                "inTime": in_time.to_string(),
                "outTime": now_us().to_string(),
            }))
            .into_response())
        }
        _ => Ok(op_failed(
            cl.as_deref().unwrap_or(""),
            ord.as_deref().unwrap_or(""),
            "51400",
            "Order cancellation failed as the order has been filled, canceled or does not exist",
            in_time,
        )),
    }
}

/// Whether the regular order endpoints see an order: an algo order only
/// once triggered (its regular order), and never by client order id.
fn regular(o: &crate::matching::Order, by_client_id: bool) -> bool {
    !o.algo || (o.working && !by_client_id)
}

pub(super) async fn query_order(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    authenticate(&shared, &method, &uri, &headers, "")?;
    let sym = inst(&shared, query_param(&q, "instId").as_deref())?;
    let cl = query_param(&q, "clOrdId");
    let id = match query_param(&q, "ordId") {
        Some(o) => Some(
            o.parse::<u64>()
                .map_err(|_| OkxError::ok("51000", "Parameter ordId error"))?,
        ),
        None if cl.is_none() => return Err(OkxError::ok("51000", "Parameter ordId error")),
        None => None,
    };
    let st = shared.lock();
    let idx = st
        .find(Venue::Okx, sym, id, cl.as_deref())
        .filter(|&i| regular(&st.orders[i], cl.is_some()))
        .ok_or_else(|| OkxError::ok("51603", "Order does not exist"))?;
    let o = &st.orders[idx];
    Ok(ok(json!([oj::order(
        &st.markets[sym].sym,
        o,
        o.fills.last()
    )])))
}

pub(super) async fn orders_pending(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    authenticate(&shared, &method, &uri, &headers, "")?;
    if query_param(&q, "instType").is_some_and(|t| t != "SPOT") {
        return Ok(ok(json!([])));
    }
    let only = match query_param(&q, "instId") {
        Some(i) => Some(inst(&shared, Some(&i))?),
        None => None,
    };
    let st = shared.lock();
    // Newest first, as OKX lists them.
    let list: Vec<Value> = st
        .orders
        .iter()
        .rev()
        .filter(|o| o.venue == Venue::Okx && o.is_open() && regular(o, false))
        .filter(|o| only.is_none_or(|s| s == o.sym))
        .map(|o| oj::order(&st.markets[o.sym].sym, o, o.fills.last()))
        .collect();
    Ok(ok(list.into()))
}

/// `GET /api/v5/trade/fills` (the last three days at OKX) and
/// `fills-history` (three months, `instType` required): the account's
/// executions, newest first, `after`/`before` paging by `billId`, at most
/// `limit` (100). The mock keeps every execution, so both list them all.
fn fills(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    q: &Option<String>,
    history: bool,
) -> Reply {
    authenticate(shared, method, uri, headers, "")?;
    let inst_type = query_param(q, "instType");
    if history && inst_type.is_none() {
        return Err(OkxError::ok(
            "50014",
            "Parameter instType can not be empty.",
        ));
    }
    if inst_type.is_some_and(|t| t != "SPOT") {
        return Ok(ok(json!([])));
    }
    let only = match query_param(q, "instId") {
        Some(i) => Some(inst(shared, Some(&i))?),
        None => None,
    };
    let number = |key: &str, code: &'static str| -> Result<Option<u64>, OkxError> {
        query_param(q, key)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| OkxError::ok(code, format!("Parameter {key} error")))
            })
            .transpose()
    };
    let ord_id = number("ordId", "51000")?;
    let (after, before) = (number("after", "51000")?, number("before", "51000")?);
    let (begin, end) = (number("begin", "51000")?, number("end", "51000")?);
    let limit = number("limit", "51000")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(OkxError::ok("51000", "Parameter limit error"));
    }
    let st = shared.lock();
    let mut list: Vec<(u64, Value)> = st
        .orders
        .iter()
        .filter(|o| o.venue == Venue::Okx)
        .filter(|o| only.is_none_or(|s| s == o.sym) && ord_id.is_none_or(|id| o.id == id))
        .flat_map(|o| o.fills.iter().map(move |e| (o, e)))
        .filter(|(_, e)| {
            after.is_none_or(|a| e.bill_id < a) && before.is_none_or(|b| e.bill_id > b)
        })
        .filter(|(_, e)| begin.is_none_or(|t| e.ts >= t) && end.is_none_or(|t| e.ts <= t))
        .map(|(o, e)| {
            let fill = oj::fill(&st.markets[o.sym].sym, o, e, st.fee_rate);
            (e.bill_id, fill)
        })
        .collect();
    // A page next to its cursor: `before` pages towards newer records.
    list.sort_by_key(|(bill, _)| *bill);
    if before.is_none() || after.is_some() {
        list.reverse();
    }
    list.truncate(limit as usize);
    list.sort_by_key(|(bill, _)| std::cmp::Reverse(*bill));
    let page: Vec<Value> = list.into_iter().map(|(_, f)| f).collect();
    Ok(ok(page.into()))
}

pub(super) async fn fills_recent(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    fills(&shared, &method, &uri, &headers, &q, false)
}

pub(super) async fn fills_history(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    fills(&shared, &method, &uri, &headers, &q, true)
}

pub(super) async fn balance(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    authenticate(&shared, &method, &uri, &headers, "")?;
    let wanted: Option<Vec<String>> =
        query_param(&q, "ccy").map(|c| c.split(',').map(str::to_owned).collect());
    let st = shared.lock();
    let fmt = crate::util::fmt_trim;
    let details: Vec<Value> = st
        .assets(Venue::Okx)
        .into_iter()
        .filter(|a| wanted.as_ref().is_none_or(|w| w.contains(a)))
        .map(|a| {
            let total = st.total(Venue::Okx, &a);
            let locked = st.locked(Venue::Okx, &a);
            json!({"ccy": a, "eq": fmt(total), "cashBal": fmt(total), "availBal": fmt(total - locked),
                   "availEq": fmt(total - locked), "frozenBal": fmt(locked), "ordFrozen": fmt(locked),
                   "uTime": now_ms().to_string()})
        })
        .collect();
    Ok(ok(
        json!([{"totalEq": "0", "uTime": now_ms().to_string(), "details": details}]),
    ))
}
