//! What the examples share: seeded data, the same on every machine.
#![allow(dead_code, reason = "each example uses part of this")]

use std::path::Path;

use axon_data::{BarBatch, SymbolTable, write_bars};

/// Nanoseconds per day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// Seeded draws, uniform in [-0.5, 0.5) (xorshift64).
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.max(1);
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// `days` daily bars of `symbol` from `start_ns` to `path`: a random walk
/// whose close moves by `ret(day, draw)` each day (`draw` from
/// [`uniform`]), each bar's high and low `range` beyond its open and close.
pub fn daily_walk(
    path: &Path,
    symbol: &str,
    days: i64,
    start_ns: i64,
    seed: u64,
    range: f64,
    ret: impl Fn(i64, f64) -> f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut draw = uniform(seed);
    let mut symbols = SymbolTable::new();
    let id = symbols.intern(symbol);
    let mut bars = BarBatch::with_capacity(days as usize);
    let mut close = 100.0_f64;
    for day in 0..days {
        let open = close;
        close *= 1.0 + ret(day, draw());
        bars.ts.push(start_ns + day * DAY_NS);
        bars.symbol.push(id);
        bars.open.push(open);
        bars.high.push(open.max(close) * (1.0 + range));
        bars.low.push(open.min(close) * (1.0 - range));
        bars.close.push(close);
        bars.volume.push(1000.0);
    }
    write_bars(path, &bars, &symbols)?;
    Ok(())
}
