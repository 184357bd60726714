//! OKX JSON shapes for orders and market data. Numbers are strings.

use serde_json::{Value, json};

use crate::MockSymbol;
use crate::market::{Level, TickData, TradeData};
use crate::matching::{EventKind, Exec, OrdKind, Order, Side, Status, Tif};
use crate::util::{decimals, fmt_dp, fmt_trim};

pub(crate) fn px(sym: &MockSymbol, x: f64) -> String {
    fmt_dp(x, decimals(sym.tick_size))
}

pub(crate) fn sz(sym: &MockSymbol, x: f64) -> String {
    fmt_dp(x, decimals(sym.step_size))
}

fn ord_type(o: &Order) -> &'static str {
    match (o.kind, o.tif) {
        // An algo's regular order: what it places once triggered.
        (OrdKind::Market | OrdKind::StopLoss, _) => "market",
        (OrdKind::StopLossLimit, _) => "limit",
        (OrdKind::LimitMaker, _) => "post_only",
        (OrdKind::Limit, Tif::Ioc) => "ioc",
        (OrdKind::Limit, Tif::Fok) => "fok",
        (OrdKind::Limit, Tif::Gtc) => "limit",
    }
}

/// An order as `GET /trade/order`, `orders-pending` and the `orders`
/// channel show it; `last` is the execution this update reports, if any.
pub(crate) fn order(sym: &MockSymbol, o: &Order, last: Option<&Exec>) -> Value {
    let size = match o.quote_qty {
        Some(q) => fmt_trim(q),
        None => sz(sym, o.qty),
    };
    let neg = |fee: f64| {
        if fee > 0.0 {
            fmt_trim(-fee)
        } else {
            "0".into()
        }
    };
    json!({
        "instType": "SPOT",
        "instId": o.symbol,
        "ordId": o.id.to_string(),
        "clOrdId": if o.algo { "" } else { o.client_id.as_str() },
        "algoId": if o.algo { o.id.to_string() } else { String::new() },
        "algoClOrdId": if o.algo { o.client_id.as_str() } else { "" },
        "tag": "",
        "px": o.price.map(|p| px(sym, p)).unwrap_or_default(),
        "sz": size,
        "notionalUsd": "",
        "ordType": ord_type(o),
        "side": match o.side { Side::Buy => "buy", Side::Sell => "sell" },
        "posSide": "net",
        "tdMode": "cash",
        "tgtCcy": if o.quote_qty.is_some() { "quote_ccy" } else if o.kind == OrdKind::Market { "base_ccy" } else { "" },
        "state": o.status.okx(),
        "accFillSz": sz(sym, o.filled),
        "avgPx": if o.filled > 0.0 { fmt_trim(o.avg_px()) } else { "0".into() },
        "fillPx": last.map(|e| px(sym, e.px)).unwrap_or_default(),
        "fillSz": last.map_or_else(|| "0".into(), |e| sz(sym, e.qty)),
        "fillTime": last.map(|e| e.ts.to_string()).unwrap_or_default(),
        "tradeId": last.map(|e| e.trade_id.to_string()).unwrap_or_default(),
        "execType": if last.is_some() { "T" } else { "" },
        "fee": neg(o.cum_fee),
        "feeCcy": o.fee_asset,
        "fillFee": last.map_or_else(|| "0".into(), |e| neg(e.fee)),
        "fillFeeCcy": if last.is_some() { o.fee_asset.as_str() } else { "" },
        "rebate": "0",
        "rebateCcy": o.quote_asset,
        "pnl": "0",
        "category": "normal",
        "cancelSource": o.cancel_source.unwrap_or(""),
        "reduceOnly": "false",
        "lever": "",
        "source": "",
        "cTime": o.created.to_string(),
        "uTime": o.updated.to_string(),
    })
}

/// An algo (trigger) order as `GET /trade/order-algo`, `orders-algo-pending`
/// and the `orders-algo` channel show it. The regular order it placed
/// once triggered has the mock's same id.
pub(crate) fn algo(sym: &MockSymbol, o: &Order) -> Value {
    let state = match (o.working, o.status) {
        (true, _) => "effective",
        (false, Status::New | Status::PartiallyFilled) => "live",
        (false, _) => "canceled",
    };
    let child = if o.working {
        o.id.to_string()
    } else {
        String::new()
    };
    json!({
        "instType": "SPOT",
        "instId": o.symbol,
        "algoId": o.id.to_string(),
        "algoClOrdId": o.client_id,
        "clOrdId": "",
        "ordId": child,
        "ordIdList": if o.working { vec![child.clone()] } else { Vec::new() },
        "ordType": "trigger",
        "side": match o.side { Side::Buy => "buy", Side::Sell => "sell" },
        "posSide": "net",
        "tdMode": "cash",
        "tgtCcy": "base_ccy",
        "sz": sz(sym, o.qty),
        "triggerPx": o.stop.map(|p| px(sym, p)).unwrap_or_default(),
        "triggerPxType": "last",
        "orderPx": o.price.map_or_else(|| "-1".into(), |p| px(sym, p)),
        "state": state,
        "actualSz": if o.working { sz(sym, o.qty) } else { String::new() },
        "actualPx": if o.working { o.price.map_or_else(|| "-1".into(), |p| px(sym, p)) } else { String::new() },
        "actualSide": "",
        "triggerTime": if o.working { o.updated.to_string() } else { String::new() },
        "cTime": o.created.to_string(),
        "uTime": o.updated.to_string(),
    })
}

/// A `GET /trade/fills` (and `fills-history`) entry: one execution of
/// the account's order. OKX writes fees (and the rate) as negative
/// amounts charged.
pub(crate) fn fill(sym: &MockSymbol, o: &Order, e: &Exec, fee_rate: f64) -> Value {
    let fee = if e.fee > 0.0 {
        fmt_trim(-e.fee)
    } else {
        "0".into()
    };
    json!({
        "instType": "SPOT",
        "instId": o.symbol,
        "tradeId": e.trade_id.to_string(),
        "ordId": o.id.to_string(),
        "clOrdId": if o.algo { "" } else { o.client_id.as_str() },
        "billId": e.bill_id.to_string(),
        "subType": match o.side { Side::Buy => "1", Side::Sell => "2" },
        "tag": "",
        "fillPx": px(sym, e.px),
        "fillSz": sz(sym, e.qty),
        "fillIdxPx": "",
        "fillPnl": "0",
        "fillPxVol": "",
        "fillPxUsd": "",
        "fillMarkVol": "",
        "fillFwdPx": "",
        "fillMarkPx": "",
        "side": match o.side { Side::Buy => "buy", Side::Sell => "sell" },
        "posSide": "net",
        // The mock's orders always take.
        "execType": "T",
        "feeCcy": o.fee_asset,
        "fee": fee,
        "ts": e.ts.to_string(),
        "fillTime": e.ts.to_string(),
        "feeRate": fmt_trim(-fee_rate),
    })
}

/// The execution an order event reports, if it is a fill.
pub(crate) fn exec_of(kind: &EventKind) -> Option<&Exec> {
    match kind {
        EventKind::Trade(e) => Some(e),
        _ => None,
    }
}

pub(crate) fn ticker(sym: &MockSymbol, last: (f64, f64), t: &TickData) -> Value {
    json!({
        "instType": "SPOT",
        "instId": sym.okx_name(),
        "last": px(sym, last.0),
        "lastSz": sz(sym, last.1),
        "askPx": px(sym, t.asks[0].0),
        "askSz": sz(sym, t.asks[0].1),
        "bidPx": px(sym, t.bids[0].0),
        "bidSz": sz(sym, t.bids[0].1),
        "open24h": px(sym, sym.start_price),
        "high24h": px(sym, sym.start_price.max(last.0)),
        "low24h": px(sym, sym.start_price.min(last.0)),
        "volCcy24h": "0",
        "vol24h": "0",
        "sodUtc0": px(sym, sym.start_price),
        "sodUtc8": px(sym, sym.start_price),
        "ts": t.ts.to_string(),
    })
}

fn book_levels(sym: &MockSymbol, v: &[Level], n: usize) -> Vec<[String; 4]> {
    v.iter()
        .take(n)
        .map(|&(p, q)| [px(sym, p), sz(sym, q), "0".into(), "1".into()])
        .collect()
}

/// `bbo-tbt` (`depth` 1) and `books5` (`depth` 5) entries.
pub(crate) fn book(sym: &MockSymbol, t: &TickData, depth: usize) -> Value {
    json!({
        "asks": book_levels(sym, &t.asks, depth),
        "bids": book_levels(sym, &t.bids, depth),
        "ts": t.ts.to_string(),
        "seqId": t.last_id,
    })
}

pub(crate) fn trade(sym: &MockSymbol, t: &TradeData) -> Value {
    json!({
        "instId": sym.okx_name(),
        "tradeId": t.id.to_string(),
        "px": px(sym, t.px),
        "sz": sz(sym, t.qty),
        // The taker's side: a buyer-maker print was a sell.
        "side": if t.buyer_maker { "sell" } else { "buy" },
        "ts": t.ts.to_string(),
        "count": "1",
    })
}
