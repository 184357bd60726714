//! Streaming statistics over the equity curve, sampled at each market event:
//! no per-event storage, so a 100M-tick backtest costs no memory here.

use serde::{Deserialize, Serialize};

use crate::portfolio::Trade;

/// Running moments of the equity curve.
#[derive(Debug, Clone, Default)]
pub struct EquityStats {
    samples: u64,
    exposed: u64,
    first_time: i64,
    last_time: i64,
    last_equity: f64,
    peak: f64,
    max_dd: f64,
    // Welford over simple returns.
    mean: f64,
    m2: f64,
    downside_sq: f64,
    returns: u64,
}

/// End-of-run statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Closed trades.
    pub trades: u64,
    /// Starting cash.
    pub equity_start: f64,
    /// Final equity.
    pub equity_final: f64,
    /// Return, percent.
    pub return_pct: f64,
    /// Largest peak-to-trough drawdown, percent.
    pub max_drawdown_pct: f64,
    /// Annualised Sharpe ratio (risk-free 0).
    pub sharpe: f64,
    /// Annualised Sortino ratio.
    pub sortino: f64,
    /// Winning trades over all trades, percent.
    pub win_rate_pct: f64,
    /// Gross profit over gross loss.
    pub profit_factor: f64,
    /// Share of market events with a position open, percent.
    pub exposure_pct: f64,
    /// Market events seen.
    pub market_events: u64,
}

impl EquityStats {
    /// Starts with the initial equity.
    pub fn new(initial_equity: f64) -> Self {
        Self {
            last_equity: initial_equity,
            peak: initial_equity,
            ..Self::default()
        }
    }

    /// Adds a sample.
    #[inline]
    pub fn sample(&mut self, time_ns: i64, equity: f64, exposed: bool) {
        if self.samples == 0 {
            self.first_time = time_ns;
        } else if self.last_equity != 0.0 {
            let r = equity / self.last_equity - 1.0;
            self.returns += 1;
            let d = r - self.mean;
            self.mean += d / self.returns as f64;
            self.m2 += d * (r - self.mean);
            if r < 0.0 {
                self.downside_sq += r * r;
            }
        }
        self.samples += 1;
        self.exposed += u64::from(exposed);
        self.last_time = time_ns;
        self.last_equity = equity;
        self.update_drawdown(equity);
    }

    /// Updates the drawdown with an equity value that is not a sample (the
    /// equity after the final close-out).
    pub fn update_drawdown(&mut self, equity: f64) {
        if equity > self.peak {
            self.peak = equity;
        }
        if self.peak > 0.0 {
            self.max_dd = self.max_dd.max((self.peak - equity) / self.peak);
        }
    }

    /// Largest drawdown so far, as a ratio.
    pub fn max_drawdown(&self) -> f64 {
        self.max_dd
    }

    /// Current drawdown from peak, percent.
    pub fn drawdown_pct(&self, equity: f64) -> f64 {
        if self.peak > 0.0 && equity < self.peak {
            (self.peak - equity) / self.peak * 100.0
        } else {
            0.0
        }
    }

    /// Builds the summary.
    pub fn summary(
        &self,
        start_cash: f64,
        final_equity: f64,
        trades: &[Trade],
        year_ns: f64,
    ) -> Summary {
        let span = (self.last_time - self.first_time) as f64;
        let periods_per_year = if self.samples > 1 && span > 0.0 {
            year_ns / (span / (self.samples - 1) as f64)
        } else {
            0.0
        };
        let std = if self.returns > 1 {
            (self.m2 / (self.returns - 1) as f64).sqrt()
        } else {
            0.0
        };
        let downside = if self.returns > 0 {
            (self.downside_sq / self.returns as f64).sqrt()
        } else {
            0.0
        };
        let ratio = |den: f64| {
            if den > 0.0 {
                self.mean / den * periods_per_year.sqrt()
            } else {
                0.0
            }
        };
        let wins = trades.iter().filter(|t| t.pnl > 0.0).count();
        let gross_win: f64 = trades.iter().filter(|t| t.pnl > 0.0).map(|t| t.pnl).sum();
        let gross_loss: f64 = trades.iter().filter(|t| t.pnl < 0.0).map(|t| -t.pnl).sum();
        Summary {
            trades: trades.len() as u64,
            equity_start: start_cash,
            equity_final: final_equity,
            return_pct: (final_equity / start_cash - 1.0) * 100.0,
            max_drawdown_pct: self.max_dd * 100.0,
            sharpe: ratio(std),
            sortino: ratio(downside),
            win_rate_pct: if trades.is_empty() {
                0.0
            } else {
                wins as f64 / trades.len() as f64 * 100.0
            },
            profit_factor: if gross_loss > 0.0 {
                gross_win / gross_loss
            } else if gross_win > 0.0 {
                f64::INFINITY
            } else {
                0.0
            },
            exposure_pct: if self.samples > 0 {
                self.exposed as f64 / self.samples as f64 * 100.0
            } else {
                0.0
            },
            market_events: self.samples,
        }
    }
}
