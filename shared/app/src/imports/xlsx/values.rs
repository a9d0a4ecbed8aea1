//! Cell values as Excel stores them, turned into the text a person sees: numbers without binary
//! noise (`45.299999999999997` is `45.3`), date serials as ISO dates. Pure functions.

use chrono::{Duration, NaiveDate};

/// Excel's numbers are doubles written with up to 17 significant digits; the shortest text
/// that reads back as the same double is what was typed. Text that is not a number stays as is.
pub fn normalise_number(raw: &str) -> String {
    let raw = raw.trim();
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() => {
            let text = value.to_string();
            if text == "-0" { "0".to_owned() } else { text }
        }
        _ => raw.to_owned(),
    }
}

/// A date serial (days since the workbook's epoch, fraction = time of day) as
/// `yyyy-mm-dd`, or `yyyy-mm-dd hh:mm:ss` when it has a time. `None` when not a plausible date.
pub fn serial_to_iso(serial: &str, date1904: bool) -> Option<String> {
    let serial = normalise_number(serial);
    let (days, fraction) = match serial.split_once('.') {
        Some((days, fraction)) => (days, fraction),
        None => (serial.as_str(), ""),
    };
    let days: i64 = days.parse().ok()?;
    if !(0..=2_958_465).contains(&days) {
        return None;
    }
    let seconds = fraction_to_seconds(fraction)?;
    let date = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)? + Duration::days(days)
    } else if days >= 61 {
        // Excel counts 29 Feb 1900, a day that never was; from 1 Mar 1900 on this is exact.
        NaiveDate::from_ymd_opt(1899, 12, 30)? + Duration::days(days)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)? + Duration::days(days)
    };
    if seconds == 0 {
        Some(date.format("%Y-%m-%d").to_string())
    } else {
        let at = date.and_hms_opt(0, 0, 0)? + Duration::seconds(seconds);
        Some(at.format("%Y-%m-%d %H:%M:%S").to_string())
    }
}

/// The digits after the point as seconds of a day, rounded (integer arithmetic only).
fn fraction_to_seconds(fraction: &str) -> Option<i64> {
    if fraction.is_empty() {
        return Some(0);
    }
    let digits = &fraction[..fraction.len().min(12)];
    let numerator: i64 = digits.parse().ok()?;
    let denominator = 10i64.checked_pow(digits.len() as u32)?;
    let seconds =
        (i128::from(numerator) * 86_400 + i128::from(denominator) / 2) / i128::from(denominator);
    i64::try_from(seconds).ok().map(|s| s.min(86_399))
}

/// Whether a number format shows a date or time: the built-in ids, or a custom code with date
/// letters outside quotes, escapes and `[...]` sections (`[Red]`, `[$-419]` stay neutral).
pub fn is_date_format(id: u32, code: Option<&str>) -> bool {
    if matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58) {
        return true;
    }
    let Some(code) = code else {
        return false;
    };
    let mut in_quotes = false;
    let mut in_brackets = false;
    let mut escaped = false;
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            '[' if !in_quotes => in_brackets = true,
            ']' if !in_quotes => in_brackets = false,
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S'
                if !in_quotes && !in_brackets =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_binary_noise() {
        assert_eq!(normalise_number("45.299999999999997"), "45.3");
        assert_eq!(normalise_number("123"), "123");
        assert_eq!(normalise_number("1.2345E-2"), "0.012345");
        assert_eq!(normalise_number("4.5678E4"), "45678");
        assert_eq!(normalise_number("-0"), "0");
        assert_eq!(normalise_number("12345678901234"), "12345678901234");
        assert_eq!(normalise_number("not"), "not");
    }

    #[test]
    fn serials_to_dates() {
        assert_eq!(serial_to_iso("46082", false).as_deref(), Some("2026-03-01"));
        assert_eq!(serial_to_iso("1", false).as_deref(), Some("1900-01-01"));
        assert_eq!(serial_to_iso("61", false).as_deref(), Some("1900-03-01"));
        assert_eq!(
            serial_to_iso("46082.5", false).as_deref(),
            Some("2026-03-01 12:00:00")
        );
        assert_eq!(
            serial_to_iso("46082.999999999", false).as_deref(),
            Some("2026-03-01 23:59:59")
        );
        assert_eq!(serial_to_iso("0", true).as_deref(), Some("1904-01-01"));
        assert_eq!(serial_to_iso("-5", false), None);
        assert_eq!(serial_to_iso("x", false), None);
    }

    #[test]
    fn date_formats() {
        assert!(is_date_format(14, None));
        assert!(!is_date_format(0, None));
        assert!(!is_date_format(4, Some("#,##0.00")));
        assert!(is_date_format(164, Some("dd/mm/yyyy")));
        assert!(is_date_format(165, Some("[$-419]d mmmm yyyy")));
        assert!(!is_date_format(166, Some("[Red]0.00")));
        assert!(!is_date_format(167, Some("0.00\" м3\"")));
    }
}
