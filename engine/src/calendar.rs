//! Calendar arithmetic on UTC nanosecond timestamps (proleptic Gregorian,
//! no leap seconds): civil dates for reports, and what pandas does for
//! backtesting.py's statistics (weekdays, resampling bins, the rounding of
//! durations to the data's resolution).

/// Nanoseconds per day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// Days since 1970-01-01 (UTC).
pub fn day_number(time_ns: i64) -> i64 {
    time_ns.div_euclid(DAY_NS)
}

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// Year, month (1-12) and day (1-31) of a day number (Howard Hinnant's
/// algorithm).
pub fn civil_from_days(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, d)
}

/// Year and month (1-12) of a day number.
pub fn year_month(day: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(day);
    (y, m)
}

/// The resampling pandas applies to equity before daily returns: `D`, or
/// `W` (weeks ending Sunday), `ME` (month ends) or `YE` (year ends) for
/// weekly, monthly and yearly data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bins {
    /// Calendar days.
    Day,
    /// Weeks ending on Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

impl Bins {
    /// backtesting.py's choice from the data period's whole days.
    pub fn for_period_days(days: i64) -> Self {
        match days {
            7 => Self::Week,
            31 => Self::Month,
            365 => Self::Year,
            _ => Self::Day,
        }
    }

    /// The bin a day falls in (monotonic in the day).
    pub fn key(self, day: i64) -> i64 {
        match self {
            Self::Day => day,
            Self::Week => day + (6 - weekday(day)),
            Self::Month => {
                let (y, m) = year_month(day);
                y * 12 + m
            }
            Self::Year => year_month(day).0,
        }
    }
}

/// Units pandas names a duration's resolution by, coarsest first.
const UNITS: [i64; 7] = [
    DAY_NS,
    3_600_000_000_000,
    60_000_000_000,
    1_000_000_000,
    1_000_000,
    1_000,
    1,
];

/// pandas' `Timedelta.resolution_string` as a unit in ns: the finest
/// non-zero component of the period, i.e. the coarsest unit dividing it.
pub fn resolution(period_ns: i64) -> i64 {
    UNITS.into_iter().find(|u| period_ns % u == 0).unwrap_or(1)
}

/// `Timedelta.ceil(resolution)`, in days; NaN stays NaN.
pub fn ceil_days(duration_ns: f64, resolution_ns: i64) -> f64 {
    if duration_ns.is_nan() {
        return f64::NAN;
    }
    let r = resolution_ns as f64;
    (duration_ns / r).ceil() * r / DAY_NS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        // 2024-02-29 is day 19782; 2021-01-04 (a Monday) is day 18631.
        assert_eq!(year_month(19_782), (2024, 2));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(-1), (1969, 12));
        assert_eq!(weekday(18_631), 0);
        assert_eq!(weekday(0), 3);
        // The week of Monday 2021-01-04 ends on Sunday 2021-01-10.
        assert_eq!(Bins::Week.key(18_631), 18_637);
        assert_eq!(Bins::Week.key(18_637), 18_637);
        assert_eq!(Bins::Week.key(18_638), 18_644);
    }

    #[test]
    fn resolutions_as_pandas_names_them() {
        assert_eq!(resolution(DAY_NS), DAY_NS);
        assert_eq!(resolution(7 * DAY_NS), DAY_NS);
        assert_eq!(resolution(3_600_000_000_000), 3_600_000_000_000);
        assert_eq!(resolution(DAY_NS + 60_000_000_000), 60_000_000_000);
        assert_eq!(resolution(250_000_000), 1_000_000);
        assert_eq!(resolution(0), DAY_NS);
        assert_eq!(ceil_days(1.5 * DAY_NS as f64, DAY_NS), 2.0);
        assert_eq!(ceil_days(2.0 * DAY_NS as f64, DAY_NS), 2.0);
    }
}
