//! `axon data resample IN --bar SPEC -o OUT`: bars from ticks (trades or
//! quotes), built by the engine's own bar builder
//! (`axon_engine::bars::BarBuilder`), so a file resampled here holds the bars
//! a strategy asking for the same spec sees in a backtest, its replay and a
//! live session.

use std::path::Path;
use std::time::Instant;

use axon_data::{Bar, BarBatch, BarWriter, MarketReader, ReaderOptions, TickBatch};
use axon_engine::bars::{BarBuilder, BarSpec, BuiltBar};
use axon_replay::engine_tick;

use crate::exit::Failure;
use crate::output::table;

/// What a resample wrote.
#[derive(Debug, PartialEq)]
pub struct Resampled {
    pub ticks: u64,
    pub bars: u64,
    /// Bars still open when the data ended (written: the data's last
    /// interval, or a tick or volume bar short of its size).
    pub open_at_end: u64,
}

/// Builds `spec` bars of every symbol of the ticks at `input` into `out`,
/// ordered by start time (then symbol, in order of first appearance).
pub fn resample(input: &Path, spec: BarSpec, out: &Path) -> Result<Resampled, Failure> {
    let mut reader = MarketReader::open(input, ReaderOptions::default())?;
    if reader.kind() != axon_data::DataKind::Ticks {
        return Err(Failure::input(format!(
            "{}: holds bars; resample builds bars from ticks (trades or quotes)",
            input.display()
        )));
    }
    let mut builders: Vec<BarBuilder> = Vec::new();
    let mut bars: Vec<BuiltBar> = Vec::new();
    let mut batch = TickBatch::default();
    let mut ticks = 0u64;
    while reader.next_ticks(&mut batch)? {
        for row in batch.iter() {
            let symbol = row.symbol as usize;
            if builders.len() <= symbol {
                builders.resize_with(symbol + 1, || BarBuilder::new(spec));
            }
            bars.extend(builders[symbol].on_tick(row.ts, &engine_tick(&row)));
        }
        ticks += batch.len() as u64;
    }
    let open: Vec<BuiltBar> = builders
        .iter()
        .filter_map(|b| b.open_bar().copied())
        .collect();
    let open_at_end = open.len() as u64;
    bars.extend(open);
    // Symbols close bars at different times; the file is in start order.
    bars.sort_by_key(|b| (b.start_ns, b.bar.instrument));
    let mut out_batch = BarBatch::with_capacity(bars.len());
    for b in &bars {
        out_batch.push(Bar {
            ts: b.start_ns,
            symbol: b.bar.instrument,
            open: b.bar.open,
            high: b.bar.high,
            low: b.bar.low,
            close: b.bar.close,
            volume: b.bar.volume,
        });
    }
    let mut writer = BarWriter::new(out)?;
    writer.write(&out_batch, reader.symbols())?;
    let written = writer.finish()?;
    Ok(Resampled {
        ticks,
        bars: written,
        open_at_end,
    })
}

/// Runs `axon data resample` and prints what it did.
pub fn run(input: &Path, bar: &str, out: &Path, quiet: bool) -> anyhow::Result<()> {
    let spec: BarSpec = bar
        .parse()
        .map_err(|e: axon_engine::bars::BarSpecError| Failure::input(format!("--bar: {e}")))?;
    let started = Instant::now();
    let r = resample(input, spec, out)?;
    if !quiet {
        table(
            "Resample",
            &[
                ("input", input.display().to_string()),
                ("bars", format!("{spec}")),
                ("ticks read", r.ticks.to_string()),
                (
                    "bars written",
                    format!(
                        "{} ({} still open when the data ended)",
                        r.bars, r.open_at_end
                    ),
                ),
                ("output", out.display().to_string()),
                ("time", format!("{:.2} s", started.elapsed().as_secs_f64())),
            ],
        );
    }
    Ok(())
}
