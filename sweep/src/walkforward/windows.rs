//! Walk-forward windows: training and test ranges over the first
//! instrument's event times, counted in bars or spanning durations,
//! rolling (the training window moves with the test window) or anchored
//! (it always starts at the first bar). Only whole test windows are made.

use crate::SweepError;

/// A window length: bars, or a duration in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// This many bars (market events of the first instrument).
    Bars(usize),
    /// This long.
    Duration(i64),
}

impl Span {
    /// `500` (bars), or a duration: `90s`, `30m`, `12h`, `180d`, `4w`.
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let t = text.trim();
        let bad = || {
            SweepError::Spec(format!(
                "{text:?} is not a window: give bars (500) or a duration (90s, 30m, 12h, 180d, 4w)"
            ))
        };
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: i64 = digits.parse().map_err(|_| bad())?;
        if n <= 0 {
            return Err(bad());
        }
        let unit_ns: i64 = match unit {
            "" => return usize::try_from(n).map(Self::Bars).map_err(|_| bad()),
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 7 * 86_400_000_000_000,
            _ => return Err(bad()),
        };
        n.checked_mul(unit_ns).map(Self::Duration).ok_or_else(bad)
    }
}

/// One window, as indices into the bar times (`[start, end)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Training bars.
    pub train: (usize, usize),
    /// Test bars (right after the training bars).
    pub test: (usize, usize),
}

/// The windows over bar times `times` (non-decreasing).
pub fn windows(
    times: &[i64],
    train: Span,
    test: Span,
    anchored: bool,
) -> Result<Vec<Window>, SweepError> {
    let n = times.len();
    let mut out = Vec::new();
    match (train, test) {
        (Span::Bars(tr), Span::Bars(te)) => {
            let mut k = 0;
            loop {
                let test_start = tr + k * te;
                let test_end = test_start + te;
                if test_end > n {
                    break;
                }
                let train_start = if anchored { 0 } else { k * te };
                out.push(Window {
                    train: (train_start, test_start),
                    test: (test_start, test_end),
                });
                k += 1;
            }
        }
        (Span::Duration(tr), Span::Duration(te)) => {
            let Some(&t0) = times.first() else {
                return Ok(out);
            };
            let last = times[n - 1];
            let at = |t: i64| times.partition_point(|&x| x < t);
            let mut k: i64 = 0;
            loop {
                let test_from = t0 + tr + k * te;
                let test_to = test_from + te;
                // A whole test window: the data reaches its end.
                if test_to > last + 1 {
                    break;
                }
                let train_from = if anchored { t0 } else { t0 + k * te };
                let w = Window {
                    train: (at(train_from), at(test_from)),
                    test: (at(test_from), at(test_to)),
                };
                if w.test.0 < w.test.1 {
                    out.push(w);
                }
                k += 1;
            }
        }
        _ => {
            return Err(SweepError::Spec(
                "--train and --test must both be bars or both durations".into(),
            ));
        }
    }
    if let Some(w) = out.iter().find(|w| w.train.1 - w.train.0 < 2) {
        return Err(SweepError::Spec(format!(
            "a training window of {} bar(s) is too short to optimise on",
            w.train.1 - w.train.0
        )));
    }
    if out.is_empty() {
        return Err(SweepError::Spec(format!(
            "the data ({n} bars of the first instrument) holds no whole training and test window"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400_000_000_000;

    #[test]
    fn spans_parse_bars_and_durations_and_name_bad_ones() {
        assert_eq!(Span::parse("500").unwrap(), Span::Bars(500));
        assert_eq!(Span::parse("180d").unwrap(), Span::Duration(180 * D));
        assert_eq!(Span::parse("2w").unwrap(), Span::Duration(14 * D));
        for bad in ["", "0", "-5", "5y", "d", "1.5d"] {
            let e = Span::parse(bad).unwrap_err().to_string();
            assert!(e.contains("is not a window"), "{bad}: {e}");
        }
    }

    #[test]
    fn rolling_and_anchored_bar_windows() {
        let times: Vec<i64> = (0..1000).collect();
        let w = windows(&times, Span::Bars(500), Span::Bars(100), false).unwrap();
        assert_eq!(w.len(), 5);
        assert_eq!(
            w[0],
            Window {
                train: (0, 500),
                test: (500, 600)
            }
        );
        assert_eq!(
            w[4],
            Window {
                train: (400, 900),
                test: (900, 1000)
            }
        );
        let a = windows(&times, Span::Bars(500), Span::Bars(100), true).unwrap();
        assert_eq!(
            a[4],
            Window {
                train: (0, 900),
                test: (900, 1000)
            }
        );
        // A last partial test window is not made.
        let w = windows(&times[..950], Span::Bars(500), Span::Bars(100), false).unwrap();
        assert_eq!(w.len(), 4);
    }

    #[test]
    fn duration_windows_follow_the_calendar() {
        // Weekdays only: durations count calendar time, not bars.
        let times: Vec<i64> = (0..400).filter(|d| d % 7 < 5).map(|d| d * D).collect();
        let w = windows(
            &times,
            Span::Duration(180 * D),
            Span::Duration(30 * D),
            false,
        )
        .unwrap();
        let at = |t: i64| times.partition_point(|&x| x < t);
        assert_eq!(w[0].train, (0, at(180 * D)));
        assert_eq!(w[0].test, (at(180 * D), at(210 * D)));
        assert_eq!(w[1].train, (at(30 * D), at(210 * D)));
        assert_eq!(w.len(), 7);
        assert!(windows(&times, Span::Bars(5), Span::Duration(D), false).is_err());
        assert!(windows(&times[..10], Span::Bars(50), Span::Bars(10), false).is_err());
    }
}
