//! Pre-trade risk checks and the drawdown kill switch.

use std::collections::VecDeque;

use crate::config::RiskLimits;
use crate::event::{OrderIntent, Quantity, RiskReason, RiskReject};

/// Risk state: the order-rate window and the kill switch.
#[derive(Debug, Clone)]
pub struct Risk {
    limits: RiskLimits,
    recent: VecDeque<i64>,
    killed: bool,
}

const SECOND_NS: i64 = 1_000_000_000;

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

    /// Engages the kill switch unconditionally (margin call).
    pub fn engage(&mut self) {
        self.killed = true;
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

    /// Checks an order. Orders that only reduce a position always pass: a
    /// limit must never trap a position open.
    pub fn check(
        &mut self,
        time_ns: i64,
        intent: &OrderIntent,
        equity: f64,
        projected_position: f64,
    ) -> Result<(), RiskReject> {
        if intent.reduce_only {
            return Ok(());
        }
        let reject = |reason, value, limit| RiskReject {
            client_id: intent.client_id,
            reason,
            value,
            limit,
        };
        if self.killed {
            return Err(reject(RiskReason::KillSwitch, 1.0, 0.0));
        }
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
