//! The native half of `axon_quant.backtesting`: the engine's
//! backtesting.py-compatible broker and its bar loop ([`broker`]), and
//! arrays revealed bar by bar ([`view`]).

mod broker;
mod view;

use pyo3::prelude::*;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<view::Clock>()?;
    m.add_class::<view::View>()?;
    m.add_class::<broker::PyBroker>()
}
