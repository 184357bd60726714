//! Statistics over closed trades, as backtesting.py 0.6 defines them.
//! Undefined values (no trades, no losses) are NaN, as there.

use crate::portfolio::Trade;

/// backtesting.py's `geometric_mean`: 0 when any return is -100 % or worse.
pub fn geometric_mean(returns: &[f64]) -> f64 {
    let n = returns.len();
    let mut log_sum = 0.0;
    for &r in returns {
        // pandas' fillna(0): a missing return counts as 0.
        let g = if r.is_nan() { 1.0 } else { 1.0 + r };
        if g <= 0.0 {
            return 0.0;
        }
        log_sum += g.ln();
    }
    (log_sum / if n == 0 { f64::NAN } else { n as f64 }).exp() - 1.0
}

/// Mean, NaN when empty.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation (ddof 1), two-pass; NaN under two values.
pub fn std(values: &[f64]) -> f64 {
    var(values).sqrt()
}

/// Sample variance (ddof 1), two-pass; NaN under two values.
pub fn var(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let m = mean(values);
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64
}

/// The per-trade statistics of a run.
#[derive(Debug, Clone, Copy)]
pub struct TradeStats {
    pub win_rate_pct: f64,
    pub best_trade_pct: f64,
    pub worst_trade_pct: f64,
    pub avg_trade_pct: f64,
    pub profit_factor: f64,
    pub expectancy_pct: f64,
    pub sqn: f64,
    pub kelly: f64,
    /// Longest and mean holding time, ns (NaN without trades).
    pub max_duration_ns: f64,
    pub avg_duration_ns: f64,
    pub commissions: f64,
}

impl TradeStats {
    pub fn of(trades: &[Trade]) -> Self {
        let n = trades.len();
        let pl: Vec<f64> = trades.iter().map(|t| t.pnl).collect();
        let returns: Vec<f64> = trades.iter().map(Trade::return_ratio).collect();
        let durations: Vec<f64> = trades
            .iter()
            .map(|t| (t.exit_time_ns - t.entry_time_ns) as f64)
            .collect();
        let win_rate = if n == 0 {
            f64::NAN
        } else {
            pl.iter().filter(|p| **p > 0.0).count() as f64 / n as f64
        };
        let wins: Vec<f64> = pl.iter().copied().filter(|p| *p > 0.0).collect();
        let losses: Vec<f64> = pl.iter().copied().filter(|p| *p < 0.0).collect();
        let gain: f64 = returns.iter().filter(|r| **r > 0.0).sum();
        let loss: f64 = returns.iter().filter(|r| **r < 0.0).sum::<f64>().abs();
        let pl_std = std(&pl);
        Self {
            win_rate_pct: win_rate * 100.0,
            best_trade_pct: fold_or_nan(&returns, f64::max) * 100.0,
            worst_trade_pct: fold_or_nan(&returns, f64::min) * 100.0,
            avg_trade_pct: geometric_mean(&returns) * 100.0,
            profit_factor: gain / nan_if_zero(loss),
            expectancy_pct: mean(&returns) * 100.0,
            sqn: (n as f64).sqrt() * mean(&pl) / nan_if_zero(pl_std),
            kelly: win_rate - (1.0 - win_rate) / (mean(&wins) / -mean(&losses)),
            max_duration_ns: fold_or_nan(&durations, f64::max),
            avg_duration_ns: mean(&durations),
            commissions: trades.iter().fold(0.0, |sum, t| sum + t.commission),
        }
    }
}

/// Python's `x or nan`.
pub fn nan_if_zero(x: f64) -> f64 {
    if x == 0.0 { f64::NAN } else { x }
}

fn fold_or_nan(values: &[f64], f: fn(f64, f64) -> f64) -> f64 {
    values.iter().copied().reduce(f).unwrap_or(f64::NAN)
}

/// Share of `bars` during which a trade was open, percent: a trade covers
/// its entry bar through its exit bar (backtesting.py counts bars, not time).
pub fn exposure_pct(trades: &[Trade], bars: &[u64]) -> f64 {
    let total: u64 = bars.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let mut covered = 0u64;
    for (instrument, &n) in bars.iter().enumerate() {
        let mut spans: Vec<(u64, u64)> = trades
            .iter()
            .filter(|t| t.instrument as usize == instrument)
            .map(|t| (t.entry_bar.min(n), t.exit_bar.saturating_add(1).min(n)))
            .collect();
        spans.sort_unstable();
        let mut end = 0u64;
        for (a, b) in spans {
            let a = a.max(end);
            if b > a {
                covered += b - a;
                end = b;
            }
        }
    }
    covered as f64 / total as f64 * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(size: f64, entry: f64, exit: f64, pnl: f64, bars: (u64, u64)) -> Trade {
        Trade {
            instrument: 0,
            size,
            entry_price: entry,
            exit_price: exit,
            entry_time_ns: bars.0 as i64,
            exit_time_ns: bars.1 as i64,
            entry_bar: bars.0,
            exit_bar: bars.1,
            pnl,
            commission: 0.0,
        }
    }

    #[test]
    fn empty_runs_are_undefined_not_zero() {
        let s = TradeStats::of(&[]);
        assert!(s.win_rate_pct.is_nan() && s.sqn.is_nan() && s.avg_trade_pct.is_nan());
        assert!(s.profit_factor.is_nan() && s.best_trade_pct.is_nan());
    }

    #[test]
    fn backtesting_py_definitions() {
        let t = [
            trade(10.0, 100.0, 110.0, 100.0, (0, 3)),
            trade(-5.0, 110.0, 121.0, -55.0, (3, 5)),
            trade(2.0, 50.0, 60.0, 20.0, (8, 9)),
        ];
        let s = TradeStats::of(&t);
        assert!((s.win_rate_pct - 200.0 / 3.0).abs() < 1e-12);
        assert!((s.best_trade_pct - 20.0).abs() < 1e-12);
        assert!((s.worst_trade_pct + 10.0).abs() < 1e-12);
        // Profit factor of returns: (0.1 + 0.2) / 0.1.
        assert!((s.profit_factor - 3.0).abs() < 1e-12);
        let g = ((1.1f64 * 0.9 * 1.2).ln() / 3.0).exp() - 1.0;
        assert!((s.avg_trade_pct - g * 100.0).abs() < 1e-12);
        // Kelly: W - (1 - W) / (avg win / avg loss) = 2/3 - (1/3) / (60 / 55).
        assert!((s.kelly - (2.0 / 3.0 - (1.0 / 3.0) / (60.0 / 55.0))).abs() < 1e-12);
        assert_eq!(exposure_pct(&t, &[10]), 80.0);
    }
}
