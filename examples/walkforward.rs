//! Walk-forward optimisation with the Rust API.
//!
//! Writes 3000 daily bars (a seeded random walk whose drift changes sign
//! every few hundred days), then walks forward over them: the SMA
//! crossover's `fast` and `slow` are optimised for the Sharpe ratio on 750
//! bars, traded on the next 250, and so on. Prints each window's choice with
//! its in-sample and out-of-sample Sharpe ratio, and the stitched
//! out-of-sample run's statistics; its journal replays like any backtest's
//! (`axon replay --journal target/walkforward-example/wf/journal --verify`)
//! and `axon report` draws it.
//!
//! `cargo run --release --example walkforward`
//!
//! The same from the command line:
//! `axon walkforward -c base.toml --param strategy.fast=5:30:5 --param strategy.slow=20:100:20
//!  --constraint "strategy.fast < strategy.slow" --train 750 --test 250 --out wf/`

use axon_sweep::walkforward::{Span, WalkForwardSpec, run_walkforward};
use axon_sweep::{Objective, Param, SweepSpec};

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/walkforward-example");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    common::daily_walk(
        &dir.join("xyz.parquet"),
        "XYZ",
        3000,
        1_400_000_000_000_000_000,
        23,
        0.004,
        |day, u| 0.025 * u + 0.001 * (day as f64 / 200.0).sin(),
    )?;
    let config = dir.join("base.toml");
    std::fs::write(
        &config,
        "[session]\ncash = 100000.0\n\n[data]\npath = \"xyz.parquet\"\n\n[strategy]\n\
         kind = \"sma_cross\"\nfast = 10\nslow = 30\n\n[execution]\nfill = \"next_open\"\n\
         sizing = \"all_in\"\ncommission_bps = 5.0\n\n[journal]\npath = \"journal\"\n",
    )?;
    let params = vec![
        Param::parse("strategy.fast=5:30:5")?,
        Param::parse("strategy.slow=20:100:20")?,
    ];
    let spec = WalkForwardSpec {
        sweep: SweepSpec {
            config,
            params: params.clone(),
            constraint: Some("strategy.fast < strategy.slow".into()),
            random: None,
            objective: Objective {
                key: "sharpe".into(),
                maximize: true,
            },
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            out: dir.join("wf"),
            journals: false,
        },
        train: Span::parse("750")?,
        test: Span::parse("250")?,
        anchored: false,
    };
    let outcome = run_walkforward(&spec, &|_, _| {})?;
    println!(
        "{} windows × {} runs in {:.2} s",
        outcome.windows.len(),
        outcome.runs_per_window,
        outcome.secs
    );
    for (i, w) in outcome.windows.iter().enumerate() {
        println!(
            "  window {i}: {:<36} sharpe in sample {:>6.3}, out of sample {:>6.3}",
            w.in_sample.describe(&params),
            w.in_sample.stat("sharpe"),
            w.out_of_sample.sharpe
        );
    }
    let s = &outcome.stitched.summary;
    println!(
        "out of sample: sharpe {:.3}, return {:.2} %, {} trades, max drawdown {:.2} %",
        s.sharpe, s.return_pct, s.trades, s.max_drawdown_pct
    );
    println!(
        "journal {} (head {})",
        outcome.journal.display(),
        &outcome.stitched.head_hash[..16]
    );
    Ok(())
}
