//! Walk-forward optimisation: for each window, the sweep over its training
//! bars picks the best parameters, which then trade the test bars after
//! it; the test windows, stitched, are one out-of-sample session.
//!
//! The stitched run is an ordinary journaled backtest whose strategy is a
//! [`StrategyConfig::WalkForward`]: each window's best strategy warms up on
//! the bars before its test window (orders refused) and trades its test
//! window, the account flattened between windows (see
//! `axon_engine::strategy::Segmented`). Its journal replays and reports
//! like any other; its head hash covers every window's parameters. Each
//! window's own out-of-sample statistics come from the same segment run
//! alone over its warm-up and test bars.
//!
//! Writes `OUT/journal/` (the stitched run), `OUT/windows.parquet` (one row
//! per window: its ranges, chosen parameters, in-sample and out-of-sample
//! statistics and head hashes) and `OUT/summary.json`.

pub mod windows;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use axon_config::{Config, StrategyKind};
use axon_engine::Summary;
use axon_engine::config::{Segment, StrategyConfig};
use axon_replay::{BacktestPlan, BacktestReport, LoadedData, run_backtest_loaded};

use crate::results::RunResult;
use crate::{Plan, SweepError, SweepSpec, best_run};
pub use windows::{Span, Window, windows};

mod output;

/// A walk-forward: the sweep to run on each training window, and the
/// windows.
#[derive(Debug, Clone)]
pub struct WalkForwardSpec {
    /// The sweep (its `out` is the walk-forward's output folder; it writes
    /// no per-run journals).
    pub sweep: SweepSpec,
    /// Training window length.
    pub train: Span,
    /// Test window length (also the step between windows).
    pub test: Span,
    /// Training windows all start at the first bar.
    pub anchored: bool,
}

/// One window's outcome.
#[derive(Debug, Clone)]
pub struct WindowResult {
    /// The window, in bars of the first instrument.
    pub window: Window,
    /// Its bounds in time: training `[from, to)`, test `[from, to)`.
    pub train_ns: (i64, i64),
    /// Test window `[from, to)`.
    pub test_ns: (i64, i64),
    /// The best training run (its point, statistics and head hash).
    pub in_sample: RunResult,
    /// The chosen strategy on its warm-up and test bars alone.
    pub out_of_sample: Summary,
    /// That run's head hash.
    pub out_of_sample_head: String,
}

/// What a walk-forward did.
#[derive(Debug)]
pub struct WalkForwardOutcome {
    /// Every window, in time order.
    pub windows: Vec<WindowResult>,
    /// The stitched out-of-sample run.
    pub stitched: BacktestReport,
    /// Its journal.
    pub journal: PathBuf,
    /// Runs per window.
    pub runs_per_window: usize,
    /// Seconds in all.
    pub secs: f64,
}

/// Runs the walk-forward `spec`; `progress(done, total)` counts runs.
pub fn run_walkforward(
    spec: &WalkForwardSpec,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<WalkForwardOutcome, SweepError> {
    let started = Instant::now();
    let sweep = &spec.sweep;
    check_params(sweep)?;
    let plan = Plan::new(sweep)?;
    let base = plan.base().backtest_plan()?;
    check_base(plan.base(), &base)?;
    let journal = sweep.out.join("journal");
    if journal.exists() {
        return Err(crate::results::output(
            &journal,
            "holds an earlier walk-forward's journal: give a new --out",
        ));
    }
    std::fs::create_dir_all(&sweep.out).map_err(|e| crate::results::output(&sweep.out, e))?;
    let data = plan.load_data()?;
    let times = data.first_instrument_times();
    let windows = windows::windows(&times, spec.train, spec.test, spec.anchored)?;
    let runs: Vec<usize> = (0..plan.len()).collect();
    let total = (windows.len() * runs.len()) as u64;
    let done = Mutex::new(0u64);
    progress(0, total);

    let mut results = Vec::with_capacity(windows.len());
    let mut segments = Vec::with_capacity(windows.len());
    for w in &windows {
        let bound = |i: usize| times.get(i).copied().unwrap_or(times[times.len() - 1] + 1);
        let train_ns = (times[w.train.0], bound(w.train.1));
        let test_ns = (times[w.test.0], bound(w.test.1));
        let train = data.window(train_ns.0, train_ns.1);
        let found = Mutex::new(Vec::with_capacity(runs.len()));
        plan.run(sweep, &train, &runs, &|r| {
            found.lock().map_err(poisoned)?.push(r);
            let mut d = done.lock().map_err(poisoned)?;
            *d += 1;
            progress(*d, total);
            Ok(())
        })?;
        let mut found = found.into_inner().map_err(poisoned)?;
        found.sort_by_key(|r| r.run);
        let best = found.swap_remove(best_run(&found, &sweep.objective)?);
        let strategy = strategy_of(&plan, sweep, best.run)?;
        // The strategy warms up on the bars before its test window (as many
        // as its rule needs, within the data).
        let warm = (strategy.warmup() as usize + 1).min(w.test.0);
        let segment = Segment {
            warm_from_ns: times[w.test.0 - warm],
            trade_from_ns: test_ns.0,
            strategy,
        };
        let alone = run_segments(
            &base,
            &data,
            warm as u64,
            vec![segment.clone()],
            test_ns.1,
            None,
        )?;
        segments.push((segment, warm as u64));
        results.push(WindowResult {
            window: *w,
            train_ns,
            test_ns,
            in_sample: best,
            out_of_sample: alone.summary,
            out_of_sample_head: alone.head_hash,
        });
    }
    let warmup = segments.first().map_or(0, |s| s.1);
    let end = results.last().map_or(0, |r| r.test_ns.1);
    let stitched = run_segments(
        &base,
        &data,
        warmup,
        segments.into_iter().map(|s| s.0).collect(),
        end,
        Some(journal.clone()),
    )?;
    output::write(&sweep.out, &sweep.params, &results, &stitched)?;
    Ok(WalkForwardOutcome {
        windows: results,
        stitched,
        journal,
        runs_per_window: runs.len(),
        secs: started.elapsed().as_secs_f64(),
    })
}

fn poisoned<T>(_: T) -> SweepError {
    SweepError::Spec("a sweep worker panicked".into())
}

/// Only strategy keys change between windows: a segment is a strategy.
fn check_params(sweep: &SweepSpec) -> Result<(), SweepError> {
    match sweep
        .params
        .iter()
        .find(|p| !p.key.starts_with("strategy."))
    {
        Some(p) => Err(SweepError::Spec(format!(
            "--param {}: a walk-forward varies strategy keys only (strategy.*); \
             set the others in the config file",
            p.key
        ))),
        None => Ok(()),
    }
}

/// What a walk-forward cannot segment: model slots (they live in the
/// session's ensemble, not in a segment's) and Python strategies (their
/// host has no warm-up with refused orders yet).
fn check_base(config: &Config, base: &BacktestPlan) -> Result<(), SweepError> {
    if config.file.strategy.kind == StrategyKind::Python {
        return Err(SweepError::Spec(
            "walk-forward runs the built-in strategies; a Python strategy cannot be segmented yet"
                .into(),
        ));
    }
    if !base.session.models.is_empty() {
        return Err(SweepError::Spec(
            "walk-forward runs without model slots: remove [[models.slots]] from the config".into(),
        ));
    }
    Ok(())
}

/// The engine strategy of run `i`'s config.
fn strategy_of(plan: &Plan, sweep: &SweepSpec, i: usize) -> Result<StrategyConfig, SweepError> {
    let text = plan
        .text(i)
        .ok_or_else(|| SweepError::Spec(format!("run {i} is not in the sweep")))?;
    let config = Config::parse(text.to_owned(), &sweep.config)?;
    Ok(config.engine_config()?.strategy)
}

/// A backtest of `segments` over the data from the first one's warm-up to
/// `end_ns`: journaled into `journal`, or only hashed.
fn run_segments(
    base: &BacktestPlan,
    data: &LoadedData,
    warmup: u64,
    segments: Vec<Segment>,
    end_ns: i64,
    journal: Option<PathBuf>,
) -> Result<BacktestReport, SweepError> {
    let from = segments.first().map_or(0, |s| s.warm_from_ns);
    let mut plan = base.clone();
    plan.session.engine.strategy = StrategyConfig::WalkForward { warmup, segments };
    plan.session
        .engine
        .validate()
        .map_err(|e| SweepError::Spec(format!("walk-forward segments: {e}")))?;
    let journaled = journal.is_some();
    if let Some(dir) = journal {
        plan.session.journal_dir = dir;
    }
    Ok(run_backtest_loaded(
        &plan,
        &data.window(from, end_ns),
        journaled,
    )?)
}
