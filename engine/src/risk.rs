//! Pre-trade risk checks and the drawdown kill switch.

use std::collections::VecDeque;

use crate::config::{KillMode, RiskLimits};
use crate::event::{OrderIntent, Quantity, RiskReason, RiskReject};

/// Risk state: the order-rate window and the kill switch.
#[derive(Debug, Clone)]
pub struct Risk {
    limits: RiskLimits,
    recent: VecDeque<i64>,
    killed: bool,
}

const SECOND_NS: i64 = 1_000_000_000;

/// What the checks need to know about the account at the order.
#[derive(Debug, Clone, Copy)]
pub struct RiskBook {
    /// Equity.
    pub equity: f64,
    /// Position plus what working fixed-size orders would add.
    pub projected_position: f64,
    /// Working orders.
    pub open_orders: usize,
    /// The instrument's last mark.
    pub mark: f64,
    /// A liquidation the engine must make (margin call): passes a halt.
    pub forced: bool,
}

impl Risk {
    /// Risk checks with the given limits.
    pub fn new(limits: RiskLimits) -> Self {
        Self {
            limits,
            recent: VecDeque::new(),
            killed: false,
        }
    }

    /// Whether the kill switch is engaged.
    pub fn killed(&self) -> bool {
        self.killed
    }

    /// What the engaged kill switch allows (its configured mode).
    pub fn kill_mode(&self) -> KillMode {
        self.limits.kill_mode
    }

    /// Engages the kill switch unconditionally (margin call).
    pub fn engage(&mut self) {
        self.killed = true;
    }

    /// Releases the kill switch (an operator's decision): orders pass the
    /// limits again. A drawdown still beyond the limit engages it again at
    /// the next mark.
    pub fn release(&mut self) {
        self.killed = false;
    }

    /// Engages the kill switch if the drawdown reached the limit; returns the
    /// limit when it engaged just now.
    pub fn check_drawdown(&mut self, drawdown_pct: f64) -> Option<f64> {
        let limit = self.limits.max_drawdown_pct?;
        if !self.killed && drawdown_pct >= limit {
            self.killed = true;
            return Some(limit);
        }
        None
    }

    /// Checks an order against the limits, given the working orders and the
    /// instrument's last mark. Orders that only reduce a position pass every
    /// limit (a limit must never trap a position open) unless the kill
    /// switch halted trading.
    pub fn check(
        &mut self,
        time_ns: i64,
        intent: &OrderIntent,
        book: &RiskBook,
    ) -> Result<(), RiskReject> {
        let reject = |reason, value, limit| RiskReject {
            client_id: intent.client_id,
            reason,
            value,
            limit,
        };
        if self.killed && self.limits.kill_mode == KillMode::Halted && !book.forced {
            return Err(reject(RiskReason::Halted, 1.0, 0.0));
        }
        if intent.reduce_only {
            return Ok(());
        }
        if self.killed {
            return Err(reject(RiskReason::KillSwitch, 1.0, 0.0));
        }
        if let Some(limit) = self.limits.max_open_orders
            && book.open_orders >= limit as usize
        {
            return Err(reject(
                RiskReason::MaxOpenOrders,
                book.open_orders as f64 + 1.0,
                f64::from(limit),
            ));
        }
        // Limit, stop and stop-limit prices alike.
        if let Some(band) = self.limits.price_band_pct
            && book.mark > 0.0
        {
            for px in intent.order_type.prices() {
                let off = (px - book.mark).abs() / book.mark * 100.0;
                if off > band {
                    return Err(reject(RiskReason::PriceBand, off, band));
                }
            }
        }
        let (equity, projected_position) = (book.equity, book.projected_position);
        let price = intent.reference_price;
        let units = match intent.quantity {
            Quantity::Units(u) => u,
            Quantity::EquityFraction(f) => (f * equity.max(0.0) / price).floor(),
        };
        if let Some(limit) = self.limits.max_order_notional {
            let notional = units * price;
            if notional > limit {
                return Err(reject(RiskReason::MaxOrderNotional, notional, limit));
            }
        }
        if let Some(limit) = self.limits.max_position {
            let after = (projected_position + units * intent.side.sign()).abs();
            if after > limit {
                return Err(reject(RiskReason::MaxPosition, after, limit));
            }
        }
        if let Some(limit) = self.limits.max_orders_per_sec {
            while self
                .recent
                .front()
                .is_some_and(|&t| t <= time_ns - SECOND_NS)
            {
                self.recent.pop_front();
            }
            if self.recent.len() >= limit as usize {
                return Err(reject(
                    RiskReason::MaxOrderRate,
                    self.recent.len() as f64 + 1.0,
                    f64::from(limit),
                ));
            }
            self.recent.push_back(time_ns);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::OrderType;
    use crate::market::Side;

    fn order(client_id: u64, order_type: OrderType) -> OrderIntent {
        OrderIntent {
            client_id,
            instrument: 0,
            side: Side::Buy,
            quantity: Quantity::Units(1.0),
            order_type,
            reference_price: 100.0,
            reduce_only: false,
        }
    }

    fn book(open_orders: usize) -> RiskBook {
        RiskBook {
            equity: 1e6,
            projected_position: 0.0,
            open_orders,
            mark: 100.0,
            forced: false,
        }
    }

    #[test]
    fn open_orders_and_the_price_band_are_limited() {
        let mut r = Risk::new(RiskLimits {
            max_open_orders: Some(2),
            price_band_pct: Some(5.0),
            ..RiskLimits::default()
        });
        assert!(r.check(0, &order(1, OrderType::Market), &book(1)).is_ok());
        let e = r
            .check(0, &order(2, OrderType::Market), &book(2))
            .unwrap_err();
        assert_eq!(
            (e.reason, e.value, e.limit),
            (RiskReason::MaxOpenOrders, 3.0, 2.0)
        );
        assert!(
            r.check(0, &order(3, OrderType::Limit(104.0)), &book(0))
                .is_ok()
        );
        let e = r
            .check(0, &order(4, OrderType::Limit(94.0)), &book(0))
            .unwrap_err();
        assert_eq!(e.reason, RiskReason::PriceBand);
        assert!((e.value - 6.0).abs() < 1e-9 && e.limit == 5.0, "{e:?}");
    }

    #[test]
    fn halted_passes_only_forced_close_outs() {
        let mut r = Risk::new(RiskLimits {
            kill_mode: KillMode::Halted,
            ..RiskLimits::default()
        });
        r.engage();
        let mut close = order(1, OrderType::Market);
        close.reduce_only = true;
        assert_eq!(
            r.check(0, &close, &book(0)).unwrap_err().reason,
            RiskReason::Halted
        );
        let forced = RiskBook {
            forced: true,
            ..book(0)
        };
        assert!(r.check(0, &close, &forced).is_ok());
        assert_eq!(
            r.check(0, &order(2, OrderType::Market), &forced)
                .unwrap_err()
                .reason,
            RiskReason::KillSwitch,
            "forced lets close-outs through, not new positions"
        );
    }
}
