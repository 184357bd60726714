//! How the report writes numbers, times and statistics.

use axon_engine::Summary;
use axon_engine::calendar::{DAY_NS, civil_from_days, day_number};
use serde_json::Value;

/// backtesting.py's names for the statistics, in its order.
const LABELS: [(&str, &str); 30] = [
    ("equity_start", "Start equity"),
    ("equity_final", "Equity Final [$]"),
    ("equity_peak", "Equity Peak [$]"),
    ("commissions", "Commissions [$]"),
    ("return_pct", "Return [%]"),
    ("buy_hold_return_pct", "Buy & Hold Return [%]"),
    ("return_ann_pct", "Return (Ann.) [%]"),
    ("volatility_ann_pct", "Volatility (Ann.) [%]"),
    ("cagr_pct", "CAGR [%]"),
    ("sharpe", "Sharpe Ratio"),
    ("sortino", "Sortino Ratio"),
    ("calmar", "Calmar Ratio"),
    ("alpha_pct", "Alpha [%]"),
    ("beta", "Beta"),
    ("max_drawdown_pct", "Max. Drawdown [%]"),
    ("avg_drawdown_pct", "Avg. Drawdown [%]"),
    ("max_drawdown_duration", "Max. Drawdown Duration [days]"),
    ("avg_drawdown_duration", "Avg. Drawdown Duration [days]"),
    ("trades", "# Trades"),
    ("win_rate_pct", "Win Rate [%]"),
    ("best_trade_pct", "Best Trade [%]"),
    ("worst_trade_pct", "Worst Trade [%]"),
    ("avg_trade_pct", "Avg. Trade [%]"),
    ("max_trade_duration", "Max. Trade Duration [days]"),
    ("avg_trade_duration", "Avg. Trade Duration [days]"),
    ("profit_factor", "Profit Factor"),
    ("expectancy_pct", "Expectancy [%]"),
    ("sqn", "SQN"),
    ("kelly", "Kelly Criterion"),
    ("exposure_pct", "Exposure Time [%]"),
];

/// A number for a table: integers as is, others with up to 4 decimals,
/// NaN (undefined) as "n/a".
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a nanosecond timestamp; the date alone
/// at midnight.
pub fn time(ns: i64) -> String {
    let day = day_number(ns);
    let (y, m, d) = civil_from_days(day);
    let secs = (ns - day * DAY_NS) / 1_000_000_000;
    if secs == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// The statistics as `(label, value)` rows, labelled as backtesting.py
/// labels them; fields without a label follow under their own name.
pub fn stat_rows(summary: &Summary) -> Vec<(String, String)> {
    let Ok(Value::Object(fields)) = serde_json::to_value(summary) else {
        return Vec::new();
    };
    let value = |v: &Value| match v {
        Value::Number(n) => number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Null => "n/a".to_owned(),
        other => other.to_string(),
    };
    let mut rows: Vec<(String, String)> = LABELS
        .iter()
        .filter_map(|(key, label)| fields.get(*key).map(|v| ((*label).to_owned(), value(v))))
        .collect();
    for (key, v) in &fields {
        if !LABELS.iter().any(|(k, _)| k == key) {
            rows.push((key.clone(), value(v)));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_read_well() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(1.234_567), "1.2346");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(f64::NAN), "n/a");
        assert_eq!(time(0), "1970-01-01");
        assert_eq!(time(DAY_NS + 3_723_000_000_000), "1970-01-02 01:02:03");
    }

    #[test]
    fn every_statistic_has_a_row_and_undefined_ones_say_so() {
        let s = Summary {
            sharpe: f64::NAN,
            trades: 7,
            ..Summary::default()
        };
        let rows = stat_rows(&s);
        let fields = serde_json::to_value(&s).unwrap();
        assert_eq!(rows.len(), fields.as_object().unwrap().len());
        assert!(rows.contains(&("Sharpe Ratio".to_owned(), "n/a".to_owned())));
        assert!(rows.contains(&("# Trades".to_owned(), "7".to_owned())));
        assert!(rows.iter().any(|(l, _)| l == "market_events"));
    }
}
