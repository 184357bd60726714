//! A port of backtesting.py 0.6.5's `_Broker`, bar by bar and bit for bit.
//!
//! `axon_quant.backtesting` drives it with one instrument's OHLC bars, as
//! `Backtest.run` drives `_Broker`: for each bar `i` from `1 + warmup` on
//! (bar 0 never gets one) it calls [`Broker::next`] (fill queued orders on
//! the bar, record `equity[i]` at its close), stops at
//! [`Step::OutOfMoney`], and otherwise lets the strategy place or cancel
//! orders, close trades and move stops through the methods below, which
//! see the bar's close as the last price. After the last bar,
//! [`Broker::finalize`] if `finalize_trades`. Orders placed before the
//! first `next()` need [`Broker::set_bar`] first. The rules, with the
//! backtesting.py lines they come from, are in
//! `docs/backtesting-py-semantics.md`; the float operations are done in
//! backtesting.py's order, with Python's `//`, `round` and `min`/`max`
//! ([`crate::pymath`]), so sizes, prices, cash and equity match exactly.
//!
//! Orders and trades are named by ids that are never reused: [`OrderId`]s
//! count every order ever queued (SL/TP and close orders included), and
//! [`TradeId`]s every trade opened or split off. Closing part of a trade
//! closes a new piece (new id) and the open remainder keeps its id.
//!
//! Python's exceptions map to [`BrokerError`] variants that name them. An
//! exception raised while orders are filled (a bad SL price on a filled
//! order, sizing that divides by zero) ends the run, as in Python:
//! [`Step::Failed`].
//!
//! Not reproduced: assigning `sl`/`tp` on a closed trade (backtesting.py
//! raises or queues an order that later fails an assertion; here
//! [`BrokerError::TradeNotOpen`]); a trade that exits at a price of
//! exactly 0, whose P/L backtesting.py marks at the final close of the
//! data when it builds its statistics (here: at the close of the exit
//! bar); Python's `sum` from 3.12 on (compensated), where 3.11's plain
//! left-to-right sum is what this follows.

mod commission;
mod process;
mod trades;

use std::collections::BTreeMap;
use std::fmt;

pub use commission::Commission;

use crate::pymath::{py_float_repr, py_opt_repr, py_round};

/// An order's id: unique, increasing from 1, never reused.
pub type OrderId = u64;
/// A trade's id: unique, increasing from 1, never reused.
pub type TradeId = u64;

/// One bar's prices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ohlc {
    /// Open.
    pub open: f64,
    /// High.
    pub high: f64,
    /// Low.
    pub low: f64,
    /// Close.
    pub close: f64,
}

/// `Backtest(...)`'s broker settings.
#[derive(Debug)]
pub struct BrokerConfig {
    /// Starting cash, `> 0`.
    pub cash: f64,
    /// Charged at each entry and each exit.
    pub commission: Commission,
    /// Bid-ask spread as a fraction of price, added to long entries and
    /// taken off short entries (exits are at the raw price).
    pub spread: f64,
    /// Margin ratio in `(0, 1]`; leverage is `1 / margin`.
    pub margin: f64,
    /// Fill market orders at the previous close, stamped one bar earlier.
    pub trade_on_close: bool,
    /// Let opposite trades coexist instead of netting them FIFO.
    pub hedging: bool,
    /// Each new order cancels pending orders and closes open trades.
    pub exclusive_orders: bool,
}

/// What `Strategy.buy`/`sell` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OrderSpec {
    /// Signed size (sell negative): a fraction of available margin when
    /// `0 < |size| < 1`, otherwise whole units.
    pub size: f64,
    /// Limit price.
    pub limit: Option<f64>,
    /// Stop price.
    pub stop: Option<f64>,
    /// Stop-loss of the trade this order opens.
    pub sl: Option<f64>,
    /// Take-profit of the trade this order opens.
    pub tp: Option<f64>,
    /// Opaque handle for the caller's tag object.
    pub tag: Option<u64>,
}

/// A queued order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Signed size: a fraction when `|size| < 1`, else units.
    pub size: f64,
    /// Limit price.
    pub limit: Option<f64>,
    /// Stop price; cleared for good once the stop triggers.
    pub stop: Option<f64>,
    /// Stop-loss for the trade this order opens.
    pub sl: Option<f64>,
    /// Take-profit for the trade this order opens.
    pub tp: Option<f64>,
    /// Caller's tag handle.
    pub tag: Option<u64>,
    /// The trade an SL, TP or `Trade.close` order closes.
    pub parent_trade: Option<TradeId>,
    /// True for a trade's SL or TP order (`Order.is_contingent`).
    pub contingent: bool,
    /// `size` is a Python `int` in backtesting.py (an SL/TP order resized
    /// after its trade was reduced by an int), not a `float`.
    pub int_size: bool,
}

/// An open trade.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// Id.
    pub id: TradeId,
    /// Signed size in units.
    pub size: f64,
    /// Spread-adjusted entry price.
    pub entry_price: f64,
    /// Bar the entry is stamped with.
    pub entry_bar: usize,
    /// Its stop-loss order, if any.
    pub sl_order: Option<OrderId>,
    /// Its take-profit order, if any.
    pub tp_order: Option<OrderId>,
    /// Tag of the order that opened it.
    pub tag: Option<u64>,
    /// `size` is a Python `int` in backtesting.py, not a `float` (it
    /// becomes a float once an SL/TP or close order reduced the trade).
    pub int_size: bool,
}

/// A closed trade or closed piece of a trade: one row of `stats._trades`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedTrade {
    /// Id (a piece closed off an open trade has its own).
    pub id: TradeId,
    /// Signed size in units.
    pub size: f64,
    /// Entry bar.
    pub entry_bar: usize,
    /// Exit bar (may precede `entry_bar`, see the semantics doc §5.1).
    pub exit_bar: usize,
    /// Spread-adjusted entry price.
    pub entry_price: f64,
    /// Raw exit price.
    pub exit_price: f64,
    /// SL price at exit; NaN if none, for pieces, and after a gapped SL fill.
    pub sl: f64,
    /// TP price at exit; NaN if none and for pieces.
    pub tp: f64,
    /// `size * (exit - entry) - commission`.
    pub pnl: f64,
    /// Exit fee plus the entry fee recomputed for this size.
    pub commission: f64,
    /// `sign(size) * (exit / entry - 1) - commission / (|size| * entry)`.
    pub return_pct: f64,
    /// Tag.
    pub tag: Option<u64>,
    /// `size` is a Python `int` in backtesting.py, not a `float`: the
    /// `_trades` `Size` column is int64 only if every row's is.
    pub int_size: bool,
}

/// Python exceptions backtesting.py raises, by type, with its messages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BrokerError {
    /// `ValueError`.
    #[error("{0}")]
    Invalid(String),
    /// `AssertionError`.
    #[error("{0}")]
    Assertion(String),
    /// `OverflowError`.
    #[error("{0}")]
    Overflow(String),
    /// `ZeroDivisionError`.
    #[error("{0}")]
    ZeroDivision(String),
    /// No open trade has this id (moving the SL/TP of a closed trade is
    /// not supported).
    #[error("trade {0} is not open")]
    TradeNotOpen(TradeId),
    /// No trade, open or closed, has this id.
    #[error("no trade {0}")]
    UnknownTrade(TradeId),
}

impl From<crate::pymath::PyArithError> for BrokerError {
    fn from(e: crate::pymath::PyArithError) -> Self {
        use crate::pymath::PyArithError as E;
        let m = e.message().to_string();
        match e {
            E::ZeroDivision => Self::ZeroDivision(m),
            E::NanToInt => Self::Invalid(m),
            E::InfToInt => Self::Overflow(m),
        }
    }
}

/// What [`Broker::next`] did with a bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Equity recorded at the bar's close; the strategy runs next.
    Equity(f64),
    /// Equity fell to zero or below: trades were closed at the close,
    /// cash and `equity[i..]` are 0, and the run stops here.
    OutOfMoney,
    /// backtesting.py would raise this while filling orders; the run ends.
    Failed(BrokerError),
}

/// A `UserWarning` backtesting.py emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerWarning {
    /// A relative-sized order came to 0 units and was dropped.
    RelativeOrderCanceled {
        /// Bar index.
        bar: usize,
    },
    /// A new trade's SL or TP lies inside the bar its stop/limit entry
    /// filled on; it is checked from the next bar.
    ContingentSameBar {
        /// Bar index (Python prints the bar's index label here).
        bar: usize,
    },
}

impl fmt::Display for BrokerWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::RelativeOrderCanceled { bar } => write!(
                f,
                "time={bar}: Broker canceled the relative-sized order due to insufficient margin."
            ),
            Self::ContingentSameBar { bar } => write!(
                f,
                "({bar}) A contingent SL/TP order would execute in the same bar its parent \
                 stop/limit order was turned into a trade. Since we can't assert the precise \
                 intra-candle price movement, the affected SL/TP order will instead be executed \
                 on the next (matching) price/bar, making the result (of this trade) somewhat \
                 dubious. See https://github.com/kernc/backtesting.py/issues/119"
            ),
        }
    }
}

/// backtesting.py's `_Broker` for one instrument.
#[derive(Debug)]
pub struct Broker {
    commission: Commission,
    spread: f64,
    leverage: f64,
    trade_on_close: bool,
    hedging: bool,
    exclusive_orders: bool,
    cash: f64,
    orders: Vec<Order>,
    trades: Vec<Trade>,
    closed: Vec<ClosedTrade>,
    closed_index: BTreeMap<TradeId, usize>,
    equity: Vec<f64>,
    i: usize,
    bar: Ohlc,
    prev_close: f64,
    next_order_id: OrderId,
    next_trade_id: TradeId,
    /// Reused buffer for the queue snapshot of one pass.
    snapshot: Vec<OrderId>,
    warnings: Vec<BrokerWarning>,
}

/// Python truthiness of an optional price: 0 (and no value) is false,
/// NaN is true.
fn truthy(x: Option<f64>) -> Option<f64> {
    x.filter(|v| *v != 0.0)
}

/// Python's left-to-right `sum()` (3.11: no compensation), from int 0.
fn py_sum(xs: impl Iterator<Item = f64>) -> f64 {
    xs.fold(0.0, |acc, x| acc + x)
}

impl Broker {
    /// A broker with `cfg` for a run of `bars` bars (the length of the
    /// equity curve, NaN until recorded). Checks `cash > 0`,
    /// `0 < margin <= 1` and the commission's bounds, as backtesting.py
    /// asserts them.
    pub fn new(cfg: BrokerConfig, bars: usize) -> Result<Broker, BrokerError> {
        if cfg.cash.is_nan() || cfg.cash <= 0.0 {
            return Err(BrokerError::Assertion(format!(
                "cash should be > 0, is {}",
                py_float_repr(cfg.cash)
            )));
        }
        if !(0.0 < cfg.margin && cfg.margin <= 1.0) {
            return Err(BrokerError::Assertion(format!(
                "margin should be between 0 and 1, is {}",
                py_float_repr(cfg.margin)
            )));
        }
        cfg.commission.validate()?;
        Ok(Broker {
            commission: cfg.commission,
            spread: cfg.spread,
            leverage: 1.0 / cfg.margin,
            trade_on_close: cfg.trade_on_close,
            hedging: cfg.hedging,
            exclusive_orders: cfg.exclusive_orders,
            cash: cfg.cash,
            orders: Vec::new(),
            trades: Vec::new(),
            closed: Vec::new(),
            closed_index: BTreeMap::new(),
            equity: vec![f64::NAN; bars],
            i: 0,
            bar: Ohlc {
                open: f64::NAN,
                high: f64::NAN,
                low: f64::NAN,
                close: f64::NAN,
            },
            prev_close: f64::NAN,
            next_order_id: 1,
            next_trade_id: 1,
            snapshot: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Makes bar `i` the current bar without processing orders: its close
    /// becomes the last price that [`Broker::new_order`] validates against
    /// and relative sizes, P/L and equity are marked at. [`Broker::next`]
    /// does this itself; call it only for orders placed before the first
    /// `next()` (in `Strategy.init`, where backtesting.py's `Close[-1]` is
    /// the last bar of the data).
    pub fn set_bar(&mut self, i: usize, bar: Ohlc) {
        self.i = i;
        self.bar = bar;
    }

    /// The current bar's index.
    pub fn bar_index(&self) -> usize {
        self.i
    }

    /// `Strategy.buy`/`sell`'s check of the unsigned `size`: a fraction in
    /// `(0, 1)` or a whole number `>= 1`. [`Broker::new_order`] checks
    /// `|size|`; a caller that negates for `sell` checks the user's value
    /// with this first, so that `buy(size=-3)` fails as in Python.
    pub fn check_order_size(size: f64) -> Result<(), BrokerError> {
        if 0.0 < size && size < 1.0 {
            return Ok(());
        }
        // `round(size) == size >= 1`: `round` raises on NaN and infinities.
        crate::pymath::py_int(size)?;
        if py_round(size) == size && size >= 1.0 {
            Ok(())
        } else {
            Err(BrokerError::Assertion(
                "size must be a positive fraction of equity, or a positive whole number of units"
                    .into(),
            ))
        }
    }

    /// `_Broker.new_order` for `Strategy.buy`/`sell` at the current bar:
    /// checks the size and the SL/TP sides (long: `sl < ref < tp`, short:
    /// `tp < ref < sl`, `ref` = limit, else stop, else the spread-adjusted
    /// last price), applies `exclusive_orders`, and queues the order at the
    /// end. Prices of 0 count as absent, as in Python.
    pub fn new_order(&mut self, spec: OrderSpec) -> Result<OrderId, BrokerError> {
        Self::check_order_size(spec.size.abs())?;
        let size = spec.size;
        let limit = truthy(spec.limit);
        let stop = truthy(spec.stop);
        let sl = truthy(spec.sl);
        let tp = truthy(spec.tp);
        let adjusted = self.adjusted_price(size, None);
        let reference = limit.or(stop).unwrap_or(adjusted);
        if size > 0.0 {
            let lo = sl.unwrap_or(f64::NEG_INFINITY);
            let hi = tp.unwrap_or(f64::INFINITY);
            if !(lo < reference && reference < hi) {
                return Err(BrokerError::Invalid(format!(
                    "Long orders require: SL ({}) < LIMIT ({}) < TP ({})",
                    py_opt_repr(sl),
                    py_float_repr(reference),
                    py_opt_repr(tp)
                )));
            }
        } else {
            let lo = tp.unwrap_or(f64::NEG_INFINITY);
            let hi = sl.unwrap_or(f64::INFINITY);
            if !(lo < reference && reference < hi) {
                return Err(BrokerError::Invalid(format!(
                    "Short orders require: TP ({}) < LIMIT ({}) < SL ({})",
                    py_opt_repr(tp),
                    py_float_repr(reference),
                    py_opt_repr(sl)
                )));
            }
        }
        let id = self.alloc_order_id();
        let order = Order {
            id,
            size,
            limit,
            stop,
            sl,
            tp,
            tag: spec.tag,
            parent_trade: None,
            contingent: false,
            int_size: false,
        };
        if self.exclusive_orders {
            // backtesting.py cancels while iterating the same list, so each
            // cancellation skips the order after it.
            let mut k = 0;
            while k < self.orders.len() {
                if !self.orders[k].contingent {
                    let oid = self.orders[k].id;
                    self.cancel_order(oid);
                }
                k += 1;
            }
            for k in 0..self.trades.len() {
                let tid = self.trades[k].id;
                self.queue_close(tid, 1.0)?;
            }
        }
        self.orders.push(order);
        Ok(id)
    }

    /// `Order.cancel`: removes a queued order; for a trade's SL or TP
    /// order, the trade loses that SL/TP. False if the order is not queued
    /// (Python raises `ValueError` from `list.remove`).
    pub fn cancel_order(&mut self, id: OrderId) -> bool {
        let Some(k) = self.order_index(id) else {
            return false;
        };
        let order = self.orders.remove(k);
        if let Some(tid) = order.parent_trade
            && let Some(t) = self.trades.iter_mut().find(|t| t.id == tid)
        {
            if t.sl_order == Some(id) {
                t.sl_order = None;
            } else if t.tp_order == Some(id) {
                t.tp_order = None;
            }
        }
        true
    }

    /// `Trade.close(portion)`: queues at the front a market order for
    /// `max(1, round(|size| * portion))` units (half to even) against the
    /// trade. A closed trade's id is accepted too: as in Python the order
    /// is queued and dropped unfilled.
    pub fn close_trade(&mut self, id: TradeId, portion: f64) -> Result<(), BrokerError> {
        self.queue_close(id, portion).map(|_| ())
    }

    /// `Position.close(portion)`: [`Broker::close_trade`] on each open
    /// trade, oldest first (so the newest one's order runs first).
    pub fn close_position(&mut self, portion: f64) -> Result<(), BrokerError> {
        for k in 0..self.trades.len() {
            let tid = self.trades[k].id;
            self.queue_close(tid, portion)?;
        }
        Ok(())
    }

    /// `trade.sl = price` (`None` cancels): replaces the trade's SL order
    /// with a stop order at the front of the queue, checked from the next
    /// fill. No side check; `0 < price < inf` is asserted.
    pub fn set_sl(&mut self, id: TradeId, price: Option<f64>) -> Result<(), BrokerError> {
        self.set_contingent(id, true, price)
    }

    /// `trade.tp = price` (`None` cancels): replaces the trade's TP order
    /// with a limit order at the end of the queue.
    pub fn set_tp(&mut self, id: TradeId, price: Option<f64>) -> Result<(), BrokerError> {
        self.set_contingent(id, false, price)
    }

    /// `_Broker.next` for bar `i` (`prev_close` = `Close[i-1]`): fills
    /// what the queue allows on this bar (with the same-bar re-runs for
    /// fresh SL/TP orders), records `equity[i]` at the close, and handles
    /// running out of money.
    pub fn next(&mut self, i: usize, bar: Ohlc, prev_close: f64) -> Step {
        self.set_bar(i, bar);
        self.prev_close = prev_close;
        if let Err(e) = self.process_orders() {
            return Step::Failed(e);
        }
        let equity = self.equity();
        if i >= self.equity.len() {
            self.equity.resize(i + 1, f64::NAN);
        }
        self.equity[i] = equity;
        if equity <= 0.0 {
            self.out_of_money();
            return Step::OutOfMoney;
        }
        Step::Equity(equity)
    }

    /// `finalize_trades=True` after the last bar's `next()` and strategy
    /// step: queues a close of every open trade (newest first, so they
    /// run oldest first), then runs [`Broker::next`] once more on the same
    /// bar, which also fills any other queued order and overwrites
    /// `equity[i]`. Running out of money there is not an error; an
    /// exception while filling is. Call it only if `next()` ran at least
    /// once, as backtesting.py does.
    pub fn finalize(&mut self, i: usize, bar: Ohlc, prev_close: f64) -> Result<(), BrokerError> {
        for k in (0..self.trades.len()).rev() {
            let tid = self.trades[k].id;
            self.queue_close(tid, 1.0)?;
        }
        match self.next(i, bar, prev_close) {
            Step::Failed(e) => Err(e),
            Step::Equity(_) | Step::OutOfMoney => Ok(()),
        }
    }

    /// The queue, in queue order (contingent orders included).
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    /// Open trades, oldest first.
    pub fn trades(&self) -> &[Trade] {
        &self.trades
    }

    /// Closed trades and pieces, in closing order.
    pub fn closed_trades(&self) -> &[ClosedTrade] {
        &self.closed
    }

    /// A queued order.
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }

    /// An open trade.
    pub fn trade(&self, id: TradeId) -> Option<&Trade> {
        self.trades.iter().find(|t| t.id == id)
    }

    /// A closed trade or piece.
    pub fn closed_trade(&self, id: TradeId) -> Option<&ClosedTrade> {
        self.closed_index.get(&id).map(|&k| &self.closed[k])
    }

    /// `trade.sl`: the SL order's stop for an open trade, the recorded SL
    /// for a closed one.
    pub fn trade_sl(&self, id: TradeId) -> Option<f64> {
        match self.trade(id) {
            Some(t) => t.sl_order.and_then(|o| self.order(o)).and_then(|o| o.stop),
            None => self.closed_trade(id).map(|c| c.sl).filter(|x| !x.is_nan()),
        }
    }

    /// `trade.tp`: the TP order's limit for an open trade, the recorded
    /// TP for a closed one.
    pub fn trade_tp(&self, id: TradeId) -> Option<f64> {
        match self.trade(id) {
            Some(t) => t.tp_order.and_then(|o| self.order(o)).and_then(|o| o.limit),
            None => self.closed_trade(id).map(|c| c.tp).filter(|x| !x.is_nan()),
        }
    }

    /// `trade.pl`: an open trade marked at the last price (no fees yet),
    /// a closed one's PnL; NaN for an unknown id.
    pub fn trade_pl(&self, id: TradeId) -> f64 {
        match (self.trade(id), self.closed_trade(id)) {
            (Some(t), _) => self.open_pl(t),
            (None, Some(c)) => c.pnl,
            (None, None) => f64::NAN,
        }
    }

    /// `trade.pl_pct` (a fraction), as [`Broker::trade_pl`].
    pub fn trade_pl_pct(&self, id: TradeId) -> f64 {
        match (self.trade(id), self.closed_trade(id)) {
            (Some(t), _) => {
                let gross = 1f64.copysign(t.size) * (self.last_price() / t.entry_price - 1.0);
                gross - 0.0 / (t.size.abs() * t.entry_price)
            }
            (None, Some(c)) => c.return_pct,
            (None, None) => f64::NAN,
        }
    }

    /// `trade.value`: `|size| * price`, at the last price while open.
    pub fn trade_value(&self, id: TradeId) -> f64 {
        match (self.trade(id), self.closed_trade(id)) {
            (Some(t), _) => t.size.abs() * self.last_price(),
            (None, Some(c)) => c.size.abs() * c.exit_price,
            (None, None) => f64::NAN,
        }
    }

    /// `position.size`: the sum of open trade sizes.
    pub fn position_size(&self) -> f64 {
        py_sum(self.trades.iter().map(|t| t.size))
    }

    /// `position.pl`: the sum of open trades' P/L.
    pub fn position_pl(&self) -> f64 {
        py_sum(self.trades.iter().map(|t| self.open_pl(t)))
    }

    /// `position.pl_pct`, in percent (as backtesting.py; unlike
    /// [`Broker::trade_pl_pct`]); 0 without open trades.
    pub fn position_pl_pct(&self) -> f64 {
        let invested = py_sum(self.trades.iter().map(|t| t.entry_price * t.size.abs()));
        if invested != 0.0 {
            (self.position_pl() / invested) * 100.0
        } else {
            0.0
        }
    }

    /// `cash + Σ open trade P/L` at the last price.
    pub fn equity(&self) -> f64 {
        self.cash + self.position_pl()
    }

    /// Cash.
    pub fn cash(&self) -> f64 {
        self.cash
    }

    /// `max(0, equity - Σ |size| * last_price / leverage)`.
    pub fn margin_available(&self) -> f64 {
        let last = self.last_price();
        let used = py_sum(
            self.trades
                .iter()
                .map(|t| t.size.abs() * last / self.leverage),
        );
        let free = self.equity() - used;
        if free > 0.0 { free } else { 0.0 }
    }

    /// The current bar's close.
    pub fn last_price(&self) -> f64 {
        self.bar.close
    }

    /// Equity per bar, NaN where never recorded.
    pub fn equity_curve(&self) -> &[f64] {
        &self.equity
    }

    /// The `UserWarning` messages emitted since the last call, in order.
    pub fn take_warnings(&mut self) -> Vec<String> {
        self.warnings.drain(..).map(|w| w.to_string()).collect()
    }

    /// As [`Broker::take_warnings`], structured (with the bar index, for
    /// a caller that prints the bar's time as Python does).
    pub fn take_warning_records(&mut self) -> Vec<BrokerWarning> {
        std::mem::take(&mut self.warnings)
    }

    fn open_pl(&self, t: &Trade) -> f64 {
        t.size * (self.last_price() - t.entry_price) - 0.0
    }

    /// `_adjusted_price(size, price)`: `price or last_price`, moved
    /// against the order by the spread.
    fn adjusted_price(&self, size: f64, price: Option<f64>) -> f64 {
        let p = truthy(price).unwrap_or_else(|| self.last_price());
        p * (1.0 + self.spread.copysign(size))
    }

    fn alloc_order_id(&mut self) -> OrderId {
        let id = self.next_order_id;
        self.next_order_id += 1;
        id
    }

    fn alloc_trade_id(&mut self) -> TradeId {
        let id = self.next_trade_id;
        self.next_trade_id += 1;
        id
    }

    fn order_index(&self, id: OrderId) -> Option<usize> {
        self.orders.iter().position(|o| o.id == id)
    }

    fn trade_index(&self, id: TradeId) -> Option<usize> {
        self.trades.iter().position(|t| t.id == id)
    }

    /// `Trade.close(portion)` for an open or closed trade: the close order
    /// goes to the front of the queue.
    fn queue_close(&mut self, id: TradeId, portion: f64) -> Result<OrderId, BrokerError> {
        if !(0.0 < portion && portion <= 1.0) {
            return Err(BrokerError::Assertion(
                "portion must be a fraction between 0 and 1".into(),
            ));
        }
        let (size, tag) = match (self.trade(id), self.closed_trade(id)) {
            (Some(t), _) => (t.size, t.tag),
            (None, Some(c)) => (c.size, c.tag),
            (None, None) => return Err(BrokerError::UnknownTrade(id)),
        };
        let units = crate::pymath::py_int(py_round(size.abs() * portion))?;
        let units = if units > 1.0 { units } else { 1.0 };
        let oid = self.alloc_order_id();
        self.orders.insert(
            0,
            Order {
                id: oid,
                size: units.copysign(-size),
                limit: None,
                stop: None,
                sl: None,
                tp: None,
                tag,
                parent_trade: Some(id),
                contingent: false,
                int_size: false,
            },
        );
        Ok(oid)
    }
}
