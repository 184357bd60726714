//! Parameter sweeps from Python (`axon_quant.sweep`), through the same code
//! as `axon sweep`.

use std::path::PathBuf;

use axon_sweep::{Objective, Param, SweepSpec, run_sweep};
use pyo3::prelude::*;

use crate::errors::value_error;

/// Runs a sweep into `out` (see `axon sweep`); returns the path of its
/// results.parquet. `params` are `KEY=START:STOP:STEP` or `KEY=a,b,c`.
#[pyfunction]
#[pyo3(signature = (config_path, params, out, objective="sharpe", maximize=true, constraint=None, random=None, seed=0, jobs=None, journals=false))]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments of axon sweep"
)]
fn _sweep(
    py: Python<'_>,
    config_path: PathBuf,
    params: Vec<String>,
    out: PathBuf,
    objective: &str,
    maximize: bool,
    constraint: Option<String>,
    random: Option<usize>,
    seed: u64,
    jobs: Option<usize>,
    journals: bool,
) -> PyResult<String> {
    let params = params
        .iter()
        .map(|p| Param::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(value_error)?;
    let spec = SweepSpec {
        config: config_path,
        params,
        constraint,
        random: random.map(|n| (n, seed)),
        objective: Objective {
            key: objective.to_owned(),
            maximize,
        },
        jobs: jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        out,
        journals,
    };
    py.detach(|| run_sweep(&spec, &|_, _| {}))
        .map_err(value_error)?;
    Ok(spec.out.join("results.parquet").display().to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_sweep, m)?)?;
    Ok(())
}
