//! The built-in price-action strategies, bar by bar: which orders they
//! place, re-place, trail and cancel.

use axon_engine::Input;
use axon_engine::config::{EngineConfig, Sizing, StrategyConfig};
use axon_engine::event::{Bracket, CancelAck, OrderType, Output};
use axon_engine::market::{Bar, Side};

use super::{Harness, MINUTE, fill, intent, submitted};

fn harness(strategy: StrategyConfig) -> Harness {
    let mut c = EngineConfig::sma(10_000.0, Vec::new(), 2, 4);
    c.sizing = Sizing::Fixed(10.0);
    c.strategy = strategy;
    Harness::new(c)
}

fn ohlc(h: &mut Harness, open: f64, high: f64, low: f64, close: f64) -> Vec<Output> {
    h.time_ns += MINUTE;
    h.step(&Input::Bar(Bar {
        instrument: 0,
        open,
        high,
        low,
        close,
        volume: 1.0,
    }))
}

fn brackets(out: &[Output]) -> Vec<Bracket> {
    out.iter()
        .filter_map(|o| match o {
            Output::Bracket(b) => Some(*b),
            _ => None,
        })
        .collect()
}

fn cancels(out: &[Output]) -> Vec<u64> {
    out.iter()
        .filter_map(|o| match o {
            Output::CancelRequest(c) => Some(c.client_id),
            _ => None,
        })
        .collect()
}

fn bracket(entry: u64, stop_loss: f64, take_profit: Option<f64>) -> Bracket {
    Bracket {
        entry,
        stop_loss: Some(stop_loss),
        take_profit,
    }
}

fn ack(h: &mut Harness, client_id: u64) {
    assert!(
        h.step(&Input::CancelAck(CancelAck { client_id }))
            .is_empty()
    );
}

#[test]
fn donchian_enters_on_breakouts_and_trails_its_stop() {
    let mut h = harness(StrategyConfig::Donchian {
        n: 3,
        exit_n: 2,
        short: true,
        bars: vec![],
    });
    assert!(ohlc(&mut h, 10.0, 11.0, 9.0, 10.0).is_empty());
    assert!(ohlc(&mut h, 10.0, 12.0, 9.5, 11.0).is_empty());
    // Three bars: buy stop at the highest high (12), stop-loss at the
    // lowest low of the last two (8); sell stop at the lowest low (8),
    // stop-loss at the highest high of the last two (12).
    let out = ohlc(&mut h, 11.0, 11.5, 8.0, 9.0);
    assert_eq!(
        submitted(&out),
        [
            intent(1, Side::Buy, 10.0, OrderType::Stop(12.0), 12.0, false),
            intent(2, Side::Sell, 10.0, OrderType::Stop(8.0), 8.0, false),
        ]
    );
    assert_eq!(
        brackets(&out),
        [bracket(1, 8.0, None), bracket(2, 12.0, None)]
    );
    // The short's exit channel moved (12 -> 11.5): only it is re-placed.
    let out = ohlc(&mut h, 9.0, 10.0, 8.5, 9.5);
    assert_eq!(cancels(&out), [2]);
    assert_eq!(
        submitted(&out),
        [intent(
            3,
            Side::Sell,
            10.0,
            OrderType::Stop(8.0),
            8.0,
            false
        )]
    );
    assert_eq!(brackets(&out), [bracket(3, 11.5, None)]);
    ack(&mut h, 2);
    // The buy stop fills: its stop-loss goes in, the other entry goes out.
    let out = h.step(&fill(1, Side::Buy, 10.0, 12.0, true));
    assert_eq!(
        submitted(&out),
        [intent(4, Side::Sell, 10.0, OrderType::Stop(8.0), 8.0, true)]
    );
    assert_eq!(cancels(&out), [3]);
    ack(&mut h, 3);
    // In the trade the stop-loss follows the exit channel up: 8.5, then 11.
    let out = ohlc(&mut h, 12.0, 13.0, 11.0, 12.5);
    assert_eq!(
        submitted(&out),
        [intent(5, Side::Sell, 10.0, OrderType::Stop(8.5), 8.5, true)]
    );
    assert_eq!(cancels(&out), [4]);
    ack(&mut h, 4);
    let out = ohlc(&mut h, 12.5, 13.0, 12.0, 12.8);
    assert_eq!(
        submitted(&out),
        [intent(
            6,
            Side::Sell,
            10.0,
            OrderType::Stop(11.0),
            11.0,
            true
        )]
    );
    ack(&mut h, 5);
    // Not loosened: an exit channel no higher leaves it.
    let out = ohlc(&mut h, 12.8, 12.9, 11.0, 11.6);
    assert!(out.is_empty(), "{out:?}");
    // Stopped out: flat, both entries again from the new channels.
    assert!(h.step(&fill(6, Side::Sell, 10.0, 11.0, true)).is_empty());
    let out = ohlc(&mut h, 11.0, 11.2, 10.8, 11.0);
    assert_eq!(
        submitted(&out),
        [
            intent(7, Side::Buy, 10.0, OrderType::Stop(13.0), 13.0, false),
            intent(8, Side::Sell, 10.0, OrderType::Stop(10.8), 10.8, false),
        ]
    );
    assert_eq!(
        brackets(&out),
        [bracket(7, 10.8, None), bracket(8, 12.9, None)]
    );
    let trade = &h.engine.portfolio().trades()[0];
    assert_eq!((trade.entry_price, trade.exit_price), (12.0, 11.0));
}

/// Mean and sample standard deviation, as the strategy computes them.
fn band(closes: &[f64]) -> (f64, f64) {
    let n = closes.len() as f64;
    let mean = closes.iter().fold(0.0, |a, c| a + c) / n;
    let sq = closes.iter().fold(0.0, |a, c| a + (c - mean) * (c - mean));
    (mean, (sq / (n - 1.0)).sqrt())
}

#[test]
fn bollinger_buys_the_lower_band_and_takes_profit_at_the_mean() {
    let mut h = harness(StrategyConfig::Bollinger {
        n: 3,
        k: 1.0,
        k_stop: 0.5,
        short: false,
        bars: vec![],
    });
    assert!(h.bar(10.0).is_empty());
    assert!(h.bar(12.0).is_empty());
    // Mean 12, sd 2: limit buy at 10, take-profit 12, stop-loss 9.
    let out = h.bar(14.0);
    assert_eq!(
        submitted(&out),
        [intent(
            1,
            Side::Buy,
            10.0,
            OrderType::Limit(10.0),
            10.0,
            false
        )]
    );
    assert_eq!(brackets(&out), [bracket(1, 9.0, Some(12.0))]);
    // The band moves: the entry follows it.
    let out = h.bar(13.0);
    let (mean, sd) = band(&[12.0, 14.0, 13.0]);
    let lower = mean - sd;
    assert_eq!(cancels(&out), [1]);
    assert_eq!(
        submitted(&out),
        [intent(
            2,
            Side::Buy,
            10.0,
            OrderType::Limit(lower),
            lower,
            false
        )]
    );
    assert_eq!(brackets(&out), [bracket(2, lower - 0.5 * sd, Some(mean))]);
    ack(&mut h, 1);
    // Filled: stop-loss and take-profit; no new entry while in the trade.
    let out = h.step(&fill(2, Side::Buy, 10.0, lower, true));
    assert_eq!(
        submitted(&out),
        [
            intent(
                3,
                Side::Sell,
                10.0,
                OrderType::Stop(lower - 0.5 * sd),
                lower - 0.5 * sd,
                true
            ),
            intent(4, Side::Sell, 10.0, OrderType::Limit(mean), mean, true),
        ]
    );
    assert!(h.bar(12.5).is_empty());
    // The take-profit fills: the stop-loss is cancelled; flat again, a new
    // entry at the next bar's band.
    let out = h.step(&fill(4, Side::Sell, 10.0, mean, true));
    assert_eq!(cancels(&out), [3]);
    ack(&mut h, 3);
    let out = h.bar(13.5);
    let (mean, sd) = band(&[13.0, 12.5, 13.5]);
    assert_eq!(
        submitted(&out),
        [intent(
            5,
            Side::Buy,
            10.0,
            OrderType::Limit(mean - sd),
            mean - sd,
            false
        )]
    );
    assert!(h.engine.portfolio().trades()[0].pnl > 0.0);
}

/// A strategy that records what it is called with.
#[derive(Debug, Default)]
struct Recorder {
    markets: usize,
    bars: Vec<(usize, u64, axon_engine::bars::BuiltBar)>,
}

impl axon_engine::strategy::Strategy for Recorder {
    fn on_market(
        &mut self,
        _ctx: &mut axon_engine::strategy::Context<'_>,
        _event: &axon_engine::strategy::MarketEvent,
    ) {
        self.markets += 1;
    }

    fn on_bar(
        &mut self,
        _ctx: &mut axon_engine::strategy::Context<'_>,
        bar: &axon_engine::strategy::BarEvent,
    ) {
        self.bars.push((bar.timeframe, bar.index, bar.built));
    }
}

#[test]
fn a_strategy_with_bars_gets_the_bars_its_ticks_build_and_not_the_ticks() {
    use axon_engine::bars::{BarBuilder, BarSpec};
    use axon_engine::market::Tick;
    use std::sync::{Arc, Mutex};

    #[derive(Debug)]
    struct Shared(Arc<Mutex<Recorder>>);
    impl axon_engine::strategy::Strategy for Shared {
        fn on_market(
            &mut self,
            ctx: &mut axon_engine::strategy::Context<'_>,
            e: &axon_engine::strategy::MarketEvent,
        ) {
            self.0.lock().unwrap().on_market(ctx, e);
        }
        fn on_bar(
            &mut self,
            ctx: &mut axon_engine::strategy::Context<'_>,
            b: &axon_engine::strategy::BarEvent,
        ) {
            self.0.lock().unwrap().on_bar(ctx, b);
        }
    }

    let specs: Vec<BarSpec> = ["4ticks", "1m"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let mut config = EngineConfig::sma(10_000.0, vec!["X".into()], 2, 4);
    config.strategy = StrategyConfig::Donchian {
        n: 3,
        exit_n: 2,
        short: false,
        bars: specs.clone(),
    };
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let mut engine = axon_engine::Engine::with_strategy(
        config,
        Box::new(axon_engine::model::RuleModels),
        Box::new(Shared(recorder.clone())),
    )
    .unwrap();
    let mut expected = Vec::new();
    let mut builders: Vec<(BarBuilder, u64)> =
        specs.iter().map(|s| (BarBuilder::new(*s), 0)).collect();
    let mut out = Vec::new();
    for i in 0..200i64 {
        let time = i * 7_000_000_000; // a tick every 7 s
        let price = 100.0 + ((i as f64) / 5.0).sin();
        let tick = Tick {
            instrument: 0,
            bid: price - 0.01,
            ask: price + 0.01,
            bid_size: 1.0,
            ask_size: 1.0,
            last: price,
            volume: 1.0 + (i % 3) as f64,
        };
        engine.step(time, &Input::Tick(tick), &mut out);
        for (tf, (b, count)) in builders.iter_mut().enumerate() {
            if let Some(bar) = b.on_tick(time, &tick) {
                expected.push((tf, *count, bar));
                *count += 1;
            }
        }
    }
    let r = recorder.lock().unwrap();
    assert_eq!(
        r.markets, 0,
        "ticks go to the bar builders, not to on_market"
    );
    assert_eq!(r.bars, expected);
    assert_eq!(r.bars.iter().filter(|b| b.0 == 0).count(), 50);
    assert!(r.bars.iter().filter(|b| b.0 == 1).count() >= 20);
}
