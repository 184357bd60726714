//! `MetricsCollector` from Python: AXON's Prometheus metrics, recorded by
//! name and served over HTTP.

use std::sync::Mutex;

use axon_engine::market::Side;
use axon_metrics::{Exporter, MetricsCollector};
use pyo3::prelude::*;

use crate::errors::{axon_error, io_error, value_error};

/// A side from a `Side` value or its name.
pub fn side_of(side: &Bound<'_, PyAny>) -> PyResult<Side> {
    if let Ok(s) = side.extract::<crate::exchange::PySide>() {
        return Ok(s.into());
    }
    let name: String = side
        .extract()
        .map_err(|_| value_error("side: expected Side.Buy, Side.Sell, \"buy\" or \"sell\""))?;
    match name.to_ascii_lowercase().as_str() {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(value_error(format!("side {other:?}: expected buy or sell"))),
    }
}

/// Prometheus metrics (`trading_*`, `journal_*`, `inference_*`, ...).
#[pyclass(name = "MetricsCollector", module = "axon_quant.metrics")]
pub struct PyMetrics {
    inner: MetricsCollector,
    exporter: Mutex<Option<Exporter>>,
}

impl std::fmt::Debug for PyMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsCollector").finish_non_exhaustive()
    }
}

#[pymethods]
impl PyMetrics {
    #[new]
    fn new() -> PyResult<Self> {
        Ok(Self {
            inner: MetricsCollector::new().map_err(axon_error)?,
            exporter: Mutex::new(None),
        })
    }

    /// Counts an order: `trading_orders_total` and `trading_order_quantity_total`.
    fn record_order(&self, side: &Bound<'_, PyAny>, symbol: &str, quantity: f64) -> PyResult<()> {
        self.inner.record_order(side_of(side)?, symbol, quantity);
        Ok(())
    }

    /// Observes an operation's latency in `operation_latency_seconds`.
    fn record_latency(&self, operation: &str, duration_ms: f64) {
        self.inner.record_latency(operation, duration_ms);
    }

    /// Sets `trading_pnl` for a symbol.
    fn record_pnl(&self, pnl: f64, symbol: &str) {
        self.inner.record_pnl(pnl, symbol);
    }

    /// Sets `trading_equity` and `trading_max_drawdown`.
    fn record_equity(&self, equity: f64, max_drawdown: f64) {
        self.inner.record_equity(equity, max_drawdown);
    }

    /// Sets `trading_kill_switch_engaged`.
    fn set_kill_switch(&self, engaged: bool) {
        self.inner.set_kill_switch(engaged);
    }

    /// Serves `/metrics` on `host:port` (port 0: any free one); returns the
    /// port. Serving again moves the server.
    #[pyo3(signature = (port=9100, host="127.0.0.1"))]
    fn export_prometheus(&self, port: u16, host: &str) -> PyResult<u16> {
        let ip: std::net::IpAddr = host
            .parse()
            .map_err(|_| value_error(format!("host {host:?} is not an IP address")))?;
        let addr = std::net::SocketAddr::new(ip, port);
        let exporter = self
            .inner
            .export_prometheus(addr)
            .map_err(|e| io_error(format!("cannot listen on {addr}: {e}")))?;
        let port = exporter.addr().port();
        *self.exporter.lock().unwrap_or_else(|e| e.into_inner()) = Some(exporter);
        Ok(port)
    }

    /// Stops serving.
    fn stop(&self) {
        self.exporter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// The metrics in the Prometheus text format.
    fn render(&self) -> PyResult<String> {
        self.inner.render().map_err(axon_error)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMetrics>()
}
