//! Pairs trading: one strategy, two instruments, one account.
//!
//! Writes daily bars of two related instruments into one Parquet file (a
//! random walk `B`, and `A` = `B` times a mean-reverting factor, seed 3),
//! backtests the built-in `pairs` strategy on them (sell the rich leg, buy
//! the cheap one when the spread's z-score passes `entry_z`, close both
//! when it is back within `exit_z`), replays the journal bit for bit, and
//! prints each leg's trades.
//!
//! `cargo run --example pairs`

use std::path::Path;

use axon_config::Config;
use axon_data::{BarBatch, SymbolTable, write_bars};
use axon_replay::{run_backtest, verify_replay};

mod common;
use common::DAY_NS;

/// 1000 days of bars for `A` and `B`, rows in time order.
fn write_pair(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut uniform = common::uniform(3);
    let mut symbols = SymbolTable::new();
    let (a, b) = (symbols.intern("A"), symbols.intern("B"));
    let mut batch = BarBatch::with_capacity(2000);
    let (mut price_b, mut factor) = (50.0_f64, 0.0_f64);
    for day in 0..1000i64 {
        price_b *= 1.0 + 0.02 * uniform();
        // An Ornstein-Uhlenbeck factor: the spread reverts to its mean.
        factor += -0.1 * factor + 0.02 * uniform();
        let price_a = 2.0 * price_b * factor.exp();
        for (symbol, close) in [(a, price_a), (b, price_b)] {
            batch.ts.push(1_600_000_000_000_000_000 + day * DAY_NS);
            batch.symbol.push(symbol);
            batch.open.push(close);
            batch.high.push(close * 1.002);
            batch.low.push(close * 0.998);
            batch.close.push(close);
            batch.volume.push(1000.0);
        }
    }
    write_bars(path, &batch, &symbols)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("pair.parquet");
    write_pair(&data)?;
    let journal = dir.path().join("journal");
    let text = format!(
        "[session]\ncash = 100000.0\n\n[data]\npath = {data:?}\n\n[strategy]\nkind = \"pairs\"\n\
         legs = [\"A\", \"B\"]\nn = 30\nentry_z = 2.0\nexit_z = 0.5\nfraction = 0.4\n\n\
         [execution]\nfill = \"next_open\"\nsizing = \"fixed\"\nunits = 1.0\ncommission_bps = 1.0\n\n\
         [journal]\npath = {journal:?}\ndurability = \"none\"\n"
    );
    let plan = Config::parse(text, &dir.path().join("pairs.toml"))?.backtest_plan()?;
    let report = run_backtest(&plan, &mut |_, _| {})?;
    let s = &report.summary;
    println!(
        "pairs A/B: {} trades, return {:.2} %, max drawdown {:.2} %, sharpe {:.3}",
        s.trades, s.return_pct, s.max_drawdown_pct, s.sharpe
    );
    for (leg, symbol) in ["A", "B"].iter().enumerate() {
        let trades: Vec<_> = report
            .trades
            .iter()
            .filter(|t| t.instrument as usize == leg)
            .collect();
        let pnl: f64 = trades.iter().map(|t| t.pnl).sum();
        println!("  leg {symbol}: {} trades, P&L {pnl:.2}", trades.len());
    }
    let replay = verify_replay(&journal, &mut |_, _| {})?;
    println!(
        "replay: {}",
        if replay.mismatch.is_none() {
            "verified, bit for bit"
        } else {
            "DIVERGED"
        }
    );
    Ok(())
}
