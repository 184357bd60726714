//! Live sizing of equity-relative orders (`all_in`, `fraction`).
//!
//! A backtest leaves an entry's size to the simulated exchange, which
//! resolves the equity fraction into whole units at the fill price. An
//! order sent to a venue needs its quantity when it is sent, so a live
//! session journals a [`SizingBasis`] per instrument (the venue's quantity
//! step, the fee headroom and, outside paper mode, the quote balance) and
//! the engine resolves the fraction when it creates the order, into units
//! that go into the journaled `OrderIntent`. The balance is itself a
//! journaled input, moved by the journaled fills, so a replay computes the
//! same quantity bit for bit and never asks the venue. Without a basis
//! (backtests) nothing changes.

use std::collections::BTreeMap;

use crate::event::{Fill, SizingBasis};
use crate::market::InstrumentId;
use crate::portfolio::Portfolio;

/// One instrument's basis.
#[derive(Debug, Clone)]
struct Basis {
    step: f64,
    fee_rate: f64,
    /// The quote asset whose venue balance sizes this instrument's orders;
    /// `None`: the engine's own account (paper mode).
    quote: Option<String>,
}

/// The sizing bases of a live session and the venue balances they track.
#[derive(Debug, Clone, Default)]
pub struct LiveSizing {
    bases: Vec<Option<Basis>>,
    /// Free balance per quote asset: the venue's when last journaled, moved
    /// by every fill since.
    balances: BTreeMap<String, f64>,
}

/// `value` floored to a multiple of `step` (no step: `value` itself). The
/// division is trusted to 1e-12 relative, so a value on a multiple that
/// the division puts a hair below it (0.3 / 0.1) stays on it. A step whose
/// inverse is a whole number divides by that inverse, so the result is the
/// double nearest to the decimal quantity and prints as it.
pub fn floor_to_step(value: f64, step: f64) -> f64 {
    if step.is_nan() || step <= 0.0 {
        return value;
    }
    let steps = (value / step * (1.0 + 1e-12)).floor();
    let inverse = (1.0 / step).round();
    if inverse >= 1.0 && inverse * step == 1.0 {
        steps / inverse
    } else {
        steps * step
    }
}

impl LiveSizing {
    /// Takes a journaled basis (a newer one replaces it; its balance
    /// replaces the tracked one).
    pub fn set(&mut self, b: &SizingBasis) {
        let i = b.instrument as usize;
        if self.bases.len() <= i {
            self.bases.resize(i + 1, None);
        }
        if let Some((asset, free)) = &b.quote {
            self.balances.insert(asset.clone(), *free);
        }
        self.bases[i] = Some(Basis {
            step: b.step,
            fee_rate: b.fee_rate,
            quote: b.quote.as_ref().map(|(asset, _)| asset.clone()),
        });
    }

    /// Moves the quote balance by a fill: a buy pays its notional, a sell
    /// receives it, both pay the commission (in quote units).
    pub fn on_fill(&mut self, f: &Fill) {
        let Some(Some(Basis {
            quote: Some(asset), ..
        })) = self.bases.get(f.instrument as usize)
        else {
            return;
        };
        if let Some(free) = self.balances.get_mut(asset) {
            *free -= f.side.sign() * f.quantity * f.price + f.commission;
        }
    }

    /// The units of an entry of `fraction` at `price`, or `None` without a
    /// basis. Sized as the backtest sizes a relative order,
    /// `fraction × available / (price × (1 + fee_rate))`, floored to the
    /// step, where `available` is what the account holds once the position
    /// the engine closes just before the entry is closed at `price`:
    /// - venue: the quote balance plus the close's proceeds (a long sold
    ///   adds, a short bought back costs), less its commission;
    /// - paper: the simulated account's equity less what the other
    ///   instruments' positions hold (its margin available then).
    pub fn units(
        &self,
        instrument: InstrumentId,
        fraction: f64,
        price: f64,
        portfolio: &Portfolio,
    ) -> Option<f64> {
        let b = self.bases.get(instrument as usize)?.as_ref()?;
        let position = portfolio.position(instrument);
        let available = match &b.quote {
            Some(asset) => {
                let free = self.balances.get(asset).copied().unwrap_or(0.0);
                free + position * price - position.abs() * price * b.fee_rate
            }
            None => {
                let mut held = 0.0;
                for j in 0..portfolio.instruments() as InstrumentId {
                    if j != instrument {
                        held += portfolio.position(j).abs() * portfolio.mark(j);
                    }
                }
                portfolio.equity() - held
            }
        };
        let units = fraction * available.max(0.0) / (price * (1.0 + b.fee_rate));
        Some(if units.is_finite() {
            floor_to_step(units, b.step)
        } else {
            0.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Side;

    fn basis(quote: Option<(&str, f64)>) -> SizingBasis {
        SizingBasis {
            instrument: 0,
            step: 0.00001,
            fee_rate: 0.001,
            quote: quote.map(|(a, v)| (a.to_string(), v)),
        }
    }

    fn fill(side: Side, quantity: f64, price: f64, commission: f64) -> Fill {
        Fill {
            client_id: 1,
            instrument: 0,
            side,
            quantity,
            price,
            commission,
            last: true,
        }
    }

    #[test]
    fn floors_to_the_step_and_prints_as_the_decimal() {
        assert_eq!(floor_to_step(1.2345678, 0.00001), 1.23456);
        assert_eq!(floor_to_step(0.3, 0.1), 0.3);
        assert_eq!(floor_to_step(0.29, 0.01), 0.29);
        assert_eq!(floor_to_step(0.2999999, 0.1), 0.2);
        assert_eq!(floor_to_step(0.0199999, 0.00001).to_string(), "0.01999");
        assert_eq!(floor_to_step(7.9, 2.5), 7.5);
        assert_eq!(floor_to_step(99.7, 1.0), 99.0);
        assert_eq!(floor_to_step(0.123, 0.0), 0.123);
    }

    #[test]
    fn without_a_basis_nothing_is_sized() {
        let s = LiveSizing::default();
        assert_eq!(s.units(0, 0.5, 100.0, &Portfolio::new(1000.0, 1)), None);
    }

    #[test]
    fn venue_balance_sizes_and_fills_move_it() {
        let mut s = LiveSizing::default();
        s.set(&basis(Some(("USDT", 10_000.0))));
        let mut p = Portfolio::new(1.0, 1);
        let want = floor_to_step(0.5 * 10_000.0 / (50_000.0 * 1.001), 0.00001);
        assert_eq!(s.units(0, 0.5, 50_000.0, &p), Some(want));
        assert_eq!(want, 0.09990);
        // Bought 0.1 at 50 000 with 5 commission: 4 995 left.
        let f = fill(Side::Buy, 0.1, 50_000.0, 5.0);
        s.on_fill(&f);
        p.apply_fill(&f, 0, 0);
        assert_eq!(s.balances["USDT"], 4_995.0);
        // Reversing: the long's sale (less its commission) is available.
        let available = 4_995.0 + 0.1 * 40_000.0 - 0.1 * 40_000.0 * 0.001;
        let want = floor_to_step(available / (40_000.0 * 1.001), 0.00001);
        assert_eq!(s.units(0, 1.0, 40_000.0, &p), Some(want));
        // A newer basis replaces the tracked balance.
        s.set(&basis(Some(("USDT", 123.0))));
        assert_eq!(s.balances["USDT"], 123.0);
    }

    #[test]
    fn paper_sizes_from_the_account_once_the_position_is_closed() {
        let mut s = LiveSizing::default();
        s.set(&basis(None));
        let mut p = Portfolio::new(100_000.0, 1);
        p.apply_fill(&fill(Side::Buy, 1.0, 50_000.0, 0.0), 0, 0);
        p.set_mark(0, 60_000.0);
        // Equity 110 000, all of it available once the long is sold.
        let want = floor_to_step(110_000.0 / (60_000.0 * 1.001), 0.00001);
        assert_eq!(s.units(0, 1.0, 60_000.0, &p), Some(want));
    }
}
