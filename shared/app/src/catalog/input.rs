//! Reading what people and programs type (text in forms, strings in JSON) into domain values,
//! collecting every field's fault instead of stopping at the first.

use chrono::NaiveDate;
use crm_domain::billing::service::{ServiceKind, Unit, Zone};
use crm_domain::billing::tax::TaxCategory;
use rust_decimal::Decimal;

use super::{Fault, Issue};

/// Rates, norms and quantities keep at most this many decimal places.
pub const MAX_DECIMALS: u32 = 6;
/// Larger values are typing mistakes, not tariffs.
const MAX_VALUE: i64 = 1_000_000_000;

/// Faults found so far; `take` keeps the good values and records the bad ones.
#[derive(Debug, Default)]
pub struct Issues(Vec<Issue>);

impl Issues {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn take<T>(&mut self, field: &str, value: Result<T, Fault>) -> Option<T> {
        match value {
            Ok(value) => Some(value),
            Err(fault) => {
                self.add(field, fault);
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, fault: Fault) {
        if !self.0.iter().any(|issue| issue.field == field) {
            self.0.push(Issue::new(field, fault));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Issue> {
        self.0
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<Issue>> {
        if self.0.is_empty()
            && let Some(value) = value()
        {
            return Ok(value);
        }
        Err(self.0)
    }
}

/// A text that must be present.
pub fn required(raw: Option<&str>) -> Result<&str, Fault> {
    match raw.map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(Fault::Required),
    }
}

/// A non-negative decimal written with `.` or `,` (spaces between digit groups allowed), with
/// at most six decimal places.
pub fn non_negative(raw: &str) -> Result<Decimal, Fault> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(Fault::Required);
    }
    let plain = cleaned.strip_prefix('-').unwrap_or(&cleaned);
    if plain.is_empty()
        || !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || plain.bytes().filter(|b| *b == b'.').count() > 1
        || plain.starts_with('.')
        || plain.ends_with('.')
    {
        return Err(Fault::Decimal);
    }
    let value: Decimal = cleaned.parse().map_err(|_| Fault::Decimal)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Fault::Negative);
    }
    if value.normalize().scale() > MAX_DECIMALS {
        return Err(Fault::TooPrecise);
    }
    if value > Decimal::from(MAX_VALUE) {
        return Err(Fault::TooLarge);
    }
    Ok(value.normalize())
}

/// `YYYY-MM-DD` (API, date inputs) or `dd.mm.yyyy` (typed by people).
pub fn date(raw: &str) -> Result<NaiveDate, Fault> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Fault::Required);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d.%m.%Y"))
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or(Fault::Date)
}

/// An optional date: empty means none.
pub fn optional_date(raw: Option<&str>) -> Result<Option<NaiveDate>, Fault> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => date(text).map(Some),
    }
}

pub fn kind(raw: &str) -> Result<ServiceKind, Fault> {
    ServiceKind::from_code(raw.trim()).ok_or_else(|| Fault::UnknownChoice {
        allowed: ServiceKind::ALL.iter().map(|k| k.code()).collect(),
    })
}

pub fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::CubicMetre => "cubic_metre",
        Unit::KilowattHour => "kilowatt_hour",
        Unit::Gigacalorie => "gigacalorie",
        Unit::SquareMetre => "square_metre",
        Unit::Person => "person",
        Unit::Month => "month",
        Unit::Piece => "piece",
    }
}

pub fn unit(raw: &str) -> Result<Unit, Fault> {
    Unit::ALL
        .into_iter()
        .find(|u| unit_code(*u) == raw.trim())
        .ok_or_else(|| Fault::UnknownChoice {
            allowed: Unit::ALL.iter().map(|u| unit_code(*u)).collect(),
        })
}

pub fn tax_category(raw: &str) -> Result<TaxCategory, Fault> {
    TaxCategory::from_code(raw.trim()).ok_or_else(|| Fault::UnknownChoice {
        allowed: TaxCategory::ALL.iter().map(|c| c.code()).collect(),
    })
}

pub fn zone_code(zone: Zone) -> &'static str {
    match zone {
        Zone::Day => "day",
        Zone::Night => "night",
        Zone::Peak => "peak",
        Zone::HalfPeak => "half_peak",
    }
}

pub fn zone(raw: &str) -> Result<Zone, Fault> {
    const ALL: [Zone; 4] = [Zone::Day, Zone::Night, Zone::Peak, Zone::HalfPeak];
    ALL.into_iter()
        .find(|z| zone_code(*z) == raw.trim())
        .ok_or_else(|| Fault::UnknownChoice {
            allowed: ALL.iter().map(|z| zone_code(*z)).collect(),
        })
}

/// A whole number in `0..=max`.
pub fn small_integer(raw: &str, max: u32) -> Result<u32, Fault> {
    let value: i64 = raw.trim().parse().map_err(|_| Fault::NotInteger)?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= max)
        .ok_or(Fault::RoundingOutOfRange)
}

/// Text of at most `max` characters (empty allowed).
pub fn text(raw: &str, max: usize) -> Result<String, Fault> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Fault::TooLong { max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_people_type_them() {
        assert_eq!(non_negative("58,10"), Ok("58.1".parse().unwrap()));
        assert_eq!(non_negative(" 1 234.5 "), Ok("1234.5".parse().unwrap()));
        assert_eq!(non_negative("0"), Ok(Decimal::ZERO));
        assert_eq!(non_negative("-0"), Ok(Decimal::ZERO));
        assert_eq!(non_negative("-1"), Err(Fault::Negative));
        assert_eq!(non_negative("1.2345678"), Err(Fault::TooPrecise));
        assert_eq!(non_negative("1e5"), Err(Fault::Decimal));
        assert_eq!(non_negative("1.2.3"), Err(Fault::Decimal));
        assert_eq!(non_negative(",5"), Err(Fault::Decimal));
        assert_eq!(non_negative(""), Err(Fault::Required));
        assert_eq!(non_negative("abc"), Err(Fault::Decimal));
        assert_eq!(non_negative("10000000000"), Err(Fault::TooLarge));
    }

    #[test]
    fn dates_and_choices() {
        let july = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert_eq!(date("2026-07-01"), Ok(july));
        assert_eq!(date("01.07.2026"), Ok(july));
        assert_eq!(date("2026-02-30"), Err(Fault::Date));
        assert_eq!(date("yesterday"), Err(Fault::Date));
        assert_eq!(date("0001-01-01"), Err(Fault::Date));
        assert_eq!(optional_date(Some(" ")), Ok(None));
        assert!(matches!(kind("gas"), Err(Fault::UnknownChoice { .. })));
        assert_eq!(unit("cubic_metre"), Ok(Unit::CubicMetre));
        assert_eq!(small_integer("6", 6), Ok(6));
        assert_eq!(small_integer("7", 6), Err(Fault::RoundingOutOfRange));
        assert_eq!(small_integer("x", 6), Err(Fault::NotInteger));
        assert_eq!(zone("half_peak"), Ok(Zone::HalfPeak));
    }
}
