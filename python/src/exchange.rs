//! The exchange adapters from Python: `await adapter.connect()`,
//! `await adapter.place_order(Order(...))`, order lookups, balances, and
//! the market and order-update streams as an async iterator; plus
//! `RiskEngine.check_order`, the engine's pre-trade checks. Requests run on
//! a tokio runtime beside the interpreter.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use axon_adapters::exchange::config::{ExchangeConfig, RateLimitConfig, ReconnectConfig, Secret};
use axon_adapters::exchange::request::{self, Order};
use axon_adapters::exchange::venue::{
    Balance, Placed, Stamped, UpdateKind, VenueEvent, VenueOrder, now_ns,
};
use axon_adapters::{Venue, VenueKind};
use axon_engine::config::{KillMode, RiskLimits};
use axon_engine::event::{OrderIntent, OrderType, Quantity};
use axon_engine::market::Side;
use axon_engine::{Risk, RiskBook};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::errors::{axon_error, value_error};
use crate::journal::from_json;

/// Buy or sell.
#[pyclass(
    name = "Side",
    module = "axon_quant.exchange",
    eq,
    eq_int,
    hash,
    frozen,
    from_py_object
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PySide {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl From<PySide> for Side {
    fn from(s: PySide) -> Self {
        match s {
            PySide::Buy => Side::Buy,
            PySide::Sell => Side::Sell,
        }
    }
}

/// Order types.
#[pyclass(
    name = "OrderType",
    module = "axon_quant.exchange",
    eq,
    eq_int,
    hash,
    frozen,
    from_py_object
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PyOrderType {
    /// At the best price now.
    Market,
    /// At `price` or better, good till cancelled.
    Limit,
    /// A limit order that only adds liquidity (post-only).
    LimitMaker,
    /// A market order once the last price reaches `stop_price` (a buy: at
    /// or above it; a sell: at or below). Rests at the venue.
    StopMarket,
    /// A limit order at `price` once the last price reaches `stop_price`.
    StopLimit,
}

/// Client-side request budget.
#[pyclass(
    name = "RateLimitConfig",
    module = "axon_quant.exchange",
    get_all,
    set_all,
    from_py_object
)]
#[derive(Debug, Clone)]
pub struct PyRateLimit {
    /// REST requests per second, all endpoints.
    requests_per_second: u32,
    /// New orders per minute.
    orders_per_minute: u32,
}

#[pymethods]
impl PyRateLimit {
    /// A setting left out keeps the adapters' default.
    #[new]
    #[pyo3(signature = (requests_per_second=None, orders_per_minute=None))]
    fn new(requests_per_second: Option<u32>, orders_per_minute: Option<u32>) -> Self {
        let d = RateLimitConfig::default();
        Self {
            requests_per_second: requests_per_second.unwrap_or(d.requests_per_second),
            orders_per_minute: orders_per_minute.unwrap_or(d.orders_per_minute),
        }
    }
}

/// Websocket reconnect policy.
#[pyclass(
    name = "ReconnectConfig",
    module = "axon_quant.exchange",
    get_all,
    set_all,
    from_py_object
)]
#[derive(Debug, Clone)]
pub struct PyReconnect {
    /// Failed attempts in a row before a stream is declared lost.
    max_retries: u32,
    /// First wait, ms; doubles each attempt (with jitter), capped at 30 s.
    initial_backoff_ms: u64,
}

#[pymethods]
impl PyReconnect {
    /// A setting left out keeps the adapters' default.
    #[new]
    #[pyo3(signature = (max_retries=None, initial_backoff_ms=None))]
    fn new(max_retries: Option<u32>, initial_backoff_ms: Option<u64>) -> Self {
        let d = ReconnectConfig::default();
        Self {
            max_retries: max_retries.unwrap_or(d.max_retries),
            initial_backoff_ms: initial_backoff_ms.unwrap_or(d.initial_backoff_ms),
        }
    }
}

/// A venue connection's settings. Credentials are write-only: no
/// attribute, `repr` or error message shows them.
#[pyclass(
    name = "ExchangeConfig",
    module = "axon_quant.exchange",
    from_py_object
)]
#[derive(Debug, Clone)]
pub struct PyExchangeConfig {
    inner: ExchangeConfig,
}

#[pymethods]
impl PyExchangeConfig {
    #[new]
    #[pyo3(signature = (api_key="", api_secret="", testnet=true, rate_limit=None, reconnect=None, rest_url=None, ws_url=None, passphrase="", symbols=None, depth=false))]
    #[allow(
        clippy::too_many_arguments,
        reason = "the keyword arguments users write"
    )]
    fn new(
        api_key: &str,
        api_secret: &str,
        testnet: bool,
        rate_limit: Option<PyRateLimit>,
        reconnect: Option<PyReconnect>,
        rest_url: Option<String>,
        ws_url: Option<String>,
        passphrase: &str,
        symbols: Option<Vec<String>>,
        depth: bool,
    ) -> Self {
        let mut inner = ExchangeConfig::new(symbols.unwrap_or_default());
        inner.api_key = Secret::new(api_key);
        inner.api_secret = Secret::new(api_secret);
        inner.passphrase = Secret::new(passphrase);
        inner.testnet = testnet;
        let r = rate_limit.unwrap_or_else(|| PyRateLimit::new(None, None));
        inner.rate_limit = RateLimitConfig {
            requests_per_second: r.requests_per_second,
            orders_per_minute: r.orders_per_minute,
        };
        let c = reconnect.unwrap_or_else(|| PyReconnect::new(None, None));
        inner.reconnect = ReconnectConfig {
            max_retries: c.max_retries,
            initial_backoff_ms: c.initial_backoff_ms,
        };
        inner.rest_url = rest_url;
        inner.ws_url = ws_url;
        inner.depth = depth;
        Self { inner }
    }

    /// Testnet (Binance) or demo trading (OKX).
    #[getter]
    fn testnet(&self) -> bool {
        self.inner.testnet
    }
    /// REST base URL override.
    #[getter]
    fn rest_url(&self) -> Option<String> {
        self.inner.rest_url.clone()
    }
    /// Websocket base URL override.
    #[getter]
    fn ws_url(&self) -> Option<String> {
        self.inner.ws_url.clone()
    }
    /// Symbols traded (empty: every symbol's filters load on connect).
    #[getter]
    fn symbols(&self) -> Vec<String> {
        self.inner.symbols.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "ExchangeConfig(api_key=<redacted>, api_secret=<redacted>, testnet={}, rest_url={:?}, ws_url={:?}, symbols={:?})",
            if self.inner.testnet { "True" } else { "False" },
            self.inner.rest_url,
            self.inner.ws_url,
            self.inner.symbols
        )
    }
}

/// An order as the adapters send it.
#[pyclass(
    name = "Order",
    module = "axon_quant.exchange",
    get_all,
    set_all,
    from_py_object
)]
#[derive(Debug, Clone)]
pub struct PyOrder {
    /// Symbol, as the venue writes it (`BTCUSDT`, `BTC-USDT`).
    symbol: String,
    /// Buy or sell.
    side: PySide,
    /// Market, limit, post-only limit, stop or stop-limit.
    order_type: PyOrderType,
    /// Limit price; for a market order, the reference for the notional check.
    price: Option<f64>,
    /// A stop's trigger price.
    stop_price: Option<f64>,
    /// Base quantity.
    quantity: f64,
    /// Client order id (None: a fresh `axpy…` id when sent).
    client_order_id: Option<String>,
}

#[pymethods]
impl PyOrder {
    #[new]
    #[pyo3(signature = (symbol, side, order_type, quantity, price=None, client_order_id=None, stop_price=None))]
    fn new(
        symbol: String,
        side: PySide,
        order_type: PyOrderType,
        quantity: f64,
        price: Option<f64>,
        client_order_id: Option<String>,
        stop_price: Option<f64>,
    ) -> Self {
        Self {
            symbol,
            side,
            order_type,
            price,
            stop_price,
            quantity,
            client_order_id,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Order(symbol={:?}, side=Side.{:?}, order_type=OrderType.{:?}, quantity={:?}, price={}, client_order_id={}, stop_price={})",
            self.symbol,
            self.side,
            self.order_type,
            self.quantity,
            py_repr(self.price),
            py_repr(self.client_order_id.as_ref()),
            py_repr(self.stop_price)
        )
    }
}

/// An optional value as Python writes it (`100.0`, `"id"`), or `None`.
fn py_repr(v: Option<impl std::fmt::Debug>) -> String {
    v.map_or_else(|| "None".to_string(), |v| format!("{v:?}"))
}

fn decimal(v: f64, what: &str) -> PyResult<Decimal> {
    if !v.is_finite() || v < 0.0 {
        return Err(value_error(format!(
            "{what} {v}: must be a finite number >= 0"
        )));
    }
    Decimal::from_str(&v.to_string()).map_err(|e| value_error(format!("{what} {v}: {e}")))
}

impl PyOrder {
    /// The adapters' order; a missing client id gets a fresh `axpy` one.
    fn to_request(&self) -> PyResult<Order> {
        Ok(Order {
            symbol: self.symbol.clone(),
            side: match self.side {
                PySide::Buy => request::Side::Buy,
                PySide::Sell => request::Side::Sell,
            },
            order_type: match self.order_type {
                PyOrderType::Market => request::OrderType::Market,
                PyOrderType::Limit => request::OrderType::Limit,
                PyOrderType::LimitMaker => request::OrderType::LimitMaker,
                PyOrderType::StopMarket => request::OrderType::StopMarket,
                PyOrderType::StopLimit => request::OrderType::StopLimit,
            },
            price: self.price.map(|p| decimal(p, "price")).transpose()?,
            quantity: decimal(self.quantity, "quantity")?,
            stop_price: self
                .stop_price
                .map(|p| decimal(p, "stop_price"))
                .transpose()?,
            by_quote: false,
            client_order_id: self
                .client_order_id
                .clone()
                .unwrap_or_else(|| format!("axpy{:x}", now_ns())),
            self_trade_prevention: None,
            iceberg_quantity: None,
        })
    }
}

fn order_json(o: &VenueOrder) -> Value {
    json!({
        "symbol": o.symbol,
        "client_order_id": o.client_order_id,
        "venue_order_id": o.venue_order_id,
        "side": if o.buy { "buy" } else { "sell" },
        "price": o.price,
        "quantity": o.quantity,
        "executed": o.executed,
        "executed_quote": o.executed_quote,
        "status": format!("{:?}", o.status).to_lowercase(),
        "open": o.status.is_open(),
    })
}

fn balance_json(b: &Balance) -> Value {
    json!({ "asset": b.asset, "free": b.free, "locked": b.locked })
}

fn event_json(s: &Stamped) -> Value {
    let e = match &s.event {
        VenueEvent::Tick(t) => json!({
            "type": "tick", "instrument": t.instrument, "bid": t.bid, "ask": t.ask,
            "bid_size": t.bid_size, "ask_size": t.ask_size, "last": t.last, "volume": t.volume,
        }),
        VenueEvent::Order(u) => {
            let mut v = json!({
                "type": "order", "client_order_id": u.client_order_id, "venue_order_id": u.venue_order_id,
            });
            match &u.kind {
                UpdateKind::New => v["status"] = json!("new"),
                UpdateKind::Canceled => v["status"] = json!("canceled"),
                UpdateKind::Rejected(r) => {
                    v["status"] = json!("rejected");
                    v["reason"] = json!(r);
                }
                UpdateKind::Trade {
                    trade_id,
                    quantity,
                    price,
                    cumulative,
                    commission,
                    last,
                } => {
                    v["status"] = json!(if *last { "filled" } else { "partially_filled" });
                    v["trade_id"] = json!(trade_id);
                    v["quantity"] = json!(quantity);
                    v["price"] = json!(price);
                    v["cumulative"] = json!(cumulative);
                    v["commission"] = json!(commission);
                }
            }
            v
        }
        VenueEvent::StreamUp { stream, reconnect } => {
            json!({"type": "stream_up", "stream": stream, "reconnect": reconnect})
        }
        VenueEvent::StreamDown { stream, reason } => {
            json!({"type": "stream_down", "stream": stream, "reason": reason})
        }
        VenueEvent::StreamLost { stream, reason } => {
            json!({"type": "stream_lost", "stream": stream, "reason": reason})
        }
    };
    let mut e = e;
    e["recv_ns"] = json!(s.recv_ns);
    e
}

/// A venue's events: `async for event in stream` yields dicts (ticks,
/// order updates, stream status) until `close()`.
#[pyclass(name = "EventStream", module = "axon_quant.exchange")]
#[derive(Debug)]
pub struct PyEventStream {
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Stamped>>>,
    stop: Mutex<Option<watch::Sender<bool>>>,
}

#[pymethods]
impl PyEventStream {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rx = self.rx.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let next = rx.lock().await.recv().await;
            let Some(s) = next else {
                return Err(PyStopAsyncIteration::new_err("the stream is closed"));
            };
            let v = event_json(&s);
            Python::attach(|py| from_json(py, &v).map(Bound::unbind))
        })
    }

    /// Closes the sockets; the iteration ends.
    fn close(&self) {
        if let Some(tx) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(true);
        }
    }
}

/// Turns a venue call's result into a Python awaitable's value.
fn value<T>(
    r: Result<T, axon_adapters::exchange::venue::VenueError>,
    f: impl FnOnce(T) -> Value,
) -> PyResult<Py<PyAny>> {
    let v = r.map(f).map_err(axon_error)?;
    Python::attach(|py| from_json(py, &v).map(Bound::unbind))
}

macro_rules! adapter_class {
    ($name:ident, $py:literal, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(name = $py, module = "axon_quant.exchange")]
        #[derive(Debug)]
        pub struct $name {
            venue: Arc<dyn Venue>,
        }

        #[pymethods]
        impl $name {
            #[new]
            fn new(config: PyExchangeConfig) -> PyResult<Self> {
                let _rt = pyo3_async_runtimes::tokio::get_runtime().enter();
                Ok(Self {
                    venue: $kind.open(config.inner).map_err(axon_error)?,
                })
            }

            /// Syncs the clock and loads the symbols' filters (every symbol
            /// when the config names none).
            fn connect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    venue.connect().await.map_err(axon_error)
                })
            }

            /// Places an order after the symbol filters; resolves to a dict
            /// with `accepted`, `venue_order_id` or `reason`, and the
            /// `client_order_id` used.
            fn place_order<'py>(&self, py: Python<'py>, order: PyOrder) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                let order = order.to_request()?;
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    let id = order.client_order_id.clone();
                    value(venue.place_order(&order).await, |p| match p {
                        Placed::Accepted { venue_order_id } => json!({"accepted": true, "venue_order_id": venue_order_id, "client_order_id": id}),
                        Placed::Rejected { reason } => json!({"accepted": false, "reason": reason, "client_order_id": id}),
                    })
                })
            }

            /// Cancels by client order id; resolves to False if the order
            /// is not open at the venue.
            fn cancel_order<'py>(&self, py: Python<'py>, symbol: String, client_order_id: String) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    venue.cancel_order(&symbol, &client_order_id).await.map_err(axon_error)
                })
            }

            /// Looks an order up by client id; resolves to a dict or None.
            fn query_order<'py>(&self, py: Python<'py>, symbol: String, client_order_id: String) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    value(venue.query_order(&symbol, &client_order_id).await, |o| {
                        o.as_ref().map_or(Value::Null, order_json)
                    })
                })
            }

            /// Open orders of the configured symbols.
            fn open_orders<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    value(venue.open_orders().await, |v| {
                        Value::Array(v.iter().map(order_json).collect())
                    })
                })
            }

            /// Non-zero balances.
            fn balances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let venue = self.venue.clone();
                pyo3_async_runtimes::tokio::future_into_py(py, async move {
                    value(venue.balances().await, |v| {
                        Value::Array(v.iter().map(balance_json).collect())
                    })
                })
            }

            /// Opens the market stream of the configured symbols and, with
            /// `user`, the order-update stream.
            #[pyo3(signature = (market=true, user=true))]
            fn subscribe(&self, market: bool, user: bool) -> PyEventStream {
                let _rt = pyo3_async_runtimes::tokio::get_runtime().enter();
                let (tx, rx) = mpsc::channel(8192);
                let (stop_tx, stop_rx) = watch::channel(false);
                if market {
                    self.venue.clone().spawn_market(tx.clone(), stop_rx.clone());
                }
                if user {
                    self.venue.clone().spawn_user(tx, stop_rx);
                }
                PyEventStream {
                    rx: Arc::new(tokio::sync::Mutex::new(rx)),
                    stop: Mutex::new(Some(stop_tx)),
                }
            }
        }
    };
}

adapter_class!(
    PyBinanceAdapter,
    "BinanceAdapter",
    VenueKind::Binance,
    "Binance spot (REST /api/v3, websockets)."
);
adapter_class!(
    PyOkxAdapter,
    "OkxAdapter",
    VenueKind::Okx,
    "OKX v5 (REST, public and private websockets)."
);

/// The engine's pre-trade checks, on their own.
#[pyclass(name = "RiskEngine", module = "axon_quant.exchange")]
#[derive(Debug)]
pub struct PyRiskEngine {
    inner: Mutex<Risk>,
}

#[pymethods]
impl PyRiskEngine {
    #[new]
    #[pyo3(signature = (max_order_notional=None, max_position=None, max_orders_per_sec=None, max_drawdown_pct=None, max_open_orders=None, price_band_pct=None, kill_switch="reducing"))]
    #[allow(clippy::too_many_arguments, reason = "the [risk] keys")]
    fn new(
        max_order_notional: Option<f64>,
        max_position: Option<f64>,
        max_orders_per_sec: Option<u32>,
        max_drawdown_pct: Option<f64>,
        max_open_orders: Option<u32>,
        price_band_pct: Option<f64>,
        kill_switch: &str,
    ) -> PyResult<Self> {
        let kill_mode = match kill_switch {
            "reducing" => KillMode::Reducing,
            "halted" => KillMode::Halted,
            other => {
                return Err(value_error(format!(
                    "kill_switch {other:?}: expected \"reducing\" or \"halted\""
                )));
            }
        };
        Ok(Self {
            inner: Mutex::new(Risk::new(RiskLimits {
                max_order_notional,
                max_position,
                max_orders_per_sec,
                max_drawdown_pct,
                max_open_orders,
                price_band_pct,
                kill_mode,
            })),
        })
    }

    /// Checks an order against the limits given the account: equity,
    /// current position (plus working orders), working orders, last mark.
    /// Returns a dict: `ok`, and for a refusal `reason`, `value`, `limit`.
    #[pyo3(signature = (order, equity=f64::INFINITY, position=0.0, open_orders=0, mark=None, time_ns=None))]
    #[allow(clippy::too_many_arguments, reason = "the account facts, as keywords")]
    fn check_order<'py>(
        &self,
        py: Python<'py>,
        order: PyOrder,
        equity: f64,
        position: f64,
        open_orders: usize,
        mark: Option<f64>,
        time_ns: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let side: Side = order.side.into();
        let signed = order.quantity * side.sign();
        let reference = order
            .price
            .or(order.stop_price)
            .or(mark)
            .unwrap_or(f64::NAN);
        let intent = OrderIntent {
            client_id: 0,
            instrument: 0,
            side,
            quantity: Quantity::Units(order.quantity),
            order_type: match (order.order_type, order.price, order.stop_price) {
                (PyOrderType::StopMarket, _, Some(stop)) => OrderType::Stop(stop),
                (PyOrderType::StopLimit, Some(limit), Some(stop)) => {
                    OrderType::StopLimit { stop, limit }
                }
                (PyOrderType::Market, ..) | (_, None, _) => OrderType::Market,
                (_, Some(p), _) => OrderType::Limit(p),
            },
            reference_price: reference,
            // Shrinks the position without flipping it.
            reduce_only: position != 0.0
                && signed.signum() != position.signum()
                && order.quantity <= position.abs(),
        };
        let book = RiskBook {
            equity,
            projected_position: position,
            open_orders,
            mark: mark.unwrap_or(reference),
            forced: false,
        };
        let t = time_ns.unwrap_or_else(now_ns);
        let result = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check(t, &intent, &book);
        let v = match result {
            Ok(()) => json!({"ok": true}),
            Err(r) => {
                json!({"ok": false, "reason": format!("{:?}", r.reason), "value": r.value, "limit": r.limit})
            }
        };
        from_json(py, &v)
    }

    /// Feeds the drawdown (percent); True when it engages the kill switch.
    fn update_drawdown(&self, drawdown_pct: f64) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check_drawdown(drawdown_pct)
            .is_some()
    }

    /// Whether the kill switch is engaged.
    #[getter]
    fn killed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .killed()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySide>()?;
    m.add_class::<PyOrderType>()?;
    m.add_class::<PyRateLimit>()?;
    m.add_class::<PyReconnect>()?;
    m.add_class::<PyExchangeConfig>()?;
    m.add_class::<PyOrder>()?;
    m.add_class::<PyBinanceAdapter>()?;
    m.add_class::<PyOkxAdapter>()?;
    m.add_class::<PyEventStream>()?;
    m.add_class::<PyRiskEngine>()?;
    Ok(())
}
