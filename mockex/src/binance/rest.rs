//! Binance REST handlers.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::BinanceError;
use super::json as bj;
use crate::matching::{NewOrder, OrdKind, PlaceError, Side, Tif};
use crate::state::Shared;
use crate::util::{b8, floor_to, hmac_sha256, now_ms, on_grid, parse_form, random_id};
use crate::{MockSymbol, Venue};

type Reply = Result<Response, BinanceError>;

/// Binance's default and largest `recvWindow`.
const DEFAULT_RECV_WINDOW: u64 = 5000;
const MAX_RECV_WINDOW: u64 = 60_000;
const MAX_PRICE: f64 = 1_000_000.0;
const MAX_QTY: f64 = 9000.0;

/// Decoded request parameters (query string, then body).
#[derive(Debug)]
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn req(&self, key: &str) -> Result<&str, BinanceError> {
        self.get(key).ok_or_else(|| BinanceError::mandatory(key))
    }

    fn num(&self, key: &str) -> Result<Option<f64>, BinanceError> {
        self.get(key)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| BinanceError::illegal(key))
            })
            .transpose()
    }

    fn id(&self, key: &str) -> Result<Option<u64>, BinanceError> {
        self.get(key)
            .map(|v| v.parse().map_err(|_| BinanceError::illegal(key)))
            .transpose()
    }
}

fn public(query: Option<String>) -> Params {
    Params(parse_form(&query.unwrap_or_default()))
}

fn check_key(shared: &Shared, headers: &HeaderMap) -> Result<(), BinanceError> {
    let key = headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok());
    if key == Some(shared.cfg.api_key.as_str()) {
        Ok(())
    } else {
        Err(BinanceError {
            status: StatusCode::UNAUTHORIZED,
            code: -2015,
            msg: "Invalid API-key, IP, or permissions for action.".into(),
        })
    }
}

/// Splits the `signature` parameter off raw (still encoded) parameter text.
fn strip_signature(raw: &str) -> (String, Option<String>) {
    let mut sig = None;
    let rest: Vec<&str> = raw
        .split('&')
        .filter(|kv| match kv.strip_prefix("signature=") {
            Some(s) => {
                sig = Some(s.to_owned());
                false
            }
            None => !kv.is_empty(),
        })
        .collect();
    (rest.join("&"), sig)
}

/// Authenticates a signed (`TRADE`/`USER_DATA`) request and returns its
/// parameters. The signature covers the query string (without `signature`)
/// followed directly by the body, as Binance documents.
fn signed(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<String>,
    body: &str,
) -> Result<Params, BinanceError> {
    check_key(shared, headers)?;
    let (query, sig_q) = strip_signature(&query.unwrap_or_default());
    let (body, sig_b) = strip_signature(body);
    let sig = sig_q
        .or(sig_b)
        .ok_or_else(|| BinanceError::mandatory("signature"))?;
    let mut params = parse_form(&query);
    params.extend(parse_form(&body));
    let params = Params(params);

    let ts = params
        .id("timestamp")?
        .ok_or_else(|| BinanceError::mandatory("timestamp"))?;
    let recv = params.id("recvWindow")?.unwrap_or(DEFAULT_RECV_WINDOW);
    if recv > MAX_RECV_WINDOW {
        return Err(BinanceError::bad(
            -1131,
            "recvWindow must be less than 60000",
        ));
    }
    let server = now_ms();
    let skewed = shared.faults().take_timestamp_skew();
    if skewed || ts >= server + 1000 || server.saturating_sub(ts) > recv {
        return Err(BinanceError::bad(
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    let expected = hex::encode(hmac_sha256(
        shared.cfg.api_secret.as_bytes(),
        format!("{query}{body}").as_bytes(),
    ));
    if !expected.eq_ignore_ascii_case(&sig) {
        return Err(BinanceError::bad(
            -1022,
            "Signature for this request is not valid.",
        ));
    }
    Ok(params)
}

fn symbol(shared: &Shared, p: &Params) -> Result<usize, BinanceError> {
    let name = p.req("symbol")?;
    // Binance symbols are upper case on REST; lower case only in stream names.
    shared
        .binance_symbol(name)
        .filter(|_| name == name.to_ascii_uppercase())
        .ok_or_else(|| BinanceError::bad(-1121, "Invalid symbol."))
}

/// Binance's `newClientOrderId` pattern: `^[\.A-Z\:/a-z0-9_-]{1,36}$`.
fn valid_client_id(id: &str) -> bool {
    (1..=36).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-'))
}

pub(super) async fn ping() -> Json<Value> {
    Json(json!({}))
}

pub(super) async fn time() -> Json<Value> {
    Json(json!({"serverTime": now_ms()}))
}

pub(super) async fn exchange_info(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
) -> Reply {
    let p = public(q);
    let only = match p.get("symbol") {
        Some(_) => Some(symbol(&shared, &p)?),
        None => None,
    };
    let symbols: Vec<Value> = shared
        .cfg
        .symbols
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o == *i))
        .map(|(_, s)| {
            json!({
                "symbol": s.binance_name(),
                "status": "TRADING",
                "baseAsset": s.base,
                "baseAssetPrecision": 8,
                "quoteAsset": s.quote,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT"],
                "icebergAllowed": false,
                "ocoAllowed": false,
                "quoteOrderQtyMarketAllowed": true,
                "isSpotTradingAllowed": true,
                "isMarginTradingAllowed": false,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": b8(s.tick_size),
                     "maxPrice": b8(MAX_PRICE), "tickSize": b8(s.tick_size)},
                    {"filterType": "LOT_SIZE", "minQty": b8(s.step_size),
                     "maxQty": b8(MAX_QTY), "stepSize": b8(s.step_size)},
                    {"filterType": "NOTIONAL", "minNotional": b8(s.min_notional),
                     "applyMinToMarket": true, "maxNotional": b8(9_000_000.0),
                     "applyMaxToMarket": false, "avgPriceMins": 5},
                ],
                "permissions": [],
                "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "NONE",
                "allowedSelfTradePreventionModes": ["NONE"],
            })
        })
        .collect();
    Ok(Json(json!({
        "timezone": "UTC",
        "serverTime": now_ms(),
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": shared.cfg.order_limit_10s},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
        ],
        "exchangeFilters": [],
        "symbols": symbols,
    }))
    .into_response())
}

pub(super) async fn depth(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Reply {
    let p = public(q);
    let sym = symbol(&shared, &p)?;
    let limit = p.id("limit")?.unwrap_or(100) as usize;
    let (id, mut bids, mut asks) = shared.lock().markets[sym].snapshot();
    bids.truncate(limit);
    asks.truncate(limit);
    Ok(Json(bj::depth_snapshot(id, &bids, &asks)).into_response())
}

pub(super) async fn book_ticker(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Reply {
    let p = public(q);
    let one = |i: usize| {
        let st = shared.lock();
        let m = &st.markets[i];
        let (bq, aq) = m.best_qty();
        json!({"symbol": m.sym.binance_name(), "bidPrice": b8(m.bid()), "bidQty": b8(bq),
               "askPrice": b8(m.ask()), "askQty": b8(aq)})
    };
    let body = match p.get("symbol") {
        Some(_) => one(symbol(&shared, &p)?),
        None => (0..shared.cfg.symbols.len()).map(one).collect(),
    };
    Ok(Json(body).into_response())
}

pub(super) async fn new_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let sym = symbol(&shared, &p)?;
    let (order, resp_type) = order_request(&shared, &p, sym)?;
    let order = shared.place(order).map_err(|e| match e {
        PlaceError::Duplicate => BinanceError::bad(-2010, "Duplicate order sent."),
        PlaceError::Insufficient(_) => BinanceError::bad(
            -2010,
            "Account has insufficient balance for requested action.",
        ),
        PlaceError::WouldTake => {
            BinanceError::bad(-2010, "Order would immediately match and take.")
        }
        PlaceError::WouldTrigger => {
            BinanceError::bad(-2010, "Stop price would trigger immediately.")
        }
    })?;
    if let Some(status) = shared.faults().take_error_after_accept() {
        return Ok(generic_error(status));
    }
    Ok(Json(bj::placed(&order, resp_type)).into_response())
}

/// The order a `POST /api/v3/order` asks for, checked in Binance's order
/// (parameters, then filters), and the reply type it wants.
fn order_request<'p>(
    shared: &Shared,
    p: &'p Params,
    sym: usize,
) -> Result<(NewOrder, &'p str), BinanceError> {
    let (side, kind, tif) = order_type(p)?;
    let price = match kind {
        OrdKind::Market | OrdKind::StopLoss => None,
        _ => Some(
            p.num("price")?
                .ok_or_else(|| BinanceError::mandatory("price"))?,
        ),
    };
    let stop = match kind {
        k if k.is_stop() => Some(
            p.num("stopPrice")?
                .ok_or_else(|| BinanceError::mandatory("stopPrice"))?,
        ),
        _ => None,
    };
    let s = &shared.cfg.symbols[sym];
    let touch = shared.touch(sym, side);
    let (qty, quote_qty) = match (p.num("quantity")?, p.num("quoteOrderQty")?) {
        (Some(q), _) => (q, None),
        (None, Some(qq)) if kind == OrdKind::Market => {
            (floor_to(qq / touch, s.step_size), Some(qq))
        }
        _ => return Err(BinanceError::mandatory("quantity")),
    };
    let client_id = match p.get("newClientOrderId") {
        Some(c) if valid_client_id(c) => c.to_owned(),
        Some(_) => {
            return Err(BinanceError::bad(
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
            ));
        }
        None => String::new(),
    };
    let notional = quote_qty.unwrap_or(qty * price.or(stop).unwrap_or(touch));
    check_filters(s, price, qty, notional)?;
    if let Some(stop) = stop {
        check_filters(s, Some(stop), qty, notional)?;
    }
    let resp_type = match p.get("newOrderRespType") {
        Some(t @ ("ACK" | "RESULT" | "FULL")) => t,
        Some(_) => return Err(BinanceError::illegal("newOrderRespType")),
        None if kind == OrdKind::LimitMaker => "ACK",
        None => "FULL",
    };
    let order = NewOrder {
        venue: Venue::Binance,
        sym,
        client_id,
        side,
        kind,
        tif,
        price,
        stop,
        algo: false,
        qty,
        quote_qty,
    };
    Ok((order, resp_type))
}

/// An order's `side`, `type` and `timeInForce` (limit orders only).
fn order_type(p: &Params) -> Result<(Side, OrdKind, Tif), BinanceError> {
    let side = match p.req("side")? {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        _ => return Err(BinanceError::bad(-1117, "Invalid side.")),
    };
    let kind = match p.req("type")? {
        "MARKET" => OrdKind::Market,
        "LIMIT" => OrdKind::Limit,
        "LIMIT_MAKER" => OrdKind::LimitMaker,
        "STOP_LOSS" => OrdKind::StopLoss,
        "STOP_LOSS_LIMIT" => OrdKind::StopLossLimit,
        _ => return Err(BinanceError::bad(-1116, "Invalid orderType.")),
    };
    let tif = match kind {
        OrdKind::Limit | OrdKind::StopLossLimit => match p.req("timeInForce")? {
            "GTC" => Tif::Gtc,
            "IOC" => Tif::Ioc,
            "FOK" => Tif::Fok,
            _ => return Err(BinanceError::bad(-1115, "Invalid timeInForce.")),
        },
        _ => Tif::Gtc,
    };
    Ok((side, kind, tif))
}

/// The symbol's `PRICE_FILTER`, `LOT_SIZE` and `NOTIONAL` filters.
fn check_filters(
    s: &MockSymbol,
    price: Option<f64>,
    qty: f64,
    notional: f64,
) -> Result<(), BinanceError> {
    if let Some(px) = price
        && (px < s.tick_size || px > MAX_PRICE || !on_grid(px, s.tick_size))
    {
        return Err(BinanceError::filter("PRICE_FILTER"));
    }
    if qty < s.step_size || qty > MAX_QTY || !on_grid(qty, s.step_size) {
        return Err(BinanceError::filter("LOT_SIZE"));
    }
    if notional < s.min_notional {
        return Err(BinanceError::filter("NOTIONAL"));
    }
    Ok(())
}

/// The body of a 5xx after an accepted order: the order went through, the
/// reply did not say so.
fn generic_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body =
        json!({"code": -1000, "msg": "An unknown error occurred while processing the request."});
    (status, Json(body)).into_response()
}

/// The order a request names by `orderId` or `origClientOrderId`.
fn named_order(shared: &Shared, p: &Params, sym: usize) -> Result<Option<usize>, BinanceError> {
    let id = p.id("orderId")?;
    let client = p.get("origClientOrderId");
    if id.is_none() && client.is_none() {
        return Err(BinanceError::bad(
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
        ));
    }
    Ok(shared.lock().find(Venue::Binance, sym, id, client))
}

pub(super) async fn query_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let sym = symbol(&shared, &p)?;
    let idx = named_order(&shared, &p, sym)?
        .ok_or_else(|| BinanceError::bad(-2013, "Order does not exist."))?;
    let order = shared.lock().orders[idx].clone();
    Ok(Json(bj::order(&order)).into_response())
}

pub(super) async fn cancel_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let sym = symbol(&shared, &p)?;
    let unknown = || BinanceError::bad(-2011, "Unknown order sent.");
    let idx = named_order(&shared, &p, sym)?.ok_or_else(unknown)?;
    let cancel_id = match p.get("newClientOrderId") {
        Some(c) => c.to_owned(),
        None => shared.random_id(22),
    };
    let now = now_ms();
    let mut st = shared.lock();
    if !st.cancel(idx, cancel_id.clone(), now) {
        return Err(unknown());
    }
    Ok(Json(bj::canceled(&st.orders[idx], &cancel_id, now)).into_response())
}

pub(super) async fn open_orders(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let only = match p.get("symbol") {
        Some(_) => Some(symbol(&shared, &p)?),
        None => None,
    };
    let st = shared.lock();
    let list: Vec<Value> = st
        .orders
        .iter()
        .filter(|o| o.venue == Venue::Binance && o.is_open())
        .filter(|o| only.is_none_or(|s| s == o.sym))
        .map(bj::order)
        .collect();
    Ok(Json(list).into_response())
}

pub(super) async fn cancel_open_orders(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let sym = symbol(&shared, &p)?;
    let now = now_ms();
    let mut out = Vec::new();
    let mut st = shared.lock();
    let open: Vec<usize> = (0..st.orders.len())
        .filter(|&i| {
            let o = &st.orders[i];
            o.venue == Venue::Binance && o.sym == sym && o.is_open()
        })
        .collect();
    for idx in open {
        let cancel_id = random_id(&mut st.id_rng, 22);
        st.cancel(idx, cancel_id.clone(), now);
        out.push(bj::canceled(&st.orders[idx], &cancel_id, now));
    }
    if out.is_empty() {
        return Err(BinanceError::bad(-2011, "Unknown order sent."));
    }
    Ok(Json(out).into_response())
}

pub(super) async fn account(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    signed(&shared, &headers, q, &body)?;
    let st = shared.lock();
    let balances: Vec<Value> = st
        .assets(Venue::Binance)
        .iter()
        .map(|a| {
            let locked = st.locked(Venue::Binance, a);
            json!({"asset": a, "free": b8(st.total(Venue::Binance, a) - locked), "locked": b8(locked)})
        })
        .collect();
    let bps = (shared.cfg.taker_fee_rate * 10_000.0).round() as i64;
    let rate = b8(shared.cfg.taker_fee_rate);
    Ok(Json(json!({
        "makerCommission": bps,
        "takerCommission": bps,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {"maker": rate, "taker": rate, "buyer": b8(0.0), "seller": b8(0.0)},
        "canTrade": true,
        "canWithdraw": true,
        "canDeposit": true,
        "brokered": false,
        "requireSelfTradePrevention": false,
        "preventSor": false,
        "updateTime": now_ms(),
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": 1,
    }))
    .into_response())
}

/// `GET /api/v3/myTrades`: the account's executions in one symbol, oldest
/// first; with `orderId` only that order's, with `fromId` those from that
/// trade id on, else the most recent `limit` (default 500, at most 1000).
pub(super) async fn my_trades(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    let p = signed(&shared, &headers, q, &body)?;
    let sym = symbol(&shared, &p)?;
    let order_id = p.id("orderId")?;
    let from_id = p.id("fromId")?;
    let (start, end) = (p.id("startTime")?, p.id("endTime")?);
    if (order_id.is_some() || from_id.is_some()) && (start.is_some() || end.is_some()) {
        return Err(BinanceError::bad(
            -1128,
            "Combination of optional parameters invalid.",
        ));
    }
    let limit = p.id("limit")?.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(BinanceError::bad(
            -1130,
            "Data sent for parameter 'limit' is not valid.",
        ));
    }
    let st = shared.lock();
    let mut trades: Vec<(u64, Value)> = st
        .orders
        .iter()
        .filter(|o| o.venue == Venue::Binance && o.sym == sym)
        .filter(|o| order_id.is_none_or(|id| o.id == id))
        .flat_map(|o| o.fills.iter().map(move |e| (o, e)))
        .filter(|(_, e)| from_id.is_none_or(|f| e.trade_id >= f))
        .filter(|(_, e)| start.is_none_or(|t| e.ts >= t) && end.is_none_or(|t| e.ts <= t))
        .map(|(o, e)| (e.trade_id, bj::my_trade(o, e)))
        .collect();
    trades.sort_by_key(|(id, _)| *id);
    let limit = limit as usize;
    let list: Vec<Value> = if from_id.is_some() {
        trades.into_iter().take(limit).map(|(_, t)| t).collect()
    } else {
        let skip = trades.len().saturating_sub(limit);
        trades.into_iter().skip(skip).map(|(_, t)| t).collect()
    };
    Ok(Json(list).into_response())
}

pub(super) async fn listen_key_new(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    check_key(&shared, &headers)?;
    let key = shared.random_id(60);
    shared.lock().listen_keys.insert(key.clone());
    Ok(Json(json!({"listenKey": key})).into_response())
}

fn listen_key_param(q: Option<String>, body: &str) -> Result<String, BinanceError> {
    let mut p = parse_form(&q.unwrap_or_default());
    p.extend(parse_form(body));
    Params(p).req("listenKey").map(str::to_owned)
}

fn no_such_key() -> BinanceError {
    BinanceError::bad(-1125, "This listenKey does not exist.")
}

pub(super) async fn listen_key_keepalive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    listen_key_op(&shared, &headers, q, &body, |keys, key| keys.contains(key))
}

pub(super) async fn listen_key_close(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Reply {
    listen_key_op(&shared, &headers, q, &body, |keys, key| keys.remove(key))
}

/// Keeps alive or closes the listen key a request names: `op` does it
/// and says whether the key exists.
fn listen_key_op(
    shared: &Shared,
    headers: &HeaderMap,
    q: Option<String>,
    body: &str,
    op: impl FnOnce(&mut HashSet<String>, &str) -> bool,
) -> Reply {
    check_key(shared, headers)?;
    let key = listen_key_param(q, body)?;
    if !op(&mut shared.lock().listen_keys, &key) {
        return Err(no_such_key());
    }
    Ok(Json(json!({})).into_response())
}
