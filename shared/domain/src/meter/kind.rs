//! Kinds of meters, their zones and the plausibility caps per kind.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::billing::service::Zone;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterKind {
    ColdWater,
    HotWater,
    /// Single-zone electricity.
    Electricity,
    /// Two zones: day (T1), night (T2).
    ElectricityTwoZone,
    /// Three zones: peak (T1), night (T2), half-peak (T3).
    ElectricityThreeZone,
    Heat,
    Gas,
}

impl MeterKind {
    pub const ALL: [MeterKind; 7] = [
        MeterKind::ColdWater,
        MeterKind::HotWater,
        MeterKind::Electricity,
        MeterKind::ElectricityTwoZone,
        MeterKind::ElectricityThreeZone,
        MeterKind::Heat,
        MeterKind::Gas,
    ];

    /// The tariff zones of each value of a reading; single-zone meters have one value and no
    /// zone.
    pub fn zones(self) -> &'static [Zone] {
        match self {
            MeterKind::ElectricityTwoZone => &[Zone::Day, Zone::Night],
            MeterKind::ElectricityThreeZone => &[Zone::Peak, Zone::Night, Zone::HalfPeak],
            _ => &[],
        }
    }

    /// How many values a reading of this kind has.
    pub fn value_count(self) -> usize {
        self.zones().len().max(1)
    }

    /// A monthly consumption above which a reading is flagged for review whatever the history
    /// (per zone; for a flat of a few residents these are several times normal use).
    pub fn monthly_cap(self) -> Decimal {
        match self {
            MeterKind::ColdWater => Decimal::from(40),
            MeterKind::HotWater => Decimal::from(25),
            MeterKind::Electricity
            | MeterKind::ElectricityTwoZone
            | MeterKind::ElectricityThreeZone => Decimal::from(2_000),
            MeterKind::Heat => Decimal::from(5),
            MeterKind::Gas => Decimal::from(300),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MeterKind::ColdWater => "cold_water",
            MeterKind::HotWater => "hot_water",
            MeterKind::Electricity => "electricity",
            MeterKind::ElectricityTwoZone => "electricity_two_zone",
            MeterKind::ElectricityThreeZone => "electricity_three_zone",
            MeterKind::Heat => "heat",
            MeterKind::Gas => "gas",
        }
    }

    pub fn from_code(code: &str) -> Option<MeterKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}
