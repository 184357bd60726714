//! Parameter sweeps from Python (`axon_quant.sweep`), through the same code
//! as `axon sweep`: the whole sweep on this machine (`_sweep`), or its
//! three parts for an executor that runs the runs elsewhere (Ray): the
//! runs to do (`_sweep_pending`), a share of them on a worker
//! (`_sweep_runs`, whose results are lines of runs.jsonl), and the
//! outputs from those lines (`_sweep_finish`).

use std::path::PathBuf;

use axon_sweep::{Objective, Output, Param, Plan, SweepSpec, run_sweep};
use pyo3::prelude::*;
use serde::Deserialize;

use crate::errors::value_error;

/// A sweep as `axon_quant.sweep` describes it (JSON).
#[derive(Deserialize)]
struct Spec {
    config: PathBuf,
    params: Vec<String>,
    out: PathBuf,
    objective: String,
    maximize: bool,
    constraint: Option<String>,
    random: Option<usize>,
    seed: u64,
    jobs: Option<usize>,
    journals: bool,
}

fn spec(json: &str) -> PyResult<SweepSpec> {
    let s: Spec = serde_json::from_str(json).map_err(value_error)?;
    let params = s
        .params
        .iter()
        .map(|p| Param::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(value_error)?;
    Ok(SweepSpec {
        config: s.config,
        params,
        constraint: s.constraint,
        random: s.random.map(|n| (n, s.seed)),
        objective: Objective {
            key: s.objective,
            maximize: s.maximize,
        },
        jobs: s
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        out: s.out,
        journals: s.journals,
    })
}

/// Runs a whole sweep here; returns the path of its results.parquet.
#[pyfunction]
fn _sweep(py: Python<'_>, spec_json: &str) -> PyResult<String> {
    let spec = spec(spec_json)?;
    py.detach(|| run_sweep(&spec, &|_, _| {}))
        .map_err(value_error)?;
    Ok(spec.out.join("results.parquet").display().to_string())
}

/// The runs of a sweep not done yet (its output folder opened, checked).
#[pyfunction]
fn _sweep_pending(py: Python<'_>, spec_json: &str) -> PyResult<Vec<usize>> {
    let spec = spec(spec_json)?;
    py.detach(|| {
        let plan = Plan::new(&spec)?;
        Ok::<_, axon_sweep::SweepError>(Output::open(&spec, &plan)?.pending(&plan))
    })
    .map_err(value_error)
}

/// Runs some of a sweep's runs here, over its data read once; returns
/// their runs.jsonl lines, in run order.
#[pyfunction]
fn _sweep_runs(py: Python<'_>, spec_json: &str, runs: Vec<usize>) -> PyResult<Vec<String>> {
    let spec = spec(spec_json)?;
    py.detach(|| {
        let plan = Plan::new(&spec)?;
        let data = plan.load_data()?;
        let lines = std::sync::Mutex::new(Vec::with_capacity(runs.len()));
        plan.run(&spec, &data, &runs, &|r| {
            lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((r.run, r.to_line()));
            Ok(())
        })?;
        let mut lines = lines.into_inner().unwrap_or_else(|e| e.into_inner());
        lines.sort_by_key(|(run, _)| *run);
        Ok::<_, axon_sweep::SweepError>(lines.into_iter().map(|(_, l)| l).collect())
    })
    .map_err(value_error)
}

/// Logs runs done elsewhere (runs.jsonl lines) and, once every run is
/// done, writes the outputs and returns the path of results.parquet
/// (`None` while runs are still to come).
#[pyfunction]
fn _sweep_finish(py: Python<'_>, spec_json: &str, lines: Vec<String>) -> PyResult<Option<String>> {
    let spec = spec(spec_json)?;
    py.detach(|| {
        let plan = Plan::new(&spec)?;
        let output = Output::open(&spec, &plan)?;
        for line in &lines {
            output.push_line(line)?;
        }
        if !output.pending(&plan).is_empty() {
            return Ok(None);
        }
        output.finish(&spec, &plan)?;
        Ok::<_, axon_sweep::SweepError>(Some(
            spec.out.join("results.parquet").display().to_string(),
        ))
    })
    .map_err(value_error)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(_sweep_pending, m)?)?;
    m.add_function(wrap_pyfunction!(_sweep_runs, m)?)?;
    m.add_function(wrap_pyfunction!(_sweep_finish, m)?)?;
    Ok(())
}
