//! What a service is: how its quantity is found (DOMAIN.md "Quantity rules"), its unit, zones.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How the quantity of a service is found for a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServiceKind {
    /// 1 per month (a subscription fee), pro rata for part of a month.
    Fixed,
    /// The premises' area in m² (maintenance, capital repair).
    PerArea,
    /// The number of registered residents (waste).
    PerResident,
    /// Consumption from meter readings times the meter's multiplier.
    Metered,
    /// A norm per resident or per m², where there is no meter.
    Norm { basis: NormBasis },
    /// Metered, priced by consumption blocks.
    Tiered,
    /// Metered per time zone, priced per zone.
    MultiZone { zones: ZoneScheme },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormBasis {
    PerResident,
    PerArea,
}

impl ServiceKind {
    /// Whether the quantity comes from meter readings.
    pub fn is_metered(self) -> bool {
        matches!(
            self,
            ServiceKind::Metered | ServiceKind::Tiered | ServiceKind::MultiZone { .. }
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            ServiceKind::Fixed => "fixed",
            ServiceKind::PerArea => "per_area",
            ServiceKind::PerResident => "per_resident",
            ServiceKind::Metered => "metered",
            ServiceKind::Norm {
                basis: NormBasis::PerResident,
            } => "norm_per_resident",
            ServiceKind::Norm {
                basis: NormBasis::PerArea,
            } => "norm_per_area",
            ServiceKind::Tiered => "tiered",
            ServiceKind::MultiZone {
                zones: ZoneScheme::DayNight,
            } => "two_zone",
            ServiceKind::MultiZone {
                zones: ZoneScheme::PeakHalfPeakNight,
            } => "three_zone",
        }
    }

    pub const ALL: [ServiceKind; 9] = [
        ServiceKind::Fixed,
        ServiceKind::PerArea,
        ServiceKind::PerResident,
        ServiceKind::Metered,
        ServiceKind::Norm {
            basis: NormBasis::PerResident,
        },
        ServiceKind::Norm {
            basis: NormBasis::PerArea,
        },
        ServiceKind::Tiered,
        ServiceKind::MultiZone {
            zones: ZoneScheme::DayNight,
        },
        ServiceKind::MultiZone {
            zones: ZoneScheme::PeakHalfPeakNight,
        },
    ];

    pub fn from_code(code: &str) -> Option<ServiceKind> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// Time-of-day zones of electricity tariffs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Day,
    Night,
    Peak,
    HalfPeak,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneScheme {
    /// Two-zone meters: day (T1) and night (T2).
    DayNight,
    /// Three-zone meters: peak (T1), night (T2), half-peak (T3).
    PeakHalfPeakNight,
}

impl ZoneScheme {
    pub fn zones(self) -> &'static [Zone] {
        match self {
            ZoneScheme::DayNight => &[Zone::Day, Zone::Night],
            ZoneScheme::PeakHalfPeakNight => &[Zone::Peak, Zone::Night, Zone::HalfPeak],
        }
    }
}

/// Units of measure, written as Russian bills write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    CubicMetre,
    KilowattHour,
    Gigacalorie,
    SquareMetre,
    Person,
    Month,
    Piece,
}

impl Unit {
    pub const ALL: [Unit; 7] = [
        Unit::CubicMetre,
        Unit::KilowattHour,
        Unit::Gigacalorie,
        Unit::SquareMetre,
        Unit::Person,
        Unit::Month,
        Unit::Piece,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::CubicMetre => "м³",
            Unit::KilowattHour => "кВт·ч",
            Unit::Gigacalorie => "Гкал",
            Unit::SquareMetre => "м²",
            Unit::Person => "чел.",
            Unit::Month => "мес.",
            Unit::Piece => "шт.",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut codes: Vec<&str> = ServiceKind::ALL.iter().map(|k| k.code()).collect();
        for kind in ServiceKind::ALL {
            assert_eq!(ServiceKind::from_code(kind.code()), Some(kind));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ServiceKind::ALL.len());
        assert!(ServiceKind::Tiered.is_metered());
        assert!(
            !ServiceKind::Norm {
                basis: NormBasis::PerArea
            }
            .is_metered()
        );
    }
}
