//! The feature window ML models see: a deterministic function of the price
//! history, so a replay rebuilds every input tensor bit for bit.
//!
//! A row at event t has `width` features, the horizon returns
//! `x_k = 100 · ln(p_t / p_{t-k}) / √k` for k = 1..=width (log returns in
//! percent, scaled to a common volatility per horizon). A model with input
//! shape `[1, T, F]` sees the last T rows, oldest first; `[1, F]` sees the
//! newest row. The window is ready once `F + T` prices have been seen;
//! before that the model is not run and votes Hold.

use crate::error::EngineError;
use std::collections::VecDeque;

/// Price history of one instrument, shaped for one input tensor shape.
#[derive(Debug, Clone)]
pub struct FeatureWindow {
    steps: usize,
    width: usize,
    scale: Vec<f64>,
    log_prices: VecDeque<f64>,
}

impl FeatureWindow {
    /// A window for an input shape `[1, F]`, `[F]` or `[1, T, F]`.
    pub fn for_shape(shape: &[usize]) -> Result<Self, EngineError> {
        let (steps, width) = match shape {
            [f] | [1, f] => (1, *f),
            [1, t, f] => (*t, *f),
            _ => {
                return Err(EngineError::FeatureShape {
                    shape: shape.to_vec(),
                    reason: "is not [1, F] or [1, T, F]: the feature window cannot fill it",
                });
            }
        };
        if steps == 0 || width == 0 {
            return Err(EngineError::FeatureShape {
                shape: shape.to_vec(),
                reason: "has an empty dimension",
            });
        }
        Ok(Self {
            steps,
            width,
            scale: (1..=width).map(|k| 100.0 / (k as f64).sqrt()).collect(),
            log_prices: VecDeque::with_capacity(width + steps + 1),
        })
    }

    /// Number of values in one input (T · F).
    pub fn len(&self) -> usize {
        self.steps * self.width
    }

    /// Whether the input is empty (never, for a valid shape).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the newest price. Non-positive or non-finite prices are kept
    /// out of the history (their log is undefined).
    pub fn push(&mut self, price: f64) {
        if !(price.is_finite() && price > 0.0) {
            return;
        }
        if self.log_prices.len() == self.width + self.steps {
            self.log_prices.pop_front();
        }
        self.log_prices.push_back(price.ln());
    }

    /// Whether enough prices have been seen to fill the whole input.
    pub fn ready(&self) -> bool {
        self.log_prices.len() == self.width + self.steps
    }

    /// Writes the input tensor (row-major, oldest row first) into `out`.
    /// Call only when [`ready`](Self::ready).
    pub fn fill(&self, out: &mut Vec<f32>) {
        out.clear();
        let lp = &self.log_prices;
        for row in 0..self.steps {
            // Row `row` ends at price index width + row.
            let t = self.width + row;
            for (k, s) in (1..=self.width).zip(&self.scale) {
                out.push(((lp[t] - lp[t - k]) * s) as f32);
            }
        }
    }

    /// The newest row, as the model saw it (f32 values widened to f64).
    pub fn latest_row(&self, input: &[f32], out: &mut Vec<f64>) {
        out.clear();
        let start = input.len().saturating_sub(self.width);
        out.extend(input[start..].iter().map(|&v| f64::from(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_scaled_horizon_returns_oldest_first() {
        let mut w = FeatureWindow::for_shape(&[1, 2, 3]).unwrap();
        let prices = [100.0, 101.0, 99.0, 102.0, 103.0];
        for (i, p) in prices.iter().enumerate() {
            assert_eq!(w.ready(), i >= 5, "after {i} prices");
            w.push(*p);
        }
        assert!(w.ready());
        let mut x = Vec::new();
        w.fill(&mut x);
        let r = |a: f64, b: f64, k: f64| (100.0 * (a / b).ln() / k.sqrt()) as f32;
        let expect = [
            r(102.0, 99.0, 1.0),
            r(102.0, 101.0, 2.0),
            r(102.0, 100.0, 3.0),
            r(103.0, 102.0, 1.0),
            r(103.0, 99.0, 2.0),
            r(103.0, 101.0, 3.0),
        ];
        for (a, b) in x.iter().zip(expect) {
            assert!((a - b).abs() < 1e-5, "{x:?} vs {expect:?}");
        }
        w.push(104.0);
        w.fill(&mut x);
        assert!(
            (x[0] - r(103.0, 102.0, 1.0)).abs() < 1e-5,
            "window slid by one"
        );
    }

    #[test]
    fn shapes_it_cannot_fill_are_refused() {
        assert!(FeatureWindow::for_shape(&[2, 4]).is_err());
        assert!(FeatureWindow::for_shape(&[1, 3, 4, 5]).is_err());
        assert!(FeatureWindow::for_shape(&[1, 0]).is_err());
        assert_eq!(FeatureWindow::for_shape(&[1, 64, 128]).unwrap().len(), 8192);
    }

    #[test]
    fn bad_prices_do_not_enter_the_history() {
        let mut w = FeatureWindow::for_shape(&[1, 1]).unwrap();
        w.push(0.0);
        w.push(f64::NAN);
        w.push(10.0);
        assert!(!w.ready());
        w.push(11.0);
        assert!(w.ready());
    }
}
