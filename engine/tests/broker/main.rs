//! `axon_engine::broker` against backtesting.py 0.6.5: the checked examples
//! of `docs/backtesting-py-semantics.md` (`examples`), and whole runs on
//! random walks compared with the real library (`oracle`).

mod examples;
mod oracle;

use axon_engine::broker::{Broker, BrokerConfig, Commission, Ohlc, OrderSpec, Step};

/// `Strategy._FULL_EQUITY`, the default size of `buy()`/`sell()`.
pub const FULL: f64 = 1.0 - f64::EPSILON;

pub fn bar(open: f64, high: f64, low: f64, close: f64) -> Ohlc {
    Ohlc {
        open,
        high,
        low,
        close,
    }
}

/// `Backtest(...)`'s defaults: cash 10 000, no costs, margin 1.
pub fn cfg() -> BrokerConfig {
    BrokerConfig {
        cash: 10_000.0,
        commission: Commission::Linear {
            fixed: 0.0,
            rate: 0.0,
        },
        spread: 0.0,
        margin: 1.0,
        trade_on_close: false,
        hedging: false,
        exclusive_orders: false,
    }
}

/// An order of `size` units (or fraction), nothing else set.
pub fn o(size: f64) -> OrderSpec {
    OrderSpec {
        size,
        ..OrderSpec::default()
    }
}

/// How a run ended.
#[derive(Debug, PartialEq)]
pub enum End {
    /// All bars ran.
    Done,
    /// Out of money on this bar.
    OutOfMoney(usize),
}

/// `Backtest.run` without indicators: `next()` on bars `1..n`, the
/// strategy after each, then `finalize` if asked.
pub fn run(
    cfg: BrokerConfig,
    bars: &[Ohlc],
    finalize: bool,
    mut strategy: impl FnMut(&mut Broker, usize),
) -> (Broker, End) {
    let mut b = Broker::new(cfg, bars.len()).expect("valid config");
    for i in 1..bars.len() {
        match b.next(i, bars[i], bars[i - 1].close) {
            Step::Equity(_) => strategy(&mut b, i),
            Step::OutOfMoney => return (b, End::OutOfMoney(i)),
            Step::Failed(e) => panic!("bar {i}: {e}"),
        }
    }
    if finalize {
        let n = bars.len();
        b.finalize(n - 1, bars[n - 1], bars[n - 2].close)
            .expect("finalize");
    }
    (b, End::Done)
}

/// Runs `f` on bar `i` only.
pub fn at(i: usize, mut f: impl FnMut(&mut Broker)) -> impl FnMut(&mut Broker, usize) {
    move |b, j| {
        if j == i {
            f(b)
        }
    }
}
