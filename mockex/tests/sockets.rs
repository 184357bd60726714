//! Websocket behaviour of both venues.

mod common;

use std::time::Duration;

use axon_mockex::{Fault, MockConfig, MockExchange};
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(mock: &MockExchange, path: &str) -> Ws {
    let (ws, _) = connect_async(format!("{}{path}", mock.ws_url()))
        .await
        .expect("websocket connects");
    ws
}

/// What the next read brings within `limit`.
#[derive(Debug)]
enum Next {
    Text(String),
    Ping,
    /// A close frame, end of stream or a reset.
    Closed,
    Timeout,
}

async fn next(ws: &mut Ws, limit: Duration) -> Next {
    match tokio::time::timeout(limit, ws.next()).await {
        Err(_) => Next::Timeout,
        Ok(Some(Ok(Message::Text(t)))) => Next::Text(t.to_string()),
        Ok(Some(Ok(Message::Ping(_)))) => Next::Ping,
        Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => Next::Closed,
        Ok(Some(Ok(_))) => Next::Text(String::new()),
    }
}

/// The first JSON text message satisfying `pred`, reading for up to 3 s.
async fn wait_json(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next(ws, left).await {
            Next::Text(t) => {
                if let Ok(v) = serde_json::from_str::<Value>(&t)
                    && pred(&v)
                {
                    return v;
                }
            }
            Next::Ping => {}
            other => panic!("no matching message: {other:?}"),
        }
    }
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.to_owned().into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn combined_stream_wraps_book_ticker_and_answers_subscribe() {
    let mock = start();
    let mut ws = connect(&mock, "/stream?streams=btcusdt@bookTicker").await;
    let msg = wait_json(&mut ws, |_| true).await;
    assert_eq!(msg["stream"], "btcusdt@bookTicker");
    let data = &msg["data"];
    assert_eq!(data["s"], "BTCUSDT");
    let bid: f64 = data["b"].as_str().unwrap().parse().unwrap();
    let ask: f64 = data["a"].as_str().unwrap().parse().unwrap();
    assert!((ask - bid - 0.01).abs() < 1e-6, "{data}");

    send(
        &mut ws,
        r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":5}"#,
    )
    .await;
    let ack = wait_json(&mut ws, |v| v.get("id").is_some()).await;
    assert_eq!(ack, json!({"result": null, "id": 5}));
    let depth = wait_json(&mut ws, |v| v["stream"] == "btcusdt@depth@100ms").await;
    assert_eq!(depth["data"]["e"], "depthUpdate");
    let (first, last) = (
        depth["data"]["U"].as_u64().unwrap(),
        depth["data"]["u"].as_u64().unwrap(),
    );
    assert!(first <= last);
}

#[tokio::test]
async fn server_pings_are_answered_and_counted() {
    let mock = MockExchange::start(MockConfig {
        ping_interval_ms: 50,
        ..MockConfig::default()
    })
    .unwrap();
    let mut ws = connect(&mock, "/ws/btcusdt@bookTicker").await;
    let mut pings = 0;
    // Reading lets tungstenite send its automatic Pong replies.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(600);
    while tokio::time::Instant::now() < deadline {
        match next(&mut ws, Duration::from_millis(100)).await {
            Next::Ping => pings += 1,
            Next::Closed => panic!("socket closed although it answered pings"),
            _ => {}
        }
    }
    assert!(pings >= 3, "only {pings} pings");
    assert!(mock.pongs() >= 2, "pongs counted: {}", mock.pongs());
    assert_eq!(mock.connections(), 1);
}

#[tokio::test]
async fn binance_user_data_reports_new_and_trade() {
    let mock = start();
    let key = http(
        mock.addr(),
        "POST",
        "/api/v3/userDataStream",
        &[("X-MBX-APIKEY", KEY)],
        "",
    )
    .json()["listenKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ws = connect(&mock, &format!("/ws/{key}")).await;
    let r = binance(
        &mock,
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&newClientOrderId=ud1",
    );
    assert_eq!(r.json()["fills"][0]["commissionAsset"], "USDT");
    let new = wait_json(&mut ws, |v| v["e"] == "executionReport").await;
    assert_eq!(
        (new["x"].as_str(), new["c"].as_str()),
        (Some("NEW"), Some("ud1"))
    );
    let trade = wait_json(&mut ws, |v| v["x"] == "TRADE").await;
    assert_eq!(trade["X"], "FILLED");
    assert_eq!(trade["z"], "0.01000000");
    assert_eq!(trade["l"], "0.01000000");
}

#[tokio::test]
async fn okx_login_and_orders_channel_delivers_a_fill() {
    let mock = start();
    let mut ws = connect(&mock, "/ws/v5/private").await;
    let sub = r#"{"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"}]}"#;
    send(&mut ws, sub).await;
    let refused = wait_json(&mut ws, |_| true).await;
    assert_eq!(refused["code"], "60011");

    send(&mut ws, &okx_login()).await;
    let login = wait_json(&mut ws, |_| true).await;
    assert_eq!(
        (login["event"].as_str(), login["code"].as_str()),
        (Some("login"), Some("0"))
    );
    send(&mut ws, sub).await;
    let ack = wait_json(&mut ws, |_| true).await;
    assert_eq!(ack["event"], "subscribe");

    let body = json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "okfill1", "side": "buy",
                      "ordType": "market", "sz": "0.01", "tgtCcy": "base_ccy"})
    .to_string();
    let placed = okx(&mock, "POST", "/api/v5/trade/order", &body).json();
    assert_eq!(placed["data"][0]["sCode"], "0", "{placed}");
    let fill = wait_json(&mut ws, |v| v["data"][0]["state"] == "filled").await;
    assert_eq!(fill["arg"]["channel"], "orders");
    let d = &fill["data"][0];
    assert_eq!(d["clOrdId"], "okfill1");
    assert_eq!(d["accFillSz"], "0.01000");
    assert_eq!(d["fillSz"], "0.01000");
    let fee: f64 = d["fillFee"].as_str().unwrap().parse().unwrap();
    assert!(
        fee < 0.0 && (fee + 0.0005 * 1000.0).abs() < 1.0,
        "fee {fee}"
    );
}

#[tokio::test]
async fn okx_public_channels_and_text_ping() {
    let mock = start();
    let mut ws = connect(&mock, "/ws/v5/public").await;
    send(
        &mut ws,
        r#"{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"}]}"#,
    )
    .await;
    let ack = wait_json(&mut ws, |_| true).await;
    assert_eq!(ack["event"], "subscribe");
    let push = wait_json(&mut ws, |v| v["arg"]["channel"] == "bbo-tbt").await;
    let bid: f64 = push["data"][0]["bids"][0][0]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(bid > 40_000.0);
    send(&mut ws, "ping").await;
    loop {
        if let Next::Text(t) = next(&mut ws, Duration::from_secs(2)).await
            && t == "pong"
        {
            break;
        }
    }
    assert_eq!(mock.pongs(), 1);
}

#[tokio::test]
async fn server_shutdown_notifies_then_closes() {
    let mock = start();
    let mut bn = connect(&mock, "/ws/btcusdt@bookTicker").await;
    let mut ok = connect(&mock, "/ws/v5/public").await;
    // Both sockets are live before the fault.
    wait_json(&mut bn, |v| v["s"] == "BTCUSDT").await;
    send(
        &mut ok,
        r#"{"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}"#,
    )
    .await;
    wait_json(&mut ok, |v| v["event"] == "subscribe").await;

    mock.inject(Fault::ServerShutdown);
    let ev = wait_json(&mut bn, |v| v.get("e").is_some()).await;
    assert_eq!(ev["e"], "serverShutdown");
    let notice = wait_json(&mut ok, |v| v["event"] == "notice").await;
    assert_eq!(notice["code"], "64008");
    for ws in [&mut bn, &mut ok] {
        loop {
            match next(ws, Duration::from_secs(2)).await {
                Next::Closed => break,
                Next::Timeout => panic!("socket stayed open"),
                _ => {}
            }
        }
    }
    assert_eq!(mock.connections(), 2);

    // A reconnect is counted; Disconnect drops it without a close handshake.
    let mut again = connect(&mock, "/ws/btcusdt@bookTicker").await;
    wait_json(&mut again, |v| v["s"] == "BTCUSDT").await;
    assert_eq!(mock.connections(), 3);
    mock.inject(Fault::Disconnect);
    loop {
        match next(&mut again, Duration::from_secs(2)).await {
            Next::Closed => break,
            Next::Timeout => panic!("socket stayed open"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn stale_feed_pauses_market_data_only() {
    let mock = start();
    let mut ws = connect(&mock, "/ws/btcusdt@bookTicker").await;
    wait_json(&mut ws, |v| v["s"] == "BTCUSDT").await;
    mock.inject(Fault::StaleFeed { ms: 500 });
    // Drain what was published before the pause took effect.
    tokio::time::sleep(Duration::from_millis(60)).await;
    while let Next::Text(_) | Next::Ping = next(&mut ws, Duration::from_millis(10)).await {}
    assert!(matches!(
        next(&mut ws, Duration::from_millis(250)).await,
        Next::Timeout
    ));
    let resumed = wait_json(&mut ws, |v| v["s"] == "BTCUSDT").await;
    assert!(resumed["u"].as_u64().unwrap() > 1000);
}

#[tokio::test]
async fn binance_socket_that_never_pongs_is_closed() {
    let mock = MockExchange::start(MockConfig {
        ping_interval_ms: 30,
        ..MockConfig::default()
    })
    .unwrap();
    let mut ws = connect(&mock, "/ws/btcusdt@bookTicker").await;
    // Not reading means tungstenite sends no Pong.
    tokio::time::sleep(Duration::from_millis(300)).await;
    loop {
        match next(&mut ws, Duration::from_secs(2)).await {
            Next::Closed => break,
            Next::Timeout => panic!("socket stayed open without pongs"),
            _ => {}
        }
    }
    assert_eq!(mock.pongs(), 0);
}
