//! Meter estimation: how missing readings are estimated (Government Decree 354, p. 59-60): the
//! average over the last `average_months` months with real readings, for at most
//! `max_average_periods` periods in a row, then the norm.

use crm_domain::meter::EstimationPolicy;
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::Fields;
use crate::validation::{Invalid, Reason};

/// Longest averaging window accepted, in months.
pub const MAX_AVERAGE_MONTHS: u32 = 36;
/// Most periods in a row that may be estimated by the average.
pub const MAX_AVERAGE_PERIODS: u32 = 12;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterEstimationSection {
    pub average_months: u32,
    pub max_average_periods: u32,
}

impl Default for MeterEstimationSection {
    fn default() -> Self {
        let policy = EstimationPolicy::default();
        Self {
            average_months: policy.average_months,
            max_average_periods: policy.max_average_periods,
        }
    }
}

impl MeterEstimationSection {
    pub fn policy(&self) -> EstimationPolicy {
        EstimationPolicy {
            average_months: self.average_months,
            max_average_periods: self.max_average_periods,
        }
    }
}

fn in_range(
    invalid: &mut Invalid,
    field: &str,
    value: Option<i64>,
    min: u32,
    max: u32,
) -> Option<u32> {
    let value = value?;
    match u32::try_from(value) {
        Ok(v) if (min..=max).contains(&v) => Some(v),
        _ => {
            invalid.add(
                field,
                Reason::new(
                    "out_of_range",
                    format!("Введите число от {min} до {max}"),
                    format!("Enter a number from {min} to {max}"),
                ),
            );
            None
        }
    }
}

impl Section for MeterEstimationSection {
    const NAME: SectionName = SectionName::MeterEstimation;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let months = fields.number(&mut invalid, "average_months");
        let periods = fields.number(&mut invalid, "max_average_periods");
        let months = in_range(
            &mut invalid,
            "average_months",
            months,
            1,
            MAX_AVERAGE_MONTHS,
        );
        let periods = in_range(
            &mut invalid,
            "max_average_periods",
            periods,
            0,
            MAX_AVERAGE_PERIODS,
        );
        match (months, periods) {
            (Some(average_months), Some(max_average_periods)) => {
                invalid.into_result(MeterEstimationSection {
                    average_months,
                    max_average_periods,
                })
            }
            _ => Err(invalid),
        }
    }

    fn to_fields(&self) -> Fields {
        Fields::new()
            .with("average_months", self.average_months.to_string())
            .with("max_average_periods", self.max_average_periods.to_string())
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.meter_estimation
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.meter_estimation = value;
    }
}
