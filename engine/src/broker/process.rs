//! `_Broker._process_orders`: one pass over a snapshot of the queue, on the
//! current bar, repeated while a fill leaves a new SL/TP that may still
//! trigger on this bar.

use super::{Broker, BrokerError, BrokerWarning, OrderId, truthy};
use crate::pymath::{py_floor_div_checked, py_int, py_max, py_min};

/// What the pass decided for one order.
enum Fill {
    /// Not fillable on this bar: stays queued.
    Skip,
    /// Fill at `price`, stamped `bar`.
    At { price: f64, bar: usize },
}

impl Broker {
    /// Passes over the queue until no fill asks for another pass.
    pub(super) fn process_orders(&mut self) -> Result<(), BrokerError> {
        while self.process_pass()? {}
        Ok(())
    }

    /// One pass; true if it must run again on the same bar.
    fn process_pass(&mut self) -> Result<bool, BrokerError> {
        // Reuse the snapshot buffer: no allocation once it has grown.
        let mut snapshot = std::mem::take(&mut self.snapshot);
        snapshot.clear();
        snapshot.extend(self.orders.iter().map(|o| o.id));
        let result = self.pass_over(&snapshot);
        self.snapshot = snapshot;
        result
    }

    fn pass_over(&mut self, snapshot: &[OrderId]) -> Result<bool, BrokerError> {
        let mut rerun = false;
        for &id in snapshot {
            // Orders removed earlier in the pass (the SL/TP of a trade
            // that closed) are gone.
            let Some(k) = self.order_index(id) else {
                continue;
            };
            let stop_price = self.orders[k].stop;
            let (price, bar) = match self.fill_price(k, stop_price) {
                Fill::Skip => continue,
                Fill::At { price, bar } => (price, bar),
            };
            if self.orders[k].parent_trade.is_some() {
                self.fill_contingent(id, price, stop_price, bar);
            } else if self.fill_standalone(id, price, stop_price, bar)? {
                rerun = true;
            }
        }
        Ok(rerun)
    }

    /// Whether queue entry `k` fills on this bar, and at what price and
    /// bar. A stop that triggers is cleared for good, fill or not.
    fn fill_price(&mut self, k: usize, stop_price: Option<f64>) -> Fill {
        let Self {
            bar,
            orders,
            trade_on_close,
            prev_close,
            i,
            ..
        } = self;
        let order = &mut orders[k];
        let is_long = order.size > 0.0;
        if let Some(stop) = stop_price {
            let hit = if is_long {
                bar.high >= stop
            } else {
                bar.low <= stop
            };
            if !hit {
                return Fill::Skip;
            }
            order.stop = None;
        }
        let price = if let Some(limit) = order.limit {
            let hit = if is_long {
                bar.low <= limit
            } else {
                bar.high >= limit
            };
            // A stop-limit whose limit is no better than its stop, both
            // inside this bar: the limit is assumed touched before the stop.
            let before_stop = hit
                && if is_long {
                    limit <= stop_price.unwrap_or(f64::NEG_INFINITY)
                } else {
                    limit >= stop_price.unwrap_or(f64::INFINITY)
                };
            if !hit || before_stop {
                return Fill::Skip;
            }
            let from = stop_price.unwrap_or(bar.open);
            if is_long {
                py_min(from, limit)
            } else {
                py_max(from, limit)
            }
        } else {
            let mut p = if *trade_on_close && !order.contingent {
                *prev_close
            } else {
                bar.open
            };
            if let Some(stop) = stop_price {
                p = if is_long {
                    py_max(p, stop)
                } else {
                    py_min(p, stop)
                };
            }
            p
        };
        let is_market = order.limit.is_none() && stop_price.is_none();
        let bar = if is_market && *trade_on_close && !order.contingent {
            i.saturating_sub(1)
        } else {
            *i
        };
        Fill::At { price, bar }
    }

    /// An SL, TP or close order: closes what is left of its trade, up to
    /// its size. No spread, no margin check.
    fn fill_contingent(&mut self, id: OrderId, price: f64, stop_price: Option<f64>, bar: usize) {
        let Some(k) = self.order_index(id) else {
            return;
        };
        let (order_size, contingent) = (self.orders[k].size, self.orders[k].contingent);
        let Some(tid) = self.orders[k].parent_trade else {
            return;
        };
        if let Some(t) = self.trade_index(tid) {
            let prev = self.trades[t].size.abs();
            let want = order_size.abs();
            let size = (if want < prev { want } else { prev }).copysign(order_size);
            self.reduce_trade(t, price, size, false, bar);
            if stop_price == Some(price) {
                // The SL keeps its price in the record when it filled at
                // its stop (not after a gap).
                if let Some(c) = self.closed_index.get(&tid).map(|&c| &mut self.closed[c]) {
                    c.sl = price;
                }
            }
        }
        if !contingent {
            // A close order is done whether or not its trade was still open;
            // an SL/TP left the queue with its trade.
            if let Some(k) = self.order_index(id) {
                self.orders.remove(k);
            }
        }
    }

    /// A stand-alone order: size it, net it against opposite trades
    /// (unless hedging), check margin, open the trade. True if the new
    /// trade's SL/TP must be checked on this bar too.
    fn fill_standalone(
        &mut self,
        id: OrderId,
        price: f64,
        stop_price: Option<f64>,
        bar: usize,
    ) -> Result<bool, BrokerError> {
        let Some(k) = self.order_index(id) else {
            return Ok(false);
        };
        let order = self.orders[k].clone();
        let is_long = order.size > 0.0;
        let adjusted = self.adjusted_price(order.size, Some(price));
        let fee = self.commission.fee(order.size, price);
        let per_unit = adjusted + fee / order.size.abs();

        let mut size = order.size;
        if -1.0 < size && size < 1.0 {
            let budget = self.margin_available() * self.leverage * size.abs();
            let units = py_int(py_floor_div_checked(budget, per_unit)?)?;
            size = units.copysign(size);
            if size == 0.0 {
                self.warnings
                    .push(BrokerWarning::RelativeOrderCanceled { bar: self.i });
                self.remove_order(id);
                return Ok(false);
            }
        }
        let mut need = size;
        // `need_size` is a Python int until a float-sized trade is netted.
        let mut need_is_int = true;

        if !self.hedging {
            // FIFO: close or reduce opposite trades, oldest first, at the
            // raw price. A full close removes the trade at `t`, so `t` then
            // names the next one.
            let mut t = 0;
            while t < self.trades.len() {
                let trade = &self.trades[t];
                if (trade.size > 0.0) == is_long {
                    t += 1;
                    continue;
                }
                let trade_size = trade.size;
                if need.abs() >= trade_size.abs() {
                    let closed = self.trades.remove(t);
                    need_is_int &= closed.int_size;
                    self.settle(closed, price, bar);
                    need += trade_size;
                } else {
                    self.reduce_trade(t, price, need, need_is_int, bar);
                    need = 0.0;
                }
                if need == 0.0 {
                    break;
                }
            }
        }

        if need.abs() * per_unit > self.margin_available() * self.leverage {
            self.remove_order(id);
            return Ok(false);
        }

        let mut rerun = false;
        if need != 0.0 {
            let opened = (adjusted, need, need_is_int);
            self.open_trade(opened, order.sl, order.tp, bar, order.tag)?;
            let (sl, tp) = (truthy(order.sl), truthy(order.tp));
            if sl.is_some() || tp.is_some() {
                let (low, high) = (self.bar.low, self.bar.high);
                let is_market = order.limit.is_none() && stop_price.is_none();
                if is_market {
                    rerun = true;
                } else if stop_price.is_some()
                    && order.limit.is_none()
                    && let Some(tp) = tp
                    && ((is_long && tp <= high && sl.unwrap_or(f64::NEG_INFINITY) < low)
                        || (!is_long && tp >= low && sl.unwrap_or(f64::INFINITY) > high))
                {
                    // Stop entry and TP in the same direction, SL outside
                    // the bar: not ambiguous.
                    rerun = true;
                } else {
                    let inside = |x: Option<f64>| {
                        let x = x.unwrap_or(f64::NEG_INFINITY);
                        low <= x && x <= high
                    };
                    if inside(sl) || inside(tp) {
                        self.warnings
                            .push(BrokerWarning::ContingentSameBar { bar: self.i });
                    }
                }
            }
        }
        self.remove_order(id);
        Ok(rerun)
    }

    fn remove_order(&mut self, id: OrderId) {
        if let Some(k) = self.order_index(id) {
            self.orders.remove(k);
        }
    }
}
