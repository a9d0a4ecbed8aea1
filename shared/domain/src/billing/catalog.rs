//! The parts of a catalogue entry (a tenant's service) that have rules: its code, name,
//! quantity rounding, the supplier it is charged for, and which units fit which kinds.

use serde::{Deserialize, Serialize};

use super::service::{ServiceKind, Unit};
use crate::newtype::string_newtype;
use crate::requisites::Inn;

/// A service's short code, unique in the tenant (`ХВС`, `HW-1`, `kap.remont`): 1 to 32 letters
/// (any alphabet), digits, `-`, `_` or `.`. Compared without regard to case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceCode(String);

pub const SERVICE_CODE_MAX_CHARS: usize = 32;
pub const SERVICE_NAME_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
pub const SUPPLIER_NAME_MAX_CHARS: usize = 300;
/// Quantities keep at most six decimal places (ARCHITECTURE.md).
pub const MAX_ROUNDING: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceCodeError {
    #[error("a service code is required")]
    Empty,
    #[error("a service code has at most {SERVICE_CODE_MAX_CHARS} characters")]
    TooLong,
    #[error("a service code may contain only letters, digits, `-`, `_` and `.`")]
    BadCharacter,
}

impl ServiceCodeError {
    pub fn code(&self) -> &'static str {
        match self {
            ServiceCodeError::Empty => "service_code_empty",
            ServiceCodeError::TooLong => "service_code_too_long",
            ServiceCodeError::BadCharacter => "service_code_bad_character",
        }
    }
}

impl ServiceCode {
    pub fn parse(raw: &str) -> Result<Self, ServiceCodeError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(ServiceCodeError::Empty);
        }
        if code.chars().count() > SERVICE_CODE_MAX_CHARS {
            return Err(ServiceCodeError::TooLong);
        }
        if !code
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ServiceCodeError::BadCharacter);
        }
        Ok(Self(code.to_owned()))
    }

    /// The form uniqueness is decided on: upper case, `Ё` as `Е`.
    pub fn normalised(&self) -> String {
        self.0.to_uppercase().replace('Ё', "Е")
    }
}

string_newtype!(ServiceCode, ServiceCodeError);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name is required")]
    Empty,
    #[error("a name has at most {max} characters")]
    TooLong { max: usize },
}

/// A trimmed name of 1..=`max` characters.
pub fn parse_name(raw: &str, max: usize) -> Result<String, NameError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    Ok(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("quantity rounding is 0 to {MAX_ROUNDING} decimal places")]
pub struct RoundingOutOfRange;

/// Decimal places a service's quantities keep, 0..=6.
pub fn check_rounding(decimals: u32) -> Result<u32, RoundingOutOfRange> {
    if decimals <= MAX_ROUNDING {
        Ok(decimals)
    } else {
        Err(RoundingOutOfRange)
    }
}

/// The company a service is charged on behalf of (an agent scheme: a УК billing a resource
/// supplier's water), shown on the bill and in fiscal receipts (tags 1222/1224/1226).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    pub name: String,
    pub inn: Inn,
}

/// Whether `unit` measures what `kind` counts: area kinds in m², per-resident ones in persons,
/// fees per month or piece, consumption in m³, kWh or Gcal (multi-zone: electricity, kWh).
pub fn unit_fits(kind: ServiceKind, unit: Unit) -> bool {
    let resource = matches!(
        unit,
        Unit::CubicMetre | Unit::KilowattHour | Unit::Gigacalorie
    );
    match kind {
        ServiceKind::Fixed => matches!(unit, Unit::Month | Unit::Piece),
        ServiceKind::PerArea => unit == Unit::SquareMetre,
        ServiceKind::PerResident => unit == Unit::Person,
        ServiceKind::Metered | ServiceKind::Tiered | ServiceKind::Norm { .. } => resource,
        ServiceKind::MultiZone { .. } => unit == Unit::KilowattHour,
    }
}

/// The unit a new service of `kind` starts with in forms.
pub fn usual_unit(kind: ServiceKind) -> Unit {
    match kind {
        ServiceKind::Fixed => Unit::Month,
        ServiceKind::PerArea => Unit::SquareMetre,
        ServiceKind::PerResident => Unit::Person,
        ServiceKind::MultiZone { .. } => Unit::KilowattHour,
        ServiceKind::Metered | ServiceKind::Tiered | ServiceKind::Norm { .. } => Unit::CubicMetre,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::service::{NormBasis, ZoneScheme};

    #[test]
    fn codes() {
        assert_eq!(ServiceCode::parse(" ХВС ").unwrap().as_str(), "ХВС");
        assert_eq!(ServiceCode::parse("хвс").unwrap().normalised(), "ХВС");
        assert_eq!(ServiceCode::parse("ёлка").unwrap().normalised(), "ЕЛКА");
        assert!(ServiceCode::parse("kap.remont_2-a").is_ok());
        assert_eq!(ServiceCode::parse("  "), Err(ServiceCodeError::Empty));
        assert_eq!(
            ServiceCode::parse("a b"),
            Err(ServiceCodeError::BadCharacter)
        );
        assert_eq!(
            ServiceCode::parse("a#b"),
            Err(ServiceCodeError::BadCharacter)
        );
        assert_eq!(
            ServiceCode::parse(&"x".repeat(33)),
            Err(ServiceCodeError::TooLong)
        );
        assert!(serde_json::from_str::<ServiceCode>("\"a b\"").is_err());
    }

    #[test]
    fn names_and_rounding() {
        assert_eq!(
            parse_name("  Холодная   вода ", 200).unwrap(),
            "Холодная вода"
        );
        assert_eq!(parse_name(" ", 200), Err(NameError::Empty));
        assert_eq!(parse_name("абв", 2), Err(NameError::TooLong { max: 2 }));
        assert_eq!(check_rounding(6), Ok(6));
        assert_eq!(check_rounding(7), Err(RoundingOutOfRange));
    }

    #[test]
    fn units_fit_kinds() {
        assert!(unit_fits(ServiceKind::PerArea, Unit::SquareMetre));
        assert!(!unit_fits(ServiceKind::PerArea, Unit::CubicMetre));
        assert!(unit_fits(
            ServiceKind::Norm {
                basis: NormBasis::PerResident
            },
            Unit::CubicMetre
        ));
        assert!(!unit_fits(
            ServiceKind::MultiZone {
                zones: ZoneScheme::DayNight
            },
            Unit::CubicMetre
        ));
        for kind in ServiceKind::ALL {
            assert!(unit_fits(kind, usual_unit(kind)), "{kind:?}");
        }
    }
}
