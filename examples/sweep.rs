//! A parameter sweep with its heatmap.
//!
//! Writes 3000 daily bars (a seeded random walk with drift), sweeps the
//! built-in SMA crossover over `fast` 5..50 step 5 and `slow` 20..200 step
//! 10 with `fast < slow`, maximizing the Sharpe ratio on every core, and
//! prints the five best runs, the best config and where the heatmap is. A
//! second call into the same folder skips the runs already done.
//!
//! `cargo run --release --example sweep`

use axon_sweep::{Objective, Param, SweepSpec, run_sweep};

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    common::daily_walk(
        &dir.path().join("xyz.parquet"),
        "XYZ",
        3000,
        1_400_000_000_000_000_000,
        11,
        0.005,
        |day, u| 0.03 * u + 0.0004 * (day as f64 / 300.0).sin(),
    )?;
    let config = dir.path().join("base.toml");
    std::fs::write(
        &config,
        "[session]\ncash = 100000.0\n\n[data]\npath = \"xyz.parquet\"\n\n[strategy]\n\
         kind = \"sma_cross\"\nfast = 10\nslow = 30\n\n[execution]\nfill = \"next_open\"\n\
         sizing = \"all_in\"\ncommission_bps = 5.0\n\n[journal]\npath = \"journal\"\n",
    )?;
    let spec = SweepSpec {
        config,
        params: vec![
            Param::parse("strategy.fast=5:50:5")?,
            Param::parse("strategy.slow=20:200:10")?,
        ],
        constraint: Some("strategy.fast < strategy.slow".into()),
        random: None,
        objective: Objective {
            key: "sharpe".into(),
            maximize: true,
        },
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        out: dir.path().join("sweep"),
        journals: false,
    };
    let outcome = run_sweep(&spec, &|_, _| {})?;
    println!(
        "{} runs over {} bars in {:.2} s ({:.0} runs/s)",
        outcome.runs.len(),
        outcome.rows,
        outcome.run_secs,
        outcome.runs.len() as f64 / outcome.run_secs.max(1e-9)
    );
    let mut ranked: Vec<_> = outcome.runs.iter().collect();
    ranked.sort_by(|a, b| b.stat("sharpe").total_cmp(&a.stat("sharpe")));
    for r in ranked.iter().take(5) {
        println!(
            "  {:<40} sharpe {:>6.3}  return {:>8.2} %  trades {:>4}",
            r.describe(&spec.params),
            r.stat("sharpe"),
            r.stat("return_pct"),
            r.stat("trades")
        );
    }
    println!(
        "best config:\n{}",
        std::fs::read_to_string(spec.out.join("best.toml"))?
    );
    let again = run_sweep(&spec, &|_, _| {})?;
    println!(
        "again into the same folder: {} of {} runs skipped; heatmap: {}",
        again.skipped,
        again.runs.len(),
        spec.out.join("heatmap.html").display()
    );
    // Kept for a look at the heatmap.
    let kept = dir.keep();
    println!("files kept in {}", kept.display());
    Ok(())
}
