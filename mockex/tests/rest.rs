//! REST behaviour of both venues, from plain (non-async) tests.

mod common;

use std::time::{Duration, Instant};

use axon_mockex::{Fault, MockConfig, MockExchange, Venue};
use common::*;
use serde_json::json;

#[test]
fn binance_signature_is_checked() {
    let mock = start();
    let ok = binance(&mock, "GET", "/api/v3/account", "");
    assert_eq!(ok.status, 200, "{}", ok.body);
    let usdt = ok.json()["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USDT")
        .cloned()
        .unwrap();
    assert_eq!(usdt["free"], "100000.00000000");
    assert_eq!(ok.header("x-mbx-used-weight-1m"), Some("4"));

    // Sign one symbol, send another.
    let signed = binance_sign("symbol=BTCUSDT");
    let tampered = signed.replace("BTCUSDT", "ETHUSDT");
    let r = http(
        mock.addr(),
        "GET",
        &format!("/api/v3/openOrders?{tampered}"),
        &[("X-MBX-APIKEY", KEY)],
        "",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], -1022);

    // Query string and body are concatenated without a separator.
    let ts = format!("timestamp={}", now_ms());
    let query = "symbol=BTCUSDT&side=BUY&type=MARKET";
    let body = format!("quantity=0.001&newClientOrderId=split1&{ts}");
    let sig = hex::encode(hmac(&format!("{query}{body}")));
    let r = http(
        mock.addr(),
        "POST",
        &format!("/api/v3/order?{query}"),
        &[("X-MBX-APIKEY", KEY)],
        &format!("{body}&signature={sig}"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "FILLED");
    assert_eq!(r.header("x-mbx-order-count-10s"), Some("1"));

    let wrong_key = http(
        mock.addr(),
        "GET",
        &format!("/api/v3/account?{}", binance_sign("")),
        &[("X-MBX-APIKEY", "nope")],
        "",
    );
    assert_eq!(wrong_key.status, 401);
    assert_eq!(wrong_key.json()["code"], -2015);
}

#[test]
fn duplicate_client_ids_are_refused_on_both_venues() {
    let mock = start();
    let order = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=40000.00&newClientOrderId=dup1";
    assert_eq!(binance(&mock, "POST", "/api/v3/order", order).status, 200);
    let cancel = binance(
        &mock,
        "DELETE",
        "/api/v3/order",
        "symbol=BTCUSDT&origClientOrderId=dup1",
    );
    assert_eq!(cancel.json()["status"], "CANCELED");
    // Refused even though the first one is no longer open.
    let again = binance(&mock, "POST", "/api/v3/order", order);
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json(),
        json!({"code": -2010, "msg": "Duplicate order sent."})
    );

    let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "dup2", "side": "buy",
                      "ordType": "limit", "px": "40000", "sz": "0.001"})
    .to_string();
    let first = okx(&mock, "POST", "/api/v5/trade/order", &body).json();
    assert_eq!(first["code"], "0", "{first}");
    assert_eq!(first["data"][0]["ordId"], "1");
    let second = okx(&mock, "POST", "/api/v5/trade/order", &body).json();
    assert_eq!(second["code"], "1");
    assert_eq!(second["data"][0]["sCode"], "51016");

    assert_eq!(mock.placements(), 4);
    assert_eq!(mock.orders().len(), 2);
    assert!(mock.duplicate_client_ids().is_empty());
}

#[test]
fn error_after_accept_books_the_order() {
    let mock = start();
    mock.inject(Fault::ErrorAfterAccept { status: 503 });
    let r = binance(
        &mock,
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.002&newClientOrderId=lost1",
    );
    assert_eq!(r.status, 503);
    let found = binance(
        &mock,
        "GET",
        "/api/v3/order",
        "symbol=BTCUSDT&origClientOrderId=lost1",
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["status"], "FILLED");
    assert_eq!(found.json()["executedQty"], "0.00200000");
    let orders = mock.orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].client_id, "lost1");

    let missing = binance(
        &mock,
        "GET",
        "/api/v3/order",
        "symbol=BTCUSDT&origClientOrderId=never",
    );
    assert_eq!(missing.json()["code"], -2013);
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let mock = start();
    mock.inject(Fault::RateLimit {
        status: 429,
        retry_after_secs: 7,
        count: 2,
    });
    // The clock endpoint is never limited.
    assert_eq!(
        http(mock.addr(), "GET", "/api/v3/time", &[], "").status,
        200
    );
    for _ in 0..2 {
        let r = http(mock.addr(), "GET", "/api/v3/exchangeInfo", &[], "");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("7"));
        assert_eq!(r.json()["code"], -1003);
    }
    let info = http(mock.addr(), "GET", "/api/v3/exchangeInfo", &[], "");
    assert_eq!(info.status, 200);
    let filters = &info.json()["symbols"][0]["filters"];
    assert_eq!(filters[1]["stepSize"], "0.00001000");

    mock.inject(Fault::RateLimit {
        status: 418,
        retry_after_secs: 1,
        count: 1,
    });
    let r = http(
        mock.addr(),
        "GET",
        "/api/v5/public/instruments?instType=SPOT",
        &[],
        "",
    );
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["code"], "50011");
    let r = http(
        mock.addr(),
        "GET",
        "/api/v5/public/instruments?instType=SPOT",
        &[],
        "",
    );
    assert_eq!(r.json()["data"][0]["instId"], "BTC-USDT");
}

#[test]
fn slow_and_timestamp_skew_apply_once() {
    let mock = start();
    mock.inject(Fault::Slow { ms: 300, count: 1 });
    let t = Instant::now();
    assert_eq!(
        http(mock.addr(), "GET", "/api/v3/ping", &[], "").status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));

    mock.inject(Fault::TimestampSkew);
    let r = binance(&mock, "GET", "/api/v3/account", "");
    assert_eq!(r.json()["code"], -1021);
    assert_eq!(binance(&mock, "GET", "/api/v3/account", "").status, 200);

    mock.inject(Fault::TimestampSkew);
    let r = okx(&mock, "GET", "/api/v5/account/balance", "");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "50102");
    let r = okx(&mock, "GET", "/api/v5/account/balance?ccy=USDT", "");
    assert_eq!(r.json()["data"][0]["details"][0]["availBal"], "100000");
}

#[test]
fn limit_orders_fill_in_slices_once_crossed() {
    let mock = MockExchange::start(MockConfig {
        partial_fills: 2,
        ..MockConfig::default()
    })
    .unwrap();
    let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "slice1", "side": "sell",
                      "ordType": "limit", "px": "60000", "sz": "0.5"})
    .to_string();
    assert_eq!(
        okx(&mock, "POST", "/api/v5/trade/order", &body).json()["code"],
        "0"
    );
    let pending = okx(
        &mock,
        "GET",
        "/api/v5/trade/orders-pending?instType=SPOT",
        "",
    )
    .json();
    assert_eq!(pending["data"][0]["state"], "live");

    mock.set_price("BTCUSDT", 60_100.0);
    let deadline = Instant::now() + Duration::from_secs(3);
    while mock.orders()[0].status != "FILLED" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let q = okx(
        &mock,
        "GET",
        "/api/v5/trade/order?instId=BTC-USDT&clOrdId=slice1",
        "",
    )
    .json();
    let o = &q["data"][0];
    assert_eq!(o["state"], "filled", "{q}");
    assert_eq!(o["accFillSz"], "0.50000");
    assert_eq!(o["avgPx"], "60000");
    assert_eq!(o["fillSz"], "0.25000");
    // 0.1 % of 30000 USDT.
    assert_eq!(o["fee"], "-30");
    assert_eq!(mock.orders()[0].venue, Venue::Okx);

    let unknown = okx(
        &mock,
        "GET",
        "/api/v5/trade/order?instId=BTC-USDT&clOrdId=nope",
        "",
    )
    .json();
    assert_eq!(unknown["code"], "51603");
    let bad_sign = http(
        mock.addr(),
        "GET",
        "/api/v5/account/balance",
        &[
            ("OK-ACCESS-KEY", KEY),
            ("OK-ACCESS-PASSPHRASE", PASSPHRASE),
            ("OK-ACCESS-TIMESTAMP", &iso(now_ms())),
            ("OK-ACCESS-SIGN", "AAAA"),
        ],
        "",
    );
    assert_eq!(bad_sign.status, 401);
    assert_eq!(bad_sign.json()["code"], "50113");
}

#[test]
fn stops_rest_until_triggered_and_bad_ones_are_refused_by_name() {
    let mock = start();
    // Binance: a STOP_LOSS without its stopPrice, and one the last price
    // already reached, are refused as Binance refuses them.
    let r = binance(
        &mock,
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.001",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("stopPrice"), "{}", r.body);
    let r = binance(
        &mock,
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.001&stopPrice=90000",
    );
    assert_eq!(r.json()["code"], -2010);
    assert_eq!(r.json()["msg"], "Stop price would trigger immediately.");
    let r = binance(
        &mock,
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&quantity=0.001&stopPrice=40000&price=39990&timeInForce=GTC&newClientOrderId=sl1",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let q = binance(
        &mock,
        "GET",
        "/api/v3/order",
        "symbol=BTCUSDT&origClientOrderId=sl1",
    )
    .json();
    assert_eq!(q["type"], "STOP_LOSS_LIMIT");
    assert_eq!(q["stopPrice"], "40000.00000000");
    assert_eq!(q["isWorking"], false);
    assert_eq!(q["status"], "NEW");

    // OKX: a trigger algo order rests under its algoClOrdId, is not a
    // regular order until it triggers, and cancels through cancel-algos.
    let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "ordType": "trigger",
                      "sz": "0.001", "triggerPx": "40000", "orderPx": "-1", "algoClOrdId": "okxsl1"})
    .to_string();
    let r = okx(&mock, "POST", "/api/v5/trade/order-algo", &body);
    assert_eq!(r.json()["data"][0]["sCode"], "0", "{}", r.body);
    let algo_id = r.json()["data"][0]["algoId"].as_str().unwrap().to_string();
    let a = okx(
        &mock,
        "GET",
        "/api/v5/trade/order-algo?algoClOrdId=okxsl1",
        "",
    )
    .json();
    assert_eq!(a["data"][0]["state"], "live");
    assert_eq!(a["data"][0]["triggerPx"], "40000.00");
    assert_eq!(a["data"][0]["ordId"], "");
    let regular = okx(
        &mock,
        "GET",
        "/api/v5/trade/order?instId=BTC-USDT&clOrdId=okxsl1",
        "",
    );
    assert_eq!(regular.json()["code"], "51603");
    let bad = json!({"instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "ordType": "trigger",
                     "sz": "0.001", "triggerPx": "abc", "orderPx": "-1", "algoClOrdId": "okxsl2"})
    .to_string();
    let r = okx(&mock, "POST", "/api/v5/trade/order-algo", &bad);
    assert_eq!(r.json()["data"][0]["sMsg"], "Parameter triggerPx error");
    let cancel = json!([{"algoId": algo_id, "instId": "BTC-USDT"}]).to_string();
    let r = okx(&mock, "POST", "/api/v5/trade/cancel-algos", &cancel);
    assert_eq!(r.json()["data"][0]["sCode"], "0", "{}", r.body);
    let a = okx(
        &mock,
        "GET",
        "/api/v5/trade/order-algo?algoClOrdId=okxsl1",
        "",
    )
    .json();
    assert_eq!(a["data"][0]["state"], "canceled");
    let again = okx(&mock, "POST", "/api/v5/trade/cancel-algos", &cancel);
    assert_eq!(again.json()["code"], "1");
}
