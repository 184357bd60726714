//! Bars built from ticks: time bars (`1s`, `1m`, `1h`, `1d`, any `N` of
//! `s`/`m`/`h`/`d`), tick-count bars (`1000ticks`) and volume bars
//! (`vol:50`).
//!
//! A builder sees only journaled ticks and their event times, so the bars
//! are the same in a backtest, its replay and the live session that
//! journaled the ticks. A bar closes on the tick that completes it: a time
//! bar when the first tick of a later interval arrives (a quiet market
//! leaves the last bar open until then; intervals with no tick make no
//! bar), a tick-count bar on its N-th tick, a volume bar on the tick that
//! brings its volume to the threshold (a tick is never split across bars).
//! A tick's price is its last trade when there is one (finite and
//! positive), else its mid.

use std::fmt;
use std::str::FromStr;

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::market::{Bar, Tick};

const SECOND_NS: i64 = 1_000_000_000;

/// How ticks are grouped into bars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
#[serde(try_from = "String", into = "String")]
pub enum BarSpec {
    /// Fixed intervals of event time, aligned to the epoch.
    Time {
        /// The interval in nanoseconds.
        interval_ns: i64,
    },
    /// Every `n` ticks.
    Ticks(u64),
    /// Whenever the traded volume reaches the threshold.
    Volume(f64),
}

/// A spec that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bar spec {spec:?}: {reason}; expected a time bar such as \"1s\", \"1m\", \"4h\" or \"1d\", \
     a tick-count bar such as \"1000ticks\", or a volume bar such as \"vol:50\""
)]
pub struct BarSpecError {
    spec: String,
    reason: &'static str,
}

impl FromStr for BarSpec {
    type Err = BarSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| BarSpecError {
            spec: s.to_string(),
            reason,
        };
        let t = s.trim();
        if let Some(v) = t.strip_prefix("vol:") {
            let v: f64 = v.parse().map_err(|_| err("the volume is not a number"))?;
            if !(v.is_finite() && v > 0.0) {
                return Err(err("the volume must be a positive number"));
            }
            return Ok(Self::Volume(v));
        }
        if let Some(n) = t.strip_suffix("ticks") {
            let n: u64 = n
                .parse()
                .map_err(|_| err("the tick count is not a whole number"))?;
            if n == 0 {
                return Err(err("the tick count must be at least 1"));
            }
            return Ok(Self::Ticks(n));
        }
        let split = t
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| err("no unit"))?;
        let (n, unit) = t.split_at(split);
        let n: i64 = n.parse().map_err(|_| err("no count before the unit"))?;
        let unit_ns = match unit {
            "s" => SECOND_NS,
            "m" | "min" => 60 * SECOND_NS,
            "h" => 3_600 * SECOND_NS,
            "d" => 86_400 * SECOND_NS,
            _ => return Err(err("unknown unit")),
        };
        match n.checked_mul(unit_ns) {
            Some(interval_ns) if n > 0 => Ok(Self::Time { interval_ns }),
            Some(_) => Err(err("the count must be at least 1")),
            None => Err(err("the interval is too long")),
        }
    }
}

impl TryFrom<String> for BarSpec {
    type Error = BarSpecError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<BarSpec> for String {
    fn from(b: BarSpec) -> Self {
        b.to_string()
    }
}

impl fmt::Display for BarSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Ticks(n) => write!(f, "{n}ticks"),
            Self::Volume(v) => write!(f, "vol:{v}"),
            Self::Time { interval_ns } => {
                let s = interval_ns / SECOND_NS;
                if interval_ns % SECOND_NS != 0 {
                    write!(f, "{interval_ns}ns")
                } else if s % 86_400 == 0 {
                    write!(f, "{}d", s / 86_400)
                } else if s % 3_600 == 0 {
                    write!(f, "{}h", s / 3_600)
                } else if s % 60 == 0 {
                    write!(f, "{}m", s / 60)
                } else {
                    write!(f, "{s}s")
                }
            }
        }
    }
}

/// A finished bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuiltBar {
    /// The bar's start: its interval's start for time bars, else its first
    /// tick's time.
    pub start_ns: i64,
    /// Its last tick's time.
    pub last_ns: i64,
    /// Ticks in the bar.
    pub ticks: u64,
    /// Prices and volume.
    pub bar: Bar,
}

/// Builds one instrument's bars of one spec.
#[derive(Debug, Clone)]
pub struct BarBuilder {
    spec: BarSpec,
    open: Option<BuiltBar>,
}

impl BarBuilder {
    /// A builder with nothing open.
    pub fn new(spec: BarSpec) -> Self {
        Self { spec, open: None }
    }

    /// The spec.
    pub fn spec(&self) -> BarSpec {
        self.spec
    }

    /// The bar being built, if any.
    pub fn open_bar(&self) -> Option<&BuiltBar> {
        self.open.as_ref()
    }

    /// Adds a tick; returns the bar it closed. A time bar is closed by the
    /// first tick of a later interval (returned before that tick starts the
    /// next bar); tick-count and volume bars by the tick that completes
    /// them (included).
    pub fn on_tick(&mut self, time_ns: i64, tick: &Tick) -> Option<BuiltBar> {
        let price = if tick.last.is_finite() && tick.last > 0.0 {
            tick.last
        } else {
            tick.mid()
        };
        let volume = if tick.volume.is_finite() && tick.volume > 0.0 {
            tick.volume
        } else {
            0.0
        };
        let mut closed = None;
        if let (BarSpec::Time { interval_ns }, Some(open)) = (self.spec, &self.open)
            && time_ns.div_euclid(interval_ns) != open.start_ns.div_euclid(interval_ns)
        {
            closed = self.open.take();
        }
        let start_ns = match self.spec {
            BarSpec::Time { interval_ns } => time_ns.div_euclid(interval_ns) * interval_ns,
            _ => time_ns,
        };
        let bar = self.open.get_or_insert(BuiltBar {
            start_ns,
            last_ns: time_ns,
            ticks: 0,
            bar: Bar {
                instrument: tick.instrument,
                open: price,
                high: price,
                low: price,
                close: price,
                volume: 0.0,
            },
        });
        bar.last_ns = time_ns;
        bar.ticks += 1;
        bar.bar.high = bar.bar.high.max(price);
        bar.bar.low = bar.bar.low.min(price);
        bar.bar.close = price;
        bar.bar.volume += volume;
        let complete = match self.spec {
            BarSpec::Time { .. } => false,
            BarSpec::Ticks(n) => bar.ticks >= n,
            BarSpec::Volume(v) => bar.bar.volume >= v,
        };
        if complete {
            debug_assert!(closed.is_none());
            return self.open.take();
        }
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(last: f64, volume: f64) -> Tick {
        Tick {
            instrument: 0,
            bid: last - 0.5,
            ask: last + 0.5,
            bid_size: 1.0,
            ask_size: 1.0,
            last,
            volume,
        }
    }

    #[test]
    fn specs_parse_and_print() {
        for (s, printed) in [
            ("1s", "1s"),
            ("90s", "90s"),
            ("1m", "1m"),
            ("60m", "1h"),
            ("4h", "4h"),
            ("1d", "1d"),
            ("1000ticks", "1000ticks"),
            ("vol:50", "vol:50"),
            ("vol:0.5", "vol:0.5"),
        ] {
            let spec: BarSpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), printed, "{s}");
        }
        for bad in [
            "", "1", "m", "0s", "-1m", "1w", "0ticks", "xticks", "vol:", "vol:-1",
        ] {
            let e = bad.parse::<BarSpec>().unwrap_err().to_string();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn time_bars_close_on_the_next_intervals_first_tick() {
        let mut b = BarBuilder::new("1m".parse().unwrap());
        let m = 60 * SECOND_NS;
        assert_eq!(b.on_tick(5 * SECOND_NS, &tick(100.0, 1.0)), None);
        assert_eq!(b.on_tick(30 * SECOND_NS, &tick(103.0, 2.0)), None);
        assert_eq!(b.on_tick(59 * SECOND_NS, &tick(99.0, 1.0)), None);
        let bar = b.on_tick(m + 1, &tick(101.0, 4.0)).unwrap();
        assert_eq!(
            (bar.start_ns, bar.last_ns, bar.ticks),
            (0, 59 * SECOND_NS, 3)
        );
        let Bar {
            open,
            high,
            low,
            close,
            volume,
            ..
        } = bar.bar;
        assert_eq!(
            (open, high, low, close, volume),
            (100.0, 103.0, 99.0, 99.0, 4.0)
        );
        // A gap of several intervals makes no empty bars.
        let bar = b.on_tick(5 * m, &tick(98.0, 1.0)).unwrap();
        assert_eq!((bar.start_ns, bar.ticks, bar.bar.close), (m, 1, 101.0));
        assert_eq!(b.open_bar().unwrap().start_ns, 5 * m);
    }

    #[test]
    fn tick_and_volume_bars_close_on_the_completing_tick() {
        let mut b = BarBuilder::new("3ticks".parse().unwrap());
        assert!(b.on_tick(1, &tick(1.0, 1.0)).is_none());
        assert!(b.on_tick(2, &tick(3.0, 1.0)).is_none());
        let bar = b.on_tick(3, &tick(2.0, 1.0)).unwrap();
        assert_eq!(
            (bar.start_ns, bar.last_ns, bar.ticks, bar.bar.high),
            (1, 3, 3, 3.0)
        );
        assert!(b.open_bar().is_none());

        let mut v = BarBuilder::new("vol:5".parse().unwrap());
        assert!(v.on_tick(1, &tick(1.0, 2.0)).is_none());
        let bar = v.on_tick(2, &tick(1.5, 4.0)).unwrap();
        assert_eq!((bar.ticks, bar.bar.volume), (2, 6.0));
    }

    #[test]
    fn a_tick_without_a_trade_is_priced_at_its_mid() {
        let mut b = BarBuilder::new("1ticks".parse().unwrap());
        let mut t = tick(f64::NAN, f64::NAN);
        t.bid = 9.0;
        t.ask = 11.0;
        let bar = b.on_tick(0, &t).unwrap();
        assert_eq!((bar.bar.close, bar.bar.volume), (10.0, 0.0));
    }
}
