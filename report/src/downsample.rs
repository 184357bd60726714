//! Series for display: every market event as is for small runs, or one
//! column per time bucket (min and max kept, so no spike disappears) for
//! large ones, so a 10M-tick report stays a few megabytes.
//!
//! Times are whole seconds (the charting library's time unit), unique and
//! increasing within a series. A run is shown as is only when its first
//! instrument's events fall on distinct seconds and are few enough;
//! otherwise buckets of a whole number of seconds (at least two, so a
//! bucket's min and max get two distinct times) start at a whole second.

use serde::Serialize;

/// Runs with at most this many events of the first instrument are shown
/// event by event.
pub const MAX_RAW: u64 = 20_000;
/// Columns of a downsampled run.
pub const COLUMNS: i64 = 5_000;

/// How event times map to display times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Each event at its own second.
    Raw,
    /// Buckets of `width` seconds from `origin` (seconds).
    Buckets {
        /// First bucket's start.
        origin: i64,
        /// Bucket width, seconds (≥ 2).
        width: i64,
    },
}

impl Grid {
    /// The grid for a run whose first instrument has `events` events from
    /// `first_ns` to `last_ns`, `distinct` telling whether they fall on
    /// distinct seconds.
    pub fn choose(events: u64, distinct: bool, first_ns: i64, last_ns: i64) -> Self {
        if distinct && events <= MAX_RAW {
            return Self::Raw;
        }
        let origin = first_ns.div_euclid(1_000_000_000);
        let span = last_ns.div_euclid(1_000_000_000) - origin + 1;
        let width = ((span + COLUMNS - 1) / COLUMNS).max(2);
        Self::Buckets { origin, width }
    }

    /// The display time of an event at `time_ns`: its second, or its
    /// bucket's start.
    pub fn time(self, time_ns: i64) -> i64 {
        let s = time_ns.div_euclid(1_000_000_000);
        match self {
            Self::Raw => s,
            Self::Buckets { origin, width } => origin + (s - origin).div_euclid(width) * width,
        }
    }

    /// Whether the run is downsampled.
    pub fn is_bucketed(self) -> bool {
        matches!(self, Self::Buckets { .. })
    }

    /// Bucket width in seconds (1 when shown as is).
    pub fn width(self) -> i64 {
        match self {
            Self::Raw => 1,
            Self::Buckets { width, .. } => width,
        }
    }
}

/// One candle: `[time, open, high, low, close]`.
pub type Candle = (i64, f64, f64, f64, f64);
/// One point: `[time, value]`.
pub type Point = (i64, f64);

/// Candles of one instrument's prices; events in one bucket merge into one
/// candle (first open, highest high, lowest low, last close).
#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Candles(pub Vec<Candle>);

impl Candles {
    /// Adds an event at display time `t`.
    pub fn push(&mut self, t: i64, [open, high, low, close]: [f64; 4]) {
        match self.0.last_mut() {
            Some(c) if c.0 == t => {
                c.2 = c.2.max(high);
                c.3 = c.3.min(low);
                c.4 = close;
            }
            _ => self.0.push((t, open, high, low, close)),
        }
    }
}

/// A line whose buckets keep their lowest and highest values, in the
/// order they came: one point per bucket when all its values are equal,
/// else two (at the bucket's start and middle).
#[derive(Debug)]
pub struct MinMaxLine {
    grid: Grid,
    points: Vec<Point>,
    open: Option<Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    t: i64,
    min: f64,
    max: f64,
    /// Whether the minimum came before the maximum.
    min_first: bool,
    last: f64,
}

impl MinMaxLine {
    /// An empty line on `grid`.
    pub fn new(grid: Grid) -> Self {
        Self {
            grid,
            points: Vec::new(),
            open: None,
        }
    }

    /// Adds `value` at display time `t` (non-decreasing).
    pub fn push(&mut self, t: i64, value: f64) {
        if let Some(b) = &mut self.open {
            if b.t == t {
                if value < b.min {
                    b.min = value;
                    b.min_first = false;
                }
                if value > b.max {
                    b.max = value;
                    b.min_first = true;
                }
                b.last = value;
                return;
            }
            self.close();
        }
        self.open = Some(Bucket {
            t,
            min: value,
            max: value,
            min_first: true,
            last: value,
        });
    }

    /// Replaces the newest value (the run's final equity after a close-out).
    pub fn revalue_last(&mut self, value: f64) {
        if let Some(b) = &mut self.open {
            b.last = value;
            b.min = b.min.min(value);
            b.max = b.max.max(value);
        }
    }

    fn close(&mut self) {
        let Some(b) = self.open.take() else { return };
        if !self.grid.is_bucketed() || b.min == b.max {
            // Shown as is, a second keeps its last value.
            self.points.push((b.t, b.last));
            return;
        }
        let (first, second) = if b.min_first {
            (b.min, b.max)
        } else {
            (b.max, b.min)
        };
        self.points.push((b.t, first));
        self.points.push((b.t + self.grid.width() / 2, second));
    }

    /// The points.
    pub fn finish(mut self) -> Vec<Point> {
        self.close();
        self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn small_runs_on_distinct_seconds_are_shown_as_is() {
        assert_eq!(Grid::choose(100, true, 0, 99 * S), Grid::Raw);
        assert!(Grid::choose(100, false, 0, 99 * S).is_bucketed());
        assert!(Grid::choose(MAX_RAW + 1, true, 0, 99 * S).is_bucketed());
    }

    #[test]
    fn buckets_cover_the_span_in_at_most_the_column_count() {
        let g = Grid::choose(10_000_000, true, 5 * S + 3, 1_000_000 * S);
        let Grid::Buckets { origin, width } = g else {
            panic!("bucketed")
        };
        assert_eq!(origin, 5);
        assert!((1_000_000 - 5) / width < COLUMNS);
        assert_eq!(g.time(5 * S + 3), 5);
        assert_eq!(g.time(5 * S + width * S), 5 + width);
    }

    #[test]
    fn a_bucket_keeps_its_extremes_in_order_and_candles_merge() {
        let g = Grid::Buckets {
            origin: 0,
            width: 10,
        };
        let mut line = MinMaxLine::new(g);
        for (t, v) in [(0, 5.0), (0, 9.0), (0, 1.0), (0, 4.0), (10, 3.0), (20, 2.0)] {
            line.push(t, v);
        }
        assert_eq!(
            line.finish(),
            vec![(0, 9.0), (5, 1.0), (10, 3.0), (20, 2.0)]
        );
        let mut c = Candles::default();
        c.push(0, [1.0, 2.0, 0.5, 1.5]);
        c.push(0, [1.5, 3.0, 1.0, 2.5]);
        c.push(10, [2.5, 2.6, 2.4, 2.4]);
        assert_eq!(c.0, vec![(0, 1.0, 3.0, 0.5, 2.5), (10, 2.5, 2.6, 2.4, 2.4)]);
    }

    #[test]
    fn shown_as_is_a_second_keeps_its_last_value() {
        let mut line = MinMaxLine::new(Grid::Raw);
        line.push(1, 1.0);
        line.push(1, 3.0);
        line.push(2, 2.0);
        line.revalue_last(2.5);
        assert_eq!(line.finish(), vec![(1, 3.0), (2, 2.5)]);
    }
}
