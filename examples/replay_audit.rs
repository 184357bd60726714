//! A backtest with the SMA crossover and an MLP, written to a journal,
//! replayed from the journal alone and compared bit for bit; then one
//! decision audited: rebuilt from the journal (the model's bytes from its
//! store), checked, and explained with Shapley values on the model's exact
//! input.
//!
//! `cargo run --release --example replay_audit`

use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::{SynthConfig, synth_ticks_to_parquet};
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use std::sync::Arc;

use axon_engine::event::kind;
use axon_engine::{EngineConfig, EnsembleConfig};
use axon_explain::{KernelSHAP, ShapOptions};
use axon_inference::ModelConfig;
use axon_journal::{JournalOptions, JournalReader};
use axon_replay::{
    AuditOptions, AuditTarget, BacktestPlan, PlannedModel, SessionPlan, audit, diff_journals,
    run_backtest, verify_replay,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("ticks.parquet");
    synth_ticks_to_parquet(
        &SynthConfig {
            seed: 11,
            ticks: 200_000,
            ..SynthConfig::default()
        },
        &data,
    )?;
    let model_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/models/mlp_4.safetensors");
    let model_bytes = std::fs::read(&model_path)?;
    let plan = |journal: &str| BacktestPlan {
        session: SessionPlan {
            engine: EngineConfig {
                cash: 50_000.0,
                instruments: Vec::new(),
                strategy: StrategyConfig::SmaCross {
                    fast: 100,
                    slow: 400,
                },
                sizing: Sizing::Fraction(0.5),
                risk: RiskLimits {
                    max_drawdown_pct: Some(20.0),
                    ..RiskLimits::default()
                },
                decisions: DecisionLog::Actions,
                year_ns: YEAR_NS,
                ensemble: EnsembleConfig {
                    threshold: 0.1,
                    weights: vec![0.5, 0.5],
                    dynamic: None,
                },
            },
            sim: SimConfig {
                fill: FillModel::NextTick,
                commission_bps: 1.0,
                slippage: 0.0,
            },
            journal_dir: dir.path().join(journal),
            journal: JournalOptions::default(),
            seed: 11,
            config_text: String::new(),
            config_source: String::new(), // Slot 1: the [1, 4] reference MLP on candle.
            models: vec![PlannedModel {
                slot: 1,
                at_ns: None,
                bytes: Arc::new(model_bytes.clone()),
                config: ModelConfig::new(&model_path, vec![1, 4]),
            }],
            strategies: Arc::new(axon_engine::strategy::Builtins),
        },
        data_path: data.clone(),
        catalog: None,
        default_symbol: None,
        close_at_end: true,
        metrics: None,
    };
    let run1 = run_backtest(&plan("run1"), &mut |_, _| {})?;
    println!(
        "backtest: {} trades, equity {:.2}, head {}",
        run1.summary.trades, run1.summary.equity_final, run1.head_hash
    );

    let replay = verify_replay(&dir.path().join("run1"), &mut |_, _| {})?;
    match &replay.mismatch {
        None => println!(
            "replay: {} records, every output reproduced bit for bit",
            replay.records
        ),
        Some(m) => println!("replay diverged at seq {}", m.seq),
    }

    run_backtest(&plan("run2"), &mut |_, _| {})?;
    let diff = diff_journals(&dir.path().join("run1"), &dir.path().join("run2"))?;
    println!("diff run1 run2: identical = {}", diff.identical);

    // Audit: the last decision, rebuilt from the journal alone.
    let run1_dir = dir.path().join("run1");
    let reader = JournalReader::open(&run1_dir)?;
    let mut cursor = reader.cursor(0, false)?;
    let mut last = None;
    while let Some(rec) = cursor.next()? {
        if rec.kind == kind::DECISION {
            last = Some(rec.seq);
        }
    }
    let seq = last.ok_or("no decision in the journal")?;
    let a = audit(&run1_dir, AuditTarget::Seq(seq), AuditOptions::default())?;
    println!(
        "audit of seq {seq}: {:?} {} at {}, reproduced bit for bit: {}",
        a.decision.action, a.symbol, a.decision.price, a.reproduced
    );
    let Some(slot) = a.slots.first() else {
        return Ok(());
    };
    let names: Vec<String> = (1..=4).map(|k| format!("ret_{k}")).collect();
    let action = a.decision.action as usize;
    let e = KernelSHAP::with_options(
        slot.model.clone(),
        ShapOptions {
            feature_names: Some(names),
            ..ShapOptions::default()
        },
    )
    .explain(&slot.input, action, &slot.background)?;
    println!(
        "  slot {} ({}, sha256 {}): f(x) = {:.4}, E[f] = {:.4} over {} earlier inputs",
        slot.swap.slot,
        slot.swap.backend,
        &hex_of(&slot.swap.sha256)[..16],
        e.prediction,
        e.base_value,
        slot.background.len()
    );
    for (n, v) in e.feature_names.iter().zip(&e.feature_importances) {
        println!("    {n:>6} {v:+.5}");
    }
    Ok(())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
