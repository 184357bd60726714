//! The built-in price-action strategies, Donchian breakout and Bollinger
//! mean reversion, backtested on synthetic data: daily bars of a seeded
//! random walk and seeded synthetic ticks. Each run is configured as a
//! `[strategy]` section would be, written to a journal, and replayed from
//! the journal alone, bit for bit.
//!
//! `cargo run --example builtin_strategies`

use std::fmt::Write as _;
use std::path::Path;

use axon_config::Config;
use axon_data::{SynthConfig, import_csv, synth_ticks_to_parquet};
use axon_replay::{run_backtest, verify_replay};

/// 1500 daily bars of a random walk with drifting volatility (xorshift,
/// seed 42), written as CSV and imported as Parquet.
fn bars(dir: &Path) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let mut state = 42u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let (mut close, mut vol) = (100.0_f64, 0.01_f64);
    let start = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).ok_or("a valid date")?;
    for day in start.iter_days().take(1500) {
        vol = (vol + (uniform() - 0.5) * 0.002).clamp(0.005, 0.03);
        let open = close * (1.0 + (uniform() - 0.5) * vol);
        close = open * (1.0 + (uniform() - 0.48) * 2.0 * vol);
        let high = open.max(close) * (1.0 + uniform() * vol);
        let low = open.min(close) * (1.0 - uniform() * vol);
        writeln!(csv, "{day},{open:.4},{high:.4},{low:.4},{close:.4},1000")?;
    }
    let csv_path = dir.join("bars.csv");
    std::fs::write(&csv_path, csv)?;
    let out = dir.join("bars.parquet");
    import_csv(&csv_path, &out, "WALK")?;
    Ok(out)
}

/// A backtest config of `strategy` on `data`.
fn config(data: &Path, fill: &str, strategy: &str, journal: &Path) -> String {
    format!(
        "[session]\ncash = 100000.0\n\n[data]\npath = {data:?}\n\n[strategy]\n{strategy}\n\n\
         [execution]\nfill = \"{fill}\"\nsizing = \"fraction\"\nfraction = 0.95\n\
         commission_bps = 2.0\n\n[journal]\npath = {journal:?}\ndurability = \"none\"\n"
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let bars = bars(dir.path())?;
    let ticks = dir.path().join("ticks.parquet");
    synth_ticks_to_parquet(
        &SynthConfig {
            seed: 7,
            ticks: 50_000,
            ..SynthConfig::default()
        },
        &ticks,
    )?;
    let runs = [
        (
            "donchian, bars",
            &bars,
            "next_open",
            "kind = \"donchian\"\nn = 20\nexit_n = 10\nshort = true",
        ),
        (
            "bollinger, bars",
            &bars,
            "next_open",
            "kind = \"bollinger\"\nn = 20\nk = 2.0\nk_stop = 1.5\nshort = true",
        ),
        (
            "donchian, ticks",
            &ticks,
            "next_tick",
            "kind = \"donchian\"\nn = 3000\nexit_n = 1500\nshort = true",
        ),
        (
            "bollinger, ticks",
            &ticks,
            "next_tick",
            "kind = \"bollinger\"\nn = 2000\nk = 3.0\nk_stop = 2.0\nshort = true",
        ),
    ];
    println!(
        "{:<17} {:>7} {:>10} {:>9} {:>9} {:>8} {:>7}  replay",
        "run", "trades", "return %", "win %", "max dd %", "sharpe", "pf"
    );
    for (i, (name, data, fill, strategy)) in runs.into_iter().enumerate() {
        let journal = dir.path().join(format!("journal-{i}"));
        let text = config(data, fill, strategy, &journal);
        let plan =
            Config::parse(text, &dir.path().join(format!("run-{i}.toml")))?.backtest_plan()?;
        let report = run_backtest(&plan, &mut |_, _| {})?;
        let s = &report.summary;
        let replay = verify_replay(&journal, &mut |_, _| {})?;
        println!(
            "{name:<17} {:>7} {:>10.2} {:>9.1} {:>9.2} {:>8.3} {:>7.3}  {}",
            s.trades,
            s.return_pct,
            s.win_rate_pct,
            s.max_drawdown_pct,
            s.sharpe,
            s.profit_factor,
            if replay.mismatch.is_none() {
                "verified"
            } else {
                "DIVERGED"
            }
        );
    }
    Ok(())
}
