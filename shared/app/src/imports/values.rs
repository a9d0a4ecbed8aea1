//! Reading the values people put in spreadsheets: numbers with a decimal comma and grouped
//! thousands, dates in the formats Russian offices use. Pure functions for row handlers.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::xlsx::values::serial_to_iso;

/// `12,5`, `12.5`, `1 234,56` (space, no-break or thin space between groups), `-3`, `+3`.
/// A comma and a point together are refused as ambiguous, unless the last one is clearly the
/// decimal separator after groups of three (`1,234.5`, `1.234,5`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .collect();
    if compact.is_empty() {
        return None;
    }
    let normalised = match (compact.rfind(','), compact.rfind('.')) {
        (Some(_), None) => {
            if compact.matches(',').count() > 1 {
                return None;
            }
            compact.replace(',', ".")
        }
        (None, _) => compact,
        (Some(comma), Some(point)) => {
            let (group, decimal) = if comma > point {
                ('.', ',')
            } else {
                (',', '.')
            };
            let int_part = &compact[..compact.rfind(decimal)?];
            let groups: Vec<&str> = int_part
                .trim_start_matches(['-', '+'])
                .split(group)
                .collect();
            let grouped = groups.len() > 1
                && groups[0].len() <= 3
                && !groups[0].is_empty()
                && groups[1..].iter().all(|g| g.len() == 3);
            if !grouped || int_part.contains(decimal) {
                return None;
            }
            compact.replace(group, "").replace(decimal, ".")
        }
    };
    if normalised.contains(['e', 'E']) {
        return Decimal::from_scientific(&normalised).ok();
    }
    Decimal::from_str(&normalised).ok()
}

/// `31.03.2026`, `31.03.26`, `31/03/2026`, `2026-03-31`, `2026-03-31 10:00:00` (the time is
/// ignored), and a bare Excel date serial (`46112`, what a date cell shows when formatted as a
/// number). Day first, as in Russia.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    if let Ok(date) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Some(date);
    }
    let year_digits = date_part.rsplit(['.', '/', '-']).next().map_or(0, str::len);
    let formats: &[&str] = match year_digits {
        4 => &["%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y"],
        2 => &["%d.%m.%y", "%d/%m/%y"],
        _ => &[],
    };
    for format in formats {
        if let Ok(date) = NaiveDate::parse_from_str(date_part, format) {
            return Some(date);
        }
    }
    // Excel serials of 1 Jan 1950 to 31 Dec 2099.
    if date_part.bytes().all(|b| b.is_ascii_digit())
        && let Ok(serial) = date_part.parse::<u32>()
        && (18_264..=73_050).contains(&serial)
    {
        let iso = serial_to_iso(date_part, false)?;
        return NaiveDate::parse_from_str(&iso, "%Y-%m-%d").ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Option<String> {
        parse_decimal(text).map(|d| d.to_string())
    }

    #[test]
    fn decimals() {
        assert_eq!(d("12,5"), Some("12.5".into()));
        assert_eq!(d(" 12.5 "), Some("12.5".into()));
        assert_eq!(d("1 234,56"), Some("1234.56".into()));
        assert_eq!(d("1\u{a0}234\u{a0}567"), Some("1234567".into()));
        assert_eq!(d("1.234,5"), Some("1234.5".into()));
        assert_eq!(d("1,234.5"), Some("1234.5".into()));
        assert_eq!(d("-3"), Some("-3".into()));
        assert_eq!(d("1E-7"), Some("0.0000001".into()));
        for bad in ["", "abc", "1,2,3", "12,5.3", "1.2.3,4", "1,23.4", "--1"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let march_31 = NaiveDate::from_ymd_opt(2026, 3, 31);
        for text in [
            "31.03.2026",
            "31.03.26",
            "31/03/2026",
            "2026-03-31",
            "2026-03-31 10:15:00",
            "2026-03-31T00:00:00",
            "46112",
            " 31.03.2026 ",
        ] {
            assert_eq!(parse_date(text), march_31, "{text}");
        }
        for bad in ["", "31.02.2026", "2026/31/03", "hello", "12", "03.31.2026"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
