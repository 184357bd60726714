//! Binance JSON shapes for orders, order events and market data.

use serde_json::{Value, json};

use crate::market::{Level, TickData, TradeData};
use crate::matching::{EventKind, Exec, OrdKind, Order, Side, Tif};
use crate::util::b8;

pub(crate) fn side(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

pub(crate) fn kind(k: OrdKind) -> &'static str {
    match k {
        OrdKind::Market => "MARKET",
        OrdKind::Limit => "LIMIT",
        OrdKind::LimitMaker => "LIMIT_MAKER",
        OrdKind::StopLoss => "STOP_LOSS",
        OrdKind::StopLossLimit => "STOP_LOSS_LIMIT",
    }
}

pub(crate) fn tif(o: &Order) -> &'static str {
    match o.tif {
        Tif::Gtc => "GTC",
        Tif::Ioc => "IOC",
        Tif::Fok => "FOK",
    }
}

fn price(o: &Order) -> String {
    b8(o.price.unwrap_or(0.0))
}

/// `GET /api/v3/order` and `openOrders` entries.
pub(crate) fn order(o: &Order) -> Value {
    json!({
        "symbol": o.symbol,
        "orderId": o.id,
        "orderListId": -1,
        "clientOrderId": o.client_id,
        "price": price(o),
        "origQty": b8(o.qty),
        "executedQty": b8(o.filled),
        "cummulativeQuoteQty": b8(o.cum_quote),
        "status": o.status.binance(),
        "timeInForce": tif(o),
        "type": kind(o.kind),
        "side": side(o.side),
        "stopPrice": b8(o.stop.unwrap_or(0.0)),
        "icebergQty": b8(0.0),
        "time": o.created,
        "updateTime": o.updated,
        "isWorking": o.working,
        "workingTime": o.created,
        "origQuoteOrderQty": b8(o.quote_qty.unwrap_or(0.0)),
        "selfTradePreventionMode": "NONE",
    })
}

/// `POST /api/v3/order` reply for `newOrderRespType` ACK, RESULT or FULL.
pub(crate) fn placed(o: &Order, resp_type: &str) -> Value {
    let mut v = json!({
        "symbol": o.symbol,
        "orderId": o.id,
        "orderListId": -1,
        "clientOrderId": o.client_id,
        "transactTime": o.created,
    });
    if resp_type == "ACK" {
        return v;
    }
    merge(&mut v, order_state(o));
    v["workingTime"] = o.created.into();
    if resp_type == "FULL" {
        let fee_asset = &o.fee_asset;
        let fills: Vec<Value> = o
            .fills
            .iter()
            .map(|f| {
                json!({
                    "price": b8(f.px),
                    "qty": b8(f.qty),
                    "commission": b8(f.fee),
                    "commissionAsset": fee_asset,
                    "tradeId": f.trade_id,
                })
            })
            .collect();
        v["fills"] = fills.into();
    }
    v
}

/// A `GET /api/v3/myTrades` entry: one execution of the account's order.
pub(crate) fn my_trade(o: &Order, e: &Exec) -> Value {
    json!({
        "symbol": o.symbol,
        "id": e.trade_id,
        "orderId": o.id,
        "orderListId": -1,
        "price": b8(e.px),
        "qty": b8(e.qty),
        "quoteQty": b8(e.qty * e.px),
        "commission": b8(e.fee),
        "commissionAsset": o.fee_asset,
        "time": e.ts,
        "isBuyer": o.side == Side::Buy,
        // The mock's orders always take.
        "isMaker": false,
        "isBestMatch": true,
    })
}

/// `DELETE /api/v3/order` reply.
pub(crate) fn canceled(o: &Order, cancel_id: &str, ts: u64) -> Value {
    let mut v = json!({
        "symbol": o.symbol,
        "origClientOrderId": o.client_id,
        "orderId": o.id,
        "orderListId": -1,
        "clientOrderId": cancel_id,
        "transactTime": ts,
    });
    merge(&mut v, order_state(o));
    v
}

/// The order's terms and state, as the `POST` (RESULT, FULL) and
/// `DELETE /api/v3/order` replies write them.
fn order_state(o: &Order) -> Value {
    json!({
        "price": price(o),
        "origQty": b8(o.qty),
        "executedQty": b8(o.filled),
        "origQuoteOrderQty": b8(o.quote_qty.unwrap_or(0.0)),
        "cummulativeQuoteQty": b8(o.cum_quote),
        "status": o.status.binance(),
        "timeInForce": tif(o),
        "type": kind(o.kind),
        "side": side(o.side),
        "selfTradePreventionMode": "NONE",
    })
}

/// User data `executionReport`.
pub(crate) fn execution_report(o: &Order, ev: &EventKind, ts: u64) -> Value {
    let (x, c, orig, last) = match ev {
        EventKind::New => ("NEW", o.client_id.as_str(), "", None),
        EventKind::Trade(e) => ("TRADE", o.client_id.as_str(), "", Some(e)),
        EventKind::Canceled { cancel_id } => {
            ("CANCELED", cancel_id.as_str(), o.client_id.as_str(), None)
        }
        EventKind::Expired => ("EXPIRED", o.client_id.as_str(), "", None),
    };
    json!({
        "e": "executionReport",
        "E": ts,
        "s": o.symbol,
        "c": c,
        "S": side(o.side),
        "o": kind(o.kind),
        "f": tif(o),
        "q": b8(o.qty),
        "p": price(o),
        "P": b8(o.stop.unwrap_or(0.0)),
        "F": b8(0.0),
        "g": -1,
        "C": orig,
        "x": x,
        "X": o.status.binance(),
        "r": "NONE",
        "i": o.id,
        "l": b8(last.map_or(0.0, |e| e.qty)),
        "z": b8(o.filled),
        "L": b8(last.map_or(0.0, |e| e.px)),
        "n": b8(last.map_or(0.0, |e| e.fee)),
        "N": last.map(|_| o.fee_asset.clone()),
        "T": last.map_or(ts, |e| e.ts),
        "t": last.map_or(-1, |e| e.trade_id as i64),
        "I": 0,
        "w": o.is_open() && o.working,
        "m": false,
        "M": last.is_some(),
        "O": o.created,
        "Z": b8(o.cum_quote),
        "Y": b8(last.map_or(0.0, |e| e.qty * e.px)),
        "Q": b8(o.quote_qty.unwrap_or(0.0)),
        "W": o.created,
        "V": "NONE",
    })
}

fn levels(v: &[Level]) -> Vec<[String; 2]> {
    v.iter().map(|&(p, q)| [b8(p), b8(q)]).collect()
}

/// The reference for [`book_ticker_text`].
#[cfg(test)]
pub(crate) fn book_ticker(name: &str, t: &TickData) -> Value {
    json!({
        "u": t.last_id,
        "s": name,
        "b": b8(t.bids[0].0),
        "B": b8(t.bids[0].1),
        "a": b8(t.asks[0].0),
        "A": b8(t.asks[0].1),
    })
}

/// `book_ticker` as text, written straight into `out`: under load the
/// mock writes 100k of these a second and must not be what limits a test.
pub(crate) fn book_ticker_text(out: &mut String, name: &str, t: &TickData) {
    use std::fmt::Write;
    let (b, a) = (t.bids[0], t.asks[0]);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        r#"{{"u":{},"s":"{name}","b":"{:.8}","B":"{:.8}","a":"{:.8}","A":"{:.8}"}}"#,
        t.last_id,
        b.0 + 0.0,
        b.1 + 0.0,
        a.0 + 0.0,
        a.1 + 0.0
    );
}

/// `agg_trade` as text (see [`book_ticker_text`]).
pub(crate) fn agg_trade_text(out: &mut String, name: &str, t: &TradeData) {
    use std::fmt::Write;
    let _ = write!(
        out,
        r#"{{"e":"aggTrade","E":{ts},"s":"{name}","a":{id},"p":"{:.8}","q":"{:.8}","f":{id},"l":{id},"T":{ts},"m":{},"M":true}}"#,
        t.px + 0.0,
        t.qty + 0.0,
        t.buyer_maker,
        ts = t.ts,
        id = t.id,
    );
}

pub(crate) fn depth_update(name: &str, t: &TickData) -> Value {
    json!({
        "e": "depthUpdate",
        "E": t.ts,
        "s": name,
        "U": t.first_id,
        "u": t.last_id,
        "b": levels(&t.bid_diff),
        "a": levels(&t.ask_diff),
    })
}

pub(crate) fn depth_snapshot(last_id: u64, bids: &[Level], asks: &[Level]) -> Value {
    json!({"lastUpdateId": last_id, "bids": levels(bids), "asks": levels(asks)})
}

/// The reference for [`agg_trade_text`].
#[cfg(test)]
pub(crate) fn agg_trade(name: &str, t: &TradeData) -> Value {
    json!({
        "e": "aggTrade",
        "E": t.ts,
        "s": name,
        "a": t.id,
        "p": b8(t.px),
        "q": b8(t.qty),
        "f": t.id,
        "l": t.id,
        "T": t.ts,
        "m": t.buyer_maker,
        "M": true,
    })
}

pub(crate) fn trade(name: &str, t: &TradeData) -> Value {
    json!({
        "e": "trade",
        "E": t.ts,
        "s": name,
        "t": t.id,
        "p": b8(t.px),
        "q": b8(t.qty),
        "T": t.ts,
        "m": t.buyer_maker,
        "M": true,
    })
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockSymbol;
    use crate::market::Market;

    #[test]
    fn the_text_writers_say_what_the_json_builders_say() {
        let mut m = Market::new(MockSymbol::new("BTC", "USDT", 50_000.0), 3, 0);
        let mut trades = 0;
        for _ in 0..40 {
            let (tick, trade) = m.step(0, 1_700_000_000_123);
            let mut text = String::new();
            book_ticker_text(&mut text, "BTCUSDT", &tick);
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, book_ticker("BTCUSDT", &tick));
            if let Some(t) = trade {
                let mut text = String::new();
                agg_trade_text(&mut text, "BTCUSDT", &t);
                let parsed: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(parsed, agg_trade("BTCUSDT", &t));
                trades += 1;
            }
        }
        assert!(trades > 0);
    }
}
