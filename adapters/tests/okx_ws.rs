//! OKX pushes from the documentation decode into ticks; events are not
//! market data.

use axon_adapters::exchange::okx_ws::OkxDecoder;
use serde_json::Value;

fn payloads() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/extra_payloads.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn tickers_and_best_bid_offer_make_ticks() {
    let p = payloads();
    let mut d = OkxDecoder::new(&["BTC-USDT"]);
    let t = d.decode(&p["okx_ws_tickers"].to_string()).unwrap().unwrap();
    assert_eq!(
        (t.last, t.volume, t.bid, t.bid_size, t.ask, t.ask_size),
        (9999.99, 0.1, 8888.88, 5.0, 9999.99, 11.0)
    );
    let b = d.decode(&p["okx_ws_bbo_tbt"].to_string()).unwrap().unwrap();
    assert_eq!(
        (b.bid, b.bid_size, b.ask, b.ask_size),
        (8476.97, 256.0, 8476.98, 415.0)
    );
    assert_eq!(b.last, 9999.99, "the last trade price carries over");
}

#[test]
fn trades_set_the_last_price_and_sum_the_volume() {
    // The shape of OKX's documented `trades` push, two trades in one.
    let msg = r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897","count":"3"},{"instId":"BTC-USDT","tradeId":"130639475","px":"42220.1","sz":"0.5","side":"sell","ts":"1630048897898","count":"1"}]}"#;
    let mut d = OkxDecoder::new(&["BTC-USDT"]);
    let t = d.decode(msg).unwrap().unwrap();
    assert_eq!(t.last, 42220.1);
    assert!((t.volume - 0.62060306).abs() < 1e-12);
}

#[test]
fn events_and_other_instruments_are_not_ticks() {
    let p = payloads();
    let mut d = OkxDecoder::new(&["ETH-USDT"]);
    assert_eq!(d.decode(&p["okx_ws_tickers"].to_string()).unwrap(), None);
    for k in ["okx_ws_subscribe_ack", "okx_ws_login_ok", "okx_ws_notice"] {
        assert_eq!(d.decode(&p[k].to_string()).unwrap(), None, "{k}");
    }
    assert_eq!(d.decode("pong").unwrap(), None);
    assert!(d.decode("{\"data\":[]}").is_err());
    let bad = r#"{"arg":{"channel":"tickers","instId":"ETH-USDT"},"data":[{"last":"x"}]}"#;
    assert!(d.decode(bad).unwrap_err().to_string().contains("last"));
}
