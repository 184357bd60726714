//! Numbers and times as a person reads them in a report.

/// A Unix time in nanoseconds as UTC, to the nanosecond:
/// `2024-01-02T00:00:28.098726152Z`.
pub fn utc_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = axon_engine::calendar::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        day_secs / 3_600,
        day_secs % 3_600 / 60,
        day_secs % 60
    )
}

/// An event time for a report: UTC, then the exact nanoseconds the
/// journal holds.
pub fn event_time(ns: i64) -> String {
    format!("{} ({ns} ns)", utc_time(ns))
}

/// A price to the instrument's `decimals` (more only where the price needs
/// them, as a mid between two ticks does); with no known precision, rounded
/// to 10 significant digits, which drops binary noise such as
/// `100.02000000000001`.
pub fn format_price(price: f64, decimals: Option<u32>) -> String {
    if !price.is_finite() {
        return price.to_string();
    }
    if let Some(d) = decimals {
        let tolerance = 1e-9 * price.abs().max(1.0);
        for k in d..=d + 4 {
            let text = format!("{price:.*}", k as usize);
            if text
                .parse::<f64>()
                .is_ok_and(|v| (v - price).abs() <= tolerance)
            {
                return text;
            }
        }
    }
    let rounded: f64 = format!("{price:.9e}").parse().unwrap_or(price);
    rounded.to_string()
}

/// A signed value to 6 decimals; a zero from `0 × negative` prints as
/// `+0.000000`, not `-0.000000`.
pub fn signed(v: f64) -> String {
    format!("{:+.6}", v + 0.0)
}

/// "all 16" when every item is shown, else "top 20 of 128".
pub fn shown_of(shown: usize, total: usize) -> String {
    if total <= shown {
        format!("all {total}")
    } else {
        format!("top {shown} of {total}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_to_the_nanosecond() {
        assert_eq!(
            event_time(1_704_153_628_098_726_152),
            "2024-01-02T00:00:28.098726152Z (1704153628098726152 ns)"
        );
        assert_eq!(utc_time(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(utc_time(-1), "1969-12-31T23:59:59.999999999Z");
        // A leap day.
        assert_eq!(
            utc_time(1_709_208_000_000_000_000),
            "2024-02-29T12:00:00.000000000Z"
        );
    }

    #[test]
    fn prices_to_their_precision() {
        assert_eq!(format_price(100.02000000000001, Some(2)), "100.02");
        assert_eq!(format_price(100.025, Some(2)), "100.025");
        assert_eq!(format_price(100.0, Some(2)), "100.00");
        assert_eq!(format_price(100.02000000000001, None), "100.02");
        assert_eq!(format_price(0.1 + 0.2, None), "0.3");
        assert_eq!(format_price(12_345.678_9, None), "12345.6789");
    }

    #[test]
    fn negative_zero_is_zero() {
        assert_eq!(signed(0.0 * -0.07), "+0.000000");
        assert_eq!(signed(-0.25), "-0.250000");
    }

    #[test]
    fn all_or_top() {
        assert_eq!(shown_of(20, 16), "all 16");
        assert_eq!(shown_of(20, 128), "top 20 of 128");
    }
}
