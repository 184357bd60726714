//! End-of-run statistics with backtesting.py 0.6's definitions, so a user
//! moving from it sees the same numbers: equity resampled to daily (or
//! weekly, monthly, yearly) returns, annualised over 252 trading days (365
//! when a sixth of the data falls on weekends), geometric annual return,
//! its Sortino, Calmar, SQN, Kelly, drawdown durations and trade returns.
//!
//! Streaming: the equity curve is folded in sample by sample, keeping one
//! value per calendar day, so a 100M-tick backtest costs no memory here.
//! Samples are market events; with several instruments, buy & hold and beta
//! are measured against the first.
//!
//! Undefined values (no trades, one day of data, no losses) are NaN, as in
//! backtesting.py; the summary JSON writes them as `null`. Drawdowns are
//! positive magnitudes (backtesting.py prints them negative).

mod trades;

use serde::{Deserialize, Serialize};

use crate::calendar::{Bins, DAY_NS, ceil_days, day_number, resolution, weekday};
use crate::portfolio::Trade;
use trades::{TradeStats, exposure_pct, geometric_mean, mean, nan_if_zero, var};

/// How many of the newest timestamps give the data's period (pandas'
/// median of the last 100 index differences).
const PERIOD_WINDOW: usize = 100;

/// The equity curve so far, folded into what the summary needs.
#[derive(Debug, Clone, Default)]
pub struct EquityStats {
    /// Bars of the first instrument before the strategy can trade (buy &
    /// hold starts at this bar's close).
    warmup_bars: u64,
    samples: u64,
    first_time: i64,
    equity0: f64,
    /// The newest sample, folded in at the next one: the run's final
    /// equity (after a close-out) replaces its value, as backtesting.py
    /// overwrites its last equity.
    pending: Option<Sample>,
    last_folded: Option<Sample>,
    peak: f64,
    max_dd: f64,
    drawdowns: Drawdowns,
    /// Last equity per calendar day, in day order.
    days: Vec<(i64, f64)>,
    /// The newest day's time span `[start, end)` and whether it is a
    /// weekend: most samples fall in the same day as the one before, and
    /// then need no calendar arithmetic.
    day_span: (i64, i64),
    weekend_day: bool,
    weekend_samples: u64,
    /// The newest `PERIOD_WINDOW` timestamps, a ring: sample `i` at `i % PERIOD_WINDOW`.
    recent_times: Vec<i64>,
    beta: CoMoments,
    /// The first instrument: its close at the warm-up bar, its newest
    /// price, and its bars so far.
    hold_start: f64,
    market: f64,
    market_bars: u64,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    time_ns: i64,
    equity: f64,
    market: f64,
}

/// `ln(a / b)`, without calling `ln` when the ratio is exactly 1 (a flat
/// account's equity, an unchanged price), whose logarithm is exactly 0.
#[inline]
fn log_ratio(a: f64, b: f64) -> f64 {
    let r = a / b;
    if r == 1.0 { 0.0 } else { r.ln() }
}

/// Drawdown periods: from one new equity peak (drawdown exactly 0) to the
/// next, and to the last sample if it is in drawdown.
#[derive(Debug, Clone, Default)]
struct Drawdowns {
    last_zero: u64,
    last_zero_time: i64,
    depth: f64,
    count: u64,
    duration_sum: f64,
    duration_max: f64,
    depth_sum: f64,
}

impl Drawdowns {
    fn close(&mut self, index: u64, time_ns: i64) {
        if index > self.last_zero + 1 {
            let d = (time_ns - self.last_zero_time) as f64;
            self.count += 1;
            self.duration_sum += d;
            self.duration_max = self.duration_max.max(d);
            self.depth_sum += self.depth;
        }
    }
}

/// Running sums for the covariance of equity and market log returns.
/// Plain sums, no division per sample (this runs on every market event):
/// log returns have means near zero, so `Σxy − ΣxΣy/n` loses nothing
/// to cancellation.
#[derive(Debug, Clone, Default)]
struct CoMoments {
    n: u64,
    sx: f64,
    sy: f64,
    sxy: f64,
    syy: f64,
}

impl CoMoments {
    #[inline]
    fn push(&mut self, x: f64, y: f64) {
        self.n += 1;
        self.sx += x;
        self.sy += y;
        self.sxy += x * y;
        self.syy += y * y;
    }

    /// cov(x, y) / var(y); NaN under two pairs, as numpy's `cov` there.
    fn beta(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as f64;
        (self.sxy - self.sx * self.sy / n) / (self.syy - self.sy * self.sy / n)
    }
}

/// End-of-run statistics (backtesting.py's `Backtest.run()` keys, in
/// snake_case; durations in days).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Closed trades.
    pub trades: u64,
    /// Starting cash.
    pub equity_start: f64,
    /// Final equity.
    pub equity_final: f64,
    /// Highest equity.
    pub equity_peak: f64,
    /// Commissions paid on closed trades.
    pub commissions: f64,
    /// Return, percent.
    pub return_pct: f64,
    /// Buy & hold of the first instrument from the strategy's first
    /// tradable bar to the last close, percent.
    pub buy_hold_return_pct: f64,
    /// Geometric annual return, percent.
    pub return_ann_pct: f64,
    /// Annual volatility of daily returns (compounded), percent.
    pub volatility_ann_pct: f64,
    /// Compound annual growth over the calendar span, percent.
    pub cagr_pct: f64,
    /// Annual return over annual volatility.
    pub sharpe: f64,
    /// Annual return over annual downside deviation.
    pub sortino: f64,
    /// Annual return over the largest drawdown.
    pub calmar: f64,
    /// Return beyond beta times buy & hold, percent.
    pub alpha_pct: f64,
    /// Covariance of equity and market log returns over the market's variance.
    pub beta: f64,
    /// Largest peak-to-trough drawdown, percent (a positive magnitude).
    pub max_drawdown_pct: f64,
    /// Mean depth of the drawdown periods, percent.
    pub avg_drawdown_pct: f64,
    /// Longest drawdown period, days.
    pub max_drawdown_duration: f64,
    /// Mean drawdown period, days.
    pub avg_drawdown_duration: f64,
    /// Winning trades over all trades, percent.
    pub win_rate_pct: f64,
    /// Best trade return, percent.
    pub best_trade_pct: f64,
    /// Worst trade return, percent.
    pub worst_trade_pct: f64,
    /// Geometric mean trade return, percent.
    pub avg_trade_pct: f64,
    /// Longest trade, days.
    pub max_trade_duration: f64,
    /// Mean trade, days.
    pub avg_trade_duration: f64,
    /// Sum of winning trade returns over the sum of losing ones.
    pub profit_factor: f64,
    /// Arithmetic mean trade return, percent.
    pub expectancy_pct: f64,
    /// System quality number: √n · mean PnL / std PnL.
    pub sqn: f64,
    /// Kelly criterion.
    pub kelly: f64,
    /// Share of bars with a trade open, percent.
    pub exposure_pct: f64,
    /// Market events seen.
    pub market_events: u64,
}

impl EquityStats {
    /// Starts with the initial equity; buy & hold starts after
    /// `warmup_bars` bars of the first instrument.
    pub fn new(initial_equity: f64, warmup_bars: u64) -> Self {
        Self {
            warmup_bars,
            equity0: initial_equity,
            peak: initial_equity,
            hold_start: f64::NAN,
            market: f64::NAN,
            ..Self::default()
        }
    }

    /// Adds the equity after a market event on `instrument` at `price`.
    #[inline]
    pub fn sample(&mut self, time_ns: i64, equity: f64, instrument: u32, price: f64) {
        if instrument == 0 {
            if self.market_bars == self.warmup_bars || self.hold_start.is_nan() {
                self.hold_start = price;
            }
            self.market_bars += 1;
            self.market = price;
        }
        if let Some(p) = self.pending.take() {
            self.fold(p);
        }
        self.pending = Some(Sample {
            time_ns,
            equity,
            market: self.market,
        });
    }

    /// Replaces the newest sample's equity (fills after the last market
    /// event: the close-out at the end of the data).
    pub fn revalue_last(&mut self, equity: f64) {
        if let Some(p) = &mut self.pending {
            p.equity = equity;
        }
    }

    fn fold(&mut self, s: Sample) {
        let index = self.samples;
        if index == 0 {
            self.first_time = s.time_ns;
            self.equity0 = s.equity;
            self.peak = s.equity;
            self.drawdowns.last_zero_time = s.time_ns;
        }
        self.samples += 1;
        self.peak = self.peak.max(s.equity);
        let dd = 1.0 - s.equity / self.peak;
        self.max_dd = self.max_dd.max(dd);
        if dd == 0.0 {
            self.drawdowns.close(index, s.time_ns);
            self.drawdowns.last_zero = index;
            self.drawdowns.last_zero_time = s.time_ns;
            self.drawdowns.depth = 0.0;
        } else {
            self.drawdowns.depth = self.drawdowns.depth.max(dd);
        }
        let (start, end) = self.day_span;
        match self.days.last_mut() {
            Some((_, e)) if (start..end).contains(&s.time_ns) => *e = s.equity,
            _ => {
                let day = day_number(s.time_ns);
                self.days.push((day, s.equity));
                self.day_span = (day * DAY_NS, day * DAY_NS + DAY_NS);
                self.weekend_day = weekday(day) >= 5;
            }
        }
        self.weekend_samples += u64::from(self.weekend_day);
        if self.recent_times.len() < PERIOD_WINDOW {
            self.recent_times.push(s.time_ns);
        } else {
            self.recent_times[index as usize % PERIOD_WINDOW] = s.time_ns;
        }
        if let Some(prev) = self.last_folded {
            self.beta.push(
                log_ratio(s.equity, prev.equity),
                log_ratio(s.market, prev.market),
            );
        }
        self.last_folded = Some(s);
    }

    /// Largest drawdown so far, as a ratio of the peak equity.
    pub fn max_drawdown(&self) -> f64 {
        let pending = self
            .pending
            .map_or(0.0, |p| 1.0 - p.equity / self.peak.max(p.equity));
        self.max_dd.max(pending)
    }

    /// Drawdown of `equity` from the peak so far, percent.
    pub fn drawdown_pct(&self, equity: f64) -> f64 {
        let peak = self.pending.map_or(self.peak, |p| self.peak.max(p.equity));
        if peak > 0.0 && equity < peak {
            (peak - equity) / peak * 100.0
        } else {
            0.0
        }
    }

    /// The data's period: the median spacing of the newest timestamps.
    fn period_ns(&self) -> Option<i64> {
        // Oldest first: the ring starts after the newest sample's slot.
        let start = if self.recent_times.len() < PERIOD_WINDOW {
            0
        } else {
            self.samples as usize % PERIOD_WINDOW
        };
        let (newer, older) = self.recent_times.split_at(start);
        let times: Vec<i64> = older.iter().chain(newer).copied().collect();
        let mut diffs: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        if diffs.is_empty() {
            return None;
        }
        diffs.sort_unstable();
        let n = diffs.len();
        Some(if n % 2 == 1 {
            diffs[n / 2]
        } else {
            (diffs[n / 2 - 1] + diffs[n / 2]) / 2
        })
    }

    /// Builds the summary, `final_equity` being the account after the last
    /// fill; `bars` counts market events per instrument.
    pub fn summary(
        &self,
        start_cash: f64,
        final_equity: f64,
        trades: &[Trade],
        bars: &[u64],
    ) -> Summary {
        let mut s = self.clone();
        if let Some(mut p) = s.pending.take() {
            p.equity = final_equity;
            s.fold(p);
        }
        s.finish(start_cash, final_equity, trades, bars)
    }

    fn finish(
        mut self,
        start_cash: f64,
        final_equity: f64,
        trades: &[Trade],
        bars: &[u64],
    ) -> Summary {
        let last_time = self.last_folded.map_or(self.first_time, |l| l.time_ns);
        self.drawdowns
            .close(self.samples.saturating_sub(1), last_time);
        let period = self.period_ns();
        let period_days = period.map_or(0, |p| p.div_euclid(DAY_NS));
        let weekends =
            self.samples > 0 && self.weekend_samples as f64 / self.samples as f64 > 2.0 / 7.0 * 0.6;
        let days_per_year = match period_days {
            7 => 52.0,
            31 => 12.0,
            365 => 1.0,
            _ if weekends => 365.0,
            _ => 252.0,
        };
        let day_returns = self.bin_returns(Bins::for_period_days(period_days));
        // The first bin has no return; backtesting.py counts it as 0 in the
        // geometric mean and skips it in the variance.
        let with_first: Vec<f64> = std::iter::once(f64::NAN)
            .chain(day_returns.iter().copied())
            .collect();
        let gmean = geometric_mean(&with_first);
        let ann_return = (1.0 + gmean).powf(days_per_year) - 1.0;
        let ann_vol = ((var(&day_returns) + (1.0 + gmean).powi(2)).powf(days_per_year)
            - (1.0 + gmean).powf(2.0 * days_per_year))
        .sqrt();
        let downside: Vec<f64> = day_returns.iter().map(|r| r.min(0.0).powi(2)).collect();
        let sortino = ann_return / (mean(&downside).sqrt() * days_per_year.sqrt());
        let span = last_time - self.first_time;
        let years = (span.div_euclid(DAY_NS) as f64
            + (span.rem_euclid(DAY_NS) / 1_000_000_000) as f64 / 86_400.0)
            / days_per_year;
        let return_pct = (final_equity - self.equity0) / self.equity0 * 100.0;
        let hold = (self.market - self.hold_start) / self.hold_start * 100.0;
        let beta = self.beta.beta();
        let t = TradeStats::of(trades);
        let res = resolution(period.unwrap_or(0));
        let d = &self.drawdowns;
        let (dd_max_dur, dd_avg_dur, dd_avg) = if d.count == 0 {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let n = d.count as f64;
            (d.duration_max, d.duration_sum / n, d.depth_sum / n)
        };
        Summary {
            trades: trades.len() as u64,
            equity_start: start_cash,
            equity_final: final_equity,
            equity_peak: self.peak,
            commissions: t.commissions,
            return_pct,
            buy_hold_return_pct: hold,
            return_ann_pct: ann_return * 100.0,
            volatility_ann_pct: ann_vol * 100.0,
            cagr_pct: if years == 0.0 {
                f64::NAN
            } else {
                ((final_equity / self.equity0).powf(1.0 / years) - 1.0) * 100.0
            },
            sharpe: ann_return * 100.0 / nan_if_zero(ann_vol * 100.0),
            sortino,
            calmar: ann_return / nan_if_zero(self.max_dd),
            alpha_pct: return_pct - beta * hold,
            beta,
            max_drawdown_pct: self.max_dd * 100.0,
            avg_drawdown_pct: dd_avg * 100.0,
            max_drawdown_duration: ceil_days(dd_max_dur, res),
            avg_drawdown_duration: ceil_days(dd_avg_dur, res),
            win_rate_pct: t.win_rate_pct,
            best_trade_pct: t.best_trade_pct,
            worst_trade_pct: t.worst_trade_pct,
            avg_trade_pct: t.avg_trade_pct,
            max_trade_duration: ceil_days(t.max_duration_ns, res),
            avg_trade_duration: ceil_days(t.avg_duration_ns, res),
            profit_factor: t.profit_factor,
            expectancy_pct: t.expectancy_pct,
            sqn: t.sqn,
            kelly: t.kelly,
            exposure_pct: exposure_pct(trades, bars),
            market_events: self.samples,
        }
    }

    /// Returns between the last equities of consecutive non-empty bins.
    fn bin_returns(&self, bins: Bins) -> Vec<f64> {
        let mut lasts: Vec<(i64, f64)> = Vec::with_capacity(self.days.len());
        for &(day, equity) in &self.days {
            let key = bins.key(day);
            match lasts.last_mut() {
                Some((k, e)) if *k == key => *e = equity,
                _ => lasts.push((key, equity)),
            }
        }
        lasts.windows(2).map(|w| w[1].1 / w[0].1 - 1.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Daily closes: equity doubles over 252 weekdays. The first day has no
    /// return but counts as 0 in the geometric mean (backtesting.py's
    /// `fillna(0)`), so the annual return is 2^(252/253) - 1.
    #[test]
    fn annualised_figures_of_a_steady_curve() {
        let mut s = EquityStats::new(100.0, 0);
        let growth = 2f64.powf(1.0 / 252.0);
        let mut e = 100.0;
        let mut day = 18_631; // a Monday
        let mut n = 0;
        while n <= 252 {
            if weekday(day) < 5 {
                s.sample(day * DAY_NS, e, 0, 10.0);
                e *= growth;
                n += 1;
            }
            day += 1;
        }
        let sum = s.summary(100.0, e / growth, &[], &[253]);
        let want = (2f64.powf(252.0 / 253.0) - 1.0) * 100.0;
        assert!((sum.return_ann_pct - want).abs() < 1e-9, "{sum:?}");
        // 352 calendar days, in years of 252 days (backtesting.py's CAGR).
        let cagr = (2f64.powf(252.0 / 352.0) - 1.0) * 100.0;
        assert!((sum.cagr_pct - cagr).abs() < 1e-9, "{sum:?}");
        assert_eq!(sum.commissions, 0.0);
        assert!(sum.commissions.is_sign_positive());
        assert_eq!(sum.max_drawdown_pct, 0.0);
        assert!(sum.max_drawdown_duration.is_nan());
        assert!(sum.win_rate_pct.is_nan());
        assert_eq!(sum.buy_hold_return_pct, 0.0);
    }

    /// A dip and recovery: one drawdown period from the peak before it to
    /// the new peak after it.
    #[test]
    fn drawdown_periods() {
        let mut s = EquityStats::new(100.0, 0);
        let curve = [100.0, 110.0, 99.0, 88.0, 105.0, 120.0, 118.0, 117.0];
        for (i, e) in curve.iter().enumerate() {
            s.sample(i as i64 * DAY_NS, *e, 0, 1.0);
        }
        // The final equity replaces the last sample's.
        let sum = s.summary(100.0, 116.0, &[], &[8]);
        assert!((sum.max_drawdown_pct - 20.0).abs() < 1e-12);
        // 110 (day 1) -> 120 (day 5), and 120 -> the last sample (day 7).
        assert_eq!(sum.max_drawdown_duration, 4.0);
        assert_eq!(sum.avg_drawdown_duration, 3.0);
        let avg = (0.2 + (1.0 - 116.0 / 120.0)) / 2.0 * 100.0;
        assert!((sum.avg_drawdown_pct - avg).abs() < 1e-12);
        assert_eq!(sum.equity_peak, 120.0);
        // A drawdown at the last sample alone is no period (as in
        // backtesting.py, which needs a bar between two ends).
        let mut s = EquityStats::new(100.0, 0);
        for (i, e) in [100.0, 110.0, 105.0].iter().enumerate() {
            s.sample(i as i64 * DAY_NS, *e, 0, 1.0);
        }
        assert!(
            s.summary(100.0, 105.0, &[], &[3])
                .max_drawdown_duration
                .is_nan()
        );
    }
}
