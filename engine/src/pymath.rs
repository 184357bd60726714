//! Python's float arithmetic where it differs from Rust's, bit for bit.
//!
//! Ports of backtesting.py have to round, divide and print numbers as
//! CPython does to produce the same units and the same messages:
//! `a // b` is not `(a / b).floor()` (`1.0 // 0.1 == 9.0`), `round` rounds
//! half to even, and `repr(101.0)` is `101.0`, not `101`.

/// Python's float floor division (`a // b`), bit for bit (CPython's
/// `float_floor_div`): `fmod`, then the quotient of the exact multiple,
/// snapped to the nearest integer.
///
/// `b == 0` gives NaN here where Python raises `ZeroDivisionError`; see
/// [`py_floor_div_checked`].
pub fn py_floor_div(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0f64.copysign(a / b)
    }
}

/// What Python raises for a float operation it refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyArithError {
    /// `ZeroDivisionError`.
    ZeroDivision,
    /// `ValueError`: `int()` of NaN.
    NanToInt,
    /// `OverflowError`: `int()` of an infinity.
    InfToInt,
}

impl PyArithError {
    /// The exception's message, as CPython words it.
    pub fn message(self) -> &'static str {
        match self {
            Self::ZeroDivision => "float floor division by zero",
            Self::NanToInt => "cannot convert float NaN to integer",
            Self::InfToInt => "cannot convert float infinity to integer",
        }
    }
}

/// `a // b`, raising where Python raises: division by zero.
pub fn py_floor_div_checked(a: f64, b: f64) -> Result<f64, PyArithError> {
    if b == 0.0 {
        return Err(PyArithError::ZeroDivision);
    }
    Ok(py_floor_div(a, b))
}

/// Python's `int(x)` for a float, kept as a float (exact for every
/// integral float): truncation toward zero, raising where Python raises.
pub fn py_int(x: f64) -> Result<f64, PyArithError> {
    if x.is_nan() {
        Err(PyArithError::NanToInt)
    } else if x.is_infinite() {
        Err(PyArithError::InfToInt)
    } else {
        // `+ 0.0` turns -0.0 into 0.0, as the Python int 0 has no sign.
        Ok(x.trunc() + 0.0)
    }
}

/// Python's `round(x)` with no digits: to the nearest integer, ties to
/// even (`round(2.5) == 2`, `round(3.5) == 4`), as a float.
pub fn py_round(x: f64) -> f64 {
    x.round_ties_even()
}

/// Python's `min(a, b)`: `b` only if `b < a`, else `a` (so a NaN `a` wins).
pub fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Python's `max(a, b)`: `b` only if `b > a`, else `a`.
pub fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `repr(x)` (and `str(x)`) of a float: the shortest digits that
/// round-trip, in fixed notation for exponents -4..16, otherwise
/// scientific with a signed two-digit exponent: `101.0`, `0.0001`,
/// `1e-05`, `1e+16`, `nan`, `inf`.
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` prints the same shortest round-trip digits: `d.ddde-N`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // Position of the decimal point relative to the first digit.
    let decpt = exp + 1;
    if (-3..=16).contains(&decpt) {
        let n = digits.len() as i32;
        let body = if decpt <= 0 {
            format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
        } else if decpt >= n {
            format!("{}{}.0", digits, "0".repeat((decpt - n) as usize))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

/// `repr` of an optional float: `None` for `None`.
pub fn py_opt_repr(x: Option<f64>) -> String {
    x.map_or_else(|| "None".to_string(), py_float_repr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_div_matches_python() {
        // Values checked against CPython.
        assert_eq!(py_floor_div(7.0, 2.0), 3.0);
        assert_eq!(py_floor_div(-7.0, 2.0), -4.0);
        assert_eq!(py_floor_div(0.3, 0.1), 2.0);
        assert_eq!(py_floor_div(1.0, 0.1), 9.0);
        assert_eq!(py_floor_div(1e16, 3.0), 3333333333333333.0);
        assert_eq!(py_floor_div(9999.999999999998, 100.34), 99.0);
        assert_eq!(py_floor_div(9999.999999999998, 100.2), 99.0);
        assert!(py_floor_div(-0.0, 3.0).is_sign_negative());
        assert_eq!(
            py_floor_div_checked(1.0, 0.0),
            Err(PyArithError::ZeroDivision)
        );
    }

    #[test]
    fn int_and_round_match_python() {
        assert_eq!(py_int(-2.7), Ok(-2.0));
        assert!(py_int(-0.5).unwrap().is_sign_positive());
        assert_eq!(py_int(f64::NAN), Err(PyArithError::NanToInt));
        assert_eq!(py_int(f64::INFINITY), Err(PyArithError::InfToInt));
        assert_eq!(py_round(2.5), 2.0);
        assert_eq!(py_round(3.5), 4.0);
        assert_eq!(py_round(-2.5), -2.0);
        assert_eq!(py_round(2.4999999999999996), 2.0);
        assert!(py_min(f64::NAN, 1.0).is_nan());
        assert_eq!(py_min(1.0, f64::NAN), 1.0);
        assert_eq!(py_max(1.0, 2.0), 2.0);
    }

    #[test]
    fn float_repr_matches_python() {
        for (x, s) in [
            (101.0, "101.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e17, "1.2345e+17"),
            (123.456, "123.456"),
            (99.0000001, "99.0000001"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
            (1e300, "1e+300"),
            (0.30000000000000004, "0.30000000000000004"),
        ] {
            assert_eq!(py_float_repr(x), s, "{x:?}");
        }
        assert_eq!(py_opt_repr(None), "None");
    }
}
