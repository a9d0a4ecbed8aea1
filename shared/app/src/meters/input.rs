//! A meter as typed (form or API, all text) and its parsing into checked values, with a
//! reason per field.

use chrono::NaiveDate;
use crm_domain::meter::MeterKind;
use rust_decimal::Decimal;

use crate::validation::{Invalid, Reason};

/// Digits on a dial people actually buy: 4 to 9 before the decimal point.
pub const DIGITS: std::ops::RangeInclusive<u32> = 4..=9;
pub const SERIAL_MAX: usize = 40;
pub const SEAL_MAX: usize = 40;

/// Every field as text. For an edit, `None` keeps the stored value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeterInput {
    pub subscriber_id: Option<String>,
    pub service_id: Option<String>,
    pub serial: Option<String>,
    pub kind: Option<String>,
    pub installed_on: Option<String>,
    /// One value per zone.
    pub initial: Option<Vec<String>>,
    pub digits: Option<String>,
    pub multiplier: Option<String>,
    pub verification_due: Option<String>,
    pub seal: Option<String>,
}

pub fn invalid_value() -> Reason {
    Reason::new(
        "reading_not_a_number",
        "Введите число, например 123,45",
        "Enter a number, for example 123.45",
    )
}

/// A dial value as people type it: `.` or `,`, spaces between digit groups; up to 6 places.
pub fn parse_value(raw: &str) -> Result<Decimal, Reason> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(Reason::required());
    }
    let plain = cleaned.strip_prefix('-').unwrap_or(&cleaned);
    if plain.is_empty()
        || !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || plain.bytes().filter(|b| *b == b'.').count() > 1
        || plain.starts_with('.')
        || plain.ends_with('.')
        || plain.len() > 28
    {
        return Err(invalid_value());
    }
    let value: Decimal = cleaned.parse().map_err(|_| invalid_value())?;
    if value.normalize().scale() > 6 {
        return Err(Reason::new(
            "too_precise",
            "Не больше 6 знаков после запятой",
            "At most 6 decimal places",
        ));
    }
    Ok(value.normalize())
}

/// `YYYY-MM-DD` or `dd.mm.yyyy`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, Reason> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Reason::required());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d.%m.%Y"))
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            Reason::new(
                "date_invalid",
                "Дата в виде ДД.ММ.ГГГГ",
                "A date as YYYY-MM-DD or DD.MM.YYYY",
            )
        })
}

pub fn parse_kind(raw: &str) -> Result<MeterKind, Reason> {
    MeterKind::from_code(raw.trim()).ok_or_else(|| {
        Reason::new(
            "unknown_kind",
            "Выберите тип счётчика из списка",
            "Choose a meter kind from the list",
        )
    })
}

pub fn parse_text(raw: &str, max: usize) -> Result<String, Reason> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Reason::required());
    }
    if text.chars().count() > max {
        return Err(Reason::too_long(max));
    }
    if text.chars().any(char::is_control) {
        return Err(Reason::new(
            "bad_character",
            "Недопустимые символы",
            "Control characters are not allowed",
        ));
    }
    Ok(text.to_owned())
}

/// Values per zone; errors under `initial_<n>` (or `<prefix>_<n>`).
pub fn parse_values(
    invalid: &mut Invalid,
    prefix: &str,
    raw: &[String],
    expected: usize,
) -> Option<Vec<Decimal>> {
    if raw.len() != expected {
        invalid.add(
            &format!("{prefix}_0"),
            Reason::new(
                "reading_wrong_zone_count",
                format!("Нужно {expected} знач. — по одному на зону"),
                format!("{expected} values are needed, one per zone"),
            ),
        );
        return None;
    }
    let mut values = Vec::with_capacity(expected);
    for (n, text) in raw.iter().enumerate() {
        match parse_value(text) {
            Ok(v) if v.is_sign_negative() && !v.is_zero() => invalid.add(
                &format!("{prefix}_{n}"),
                Reason::new(
                    "reading_negative",
                    "Показание не может быть отрицательным",
                    "A reading cannot be negative",
                ),
            ),
            Ok(v) => values.push(v),
            Err(reason) => invalid.add(&format!("{prefix}_{n}"), reason),
        }
    }
    (values.len() == expected).then_some(values)
}

/// Checked parts of a meter, as far as they parse.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub serial: Option<String>,
    pub kind: Option<MeterKind>,
    pub installed_on: Option<NaiveDate>,
    pub initial: Option<Vec<Decimal>>,
    pub digits: Option<u32>,
    pub multiplier: Option<Decimal>,
    pub verification_due: Option<Option<NaiveDate>>,
    pub seal: Option<Option<String>>,
}

impl MeterInput {
    /// Parses the fields present; `kind_for_zones` is the kind the initial values are counted
    /// against when the input does not name one.
    pub fn parse(&self, invalid: &mut Invalid, kind_for_zones: Option<MeterKind>) -> Parsed {
        let mut parsed = Parsed::default();
        if let Some(raw) = &self.serial {
            parsed.serial = invalid.check("serial", parse_text(raw, SERIAL_MAX));
        }
        if let Some(raw) = &self.kind {
            parsed.kind = invalid.check("kind", parse_kind(raw));
        }
        if let Some(raw) = &self.installed_on {
            parsed.installed_on = invalid.check("installed_on", parse_date(raw));
        }
        if let Some(raw) = &self.initial
            && let Some(kind) = parsed.kind.or(kind_for_zones)
        {
            parsed.initial = parse_values(invalid, "initial", raw, kind.value_count());
        }
        if let Some(raw) = &self.digits {
            let digits = raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| DIGITS.contains(d));
            if digits.is_none() {
                invalid.add(
                    "digits",
                    Reason::new(
                        "digits_range",
                        "Разрядность табло — от 4 до 9 цифр",
                        "The dial has 4 to 9 digits",
                    ),
                );
            }
            parsed.digits = digits;
        }
        if let Some(raw) = &self.multiplier {
            match parse_value(raw) {
                Ok(m) if m > Decimal::ZERO && m <= Decimal::from(100_000) => {
                    parsed.multiplier = Some(m)
                }
                Ok(_) => invalid.add(
                    "multiplier",
                    Reason::new(
                        "multiplier_range",
                        "Коэффициент — положительное число до 100 000",
                        "The multiplier is a positive number up to 100,000",
                    ),
                ),
                Err(reason) => invalid.add("multiplier", reason),
            }
        }
        if let Some(raw) = &self.verification_due {
            parsed.verification_due = if raw.trim().is_empty() {
                Some(None)
            } else {
                invalid.check("verification_due", parse_date(raw)).map(Some)
            };
        }
        if let Some(raw) = &self.seal {
            parsed.seal = if raw.trim().is_empty() {
                Some(None)
            } else {
                invalid.check("seal", parse_text(raw, SEAL_MAX)).map(Some)
            };
        }
        parsed
    }
}
