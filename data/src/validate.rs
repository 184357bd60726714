//! Row validation shared by the Parquet reader and the CSV importer.
//!
//! Rules (see `README.md`): prices (bid, ask, last, open, high, low, close)
//! finite and > 0; sizes and volumes finite and >= 0; bid <= ask;
//! low <= open, close <= high; timestamps non-decreasing. The first failing
//! row is reported, and within it the first failing rule in this order:
//! timestamp, then each column in schema order, then cross-column rules.

use crate::error::Problem;
use crate::{BarBatch, TickBatch};

/// A rule broken at one row of a batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Violation {
    /// 0-based index within the batch.
    pub index: usize,
    /// The column (canonical name).
    pub column: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

#[inline]
fn price_ok(v: f64) -> bool {
    v > 0.0 && v < f64::INFINITY
}

#[inline]
fn size_ok(v: f64) -> bool {
    (0.0..f64::INFINITY).contains(&v)
}

fn price(column: &'static str, v: f64) -> Result<(), (&'static str, Problem)> {
    if price_ok(v) {
        Ok(())
    } else {
        Err((column, Problem::InvalidPrice { found: v }))
    }
}

fn size(column: &'static str, v: f64) -> Result<(), (&'static str, Problem)> {
    if size_ok(v) {
        Ok(())
    } else {
        Err((column, Problem::InvalidSize { found: v }))
    }
}

fn ts_order(prev: Option<i64>, ts: i64) -> Result<(), (&'static str, Problem)> {
    match prev {
        Some(previous) if ts < previous => Err((
            "ts",
            Problem::TimestampBackwards {
                previous,
                found: ts,
            },
        )),
        _ => Ok(()),
    }
}

/// Checks one tick's values against the previous timestamp.
pub(crate) fn check_tick(
    prev_ts: Option<i64>,
    ts: i64,
    [bid, ask, bid_size, ask_size, last, volume]: [f64; 6],
) -> Result<(), (&'static str, Problem)> {
    ts_order(prev_ts, ts)?;
    price("bid", bid)?;
    price("ask", ask)?;
    size("bid_size", bid_size)?;
    size("ask_size", ask_size)?;
    price("last", last)?;
    size("volume", volume)?;
    if bid > ask {
        return Err(("bid", Problem::BidAboveAsk { bid, ask }));
    }
    Ok(())
}

/// Checks one bar's values against the previous timestamp.
pub(crate) fn check_bar(
    prev_ts: Option<i64>,
    ts: i64,
    [open, high, low, close, volume]: [f64; 5],
) -> Result<(), (&'static str, Problem)> {
    ts_order(prev_ts, ts)?;
    price("open", open)?;
    price("high", high)?;
    price("low", low)?;
    price("close", close)?;
    size("volume", volume)?;
    if high < low {
        return Err(("high", Problem::HighBelowLow { high, low }));
    }
    for (column, v) in [("open", open), ("close", close)] {
        if v < low || v > high {
            return Err((
                column,
                Problem::OutsideBarRange {
                    found: v,
                    low,
                    high,
                },
            ));
        }
    }
    Ok(())
}

/// Validates every row of `b`; `prev_ts` is the last timestamp seen before
/// the batch and is updated to the batch's last timestamp on success.
pub(crate) fn check_ticks(b: &TickBatch, prev_ts: &mut Option<i64>) -> Result<(), Violation> {
    let n = b.ts.len();
    let (ts, bid, ask) = (&b.ts[..n], &b.bid[..n], &b.ask[..n]);
    let (bs, asz, last, vol) = (
        &b.bid_size[..n],
        &b.ask_size[..n],
        &b.last[..n],
        &b.volume[..n],
    );
    // Fast pass without early exit (vectorizes); the precise pass runs only on failure.
    let mut ok = ts.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    if let (Some(p), Some(&first)) = (*prev_ts, ts.first()) {
        ok &= p <= first;
    }
    for i in 0..n {
        ok &= price_ok(bid[i])
            & price_ok(ask[i])
            & size_ok(bs[i])
            & size_ok(asz[i])
            & price_ok(last[i])
            & size_ok(vol[i])
            & (bid[i] <= ask[i]);
    }
    if !ok {
        let mut prev = *prev_ts;
        for i in 0..n {
            check_tick(
                prev,
                ts[i],
                [bid[i], ask[i], bs[i], asz[i], last[i], vol[i]],
            )
            .map_err(|(column, problem)| Violation {
                index: i,
                column,
                problem,
            })?;
            prev = Some(ts[i]);
        }
    }
    if let Some(&t) = ts.last() {
        *prev_ts = Some(t);
    }
    Ok(())
}

/// Validates every row of `b` like [`check_ticks`].
pub(crate) fn check_bars(b: &BarBatch, prev_ts: &mut Option<i64>) -> Result<(), Violation> {
    let n = b.ts.len();
    let (ts, open, high, low, close, vol) = (
        &b.ts[..n],
        &b.open[..n],
        &b.high[..n],
        &b.low[..n],
        &b.close[..n],
        &b.volume[..n],
    );
    let mut ok = ts.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    if let (Some(p), Some(&first)) = (*prev_ts, ts.first()) {
        ok &= p <= first;
    }
    for i in 0..n {
        ok &= price_ok(open[i])
            & price_ok(high[i])
            & price_ok(low[i])
            & price_ok(close[i])
            & size_ok(vol[i])
            & (low[i] <= open[i])
            & (open[i] <= high[i])
            & (low[i] <= close[i])
            & (close[i] <= high[i]);
    }
    if !ok {
        let mut prev = *prev_ts;
        for i in 0..n {
            check_bar(prev, ts[i], [open[i], high[i], low[i], close[i], vol[i]]).map_err(
                |(column, problem)| Violation {
                    index: i,
                    column,
                    problem,
                },
            )?;
            prev = Some(ts[i]);
        }
    }
    if let Some(&t) = ts.last() {
        *prev_ts = Some(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bar, Tick};

    fn tick(ts: i64) -> Tick {
        Tick {
            ts,
            symbol: 0,
            bid: 99.0,
            ask: 101.0,
            bid_size: 1.0,
            ask_size: 0.0,
            last: 100.0,
            volume: 0.0,
        }
    }

    #[test]
    fn ticks_first_failing_row_and_column() {
        let mut b = TickBatch::default();
        for t in [
            tick(1),
            tick(1),
            Tick {
                bid: 102.0,
                ..tick(2)
            },
            Tick {
                ask: f64::NAN,
                ..tick(3)
            },
        ] {
            b.push(t);
        }
        let mut prev = None;
        let v = check_ticks(&b, &mut prev).err();
        assert_eq!(v.map(|v| (v.index, v.column)), Some((2, "bid")));
        assert_eq!(prev, None);

        let mut ok = TickBatch::default();
        ok.push(tick(5));
        let mut prev = Some(6);
        let v = check_ticks(&ok, &mut prev).err();
        assert_eq!(
            v.map(|v| v.problem),
            Some(Problem::TimestampBackwards {
                previous: 6,
                found: 5
            })
        );
        let mut prev = Some(5);
        assert!(check_ticks(&ok, &mut prev).is_ok());
        assert_eq!(prev, Some(5));
    }

    #[test]
    fn tick_rules() {
        let r = |t: Tick| {
            check_tick(
                None,
                t.ts,
                [t.bid, t.ask, t.bid_size, t.ask_size, t.last, t.volume],
            )
            .err()
        };
        assert_eq!(r(tick(0)), None);
        assert_eq!(
            r(Tick {
                bid: 0.0,
                ..tick(0)
            })
            .map(|e| e.0),
            Some("bid")
        );
        assert_eq!(
            r(Tick {
                last: f64::INFINITY,
                ..tick(0)
            })
            .map(|e| e.0),
            Some("last")
        );
        assert_eq!(
            r(Tick {
                volume: -1.0,
                ..tick(0)
            })
            .map(|e| e.0),
            Some("volume")
        );
        assert_eq!(
            r(Tick {
                bid_size: f64::NAN,
                ..tick(0)
            })
            .map(|e| e.0),
            Some("bid_size")
        );
    }

    #[test]
    fn bar_rules() {
        let bar = Bar {
            ts: 0,
            symbol: 0,
            open: 10.0,
            high: 12.0,
            low: 9.0,
            close: 11.0,
            volume: 5.0,
        };
        let r = |b: Bar| check_bar(None, b.ts, [b.open, b.high, b.low, b.close, b.volume]).err();
        assert_eq!(r(bar), None);
        assert_eq!(r(Bar { high: 8.0, ..bar }).map(|e| e.0), Some("high"));
        assert_eq!(r(Bar { open: 12.5, ..bar }).map(|e| e.0), Some("open"));
        assert_eq!(r(Bar { close: 8.5, ..bar }).map(|e| e.0), Some("close"));
        assert_eq!(r(Bar { low: -1.0, ..bar }).map(|e| e.0), Some("low"));
        let mut b = BarBatch::default();
        b.push(bar);
        b.push(Bar { close: 13.0, ..bar });
        let mut prev = None;
        assert_eq!(
            check_bars(&b, &mut prev).err().map(|v| (v.index, v.column)),
            Some((1, "close"))
        );
    }
}
