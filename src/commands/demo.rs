//! `axon demo`: synthetic ticks -> backtest with the SMA crossover and an
//! MLP in a dynamically weighted ensemble -> replay --verify -> summary, from
//! any folder, with no files present.

use std::path::PathBuf;

use anyhow::Context;
use axon_data::{SynthConfig, synth_ticks_to_parquet};

use crate::commands::{backtest, replay};
use crate::exit::Failure;
use crate::output::table;

/// The [1, 4] reference MLP (data/models/mlp_4.safetensors).
const DEMO_MODEL: &[u8] = include_bytes!("../../data/models/mlp_4.safetensors");

fn demo_config(ticks_file: &str) -> String {
    format!(
        r#"# Written by `axon demo`; rerun with `axon backtest -c backtest.toml`.
[session]
cash = 100000.0
seed = 7

[data]
path = "{ticks_file}"

[strategy]
kind = "sma_cross"
fast = 200
slow = 800

[execution]
fill = "next_tick"
sizing = "all_in"
commission_bps = 0.5

[risk]
max_order_notional = 1e9
max_drawdown_pct = 50.0

# Slot 0 is the SMA crossover; slot 1 a small MLP on the feature window
# (candle, pure Rust). Weights follow each model's Sharpe on its own signal.
[ensemble]
threshold = 0.2
weights = [0.5, 0.5]
mode = "dynamic"
performance_window = 2000
rebalance_every = 1000
floor = 0.1

[[models.slots]]
path = "mlp_4.safetensors"

[journal]
path = "journal"
durability = "group"
"#
    )
}

/// Runs the demo in `out` (or a temporary folder).
pub fn demo(out: Option<PathBuf>, ticks: u64, seed: u64, quiet: bool) -> anyhow::Result<()> {
    let temp;
    let kept = out.is_some();
    let dir: PathBuf = match out {
        Some(d) => {
            if d.join("journal").exists() {
                return Err(Failure::input(format!(
                    "{}: already holds a demo journal; choose another --out folder",
                    d.display()
                ))
                .into());
            }
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            d
        }
        None => {
            temp = tempfile::Builder::new().prefix("axon-demo-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let ticks_path = dir.join("ticks.parquet");
    let synth = SynthConfig {
        seed,
        ticks,
        ..SynthConfig::default()
    };
    if !quiet {
        println!(
            "synthesizing {ticks} ticks (seed {seed}) into {}",
            ticks_path.display()
        );
    }
    synth_ticks_to_parquet(&synth, &ticks_path)?;
    let config_path = dir.join("backtest.toml");
    std::fs::write(&config_path, demo_config("ticks.parquet"))?;
    // The reference [1, 4] model ships inside the binary.
    std::fs::write(dir.join("mlp_4.safetensors"), DEMO_MODEL)?;
    let plan = axon_config::Config::load(&config_path)?.backtest_plan()?;
    let report = backtest::run(&plan, quiet)?;
    let outcome = replay::verify(&plan.session.journal_dir, quiet)?;
    if !quiet {
        backtest::print_summary(&report, &plan.session.journal_dir);
        println!();
    }
    let verified = outcome.mismatch.is_none() && outcome.head_hash == report.head_hash;
    if !quiet {
        table(
            "Replay",
            &[
                ("records replayed", outcome.records.to_string()),
                ("outputs compared", outcome.outputs.to_string()),
                ("head hash", outcome.head_hash.clone()),
                (
                    "speed",
                    format!(
                        "{:.2} s, {:.0} events/s",
                        outcome.elapsed_secs,
                        outcome.records as f64 / outcome.elapsed_secs.max(1e-9)
                    ),
                ),
            ],
        );
    }
    if !verified {
        return Err(Failure::differs(format!(
            "replay of {} did NOT reproduce the backtest (first difference at seq {:?})",
            plan.session.journal_dir.display(),
            outcome.mismatch.map(|m| m.seq)
        ))
        .into());
    }
    println!(
        "replay verified: {} records reproduced bit for bit (head {})",
        outcome.records,
        &outcome.head_hash[..16]
    );
    if kept && !quiet {
        println!("files kept in {}", dir.display());
    }
    Ok(())
}
