//! End-to-end throughput: backtest (Parquet -> engine -> journal) and
//! `replay --verify`, on synthetic ticks with the SMA crossover; and a
//! backtest with a three-model ensemble of the [1, 64, 128] reference model.
//!
//! `cargo bench --bench backtest`. The journal goes to `$AXON_BENCH_DIR`
//! (default: the system temp dir), so the same bench measures a disk or a
//! tmpfs such as /dev/shm.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::{SynthConfig, synth_ticks_to_parquet};
use axon_engine::EngineConfig;
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_engine::{DynamicWeights, EnsembleConfig};
use axon_inference::ModelConfig;
use axon_journal::{Durability, JournalOptions};
use axon_metrics::MetricsCollector;
use axon_replay::{BacktestPlan, PlannedModel, SessionPlan, run_backtest, verify_replay};
use criterion::{BatchSize, Criterion, Throughput, criterion_group};

const TICKS: u64 = 2_000_000;

/// A run's journal folder, removed when criterion drops the run's output:
/// after the timing, so deleting last run's files is not counted as this
/// run's backtest.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn bench_dir() -> tempfile::TempDir {
    let base = std::env::var_os("AXON_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    tempfile::tempdir_in(base).expect("bench dir")
}

fn plan(data: &Path, journal: &Path) -> BacktestPlan {
    BacktestPlan {
        session: SessionPlan {
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
        b.iter_batched(
            || {
                run += 1;
                Scratch(dir.path().join(format!("j{run}")))
            },
            |journal| {
                let report =
                    run_backtest(&plan(&data, &journal.0), &mut |_, _| {}).expect("backtest");
                (report.events, journal)
            },
            BatchSize::PerIteration,
        )
    });
    // The same with metrics recorded (no exporter: recording is what costs).
    g.bench_function("sma_ticks_parquet_to_journal_with_metrics", |b| {
        b.iter_batched(
            || {
                run += 1;
                Scratch(dir.path().join(format!("j{run}")))
            },
            |journal| {
                let mut p = plan(&data, &journal.0);
                p.metrics = Some(MetricsCollector::new().expect("metrics"));
                let report = run_backtest(&p, &mut |_, _| {}).expect("backtest");
                (report.events, journal)
            },
            BatchSize::PerIteration,
        )
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

/// Ticks for the ensemble run (each runs three [1, 64, 128] models).
const ENSEMBLE_TICKS: u64 = 100_000;

/// The SMA crossover plus the [1, 64, 128] reference model three times:
/// ONNX Runtime, candle, and ONNX Runtime again, dynamically weighted.
fn ensemble_plan(data: &Path, journal: &Path) -> BacktestPlan {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/models");
    let mut p = plan(data, journal);
    p.session.engine.ensemble = EnsembleConfig {
        threshold: 0.3,
        weights: vec![0.25; 4],
        dynamic: Some(DynamicWeights {
            performance_window: 500,
            min_observations: 50,
            rebalance_every: 500,
            floor: 0.05,
        }),
    };
    p.session.models = [
        (1, "mlp_64x128.onnx"),
        (2, "mlp_64x128.safetensors"),
        (3, "mlp_64x128.onnx"),
    ]
    .into_iter()
    .map(|(slot, file)| {
        let path = models.join(file);
        PlannedModel {
            slot,
            at_ns: None,
            bytes: Arc::new(std::fs::read(&path).expect("reference model")),
            config: ModelConfig::new(path, vec![1, 64, 128]),
        }
    })
    .collect();
    p
}

fn ensemble(c: &mut Criterion) {
    let dir = bench_dir();
    let data = dir.path().join("ticks.parquet");
    let synth = SynthConfig {
        seed: 7,
        ticks: ENSEMBLE_TICKS,
        ..SynthConfig::default()
    };
    synth_ticks_to_parquet(&synth, &data).expect("synth");
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(ENSEMBLE_TICKS));
    let mut run = 0u64;
    g.bench_function("ensemble_3x_mlp_64x128_ticks", |b| {
        b.iter(|| {
            run += 1;
            let journal = dir.path().join(format!("e{run}"));
            let report =
                run_backtest(&ensemble_plan(&data, &journal), &mut |_, _| {}).expect("backtest");
            std::fs::remove_dir_all(&journal).ok();
            report.events
        })
    });
    g.finish();
}

criterion_group!(benches, backtest, ensemble);

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() {
    // One rayon thread for candle, as `axon` runs it. SAFETY: no other
    // thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    benches();
    Criterion::default().configure_from_args().final_summary();
}
