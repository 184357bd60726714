//! `ln`, `exp` and rounding built from IEEE-754 basic operations only
//! (`+ - * /`, integer conversion, bit manipulation), so the synthetic
//! generator yields the same bits on every platform: `f64::ln`/`f64::exp`
//! call the platform's libm, whose last-bit results differ between C
//! libraries. Polynomials use Estrin's scheme to keep dependency chains short.

const LN2: f64 = std::f64::consts::LN_2;
/// ln 2 split so that `k * LN2_HI` is exact for |k| < 2^11 (Cody-Waite).
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

/// Rounds to the nearest integer, halves away from zero, for |x| < 2^62
/// (saturates beyond). Unlike `f64::round` it compiles to two instructions
/// on every x86-64, without a libm call.
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    (x + if x >= 0.0 { 0.5 } else { -0.5 }) as i64 as f64
}

/// Natural logarithm (relative error ~1e-15). NaN for `x <= 0` or NaN; +inf for +inf.
#[inline]
pub(crate) fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return x;
    }
    // Subnormals are scaled up by 2^54 first.
    let (y, bias) = if x < f64::MIN_POSITIVE {
        (x * 18_014_398_509_481_984.0, 1023 + 54)
    } else {
        (x, 1023)
    };
    let mut e = ((y.to_bits() >> 52) & 0x7FF) as i64 - bias;
    // Mantissa in [1, 2), then moved into [sqrt(1/2), sqrt(2)).
    let mut m = f64::from_bits((y.to_bits() & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln(m) = 2 atanh(s) = 2 (s + s^3/3 + ... + s^17/17), s = (m - 1)/(m + 1), |s| <= 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let z2 = z * z;
    let z4 = z2 * z2;
    let p01 = 1.0 + z * (1.0 / 3.0);
    let p23 = 1.0 / 5.0 + z * (1.0 / 7.0);
    let p45 = 1.0 / 9.0 + z * (1.0 / 11.0);
    let p67 = 1.0 / 13.0 + z * (1.0 / 15.0);
    let series = (p01 + z2 * p23) + z4 * ((p45 + z2 * p67) + z4 * (1.0 / 17.0));
    e as f64 * LN2 + 2.0 * s * series
}

/// `1/k!` for k = 0..=13.
const INV_FACT: [f64; 14] = [
    1.0,
    1.0,
    0.5,
    0.166_666_666_666_666_66,
    0.041_666_666_666_666_664,
    0.008_333_333_333_333_333,
    0.001_388_888_888_888_889,
    0.000_198_412_698_412_698_4,
    2.480_158_730_158_73e-5,
    2.755_731_922_398_589_3e-6,
    2.755_731_922_398_589e-7,
    2.505_210_838_544_172e-8,
    2.087_675_698_786_81e-9,
    1.605_904_383_682_161_3e-10,
];

/// `e^x` (relative error ~1e-15); 0 below -708, +inf above 709.
#[inline]
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -708.0 {
        return 0.0;
    }
    let k = round(x * (1.0 / LN2));
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series to r^13/13!, |r| <= 0.35.
    let c = &INV_FACT;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (c[0] + r * c[1]) + r2 * (c[2] + r * c[3]);
    let q1 = (c[4] + r * c[5]) + r2 * (c[6] + r * c[7]);
    let q2 = (c[8] + r * c[9]) + r2 * (c[10] + r * c[11]);
    let q3 = c[12] + r * c[13];
    let sum = (q0 + r4 * q1) + r8 * (q2 + r4 * q3);
    // k is in [-1021, 1023], so 2^k is a normal double.
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_libm() {
        let mut x = 1e-300;
        while x < 1e300 {
            let rel = (ln(x) - x.ln()).abs() / x.ln().abs().max(1.0);
            assert!(rel < 1e-14, "ln({x}) = {} vs {}", ln(x), x.ln());
            x *= 1.37;
        }
        let mut y = -700.0;
        while y < 700.0 {
            let rel = (exp(y) - y.exp()).abs() / y.exp();
            assert!(rel < 1e-14, "exp({y}) = {} vs {}", exp(y), y.exp());
            y += 0.731;
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(exp(0.0), 1.0);
        assert!(ln(-1.0).is_nan() && ln(0.0).is_nan());
        assert!((ln(5e-324) - (5e-324f64).ln()).abs() < 1e-12);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
    }

    #[test]
    fn rounding() {
        for (x, r) in [
            (0.4, 0.0),
            (0.5, 1.0),
            (2.5, 3.0),
            (-0.5, -1.0),
            (-1.4, -1.0),
            (1e15 + 0.5, 1e15 + 1.0),
        ] {
            assert_eq!(round(x), r, "{x}");
        }
    }
}
