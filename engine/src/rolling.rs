//! A rolling mean that reproduces pandas' `Series.rolling(n).mean()` bit for
//! bit: Kahan-compensated add and remove with separate compensations, the
//! "same value repeated" shortcut, and NaN until `n` observations. Matching
//! pandas exactly matters because crossovers compare two means strictly:
//! a one-ulp difference on a tie would flip a trade against the reference
//! backtester.

/// Rolling mean over the last `n` values.
#[derive(Debug, Clone)]
pub struct RollingMean {
    n: usize,
    /// The last `n` values as a ring: `window[head]` is the oldest once full.
    window: Vec<f64>,
    head: usize,
    sum: f64,
    comp_add: f64,
    comp_remove: f64,
    same_run: usize,
    prev_value: f64,
    neg_ct: usize,
}

impl RollingMean {
    /// A mean over windows of `n` values (`n` ≥ 1).
    pub fn new(n: usize) -> Self {
        Self {
            n: n.max(1),
            window: Vec::with_capacity(n.max(1)),
            head: 0,
            sum: 0.0,
            comp_add: 0.0,
            comp_remove: 0.0,
            same_run: 0,
            prev_value: f64::NAN,
            neg_ct: 0,
        }
    }

    /// Adds the next value; returns the mean of the last `n` values, or NaN
    /// while fewer than `n` have been seen.
    pub fn push(&mut self, value: f64) -> f64 {
        if self.window.is_empty() {
            self.prev_value = value;
        }
        if self.window.len() == self.n {
            let old = std::mem::replace(&mut self.window[self.head], value);
            self.head = if self.head + 1 == self.n {
                0
            } else {
                self.head + 1
            };
            let y = -old - self.comp_remove;
            let t = self.sum + y;
            self.comp_remove = t - self.sum - y;
            self.sum = t;
            if old.is_sign_negative() {
                self.neg_ct -= 1;
            }
        } else {
            self.window.push(value);
        }
        let y = value - self.comp_add;
        let t = self.sum + y;
        self.comp_add = t - self.sum - y;
        self.sum = t;
        if value.is_sign_negative() {
            self.neg_ct += 1;
        }
        if value == self.prev_value {
            self.same_run += 1;
        } else {
            self.same_run = 1;
        }
        self.prev_value = value;
        self.mean()
    }

    fn mean(&self) -> f64 {
        let nobs = self.window.len();
        if nobs < self.n {
            return f64::NAN;
        }
        let result = self.sum / nobs as f64;
        if self.same_run >= nobs {
            self.prev_value
        } else if (self.neg_ct == 0 && result < 0.0) || (self.neg_ct == nobs && result > 0.0) {
            // All values share a sign, so the mean cannot have the other one:
            // a rounding artefact, which pandas clamps to zero.
            0.0
        } else {
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_plain_mean_on_simple_values() {
        let mut m = RollingMean::new(3);
        assert!(m.push(1.0).is_nan());
        assert!(m.push(2.0).is_nan());
        assert_eq!(m.push(3.0), 2.0);
        assert_eq!(m.push(4.0), 3.0);
        assert_eq!(m.push(4.0), 11.0 / 3.0);
        assert_eq!(m.push(4.0), 4.0);
    }
}
