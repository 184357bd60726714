//! Load mode: the rate is what a client subscribed to every pair receives,
//! and a client that stops reading is counted as dropping events.

use std::collections::BTreeMap;
use std::time::Duration;

use axon_mockex::{Load, MockConfig, MockExchange, MockSymbol};
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

fn load_mock(rate: u64, secs: f64) -> MockExchange {
    let symbols: Vec<MockSymbol> = (0..4)
        .map(|i| MockSymbol::new(&format!("C{i:02}"), "USDT", 100.0 + f64::from(i)))
        .collect();
    MockExchange::start(MockConfig {
        symbols,
        ping_interval_ms: 60_000,
        load: Some(Load {
            rate,
            duration: Some(Duration::from_secs_f64(secs)),
        }),
        ..MockConfig::default()
    })
    .unwrap()
}

fn streams() -> String {
    (0..4)
        .flat_map(|i| {
            [
                format!("c{i:02}usdt@bookTicker"),
                format!("c{i:02}usdt@aggTrade"),
            ]
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_to_every_pair_receives_the_rate_round_robin() {
    let (rate, secs) = (20_000u64, 1.5);
    let mock = load_mock(rate, secs);
    let url = format!("{}/stream?streams={}", mock.ws_url(), streams());
    let (mut ws, _) = connect_async(url).await.unwrap();
    let mut per_stream: BTreeMap<String, u64> = BTreeMap::new();
    // The load ends after `secs`; then the socket goes quiet.
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_millis(500), ws.next()).await
    {
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            *per_stream
                .entry(v["stream"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let stats = mock.md_stats();
    let received: u64 = per_stream.values().sum();
    assert_eq!(stats.dropped, 0, "{stats:?}");
    assert_eq!(received, stats.published, "{stats:?}");
    assert_eq!(received, stats.sent, "{stats:?}");
    // All of the load's time was published at the rate, within one batch.
    let expected = rate * stats.load_ms / 1000;
    assert!(
        received.abs_diff(expected) <= rate / 1000 * 2 + 2,
        "received {received}, expected {expected} over {} ms",
        stats.load_ms
    );
    assert!(stats.load_ms as f64 >= secs * 1000.0 - 5.0, "{stats:?}");
    // Round-robin: every pair's book changes equally, one trade in six events.
    let books: Vec<u64> = (0..4)
        .map(|i| per_stream[&format!("c{i:02}usdt@bookTicker")])
        .collect();
    assert!(
        books.iter().max().unwrap() - books.iter().min().unwrap() <= 1,
        "{books:?}"
    );
    let trades: u64 = (0..4)
        .map(|i| per_stream[&format!("c{i:02}usdt@aggTrade")])
        .sum();
    assert!(
        trades.abs_diff(received / 6) <= 4,
        "{trades} trades of {received}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_reads_too_slowly_is_counted_as_dropping() {
    // 400k events of about 150 bytes: more than loopback socket buffers hold.
    let mock = load_mock(200_000, 2.0);
    let url = format!("{}/stream?streams={}", mock.ws_url(), streams());
    let (mut ws, _) = connect_async(url).await.unwrap();
    // One message every 2 ms: socket buffers fill, and each time the writer
    // gets through, the feed has moved on past what it could hold.
    let mut read = 0u64;
    let until = tokio::time::Instant::now() + Duration::from_millis(2300);
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(2)).await;
        if let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_millis(50), ws.next()).await {
            read += 1;
        }
    }
    let stats = mock.md_stats();
    assert!(stats.dropped > 0, "{stats:?}");
    assert!(stats.sent + stats.dropped <= stats.published, "{stats:?}");
    assert!(read < stats.sent, "read {read}, {stats:?}");
}
