//! Calendar arithmetic for UTC timestamps in nanoseconds: parsing the date
//! formats CSV files use, and formatting timestamps in error messages.
//! Proleptic Gregorian calendar, no leap seconds, no dependencies.

pub(crate) const NANOS_PER_SEC: i64 = 1_000_000_000;
pub(crate) const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Nanoseconds since the epoch of midnight UTC on a civil date, if in range.
pub(crate) fn civil_to_ns(y: i64, m: u32, d: u32) -> Option<i64> {
    days_from_civil(y, m, d).checked_mul(NANOS_PER_DAY)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.s.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

/// Parses `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DD HH:MM[:SS[.fraction]]`
/// (UTC), or the same with a `T` separator and an optional `Z` or `±HH[:MM]`
/// offset (RFC 3339), into nanoseconds since the Unix epoch.
pub fn parse_datetime_ns(text: &str) -> Option<i64> {
    let mut c = Cursor {
        s: text.trim().as_bytes(),
        i: 0,
    };
    let y = i64::from(c.digits(4)?);
    if !c.eat(b'-') {
        return None;
    }
    let mo = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.digits(2)?;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ns = civil_to_ns(y, mo, d)?;
    if c.done() {
        return Some(ns);
    }
    if !(c.eat(b' ') || c.eat(b'T') || c.eat(b't')) {
        return None;
    }
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2)?;
    let mut s = 0;
    let mut frac: i64 = 0;
    if c.eat(b':') {
        s = c.digits(2)?;
        if c.eat(b'.') {
            let mut scale = 100_000_000i64;
            let start = c.i;
            while let Some(ch) = c.peek().filter(u8::is_ascii_digit) {
                frac += i64::from(ch - b'0') * scale;
                scale /= 10;
                c.i += 1;
            }
            if c.i == start {
                return None;
            }
        }
    }
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    ns = ns.checked_add(secs * NANOS_PER_SEC + frac)?;
    // Optional offset: "Z", "+HH", "+HH:MM", "+HHMM" (also after a space).
    c.eat(b' ');
    let offset_secs = match c.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2)?;
            c.eat(b':');
            let om = if c.done() { 0 } else { c.digits(2)? };
            if oh > 23 || om > 59 {
                return None;
            }
            let v = i64::from(oh) * 3600 + i64::from(om) * 60;
            if sign == b'+' { v } else { -v }
        }
        Some(_) => return None,
    };
    if !c.done() {
        return None;
    }
    ns.checked_sub(offset_secs * NANOS_PER_SEC)
}

/// Formats nanoseconds since the epoch as RFC 3339 UTC, e.g.
/// `2024-01-02T00:00:00Z` or `2024-01-02T00:00:00.000000100Z`.
pub fn format_ns(ns: i64) -> String {
    let days = ns.div_euclid(NANOS_PER_DAY);
    let rem = ns.rem_euclid(NANOS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / NANOS_PER_SEC;
    let frac = rem % NANOS_PER_SEC;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:09}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 19_724, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(2024, 1, 2), 19_724);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_the_csv_formats() {
        let day = 19_724 * NANOS_PER_DAY; // 2024-01-02
        assert_eq!(parse_datetime_ns("2024-01-02"), Some(day));
        assert_eq!(parse_datetime_ns(" 2024-01-02 "), Some(day));
        assert_eq!(
            parse_datetime_ns("2024-01-02 09:30:00"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02 09:30"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02T09:30:00Z"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02T09:30:00.25Z"),
            Some(day + 34_200 * NANOS_PER_SEC + 250_000_000)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02T10:30:00+01:00"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02 04:30:00-05:00"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02 04:30:00-0500"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-01-02 09:30:00 +00:00"),
            Some(day + 34_200 * NANOS_PER_SEC)
        );
        assert_eq!(
            parse_datetime_ns("2024-02-29"),
            Some(day + 58 * NANOS_PER_DAY)
        );
        for bad in [
            "",
            "2024",
            "2024-1-2",
            "2023-02-29",
            "2024-13-01",
            "2024-01-02 24:00:00",
            "2024-01-02x",
            "abc",
            "2024-01-02T09:30:00.Z",
            "2024-01-02 09:30:00+1",
        ] {
            assert_eq!(parse_datetime_ns(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(format_ns(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_ns(19_724 * NANOS_PER_DAY + 100),
            "2024-01-02T00:00:00.000000100Z"
        );
        assert_eq!(format_ns(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(format_ns(i64::MAX), "2262-04-11T23:47:16.854775807Z");
        assert_eq!(format_ns(i64::MIN), "1677-09-21T00:12:43.145224192Z");
    }
}
