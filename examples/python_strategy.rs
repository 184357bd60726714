//! A backtesting.py strategy file run by the engine: `[strategy] kind =
//! "python"`.
//!
//! Writes 1500 daily bars (a seeded random walk), backtests
//! `examples/strategies/sma_cross.py`'s `SmaCross` (market entries, a
//! stop-loss, a half-size short) and its `Learned` strategy (which calls
//! `data/models/mlp_4.onnx` through the engine), replays both journals bit
//! for bit from the journal's own copy of the source, and audits one of
//! the model calls.
//!
//! The strategy runs in the interpreter `$AXON_PYTHON` names (else
//! `python3`), which needs `axon_quant` (`scripts/setup-python.sh` and
//! `maturin develop` in `python/`, as the test script does):
//!
//! `AXON_PYTHON=.venv/bin/python cargo run --example python_strategy`

use std::path::Path;

use axon_config::Config;
use axon_replay::{AuditOptions, AuditTarget, audit, run_backtest, verify_replay};

mod common;

fn write_bars_file(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    common::daily_walk(
        path,
        "XYZ",
        1500,
        1_500_000_000_000_000_000,
        7,
        0.01,
        |_, u| 0.04 * u + 0.0005,
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("xyz.parquet");
    write_bars_file(&data)?;
    let file = root.join("examples/strategies/sma_cross.py");
    let model = root.join("data/models/mlp_4.onnx");
    for (class, extra) in [
        (
            "SmaCross",
            "[strategy.params]\nn1 = 10\nn2 = 40\n".to_owned(),
        ),
        ("Learned", format!("[[models.slots]]\npath = {model:?}\n")),
    ] {
        let journal = dir.path().join(format!("journal-{class}"));
        let text = format!(
            "[session]\ncash = 100000.0\n\n[data]\npath = {data:?}\n\n[strategy]\nkind = \"python\"\n\
             path = {file:?}\nclass = \"{class}\"\n\n[execution]\nfill = \"next_open\"\n\
             sizing = \"all_in\"\ncommission_bps = 2.0\n\n[journal]\npath = {journal:?}\n\
             durability = \"none\"\n\n{extra}"
        );
        let config_path = dir.path().join(format!("{class}.toml"));
        std::fs::write(&config_path, text)?;
        let plan = Config::load(&config_path)?.backtest_plan()?;
        let report = run_backtest(&plan, &mut |_, _| {})?;
        let s = &report.summary;
        println!(
            "{class}: {} bars, {} trades, return {:.2} %, sharpe {:.3}, head {}",
            report.rows,
            s.trades,
            s.return_pct,
            s.sharpe,
            &report.head_hash[..16]
        );
        let verified = verify_replay(&journal, &mut |_, _| {})?;
        match &verified.mismatch {
            None => println!(
                "  replay: {} records reproduced bit for bit",
                verified.records
            ),
            Some(m) => return Err(format!("{class}: replay differs at seq {}", m.seq).into()),
        }
        if class == "Learned" {
            let a = audit(&journal, AuditTarget::Order(40), AuditOptions::default())?;
            println!(
                "  audit of the decision behind order 40 (seq {}): reproduced {}",
                a.seq, a.reproduced
            );
        }
    }
    Ok(())
}
