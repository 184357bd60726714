//! End-to-end throughput: backtest (Parquet -> engine -> journal) and
//! `replay --verify`, on synthetic ticks with the SMA crossover.
//!
//! `cargo bench --bench backtest`. The journal goes to `$AXON_BENCH_DIR`
//! (default: the system temp dir), so the same bench measures a disk or a
//! tmpfs such as /dev/shm.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axon_adapters::metrics::MetricsCollector;
use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::{SynthConfig, synth_ticks_to_parquet};
use axon_engine::EngineConfig;
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_journal::{Durability, JournalOptions};
use axon_replay::{BacktestPlan, run_backtest, verify_replay};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TICKS: u64 = 2_000_000;

fn bench_dir() -> tempfile::TempDir {
    let base = std::env::var_os("AXON_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    tempfile::tempdir_in(base).expect("bench dir")
}

fn plan(data: &Path, journal: &Path) -> BacktestPlan {
    BacktestPlan {
        engine: EngineConfig {
            cash: 100_000.0,
            instruments: Vec::new(),
            strategy: StrategyConfig::SmaCross {
                fast: 200,
                slow: 800,
            },
            sizing: Sizing::AllIn,
            risk: RiskLimits::default(),
            decisions: DecisionLog::Actions,
            year_ns: YEAR_NS,
            ensemble: Default::default(),
        },
        data_path: data.to_path_buf(),
        default_symbol: None,
        sim: SimConfig {
            fill: FillModel::NextTick,
            commission_bps: 0.5,
            slippage: 0.0,
        },
        journal_dir: journal.to_path_buf(),
        journal: JournalOptions {
            durability: Durability::None,
            ..JournalOptions::default()
        },
        seed: 7,
        config_text: String::new(),
        metrics: None,
        models: Vec::new(),
    }
}

fn backtest(c: &mut Criterion) {
    let dir = bench_dir();
    let data = dir.path().join("ticks.parquet");
    let synth = SynthConfig {
        seed: 7,
        ticks: TICKS,
        ..SynthConfig::default()
    };
    synth_ticks_to_parquet(&synth, &data).expect("synth");
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(TICKS));
    let mut run = 0u64;
    g.bench_function("sma_ticks_parquet_to_journal", |b| {
        b.iter(|| {
            run += 1;
            let journal = dir.path().join(format!("j{run}"));
            let report = run_backtest(&plan(&data, &journal), &mut |_, _| {}).expect("backtest");
            std::fs::remove_dir_all(&journal).ok();
            report.events
        })
    });
    // The same with metrics recorded (no exporter: recording is what costs).
    g.bench_function("sma_ticks_parquet_to_journal_with_metrics", |b| {
        b.iter(|| {
            run += 1;
            let journal = dir.path().join(format!("j{run}"));
            let mut p = plan(&data, &journal);
            p.metrics = Some(MetricsCollector::new().expect("metrics"));
            let report = run_backtest(&p, &mut |_, _| {}).expect("backtest");
            std::fs::remove_dir_all(&journal).ok();
            report.events
        })
    });
    // One journal to replay.
    let journal = dir.path().join("replay");
    let report = run_backtest(&plan(&data, &journal), &mut |_, _| {}).expect("backtest");
    g.throughput(Throughput::Elements(report.events));
    g.bench_function("replay_verify", |b| {
        b.iter(|| {
            let v = verify_replay(&journal, &mut |_, _| {}).expect("replay");
            assert!(v.mismatch.is_none());
            v.records
        })
    });
    g.finish();
}

criterion_group!(benches, backtest);
criterion_main!(benches);
