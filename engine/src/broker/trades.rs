//! Opening, reducing and closing trades; SL/TP orders; running out of money.

use super::{Broker, BrokerError, ClosedTrade, Order, Trade, TradeId};
use crate::pymath::py_float_repr;

impl Broker {
    /// `_open_trade`: a new trade of `size` (a Python int if `int_size`)
    /// at the (spread-adjusted) `price`, its entry fee taken from cash,
    /// then its TP and SL orders.
    pub(super) fn open_trade(
        &mut self,
        (price, size, int_size): (f64, f64, bool),
        sl: Option<f64>,
        tp: Option<f64>,
        bar: usize,
        tag: Option<u64>,
    ) -> Result<(), BrokerError> {
        let id = self.alloc_trade_id();
        self.trades.push(Trade {
            id,
            size,
            entry_price: price,
            entry_bar: bar,
            sl_order: None,
            tp_order: None,
            tag,
            int_size,
        });
        self.cash -= self.commission.fee(size, price);
        if tp.is_some() {
            self.set_contingent(id, false, tp)?;
        }
        if sl.is_some() {
            self.set_contingent(id, true, sl)?;
        }
        Ok(())
    }

    /// `_reduce_trade`: takes `size` (opposite sign; a Python int if
    /// `int_size`) off open trade `t`. All of it closes the trade; less
    /// shrinks it in place (its SL/TP orders follow) and closes a copy of
    /// the closed part under a new id, without SL/TP.
    pub(super) fn reduce_trade(
        &mut self,
        t: usize,
        price: f64,
        size: f64,
        int_size: bool,
        bar: usize,
    ) {
        let left = self.trades[t].size + size;
        if left == 0.0 {
            let trade = self.trades.remove(t);
            self.settle(trade, price, bar);
            return;
        }
        let piece_id = self.alloc_trade_id();
        let trade = &mut self.trades[t];
        trade.size = left;
        trade.int_size &= int_size;
        let left_is_int = trade.int_size;
        let piece = Trade {
            id: piece_id,
            size: -size,
            sl_order: None,
            tp_order: None,
            int_size,
            ..trade.clone()
        };
        let links = [trade.sl_order, trade.tp_order];
        for oid in links.into_iter().flatten() {
            if let Some(k) = self.order_index(oid) {
                self.orders[k].size = -left;
                self.orders[k].int_size = left_is_int;
            }
        }
        self.settle(piece, price, bar);
    }

    /// `_close_trade` for a trade already out of the open list: its SL/TP
    /// orders leave the queue, cash gets the P/L less the exit fee, and the
    /// closed record gets the exit fee plus the entry fee for its size.
    pub(super) fn settle(&mut self, trade: Trade, price: f64, bar: usize) {
        let sl = trade
            .sl_order
            .and_then(|o| self.take_order(o))
            .and_then(|o| o.stop)
            .unwrap_or(f64::NAN);
        let tp = trade
            .tp_order
            .and_then(|o| self.take_order(o))
            .and_then(|o| o.limit)
            .unwrap_or(f64::NAN);
        // `exit_price or last_price`: an exit at 0 is marked at the close.
        let mark = if price != 0.0 {
            price
        } else {
            self.last_price()
        };
        let gross = trade.size * (mark - trade.entry_price) - 0.0;
        let exit_fee = self.commission.fee(trade.size, price);
        self.cash += gross - exit_fee;
        let entry_fee = self.commission.fee(trade.size, trade.entry_price);
        let commission = exit_fee + entry_fee;
        let pnl = trade.size * (mark - trade.entry_price) - commission;
        let return_pct = 1f64.copysign(trade.size) * (mark / trade.entry_price - 1.0)
            - commission / (trade.size.abs() * trade.entry_price);
        self.closed_index.insert(trade.id, self.closed.len());
        self.closed.push(ClosedTrade {
            id: trade.id,
            size: trade.size,
            entry_bar: trade.entry_bar,
            exit_bar: bar,
            entry_price: trade.entry_price,
            exit_price: price,
            sl,
            tp,
            pnl,
            commission,
            return_pct,
            tag: trade.tag,
            int_size: trade.int_size,
        });
    }

    /// Removes a queued order, returning it.
    fn take_order(&mut self, id: super::OrderId) -> Option<Order> {
        self.order_index(id).map(|k| self.orders.remove(k))
    }

    /// `trade.sl = price` / `trade.tp = price`: cancels the old order and
    /// queues a new stop (SL, at the front) or limit (TP, at the end) for
    /// `-size` of the trade.
    pub(super) fn set_contingent(
        &mut self,
        id: TradeId,
        is_sl: bool,
        price: Option<f64>,
    ) -> Result<(), BrokerError> {
        if let Some(p) = price
            && !(0.0 < p && p < f64::INFINITY)
        {
            return Err(BrokerError::Assertion(format!(
                "Make sure 0 < price < inf! price: {}",
                py_float_repr(p)
            )));
        }
        let Some(t) = self.trade_index(id) else {
            return Err(BrokerError::TradeNotOpen(id));
        };
        let old = if is_sl {
            self.trades[t].sl_order
        } else {
            self.trades[t].tp_order
        };
        if let Some(oid) = old {
            self.cancel_order(oid);
        }
        let Some(price) = price else {
            return Ok(());
        };
        let (size, tag) = (self.trades[t].size, self.trades[t].tag);
        let oid = self.alloc_order_id();
        let order = Order {
            id: oid,
            size: -size,
            limit: (!is_sl).then_some(price),
            stop: is_sl.then_some(price),
            sl: None,
            tp: None,
            tag,
            parent_trade: Some(id),
            contingent: true,
            int_size: false,
        };
        let trade = &mut self.trades[t];
        if is_sl {
            trade.sl_order = Some(oid);
            self.orders.insert(0, order);
        } else {
            trade.tp_order = Some(oid);
            self.orders.push(order);
        }
        Ok(())
    }

    /// Equity at or below zero: close the open trades at the close, then
    /// zero cash and the rest of the equity curve. backtesting.py closes
    /// while iterating the same list, so every second trade stays open.
    pub(super) fn out_of_money(&mut self) {
        let (close, i) = (self.last_price(), self.i);
        let mut k = 0;
        while k < self.trades.len() {
            let trade = self.trades.remove(k);
            self.settle(trade, close, i);
            k += 1;
        }
        self.cash = 0.0;
        for e in &mut self.equity[i..] {
            *e = 0.0;
        }
    }
}
