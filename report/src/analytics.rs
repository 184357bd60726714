//! What the report derives from the daily equity (the last equity of each
//! UTC day): monthly and yearly returns, and a rolling Sharpe ratio.

use axon_engine::calendar::{DAY_NS, civil_from_days, weekday};
use serde::Serialize;

/// Fewest daily returns a rolling Sharpe ratio is drawn from.
const MIN_DAYS: usize = 40;
/// Longest rolling window, trading days (half a year).
const MAX_WINDOW: usize = 126;

/// One year's row of the monthly returns table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearRow {
    /// Year.
    pub year: i64,
    /// Return of each month, percent; `None` where the run has no data.
    pub months: [Option<f64>; 12],
    /// The year's return, percent.
    pub total: f64,
}

/// The rolling Sharpe ratio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollingSharpe {
    /// Window, in daily returns.
    pub window: usize,
    /// Days per year it is annualised with (252, or 365 for data that
    /// trades on weekends, as the statistics do).
    pub annualisation: f64,
    /// `(day start in seconds, ratio)`.
    pub points: Vec<(i64, f64)>,
}

/// Returns by month and year from `days` (day number, last equity of the
/// day, in day order), starting from `start` equity.
pub fn monthly_returns(start: f64, days: &[(i64, f64)]) -> Vec<YearRow> {
    let mut rows: Vec<YearRow> = Vec::new();
    let (mut month_base, mut year_base) = (start, start);
    let mut current: Option<(i64, i64, f64)> = None;
    let close_month = |rows: &mut Vec<YearRow>, (y, m, end): (i64, i64, f64), base: f64| {
        if rows.last().is_none_or(|r| r.year != y) {
            rows.push(YearRow {
                year: y,
                months: [None; 12],
                total: 0.0,
            });
        }
        let row = rows.last_mut().expect("pushed above");
        row.months[(m - 1) as usize] = Some(pct(end, base));
    };
    for &(day, equity) in days {
        let (y, m, _) = civil_from_days(day);
        match current {
            Some((cy, cm, _)) if (cy, cm) == (y, m) => current = Some((y, m, equity)),
            Some(prev) => {
                close_month(&mut rows, prev, month_base);
                month_base = prev.2;
                if prev.0 != y {
                    rows.last_mut().expect("closed").total = pct(prev.2, year_base);
                    year_base = prev.2;
                }
                current = Some((y, m, equity));
            }
            None => current = Some((y, m, equity)),
        }
    }
    if let Some(last) = current {
        close_month(&mut rows, last, month_base);
        rows.last_mut().expect("closed").total = pct(last.2, year_base);
    }
    rows
}

fn pct(end: f64, base: f64) -> f64 {
    (end / base - 1.0) * 100.0
}

/// The Sharpe ratio of daily returns over a rolling window (mean over
/// sample standard deviation, annualised, no risk-free rate); `None` with
/// fewer than 40 daily returns.
pub fn rolling_sharpe(days: &[(i64, f64)]) -> Option<RollingSharpe> {
    let returns: Vec<(i64, f64)> = days
        .windows(2)
        .map(|w| (w[1].0, w[1].1 / w[0].1 - 1.0))
        .collect();
    if returns.len() < MIN_DAYS {
        return None;
    }
    let window = (returns.len() / 4).clamp(20, MAX_WINDOW);
    let weekend = days.iter().filter(|(d, _)| weekday(*d) >= 5).count();
    let annualisation: f64 = if weekend * 6 >= days.len() {
        365.0
    } else {
        252.0
    };
    let scale = annualisation.sqrt();
    let n = window as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    let mut points = Vec::with_capacity(returns.len());
    for (i, &(day, r)) in returns.iter().enumerate() {
        sum += r;
        sum_sq += r * r;
        if i >= window {
            let old = returns[i - window].1;
            sum -= old;
            sum_sq -= old * old;
        }
        if i + 1 >= window {
            let mean = sum / n;
            let var = ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
            if var > 0.0 {
                points.push((day * (DAY_NS / 1_000_000_000), mean / var.sqrt() * scale));
            }
        }
    }
    Some(RollingSharpe {
        window,
        annualisation,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Day number of a date.
    fn day(y: i64, m: i64, d: i64) -> i64 {
        (0..40_000)
            .find(|&n| civil_from_days(n) == (y, m, d))
            .expect("date in range")
    }

    #[test]
    fn months_chain_from_the_previous_month_end_and_years_compound() {
        let days = [
            (day(2020, 11, 30), 110.0),
            (day(2020, 12, 31), 121.0),
            (day(2021, 1, 4), 100.0),
            (day(2021, 1, 29), 108.9),
        ];
        let rows = monthly_returns(100.0, &days);
        assert_eq!(rows.len(), 2);
        let r2020 = &rows[0];
        assert!((r2020.months[10].unwrap() - 10.0).abs() < 1e-9);
        assert!((r2020.months[11].unwrap() - 10.0).abs() < 1e-9);
        assert!(r2020.months[0].is_none());
        assert!((r2020.total - 21.0).abs() < 1e-9);
        assert!((rows[1].months[0].unwrap() - (108.9 / 121.0 - 1.0) * 100.0).abs() < 1e-9);
        assert!((rows[1].total - (108.9 / 121.0 - 1.0) * 100.0).abs() < 1e-9);
    }

    #[test]
    fn rolling_sharpe_matches_a_direct_computation() {
        // Weekdays only: annualised over 252 days.
        let mut days = Vec::new();
        let mut e = 100.0;
        let mut d = day(2021, 1, 4);
        for i in 0..100 {
            while weekday(d) >= 5 {
                d += 1;
            }
            e *= 1.0 + ((i * 7919 % 13) as f64 - 6.0) / 1000.0;
            days.push((d, e));
            d += 1;
        }
        let rs = rolling_sharpe(&days).expect("enough days");
        assert_eq!(rs.window, 24);
        assert_eq!(rs.annualisation, 252.0);
        let returns: Vec<f64> = days.windows(2).map(|w| w[1].1 / w[0].1 - 1.0).collect();
        let last = &returns[returns.len() - 24..];
        let mean = last.iter().sum::<f64>() / 24.0;
        let var = last.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 23.0;
        let want = mean / var.sqrt() * 252f64.sqrt();
        let got = rs.points.last().expect("points").1;
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        assert!(rolling_sharpe(&days[..30]).is_none());
    }
}
