//! Cash, positions as FIFO lots, marks, realised trades.
//!
//! Accounting follows the margin model of backtesting.py: cash changes by
//! realised PnL (and commissions), open lots contribute their unrealised
//! PnL, so `equity = cash + Σ qty × (mark − entry)`.

use serde::{Deserialize, Serialize};

use crate::event::Fill;
use crate::market::InstrumentId;

/// An open lot.
#[derive(Debug, Clone, PartialEq)]
struct Lot {
    qty: f64,
    price: f64,
    time_ns: i64,
    bar: u64,
    commission: f64,
}

/// A closed round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Signed size: positive long, negative short.
    pub size: f64,
    /// Entry price.
    pub entry_price: f64,
    /// Exit price.
    pub exit_price: f64,
    /// Entry event time.
    pub entry_time_ns: i64,
    /// Exit event time.
    pub exit_time_ns: i64,
    /// Index of the entry bar (or tick) for the instrument.
    pub entry_bar: u64,
    /// Index of the exit bar (or tick).
    pub exit_bar: u64,
    /// PnL after commissions.
    pub pnl: f64,
    /// Commissions of the entry and exit, in cash.
    pub commission: f64,
}

impl Trade {
    /// The trade's return: the price move in its direction, less its
    /// commissions per unit of entry value (backtesting.py's
    /// `Trade.pl_pct`, as a ratio).
    pub fn return_ratio(&self) -> f64 {
        let gross = self.size.signum() * (self.exit_price / self.entry_price - 1.0);
        gross - self.commission / (self.size.abs() * self.entry_price)
    }
}

/// The account.
#[derive(Debug, Clone)]
pub struct Portfolio {
    cash: f64,
    lots: Vec<Vec<Lot>>,
    marks: Vec<f64>,
    /// Realised PnL per instrument, after commissions.
    realised: Vec<f64>,
    trades: Vec<Trade>,
}

impl Portfolio {
    /// A portfolio with `cash` over `instruments` instruments.
    pub fn new(cash: f64, instruments: usize) -> Self {
        Self {
            cash,
            lots: vec![Vec::new(); instruments],
            marks: vec![f64::NAN; instruments],
            realised: vec![0.0; instruments],
            trades: Vec::new(),
        }
    }

    /// Makes room for instruments `0..n`.
    pub fn ensure(&mut self, n: usize) {
        if self.lots.len() < n {
            self.lots.resize(n, Vec::new());
            self.marks.resize(n, f64::NAN);
            self.realised.resize(n, 0.0);
        }
    }

    /// Instruments it has room for.
    pub fn instruments(&self) -> usize {
        self.lots.len()
    }

    /// Cash (realised).
    pub fn cash(&self) -> f64 {
        self.cash
    }

    /// Signed position in units.
    pub fn position(&self, instrument: InstrumentId) -> f64 {
        self.lots
            .get(instrument as usize)
            .map_or(0.0, |lots| lots.iter().map(|l| l.qty).sum())
    }

    /// Whether any position is open.
    pub fn is_exposed(&self) -> bool {
        self.lots.iter().any(|l| !l.is_empty())
    }

    /// Latest mark of an instrument.
    pub fn mark(&self, instrument: InstrumentId) -> f64 {
        self.marks
            .get(instrument as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Sets the mark price.
    pub fn set_mark(&mut self, instrument: InstrumentId, price: f64) {
        if let Some(m) = self.marks.get_mut(instrument as usize) {
            *m = price;
        }
    }

    /// Cash plus unrealised PnL at the marks.
    pub fn equity(&self) -> f64 {
        let mut e = self.cash;
        for (lots, &mark) in self.lots.iter().zip(&self.marks) {
            for l in lots {
                e += l.qty * (mark - l.price);
            }
        }
        e
    }

    /// Equity minus the value held in open lots (at the marks), floored at 0:
    /// what a relative-sized order may use.
    pub fn margin_available(&self) -> f64 {
        let mut used = 0.0;
        for (lots, &mark) in self.lots.iter().zip(&self.marks) {
            for l in lots {
                used += l.qty.abs() * mark;
            }
        }
        (self.equity() - used).max(0.0)
    }

    /// Realised plus unrealised PnL of one instrument, after commissions.
    pub fn instrument_pnl(&self, instrument: InstrumentId) -> f64 {
        let i = instrument as usize;
        let mark = self.marks.get(i).copied().unwrap_or(f64::NAN);
        let open: f64 = self.lots.get(i).map_or(0.0, |lots| {
            lots.iter().map(|l| l.qty * (mark - l.price)).sum()
        });
        self.realised.get(i).copied().unwrap_or(0.0) + open
    }

    /// Closed trades so far.
    pub fn trades(&self) -> &[Trade] {
        &self.trades
    }

    /// Applies an execution: closes opposite lots first-in first-out, opens a
    /// lot with what remains.
    pub fn apply_fill(&mut self, fill: &Fill, time_ns: i64, bar: u64) {
        let Fill {
            instrument,
            side,
            quantity,
            price,
            commission,
            ..
        } = *fill;
        let Some(lots) = self.lots.get_mut(instrument as usize) else {
            return;
        };
        self.cash -= commission;
        if let Some(r) = self.realised.get_mut(instrument as usize) {
            *r -= commission;
        }
        let mut remaining = quantity * side.sign();
        let per_unit_commission = if quantity > 0.0 {
            commission / quantity
        } else {
            0.0
        };
        while remaining != 0.0 {
            let Some(lot) = lots.first_mut() else { break };
            if lot.qty.signum() == remaining.signum() {
                break;
            }
            let closed = if remaining.abs() >= lot.qty.abs() {
                lot.qty
            } else {
                -remaining
            };
            let gross = closed * (price - lot.price);
            self.cash += gross;
            if let Some(r) = self.realised.get_mut(instrument as usize) {
                *r += gross;
            }
            let entry_commission = lot.commission * (closed / lot.qty);
            let exit_commission = per_unit_commission * closed.abs();
            self.trades.push(Trade {
                instrument,
                size: closed,
                entry_price: lot.price,
                exit_price: price,
                entry_time_ns: lot.time_ns,
                exit_time_ns: time_ns,
                entry_bar: lot.bar,
                exit_bar: bar,
                pnl: gross - entry_commission - exit_commission,
                commission: entry_commission + exit_commission,
            });
            lot.commission -= entry_commission;
            lot.qty -= closed;
            remaining += closed;
            if lot.qty == 0.0 {
                lots.remove(0);
            }
        }
        if remaining != 0.0 {
            lots.push(Lot {
                qty: remaining,
                price,
                time_ns,
                bar,
                commission: per_unit_commission * remaining.abs(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Side;

    fn fill(side: Side, quantity: f64, price: f64, commission: f64) -> Fill {
        Fill {
            client_id: 0,
            instrument: 0,
            side,
            quantity,
            price,
            commission,
            last: true,
        }
    }

    #[test]
    fn long_then_reverse_realises_pnl() {
        let mut p = Portfolio::new(1000.0, 1);
        p.apply_fill(&fill(Side::Buy, 10.0, 50.0, 0.0), 1, 1);
        p.set_mark(0, 55.0);
        assert_eq!(p.equity(), 1050.0);
        assert_eq!(p.position(0), 10.0);
        p.apply_fill(&fill(Side::Sell, 15.0, 60.0, 0.0), 2, 2);
        assert_eq!(p.cash(), 1100.0);
        assert_eq!(p.position(0), -5.0);
        assert_eq!(p.trades().len(), 1);
        assert_eq!(p.trades()[0].pnl, 100.0);
        p.apply_fill(&fill(Side::Buy, 5.0, 40.0, 1.0), 3, 3);
        assert_eq!(p.cash(), 1100.0 - 1.0 + 100.0);
        assert_eq!(p.trades()[1].pnl, 99.0);
        assert!(!p.is_exposed());
    }
}
