//! Meters and their readings (DOMAIN.md "Meter readings"): what a meter is, how a new reading
//! is validated whatever its source, how consumption is found (rollover at the digit capacity
//! included), and how missing readings are estimated (Government Decree 354, p. 59-60).

mod consumption;
mod estimate;
mod kind;
mod validate;

pub use consumption::{advance, consumption_in, delta};
pub use estimate::{
    Estimate, EstimationPolicy, estimate, shares_of_months, supersession_difference,
};
pub use kind::MeterKind;
pub use validate::{Flag, Outcome, Rejection, ValidationPolicy, validate};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where a reading came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingSource {
    Operator,
    Import,
    Portal,
    Estimated,
}

/// What validation needs to know about a meter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterSpec {
    pub kind: MeterKind,
    #[serde(with = "crate::iso_date")]
    pub installed_on: NaiveDate,
    /// The reading at installation, one value per zone.
    pub initial: Vec<Decimal>,
    /// Integer digits on the dial: values run from 0 to 10^digits, then wrap.
    pub digits: u32,
    /// Transformer ratio or pulse weight: consumption = dial difference x multiplier.
    pub multiplier: Decimal,
    #[serde(default, with = "crate::iso_date::option")]
    pub verification_due: Option<NaiveDate>,
    /// Removed (or replaced) on this date: no readings after it.
    #[serde(default, with = "crate::iso_date::option")]
    pub removed_on: Option<NaiveDate>,
}

impl MeterSpec {
    /// The dial's capacity, `10^digits`.
    pub fn capacity(&self) -> Decimal {
        Decimal::from(10u64.saturating_pow(self.digits.min(18)))
    }

    /// Whether the meter counts as present on `day` (a meter past its verification date
    /// counts as absent for billing: its readings are not trusted).
    pub fn verified_on(&self, day: NaiveDate) -> bool {
        self.verification_due.is_none_or(|due| day <= due)
    }
}

/// A reading: one value per zone of the meter, in the meter's zone order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub date: NaiveDate,
    pub values: Vec<Decimal>,
    pub source: ReadingSource,
}
