//! How the UI writes money, numbers, dates and times.
//!
//! Russian: `1 234,56 ₽` with a no-break space (U+00A0) between groups and before the sign, as
//! CLDR's Russian locale does, so an amount never breaks across lines. English: `1,234.56 ₽`.
//! Dates are `dd.mm.yyyy` and times `HH:MM` (24 h) in both, in the tenant's time zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::i18n::Lang;

/// The no-break space used between digit groups and before the currency sign.
pub const GROUP_SEPARATOR: char = '\u{00A0}';

/// `1 234,56 ₽`: rounded to kopecks half away from zero, always two decimals.
pub fn money(amount: Decimal, lang: Lang) -> String {
    format!("{}{GROUP_SEPARATOR}₽", number(amount, 2, lang))
}

/// A number with `decimals` places (rounded half away from zero) and grouped thousands.
pub fn number(value: Decimal, decimals: u32, lang: Lang) -> String {
    let mut rounded =
        value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(decimals);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let digits = rounded.abs().to_string();
    let (whole, fraction) = digits.split_once('.').unwrap_or((&digits, ""));
    let (group, point) = match lang {
        Lang::Ru => (GROUP_SEPARATOR, ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::with_capacity(digits.len() + whole.len() / 3 * 2 + 2);
    if negative {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(point);
        out.push_str(fraction);
    }
    out
}

/// `31.01.2026`
pub fn date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// The calendar date of `at` in `zone`: `31.01.2026`.
pub fn date_in(at: DateTime<Utc>, zone: Tz) -> String {
    date(at.with_timezone(&zone).date_naive())
}

/// `31.01.2026 14:05` in `zone`.
pub fn date_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%d.%m.%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::TimeZone;

    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn russian_money() {
        assert_eq!(money(d("1234.56"), Lang::Ru), "1\u{a0}234,56\u{a0}₽");
        assert_eq!(money(d("0"), Lang::Ru), "0,00\u{a0}₽");
        assert_eq!(money(d("12"), Lang::Ru), "12,00\u{a0}₽");
        assert_eq!(money(d("999.999"), Lang::Ru), "1\u{a0}000,00\u{a0}₽");
        assert_eq!(
            money(d("1234567890.1"), Lang::Ru),
            "1\u{a0}234\u{a0}567\u{a0}890,10\u{a0}₽"
        );
        assert_eq!(money(d("-1234.5"), Lang::Ru), "-1\u{a0}234,50\u{a0}₽");
        assert_eq!(money(d("123456"), Lang::Ru), "123\u{a0}456,00\u{a0}₽");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(money(d("0.005"), Lang::Ru), "0,01\u{a0}₽");
        assert_eq!(money(d("0.015"), Lang::Ru), "0,02\u{a0}₽");
        assert_eq!(money(d("2.675"), Lang::Ru), "2,68\u{a0}₽");
        assert_eq!(money(d("-0.005"), Lang::Ru), "-0,01\u{a0}₽");
        assert_eq!(money(d("0.0049"), Lang::Ru), "0,00\u{a0}₽");
        assert_eq!(
            money(d("-0.004"), Lang::Ru),
            "0,00\u{a0}₽",
            "no negative zero"
        );
    }

    #[test]
    fn english_money_and_numbers() {
        assert_eq!(money(d("1234.56"), Lang::En), "1,234.56\u{a0}₽");
        assert_eq!(
            number(d("1234567.1234567"), 6, Lang::En),
            "1,234,567.123457"
        );
        assert_eq!(number(d("1234.5"), 0, Lang::Ru), "1\u{a0}235");
    }

    #[test]
    fn dates_and_times_in_the_tenant_zone() {
        let moscow: Tz = "Europe/Moscow".parse().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 21, 5, 0).unwrap();
        assert_eq!(date_time(at, moscow), "01.02.2026 00:05");
        assert_eq!(date_in(at, moscow), "01.02.2026");
        assert_eq!(date_in(at, chrono_tz::UTC), "31.01.2026");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()),
            "08.03.2026"
        );
    }
}
