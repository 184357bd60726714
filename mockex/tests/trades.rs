//! The account's trade history on both venues (Binance `myTrades`, OKX
//! `fills` and `fills-history`), its commissions in each fee asset, and
//! order events lost in a user-data gap.

mod common;

use std::time::{Duration, Instant};

use axon_mockex::{Fault, FeeAsset, MockConfig, MockExchange};
use common::*;
use serde_json::{Value, json};

fn mock(partial_fills: u32, fee_asset: FeeAsset) -> MockExchange {
    MockExchange::start(MockConfig {
        partial_fills,
        fee_asset,
        balances: vec![
            ("USDT".into(), 100_000.0),
            ("BTC".into(), 1.0),
            ("BNB".into(), 10.0),
        ],
        ..MockConfig::default()
    })
    .unwrap()
}

/// Waits up to 3 s for every booked order to be filled.
fn wait_filled(mock: &MockExchange) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while mock.orders().iter().any(|o| o.status != "FILLED") {
        assert!(Instant::now() < deadline, "orders never filled");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn used_weight(r: &Resp) -> u64 {
    r.header("x-mbx-used-weight-1m").unwrap().parse().unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

fn binance_market(mock: &MockExchange, side: &str, qty: &str, id: &str) -> Value {
    let params =
        format!("symbol=BTCUSDT&side={side}&type=MARKET&quantity={qty}&newClientOrderId={id}");
    let r = binance(mock, "POST", "/api/v3/order", &params);
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn binance_my_trades_lists_an_orders_executions_with_their_commissions() {
    let m = mock(3, FeeAsset::Quote);
    let placed = binance_market(&m, "BUY", "0.003", "mt1");
    binance_market(&m, "SELL", "0.001", "mt2");
    wait_filled(&m);
    let id = placed["orderId"].as_u64().unwrap();
    let r = binance(
        &m,
        "GET",
        "/api/v3/myTrades",
        &format!("symbol=BTCUSDT&orderId={id}"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Weight 5 with an orderId, after the two placements' 1 each (fewer
    // if the minute turned in between).
    assert!((5..=7).contains(&used_weight(&r)), "{:?}", r.headers);
    let trades = r.json();
    let trades = trades.as_array().unwrap();
    assert_eq!(trades.len(), 3, "{trades:?}");
    let ids: Vec<u64> = trades.iter().map(|t| t["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
    let qty: f64 = trades.iter().map(|t| num(&t["qty"])).sum();
    let fees: f64 = trades.iter().map(|t| num(&t["commission"])).sum();
    let notional: f64 = trades.iter().map(|t| num(&t["quoteQty"])).sum();
    let booked = &m.orders()[0];
    assert!((qty - 0.003).abs() < 1e-12);
    assert!(
        (fees - booked.commission).abs() < 1e-8,
        "{fees} vs {booked:?}"
    );
    assert!((fees - notional * 0.001).abs() < 1e-8);
    assert_eq!(booked.commission_asset, "USDT");
    for t in trades {
        assert_eq!(
            (t["orderId"].as_u64(), t["isBuyer"].as_bool()),
            (Some(id), Some(true))
        );
        assert_eq!(t["commissionAsset"], "USDT");
    }

    // The whole symbol weighs 20; fromId and limit page through it.
    let all = binance(&m, "GET", "/api/v3/myTrades", "symbol=BTCUSDT");
    assert!((20..=27).contains(&used_weight(&all)), "{:?}", all.headers);
    let all: Vec<u64> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(all.len(), 6, "three executions of each order: {all:?}");
    let page = binance(
        &m,
        "GET",
        "/api/v3/myTrades",
        &format!("symbol=BTCUSDT&fromId={}&limit=2", ids[1]),
    )
    .json();
    let page: Vec<u64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    let from = all.iter().position(|&t| t == ids[1]).unwrap();
    assert_eq!(page, all[from..from + 2].to_vec());
    let bad = binance(
        &m,
        "GET",
        "/api/v3/myTrades",
        &format!("symbol=BTCUSDT&orderId={id}&startTime=1"),
    );
    assert_eq!(bad.json()["code"], -1128);
    let unsigned = http(
        m.addr(),
        "GET",
        "/api/v3/myTrades?symbol=BTCUSDT",
        &[("X-MBX-APIKEY", KEY)],
        "",
    );
    assert_eq!(unsigned.json()["code"], -1102);
}

#[test]
fn commissions_are_charged_in_the_received_asset_or_another_one() {
    let received = mock(1, FeeAsset::Received);
    binance_market(&received, "BUY", "0.002", "rc1");
    binance_market(&received, "SELL", "0.001", "rc2");
    wait_filled(&received);
    let trades = binance(&received, "GET", "/api/v3/myTrades", "symbol=BTCUSDT").json();
    let (buy, sell) = (&trades[0], &trades[1]);
    assert_eq!(buy["commissionAsset"], "BTC");
    assert!((num(&buy["commission"]) - 0.002 * 0.001).abs() < 1e-12);
    assert_eq!(sell["commissionAsset"], "USDT");
    assert!((num(&sell["commission"]) - num(&sell["quoteQty"]) * 0.001).abs() < 1e-8);
    // The base-asset fee comes out of the bought quantity.
    let balances = binance(&received, "GET", "/api/v3/account", "").json();
    let btc = balances["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "BTC")
        .map(|b| num(&b["free"]))
        .unwrap();
    assert!(
        (btc - (1.0 + 0.002 - 0.002 * 0.001 - 0.001)).abs() < 1e-8,
        "{btc}"
    );

    let bnb = mock(
        1,
        FeeAsset::Other {
            asset: "BNB".into(),
            price: 500.0,
        },
    );
    let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "bnb1", "side": "buy",
                      "ordType": "market", "sz": "0.002", "tgtCcy": "base_ccy"})
    .to_string();
    assert_eq!(
        okx(&bnb, "POST", "/api/v5/trade/order", &body).json()["code"],
        "0"
    );
    wait_filled(&bnb);
    let fills = okx(&bnb, "GET", "/api/v5/trade/fills?instType=SPOT", "").json();
    let f = &fills["data"][0];
    assert_eq!(f["feeCcy"], "BNB");
    let notional = num(&f["fillPx"]) * num(&f["fillSz"]);
    assert!(
        (-num(&f["fee"]) - notional * 0.001 / 500.0).abs() < 1e-9,
        "{f}"
    );
    assert_eq!(bnb.orders()[0].commission_asset, "BNB");
}

#[test]
fn okx_fills_page_newest_first_and_history_needs_an_instrument_type() {
    let m = mock(2, FeeAsset::Quote);
    for (i, side) in ["buy", "sell"].iter().enumerate() {
        let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": format!("of{i}"),
                          "side": side, "ordType": "market", "sz": "0.002", "tgtCcy": "base_ccy"})
        .to_string();
        let placed = okx(&m, "POST", "/api/v5/trade/order", &body).json();
        assert_eq!(placed["data"][0]["sCode"], "0", "{placed}");
    }
    wait_filled(&m);
    let first = m.orders()[0].clone();
    let r = okx(
        &m,
        "GET",
        &format!(
            "/api/v5/trade/fills?instType=SPOT&instId=BTC-USDT&ordId={}",
            first.venue_id
        ),
        "",
    )
    .json();
    assert_eq!(r["code"], "0", "{r}");
    let fills = r["data"].as_array().unwrap();
    assert_eq!(fills.len(), 2);
    let bills: Vec<u64> = fills
        .iter()
        .map(|f| f["billId"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(bills[0] > bills[1], "newest first: {bills:?}");
    let fees: f64 = fills.iter().map(|f| -num(&f["fee"])).sum();
    assert!(
        (fees - first.commission).abs() < 1e-8,
        "{fees} vs {first:?}"
    );
    assert!(
        fills
            .iter()
            .all(|f| f["clOrdId"] == "of0" && f["subType"] == "1")
    );

    // Every fill of the account, one per page, then older than the last bill.
    let page = okx(&m, "GET", "/api/v5/trade/fills?limit=1", "").json();
    let newest: u64 = page["data"][0]["billId"].as_str().unwrap().parse().unwrap();
    let older = okx(
        &m,
        "GET",
        &format!("/api/v5/trade/fills-history?instType=SPOT&after={newest}"),
        "",
    )
    .json();
    assert_eq!(older["data"].as_array().unwrap().len(), 3, "{older}");
    let all: Vec<u64> = okx(&m, "GET", "/api/v5/trade/fills", "").json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["billId"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(all.len(), 4);
    let newer = okx(
        &m,
        "GET",
        &format!("/api/v5/trade/fills?before={}&limit=1", all[3]),
        "",
    )
    .json();
    assert_eq!(newer["data"][0]["billId"], all[2].to_string(), "{newer}");
    let no_type = okx(&m, "GET", "/api/v5/trade/fills-history", "").json();
    assert_eq!(no_type["code"], "50014");
    let unsigned = http(m.addr(), "GET", "/api/v5/trade/fills", &[], "");
    assert_eq!(unsigned.status, 401);
}

#[test]
fn a_user_data_gap_loses_order_events_but_not_their_trades() {
    let m = mock(1, FeeAsset::Quote);
    m.inject(Fault::UserDataGap { ms: 60_000 });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use futures_util::StreamExt;
        let key = http(
            m.addr(),
            "POST",
            "/api/v3/userDataStream",
            &[("X-MBX-APIKEY", KEY)],
            "",
        )
        .json()["listenKey"]
            .as_str()
            .unwrap()
            .to_owned();
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/ws/{key}", m.ws_url()))
            .await
            .unwrap();
        binance_market(&m, "BUY", "0.001", "gap1");
        let quiet = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                match ws.next().await {
                    Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) => return t,
                    Some(Ok(_)) => {}
                    _ => panic!("socket closed"),
                }
            }
        })
        .await;
        assert!(quiet.is_err(), "an event crossed the gap: {quiet:?}");
        m.inject(Fault::UserDataGap { ms: 0 });
        binance_market(&m, "BUY", "0.001", "gap2");
        let after = loop {
            match ws.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) => break t,
                Some(Ok(_)) => {}
                other => panic!("no event after the gap: {other:?}"),
            }
        };
        assert!(after.contains("gap2"), "{after}");
    });
    let trades = binance(&m, "GET", "/api/v3/myTrades", "symbol=BTCUSDT").json();
    assert_eq!(trades.as_array().unwrap().len(), 2);
}
