//! What the replay tests share: a backtest plan of the SMA crossover on
//! small journal segments, and bars for two symbols from price steps.

use std::path::Path;

use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::{BarBatch, SymbolTable};
use axon_engine::EngineConfig;
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_journal::{Durability, JournalOptions};
use axon_replay::{BacktestPlan, SessionPlan};

/// An SMA crossover backtest of `data` into `journal` (1 bp commission,
/// a 60 % drawdown kill switch, 16 KiB segments).
pub fn plan(
    data: &Path,
    journal: &Path,
    fast: usize,
    slow: usize,
    sizing: Sizing,
    fill: FillModel,
) -> BacktestPlan {
    BacktestPlan {
        session: SessionPlan {
            engine: EngineConfig {
                cash: 10_000.0,
                instruments: Vec::new(),
                strategy: StrategyConfig::SmaCross { fast, slow },
                sizing,
                risk: RiskLimits {
                    max_drawdown_pct: Some(60.0),
                    ..RiskLimits::default()
                },
                decisions: DecisionLog::Actions,
                year_ns: YEAR_NS,
                ensemble: Default::default(),
            },
            sim: SimConfig {
                fill,
                commission_bps: 1.0,
                slippage: 0.0,
            },
            journal_dir: journal.to_path_buf(),
            journal: JournalOptions {
                durability: Durability::None,
                segment_bytes: 16 << 10,
                ..JournalOptions::default()
            },
            seed: 1,
            config_text: String::new(),
            config_source: String::new(),
            models: Vec::new(),
            strategies: std::sync::Arc::new(axon_engine::strategy::Builtins),
        },
        data_path: data.to_path_buf(),
        catalog: None,
        default_symbol: None,
        close_at_end: true,
        metrics: None,
    }
}

/// A random walk of bars for two symbols, interleaved.
pub fn bars(steps: &[i16]) -> (BarBatch, SymbolTable) {
    let mut symbols = SymbolTable::default();
    let ids = [symbols.intern("AAA"), symbols.intern("BBB")];
    let mut b = BarBatch::default();
    let mut price = [100.0f64, 50.0];
    for (i, s) in steps.iter().enumerate() {
        let k = i % 2;
        let open = price[k];
        let close = (open * (1.0 + f64::from(*s) / 2000.0)).max(1.0);
        price[k] = close;
        b.ts.push(1_700_000_000_000_000_000 + i as i64 * 60_000_000_000);
        b.symbol.push(ids[k]);
        b.open.push(open);
        b.close.push(close);
        b.high.push(open.max(close) * 1.001);
        b.low.push(open.min(close) * 0.999);
        b.volume.push(1000.0 + i as f64);
    }
    (b, symbols)
}
