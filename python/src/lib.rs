//! `axon_quant._native`: the Rust side of AXON's Python package. Every
//! class and function wraps a type or call of AXON's crates; the logic is
//! theirs. The Python modules in `axon_quant/` arrange these names the way
//! users import them.

mod backtesting;
mod ensemble;
mod errors;
mod exchange;
mod explain;
mod inference;
mod journal;
mod metrics;
mod reload;
mod sweep;

use pyo3::prelude::*;

/// The Rust side of axon_quant: AXON's crates behind Python classes and
/// functions (import them from `axon_quant` and its submodules).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    inference::register(m)?;
    reload::register(m)?;
    explain::register(m)?;
    ensemble::register(m)?;
    exchange::register(m)?;
    metrics::register(m)?;
    journal::register(m)?;
    backtesting::register(m)?;
    sweep::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
