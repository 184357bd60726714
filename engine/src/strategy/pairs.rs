//! Pairs trading: two instruments, one account. The classic statistical
//! arbitrage rule on the spread of their log prices.
//!
//! With legs `A` and `B` (symbols), a window `n`, `entry_z` and `exit_z`, on
//! every market event of either leg once both have `n` prices in step:
//!
//! - the spread is `ln(A) - ln(B)` at the legs' last prices (one sample per
//!   event of leg `A`, so the window advances with `A`'s bars), and
//!   `z = (spread - mean) / σ` over the last `n` samples;
//! - **flat**, `z > entry_z`: A is rich: sell A and buy B; `z < -entry_z`:
//!   buy A and sell B. Each leg gets `fraction` of the equity, in whole
//!   units at its last price;
//! - **in a trade**, `|z| < exit_z` (or the sign of `z` flipped): both legs
//!   are closed.
//!
//! Both legs are market orders through the same risk checks as any order;
//! the position of each leg is read from the account, so a rejected or
//! unfilled leg leaves the strategy flat on that leg and it closes what
//! filled at the next exit. The model slots are not consulted.

use std::collections::VecDeque;

use crate::event::Quantity;
use crate::market::{InstrumentId, Side};

use super::{Context, MarketEvent, OrderRequest, Strategy};

/// The pairs strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct Pairs {
    legs: [String; 2],
    /// The legs' instrument ids, once declared.
    ids: [Option<InstrumentId>; 2],
    n: usize,
    entry_z: f64,
    exit_z: f64,
    fraction: f64,
    spreads: VecDeque<f64>,
    /// +1: long A short B; -1: short A long B; 0: flat.
    side: i8,
}

impl Pairs {
    /// A pairs strategy on symbols `a` and `b`.
    pub fn new([a, b]: [String; 2], n: usize, entry_z: f64, exit_z: f64, fraction: f64) -> Self {
        Self {
            legs: [a, b],
            ids: [None, None],
            n,
            entry_z,
            exit_z,
            fraction,
            spreads: VecDeque::with_capacity(n + 1),
            side: 0,
        }
    }

    /// The spread's z-score over the window, once it is full.
    fn z(&self) -> Option<f64> {
        if self.spreads.len() < self.n {
            return None;
        }
        let n = self.n as f64;
        let mean = self.spreads.iter().sum::<f64>() / n;
        let var = self.spreads.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let last = *self.spreads.back()?;
        let sd = var.sqrt();
        (sd > 0.0).then(|| (last - mean) / sd)
    }

    fn enter(&mut self, ctx: &mut Context<'_>, side: i8, [a, b]: [InstrumentId; 2]) {
        let equity = ctx.portfolio().equity();
        for (id, sign) in [(a, side), (b, -side)] {
            let price = ctx.portfolio().mark(id);
            let units = (equity * self.fraction / price).floor();
            // Also skips a NaN (no price yet).
            if units.is_nan() || units < 1.0 {
                continue;
            }
            let side = if sign > 0 { Side::Buy } else { Side::Sell };
            // A refusal is journaled; the leg stays flat.
            let _ = ctx.submit(OrderRequest::market(
                id,
                side,
                Quantity::Units(units),
                price,
            ));
        }
        self.side = side;
    }

    fn exit(&mut self, ctx: &mut Context<'_>, ids: [InstrumentId; 2]) {
        for id in ids {
            if ctx.position(id) != 0.0 {
                let _ = ctx.close_position(id);
            }
        }
        self.side = 0;
    }
}

impl Strategy for Pairs {
    fn on_instrument(&mut self, id: InstrumentId, symbol: &str) {
        for (leg, slot) in self.legs.iter().zip(self.ids.iter_mut()) {
            if leg == symbol {
                *slot = Some(id);
            }
        }
    }

    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let [Some(a), Some(b)] = self.ids else {
            return;
        };
        if e.instrument != a && e.instrument != b {
            return;
        }
        let (pa, pb) = (ctx.portfolio().mark(a), ctx.portfolio().mark(b));
        if !(pa > 0.0 && pb > 0.0) {
            return;
        }
        if e.instrument == a {
            self.spreads.push_back(pa.ln() - pb.ln());
            if self.spreads.len() > self.n {
                self.spreads.pop_front();
            }
        }
        let Some(z) = self.z() else {
            return;
        };
        match self.side {
            0 if z > self.entry_z => self.enter(ctx, -1, [a, b]),
            0 if z < -self.entry_z => self.enter(ctx, 1, [a, b]),
            0 => {}
            side => {
                // Long A (side +1) was entered on a low z: exit once it
                // came back within exit_z, or overshot to the other side.
                if z.abs() < self.exit_z || z * f64::from(side) > 0.0 {
                    self.exit(ctx, [a, b]);
                }
            }
        }
    }
}
