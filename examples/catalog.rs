//! From venue files to a backtest over a catalog.
//!
//! Writes two weeks of one-minute klines for two symbols in the layout of
//! Binance's public data archives (daily files, as data.binance.vision
//! publishes them unzipped), imports each with `import_binance`, files them
//! into a catalog (`venue=binance/symbol=.../kind=bars_1m/date=.../`), lists
//! the catalog, and backtests one week of both symbols: only that week's
//! partitions are opened, and the backtest says how many bytes it read.
//!
//! `cargo run --release --example catalog`

use std::path::Path;

use axon_data::{BinanceOptions, Catalog, import_binance};

/// One day of klines of `symbol`: a slow wave, so an SMA crossover trades.
fn daily_klines(
    dir: &Path,
    symbol: &str,
    day: i64,
    base: f64,
) -> std::io::Result<std::path::PathBuf> {
    let path = dir.join(format!("{symbol}-1m-2024-01-{:02}.csv", day + 1));
    let start = 1_704_067_200_000_i64 + day * 86_400_000;
    let mut text = String::new();
    for m in 0..1440_i64 {
        let px = base * (1.0 + 0.02 * ((day * 1440 + m) as f64 / 180.0).sin());
        let (open, close) = (px, px * 1.0005);
        text.push_str(&format!(
            "{},{open:.4},{:.4},{:.4},{close:.4},1.5,{},0,10,0,0,0\n",
            start + m * 60_000,
            open.max(close) * 1.001,
            open.min(close) * 0.999,
            start + m * 60_000 + 59_999
        ));
    }
    std::fs::write(&path, text)?;
    Ok(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let catalog = Catalog::new(dir.path().join("catalog"));
    for (symbol, base) in [("BTCUSDT", 42_000.0), ("ETHUSDT", 2_300.0)] {
        for day in 0..14 {
            let archive = daily_klines(dir.path(), symbol, day, base)?;
            let parquet = dir.path().join("imported.parquet");
            import_binance(&[archive], &parquet, &BinanceOptions::default())?;
            catalog.add(&parquet, "binance", "bars_1m")?;
        }
    }
    println!("venue    symbol   kind     first      last       days   rows  bytes");
    for s in catalog.series()? {
        println!(
            "{:<8} {:<8} {:<8} {} {} {:>4} {:>6} {:>6}",
            s.venue, s.symbol, s.kind, s.first_date, s.last_date, s.days, s.rows, s.bytes
        );
    }

    // The second week, then both: the first reads half the partitions.
    for (name, start) in [("week", "2024-01-08"), ("fortnight", "2024-01-01")] {
        let config = format!(
            "[session]\ncash = 1000000.0\n\
             [data]\ncatalog = \"{}\"\nsymbols = [\"BTCUSDT\", \"ETHUSDT\"]\nkind = \"bars_1m\"\n\
             start = \"{start}\"\nend = \"2024-01-15\"\n\
             [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n\
             [execution]\nfill = \"next_open\"\nsizing = \"fixed\"\nunits = 1.0\n\
             [journal]\npath = \"{name}\"\n",
            catalog.root().display()
        );
        let file = dir.path().join(format!("{name}.toml"));
        let plan = axon_config::Config::parse(config, &file)?.backtest_plan()?;
        let report = axon_replay::run_backtest(&plan, &mut |_, _| {})?;
        println!(
            "{name} from {start} of {}: {} bars, {} trades, return {:.2} %, {} bytes of Parquet read",
            report.symbols.join(" and "),
            report.rows,
            report.trades.len(),
            report.summary.return_pct,
            report.data_bytes_read,
        );
    }
    Ok(())
}
