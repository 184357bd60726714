//! Commission models: a fixed fee plus a rate on notional, or a user function.

use std::fmt;

use super::BrokerError;
use crate::pymath::py_float_repr;

/// What a fill costs, as a function of the (signed) size and the price.
pub enum Commission {
    /// `fixed + |size| * price * rate`. backtesting.py's float `r` is
    /// `Linear { fixed: 0.0, rate: r }`, its tuple `(fixed, r)` is
    /// `Linear { fixed, rate: r }`.
    Linear {
        /// Cash per fill, `>= 0`.
        fixed: f64,
        /// Fraction of notional, in `[-0.1, 0.1)` (negative: a rebate).
        rate: f64,
    },
    /// A user function of `(size, price)`, e.g. a Python callable. It is
    /// called exactly where and as often as backtesting.py calls its
    /// commission callable, so a stateful function sees the same calls.
    Custom(Box<dyn FnMut(f64, f64) -> f64 + Send>),
}

impl fmt::Debug for Commission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Linear { fixed, rate } => f
                .debug_struct("Linear")
                .field("fixed", fixed)
                .field("rate", rate)
                .finish(),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl Commission {
    /// The fee for a fill of `size` units at `price`.
    pub(super) fn fee(&mut self, size: f64, price: f64) -> f64 {
        match self {
            Self::Linear { fixed, rate } => *fixed + size.abs() * price * *rate,
            Self::Custom(f) => f(size, price),
        }
    }

    /// backtesting.py's bounds on a fixed/relative commission.
    pub(super) fn validate(&self) -> Result<(), BrokerError> {
        if let Self::Linear { fixed, rate } = *self {
            if fixed.is_nan() || fixed < 0.0 {
                return Err(BrokerError::Assertion(
                    "Need fixed cash commission in $ >= 0".into(),
                ));
            }
            if !((-0.1..0.1).contains(&rate)) {
                return Err(BrokerError::Assertion(format!(
                    "commission should be between -10% (e.g. market-maker's rebates) \
                     and 10% (fees), is {}",
                    py_float_repr(rate)
                )));
            }
        }
        Ok(())
    }
}
