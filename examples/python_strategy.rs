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
use axon_data::{BarBatch, SymbolTable, write_bars};
use axon_replay::{AuditOptions, AuditTarget, audit, run_backtest, verify_replay};

const DAY_NS: i64 = 86_400_000_000_000;

fn write_bars_file(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut state = 7u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut symbols = SymbolTable::new();
    let x = symbols.intern("XYZ");
    let mut batch = BarBatch::with_capacity(1500);
    let mut close = 100.0_f64;
    for day in 0..1500i64 {
        let open = close;
        close *= 1.0 + 0.04 * uniform() + 0.0005;
        batch.ts.push(1_500_000_000_000_000_000 + day * DAY_NS);
        batch.symbol.push(x);
        batch.open.push(open);
        batch.high.push(open.max(close) * 1.01);
        batch.low.push(open.min(close) * 0.99);
        batch.close.push(close);
        batch.volume.push(1000.0);
    }
    write_bars(path, &batch, &symbols)?;
    Ok(())
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
