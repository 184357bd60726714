//! A backtest written to a journal, replayed from the journal alone and
//! compared bit for bit, then the first decision that traded, read back from
//! the journal with its inputs: the basis of an audit.
//!
//! `cargo run --release --example replay_audit`

use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::{SynthConfig, synth_ticks_to_parquet};
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_engine::event::kind;
use axon_engine::{EngineConfig, Event};
use axon_journal::{JournalOptions, JournalReader};
use axon_replay::{BacktestPlan, diff_journals, run_backtest, verify_replay};

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
    let plan = |journal: &str| BacktestPlan {
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
            ensemble: Default::default(),
        },
        data_path: data.clone(),
        default_symbol: None,
        sim: SimConfig {
            fill: FillModel::NextTick,
            commission_bps: 1.0,
            slippage: 0.0,
        },
        journal_dir: dir.path().join(journal),
        journal: JournalOptions::default(),
        seed: 11,
        config_text: String::new(),
        metrics: None,
        models: Vec::new(),
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

    // Audit: the first decision that traded, and the market input behind it.
    let reader = JournalReader::open(dir.path().join("run1"))?;
    let mut cursor = reader.cursor(0, false)?;
    let mut last_input = None;
    while let Some(rec) = cursor.next()? {
        if kind::is_input(rec.kind) {
            last_input = Some(rec.to_owned());
            continue;
        }
        if rec.kind == kind::DECISION {
            let decision = Event::decode(rec.kind, rec.version, rec.payload)?;
            println!("decision at seq {}: {}", rec.seq, decision.to_json());
            if let Some(input) = &last_input {
                let ev = Event::decode(input.kind, input.version, &input.payload)?;
                println!("  caused by seq {}: {}", input.seq, ev.to_json());
            }
            break;
        }
    }
    Ok(())
}
