//! `Broker::next` per bar: with an empty queue and no trades (the floor
//! every bar pays; no allocation), and holding one trade with its SL and TP
//! orders queued (each bar checks both, neither fills).
//!
//! `cargo bench -p axon-engine --bench broker`

use std::hint::black_box;

use axon_engine::broker::{Broker, BrokerConfig, Commission, Ohlc, OrderSpec, Step};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const BARS: usize = 1_000_000;

fn walk() -> Vec<Ohlc> {
    // A deterministic zig-zag between 99 and 101.
    (0..BARS)
        .map(|i| {
            let c = 100.0 + ((i % 20) as f64 - 10.0) / 10.0;
            Ohlc {
                open: c,
                high: c + 0.5,
                low: c - 0.5,
                close: c,
            }
        })
        .collect()
}

fn broker() -> Broker {
    let cfg = BrokerConfig {
        cash: 10_000.0,
        commission: Commission::Linear {
            fixed: 0.0,
            rate: 0.001,
        },
        spread: 0.0,
        margin: 1.0,
        trade_on_close: false,
        hedging: false,
        exclusive_orders: false,
    };
    Broker::new(cfg, BARS).expect("config")
}

fn run(b: &mut Broker, bars: &[Ohlc]) -> f64 {
    let mut last = 0.0;
    for i in 1..bars.len() {
        if let Step::Equity(e) = b.next(i, bars[i], bars[i - 1].close) {
            last = e;
        }
    }
    last
}

fn bench(c: &mut Criterion) {
    let bars = walk();
    let mut g = c.benchmark_group("broker_next");
    g.throughput(Throughput::Elements(BARS as u64 - 1));
    g.sample_size(10);
    g.bench_function("empty_queue", |bench| {
        let mut b = broker();
        bench.iter(|| black_box(run(&mut b, black_box(&bars))));
    });
    g.bench_function("one_trade_sl_tp", |bench| {
        let mut b = broker();
        b.next(1, bars[1], bars[0].close);
        b.new_order(OrderSpec {
            size: 10.0,
            sl: Some(50.0),
            tp: Some(200.0),
            ..OrderSpec::default()
        })
        .expect("order");
        b.next(2, bars[2], bars[1].close);
        assert_eq!(b.orders().len(), 2);
        bench.iter(|| black_box(run(&mut b, black_box(&bars))));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
