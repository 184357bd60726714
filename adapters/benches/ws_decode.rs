//! Websocket message decode to engine input: Binance `bookTicker` and
//! `aggTrade` messages (raw and combined-stream) into `Tick`s.
//!
//!     cargo bench -p axon-adapters --bench ws_decode

use axon_adapters::exchange::binance_ws::BinanceDecoder;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    let book = r#"{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#;
    let trade = r#"{"e":"aggTrade","E":1672515782136,"s":"BNBUSDT","a":12345,"p":"25.36000000","q":"100.00000000","f":100,"l":105,"T":1672515782136,"m":true,"M":true}"#;
    let combined = format!(r#"{{"stream":"bnbusdt@bookTicker","data":{book}}}"#);
    let mut g = c.benchmark_group("binance_ws_decode");
    g.throughput(Throughput::Elements(1));
    for (name, msg) in [
        ("bookTicker", book.to_string()),
        ("aggTrade", trade.to_string()),
        ("combined_bookTicker", combined),
    ] {
        let mut d = BinanceDecoder::new(&["BTCUSDT", "BNBUSDT"]);
        g.bench_function(name, |b| {
            b.iter(|| d.decode(std::hint::black_box(&msg)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
