//! Clocks, number formatting, query parsing and HMAC.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// Wall clock in milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    now_us() / 1000
}

/// Wall clock in microseconds since the epoch (OKX `inTime`/`outTime`).
pub(crate) fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Binance's fixed eight decimals; `+ 0.0` turns `-0.0` into `0.0`.
pub(crate) fn b8(x: f64) -> String {
    format!("{:.8}", x + 0.0)
}

/// Decimal places of a grid step such as `0.00001`.
pub(crate) fn decimals(step: f64) -> usize {
    let s = format!("{step:.10}");
    let s = s.trim_end_matches('0');
    s.split_once('.').map_or(0, |(_, frac)| frac.len())
}

/// `x` with `dp` decimals.
pub(crate) fn fmt_dp(x: f64, dp: usize) -> String {
    format!("{:.*}", dp, x + 0.0)
}

/// `x` with at most ten decimals and no trailing zeros (OKX style).
pub(crate) fn fmt_trim(x: f64) -> String {
    let s = format!("{:.10}", x + 0.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Whether `x` lies on the grid of `step` (within float noise).
pub(crate) fn on_grid(x: f64, step: f64) -> bool {
    let n = x / step;
    (n - n.round()).abs() < 1e-6
}

/// `x` rounded down to the grid of `step`.
pub(crate) fn floor_to(x: f64, step: f64) -> f64 {
    ((x / step) + 1e-9).floor() * step
}

/// `x` rounded to the nearest point of the grid of `step`.
pub(crate) fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=1&b=2` into decoded pairs, in order.
pub(crate) fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Milliseconds since the epoch of an ISO 8601 UTC time such as
/// `2020-12-08T09:08:57.715Z` (the OKX `OK-ACCESS-TIMESTAMP` form).
pub(crate) fn parse_iso_ms(s: &str) -> Option<u64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':');
    let (h, mi, se): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let frac3: String = frac.chars().chain("000".chars()).take(3).collect();
    let ms: i64 = frac3.parse().ok()?;
    let days = days_from_civil(y, mo, da);
    let total = ((days * 24 + h) * 60 + mi) * 60 + se;
    u64::try_from(total * 1000 + ms).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A random alphanumeric string of `len` characters.
pub(crate) fn random_id(rng: &mut impl Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps_parse() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            parse_iso_ms("2020-12-08T09:08:57.715Z"),
            Some(1_607_418_537_715)
        );
        assert_eq!(parse_iso_ms("2020-12-08 09:08:57"), None);
    }

    #[test]
    fn grids_and_formats() {
        assert_eq!(decimals(0.00001), 5);
        assert_eq!(decimals(1.0), 0);
        assert!(on_grid(0.3, 0.1));
        assert!(!on_grid(0.000015, 0.00001));
        assert_eq!(fmt_trim(50_000.10), "50000.1");
        assert_eq!(b8(-0.0), "0.00000000");
        assert_eq!(percent_decode("a%2Bb+c"), "a+b c");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
