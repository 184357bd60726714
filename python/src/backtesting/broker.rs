//! `_Broker`: the engine's backtesting.py-compatible broker
//! (`axon_engine::broker`) and the bar loop that calls a Python strategy's
//! `next()`. `axon_quant.backtesting` builds its `Strategy`, `Order`,
//! `Trade` and `Position` on these calls; the rules are the engine's.

use std::sync::{Arc, Mutex};

use axon_engine::broker::{
    Broker, BrokerConfig, BrokerError, BrokerWarning, Commission, Ohlc, OrderSpec, Step,
};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{
    PyAssertionError, PyOverflowError, PyUserWarning, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::view::Clock;

/// The first error a Python commission function raised, re-raised by the
/// call that reached it.
type Pending = Arc<Mutex<Option<PyErr>>>;

/// The exception backtesting.py raises in the same case.
fn broker_error(e: BrokerError) -> PyErr {
    match e {
        BrokerError::Assertion(m) => PyAssertionError::new_err(m),
        BrokerError::Overflow(m) => PyOverflowError::new_err(m),
        BrokerError::ZeroDivision(m) => PyZeroDivisionError::new_err(m),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// backtesting.py's `commission`: a rate, a `(fixed, rate)` tuple or a
/// function of `(size, price)`.
fn commission(value: &Bound<'_, PyAny>, pending: &Pending) -> PyResult<Commission> {
    if value.is_callable() {
        let f = value.clone().unbind();
        let pending = pending.clone();
        return Ok(Commission::Custom(Box::new(move |size, price| {
            Python::attach(|py| {
                match f
                    .bind(py)
                    .call1((size, price))
                    .and_then(|v| v.extract::<f64>())
                {
                    Ok(v) => v,
                    Err(e) => {
                        let mut slot = pending.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert(e);
                        f64::NAN
                    }
                }
            })
        })));
    }
    if let Ok((fixed, rate)) = value.extract::<(f64, f64)>() {
        return Ok(Commission::Linear { fixed, rate });
    }
    let rate: f64 = value.extract()?;
    Ok(Commission::Linear { fixed: 0.0, rate })
}

#[pyclass(module = "axon_quant._native", name = "_Broker", unsendable)]
#[derive(Debug)]
pub struct PyBroker {
    broker: Broker,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    /// The strategy's tags; a broker tag is an index here.
    tags: Vec<Py<PyAny>>,
    clock: Clock,
    /// The data's index, for the timestamps warnings print.
    index: Py<PyAny>,
    pending: Pending,
    /// The bar the broker last processed.
    bar: usize,
}

impl PyBroker {
    fn ohlc(&self, i: usize) -> Ohlc {
        Ohlc {
            open: self.open[i],
            high: self.high[i],
            low: self.low[i],
            close: self.close[i],
        }
    }

    fn prev_close(&self, i: usize) -> f64 {
        if i == 0 { f64::NAN } else { self.close[i - 1] }
    }

    /// Raises what a commission function raised, and emits the broker's
    /// warnings as `UserWarning`s, as backtesting.py does.
    fn settle(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(e) = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(e);
        }
        let warnings = self.broker.take_warning_records();
        if !warnings.is_empty() {
            let warn = py.import("warnings")?.getattr("warn")?;
            let category = py.get_type::<PyUserWarning>();
            for w in warnings {
                let text = match w {
                    // backtesting.py prints the bar's timestamp here.
                    BrokerWarning::ContingentSameBar { bar } => {
                        let time = self.index.bind(py).get_item(bar)?.str()?;
                        w.to_string()
                            .replacen(&format!("({bar})"), &format!("({time})"), 1)
                    }
                    _ => w.to_string(),
                };
                warn.call1((text, &category))?;
            }
        }
        Ok(())
    }

    fn tag<'py>(&self, py: Python<'py>, tag: Option<u64>) -> Option<Bound<'py, PyAny>> {
        tag.and_then(|t| self.tags.get(t as usize))
            .map(|t| t.bind(py).clone())
    }
}

/// What `Trade`'s properties read.
struct TradeRow {
    size: f64,
    int_size: bool,
    entry_price: f64,
    entry_bar: usize,
    /// Exit price and bar, once closed.
    exit: Option<(f64, usize)>,
    sl: Option<f64>,
    tp: Option<f64>,
    tag: Option<u64>,
    pl: f64,
    pl_pct: f64,
    value: f64,
}

/// A size as backtesting.py holds it: an `int` until some arithmetic made
/// it a `float`.
fn size_object(py: Python<'_>, size: f64, int: bool) -> PyResult<Bound<'_, PyAny>> {
    Ok(if int {
        (size as i64).into_pyobject(py)?.into_any()
    } else {
        size.into_pyobject(py)?.into_any()
    })
}

fn column<'py>(py: Python<'py>, values: Vec<f64>) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_vec(py, values)
}

#[pymethods]
impl PyBroker {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (open, high, low, close, *, cash, commission, spread, margin,
        trade_on_close, hedging, exclusive_orders, clock, index))]
    fn new(
        open: PyReadonlyArray1<'_, f64>,
        high: PyReadonlyArray1<'_, f64>,
        low: PyReadonlyArray1<'_, f64>,
        close: PyReadonlyArray1<'_, f64>,
        cash: f64,
        commission: Bound<'_, PyAny>,
        spread: f64,
        margin: f64,
        trade_on_close: bool,
        hedging: bool,
        exclusive_orders: bool,
        clock: PyRef<'_, Clock>,
        index: Py<PyAny>,
    ) -> PyResult<Self> {
        let pending = Pending::default();
        let commission = self::commission(&commission, &pending)?;
        let close = close.as_array().to_vec();
        let broker = Broker::new(
            BrokerConfig {
                cash,
                commission,
                spread,
                margin,
                trade_on_close,
                hedging,
                exclusive_orders,
            },
            close.len(),
        )
        .map_err(broker_error)?;
        let mut this = Self {
            broker,
            open: open.as_array().to_vec(),
            high: high.as_array().to_vec(),
            low: low.as_array().to_vec(),
            close,
            tags: Vec::new(),
            clock: clock.clone(),
            index,
            pending,
            bar: 0,
        };
        if !this.close.is_empty() {
            let last = this.close.len() - 1;
            this.bar = last;
            this.broker.set_bar(last, this.ohlc(last));
        }
        Ok(this)
    }

    /// Runs bars `start..`: the broker's turn, then `strategy.next()`.
    /// Returns whether the account ran out of money (the loop stops there).
    fn run(slf: &Bound<'_, Self>, strategy: &Bound<'_, PyAny>, start: usize) -> PyResult<bool> {
        let py = slf.py();
        let next = strategy.getattr("next")?;
        let n = slf.borrow().close.len();
        for i in start..n {
            {
                let mut this = slf.borrow_mut();
                this.clock.set(i + 1);
                this.bar = i;
                let bar = this.ohlc(i);
                let prev = this.prev_close(i);
                let step = this.broker.next(i, bar, prev);
                this.settle(py)?;
                match step {
                    Step::Equity(_) => {}
                    Step::OutOfMoney => return Ok(true),
                    Step::Failed(e) => return Err(broker_error(e)),
                }
            }
            // The strategy calls back into this broker: no borrow held.
            next.call0()?;
        }
        Ok(false)
    }

    /// `finalize_trades=True`: closes every open trade and runs the broker
    /// once more on the last bar.
    fn finalize(&mut self, py: Python<'_>) -> PyResult<()> {
        let i = self.bar;
        let (bar, prev) = (self.ohlc(i), self.prev_close(i));
        let done = self.broker.finalize(i, bar, prev);
        self.settle(py)?;
        done.map_err(broker_error)
    }

    /// `Strategy.buy/sell` (size signed); returns the order's id.
    #[allow(clippy::too_many_arguments)] // backtesting.py's signature
    #[pyo3(signature = (size, limit, stop, sl, tp, tag))]
    fn new_order(
        &mut self,
        py: Python<'_>,
        size: f64,
        limit: Option<f64>,
        stop: Option<f64>,
        sl: Option<f64>,
        tp: Option<f64>,
        tag: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let tag = tag.map(|t| {
            self.tags.push(t);
            self.tags.len() as u64 - 1
        });
        let id = self
            .broker
            .new_order(OrderSpec {
                size,
                limit,
                stop,
                sl,
                tp,
                tag,
            })
            .map_err(broker_error)?;
        self.settle(py)?;
        Ok(id)
    }

    fn cancel_order(&mut self, id: u64) -> bool {
        self.broker.cancel_order(id)
    }

    fn close_trade(&mut self, py: Python<'_>, id: u64, portion: f64) -> PyResult<()> {
        self.broker.close_trade(id, portion).map_err(broker_error)?;
        self.settle(py)
    }

    fn close_position(&mut self, py: Python<'_>, portion: f64) -> PyResult<()> {
        self.broker.close_position(portion).map_err(broker_error)?;
        self.settle(py)
    }

    fn set_sl(&mut self, id: u64, price: Option<f64>) -> PyResult<()> {
        self.broker.set_sl(id, price).map_err(broker_error)
    }

    fn set_tp(&mut self, id: u64, price: Option<f64>) -> PyResult<()> {
        self.broker.set_tp(id, price).map_err(broker_error)
    }

    /// The queue's order ids, in queue order.
    fn order_ids(&self) -> Vec<u64> {
        self.broker.orders().iter().map(|o| o.id).collect()
    }

    /// Open trades' ids, oldest first.
    fn trade_ids(&self) -> Vec<u64> {
        self.broker.trades().iter().map(|t| t.id).collect()
    }

    /// Closed trades' ids, in closing order.
    fn closed_trade_ids(&self) -> Vec<u64> {
        self.broker.closed_trades().iter().map(|t| t.id).collect()
    }

    /// A queued order: `(size, limit, stop, sl, tp, tag, parent_trade,
    /// contingent)`; `None` once it left the queue.
    fn order<'py>(&self, py: Python<'py>, id: u64) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(o) = self.broker.order(id) else {
            return Ok(None);
        };
        let tag = self.tag(py, o.tag);
        Some(PyTuple::new(
            py,
            [
                size_object(py, o.size, o.int_size)?,
                o.limit.into_pyobject(py)?,
                o.stop.into_pyobject(py)?,
                o.sl.into_pyobject(py)?,
                o.tp.into_pyobject(py)?,
                tag.into_pyobject(py)?,
                o.parent_trade.into_pyobject(py)?,
                o.contingent.into_pyobject(py)?.to_owned().into_any(),
            ],
        ))
        .transpose()
    }

    /// A trade: `(size, entry_price, entry_bar, exit_price, exit_bar, sl,
    /// tp, tag, pl, pl_pct, value)`; open trades marked at the last price,
    /// exits `None` while open; `None` for an unknown id.
    fn trade<'py>(&self, py: Python<'py>, id: u64) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let b = &self.broker;
        let row = if let Some(t) = b.trade(id) {
            TradeRow {
                size: t.size,
                int_size: t.int_size,
                entry_price: t.entry_price,
                entry_bar: t.entry_bar,
                exit: None,
                sl: b.trade_sl(id),
                tp: b.trade_tp(id),
                tag: t.tag,
                pl: b.trade_pl(id),
                pl_pct: b.trade_pl_pct(id),
                value: b.trade_value(id),
            }
        } else if let Some(t) = b.closed_trade(id) {
            let opt = |x: f64| (!x.is_nan()).then_some(x);
            TradeRow {
                size: t.size,
                int_size: t.int_size,
                entry_price: t.entry_price,
                entry_bar: t.entry_bar,
                exit: Some((t.exit_price, t.exit_bar)),
                sl: opt(t.sl),
                tp: opt(t.tp),
                tag: t.tag,
                pl: t.pnl,
                pl_pct: t.return_pct,
                value: t.size.abs() * t.exit_price,
            }
        } else {
            return Ok(None);
        };
        let tag = self.tag(py, row.tag);
        Ok(Some(PyTuple::new(
            py,
            [
                size_object(py, row.size, row.int_size)?,
                row.entry_price.into_pyobject(py)?.into_any(),
                row.entry_bar.into_pyobject(py)?.into_any(),
                row.exit.map(|e| e.0).into_pyobject(py)?,
                row.exit.map(|e| e.1).into_pyobject(py)?,
                row.sl.into_pyobject(py)?,
                row.tp.into_pyobject(py)?,
                tag.into_pyobject(py)?,
                row.pl.into_pyobject(py)?.into_any(),
                row.pl_pct.into_pyobject(py)?.into_any(),
                row.value.into_pyobject(py)?.into_any(),
            ],
        )?))
    }

    /// The trade's stop-loss and take-profit orders' ids.
    fn trade_orders(&self, id: u64) -> (Option<u64>, Option<u64>) {
        self.broker
            .trade(id)
            .map_or((None, None), |t| (t.sl_order, t.tp_order))
    }

    #[getter]
    fn equity(&self) -> f64 {
        self.broker.equity()
    }

    #[getter]
    fn cash(&self) -> f64 {
        self.broker.cash()
    }

    #[getter]
    fn margin_available(&self) -> f64 {
        self.broker.margin_available()
    }

    #[getter]
    fn last_price(&self) -> f64 {
        self.broker.last_price()
    }

    #[getter]
    fn position_size<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ints = self.broker.trades().iter().all(|t| t.int_size);
        size_object(py, self.broker.position_size(), ints)
    }

    #[getter]
    fn position_pl(&self) -> f64 {
        self.broker.position_pl()
    }

    #[getter]
    fn position_pl_pct(&self) -> f64 {
        self.broker.position_pl_pct()
    }

    #[getter]
    fn open_trades(&self) -> usize {
        self.broker.trades().len()
    }

    /// The equity per bar (NaN where none was recorded).
    fn equity_curve<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        column(py, self.broker.equity_curve().to_vec())
    }

    /// The closed trades as columns, in closing order.
    fn closed_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.broker.closed_trades();
        let f = |g: fn(&axon_engine::broker::ClosedTrade) -> f64| -> Vec<f64> {
            t.iter().map(g).collect()
        };
        let d = PyDict::new(py);
        // backtesting.py's Size column is int64 unless some size was a float.
        if t.iter().all(|c| c.int_size) {
            let sizes: Vec<i64> = t.iter().map(|c| c.size as i64).collect();
            d.set_item("size", PyArray1::from_vec(py, sizes))?;
        } else {
            d.set_item("size", column(py, f(|t| t.size)))?;
        }
        d.set_item("entry_bar", column(py, f(|t| t.entry_bar as f64)))?;
        d.set_item("exit_bar", column(py, f(|t| t.exit_bar as f64)))?;
        d.set_item("entry_price", column(py, f(|t| t.entry_price)))?;
        d.set_item("exit_price", column(py, f(|t| t.exit_price)))?;
        d.set_item("sl", column(py, f(|t| t.sl)))?;
        d.set_item("tp", column(py, f(|t| t.tp)))?;
        d.set_item("pnl", column(py, f(|t| t.pnl)))?;
        d.set_item("commission", column(py, f(|t| t.commission)))?;
        d.set_item("return_pct", column(py, f(|t| t.return_pct)))?;
        let tags: Vec<Option<Bound<'py, PyAny>>> = t.iter().map(|c| self.tag(py, c.tag)).collect();
        d.set_item("tag", tags)?;
        Ok(d)
    }
}
