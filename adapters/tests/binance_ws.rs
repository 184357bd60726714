//! Binance stream messages from the documentation decode into ticks.

use axon_adapters::exchange::binance_ws::{BinanceDecoder, DecodeError};
use serde_json::Value;

fn payloads() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/extra_payloads.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn book_tickers_and_trades_make_complete_ticks() {
    let p = payloads();
    let mut d = BinanceDecoder::new(&["BNBUSDT", "BNBBTC"]);
    let t = d
        .decode(&p["binance_ws_bookTicker"].to_string())
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.instrument, t.bid, t.bid_size, t.ask, t.ask_size),
        (0, 25.3519, 31.21, 25.3652, 40.66)
    );
    let combined = d
        .decode(&p["binance_ws_combined_wrapper_example"].to_string())
        .unwrap()
        .unwrap();
    let book = |t: &axon_engine::market::Tick| (t.instrument, t.bid, t.bid_size, t.ask, t.ask_size);
    assert_eq!(
        book(&combined),
        book(&t),
        "the combined stream's data is the same message"
    );
    let trade = d
        .decode(&p["binance_ws_aggTrade"].to_string())
        .unwrap()
        .unwrap();
    assert_eq!(
        (trade.instrument, trade.last, trade.volume),
        (1, 0.001, 100.0)
    );
    assert!(trade.bid.is_nan(), "no book seen for BNBBTC yet");
}

#[test]
fn other_symbols_are_skipped_and_garbage_is_an_error() {
    let p = payloads();
    let mut d = BinanceDecoder::new(&["BTCUSDT"]);
    assert_eq!(
        d.decode(&p["binance_ws_bookTicker"].to_string()).unwrap(),
        None
    );
    assert!(matches!(
        d.decode("{\"result\":null,\"id\":1}"),
        Err(DecodeError::Unknown(_))
    ));
    let bad = r#"{"u":1,"s":"BTCUSDT","b":"x","B":"1","a":"2","A":"3"}"#;
    assert_eq!(
        d.decode(bad).unwrap_err(),
        DecodeError::Number {
            field: "b",
            value: "x".into()
        }
    );
}
