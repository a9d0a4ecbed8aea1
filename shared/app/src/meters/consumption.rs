//! What billing reads for a meter and a month: the consumption to charge and the corrections of
//! earlier estimates to add (Government Decree 354, p. 59-61).
//!
//! Billing month X charges `basis` plus every correction recorded during X:
//! - `Real`: the month has a trusted reading. Its consumption is the advance of the month's
//!   readings (times the multiplier), less the shares of that advance that belong to earlier
//!   estimated months the reading superseded (those months are settled by their corrections).
//! - `Estimated`: no trusted reading, an estimate stands (method average or norm).
//! - `Superseded`: the month was estimated, and a later reading has since shown what was
//!   really used; the difference was recorded as a correction when that reading arrived.
//! - `Missing`: neither (not estimated yet, or nothing to estimate from).
//!
//! Corrections belong to the month in which the superseding reading arrived (tenant's time),
//! so each is charged once, in the next bill after the reading, whichever month it corrects.
//! Over time, estimates charged plus corrections plus real consumption equal the meter's
//! whole advance.

use chrono::NaiveDate;
use crm_domain::meter::consumption_in;
use crm_domain::period::BillingMonth;
use rust_decimal::Decimal;
use serde::Serialize;

use super::estimates::{real_shares, trusted};
use super::records::{
    EstimateMethod, EstimateRecord, MeterRecord, SubscriberMeters, subscriber_meters,
};
use crate::store::{ScopedDb, StoreError};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    Real {
        consumption: Vec<Decimal>,
    },
    Estimated {
        method: EstimateMethod,
        consumption: Vec<Decimal>,
    },
    Superseded {
        method: EstimateMethod,
        /// The estimate: what the month's bill charges.
        consumption: Vec<Decimal>,
        /// The month's real consumption as the superseding reading shows it (for display;
        /// the difference is charged as a correction).
        real: Vec<Decimal>,
    },
    Missing,
}

/// A superseded estimate to settle: real minus estimated consumption of `month`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Correction {
    pub meter_id: String,
    /// The estimated month it corrects, `YYYY-MM`.
    pub month: String,
    pub method: EstimateMethod,
    pub estimated: Vec<Decimal>,
    /// Per zone (one value for a norm estimate): positive when more was used than estimated.
    pub difference: Vec<Decimal>,
    pub by_reading_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodConsumption {
    pub meter_id: String,
    pub month: BillingMonth,
    pub basis: Basis,
    /// Corrections recorded during the month (see the module's docs).
    pub corrections: Vec<Correction>,
}

/// The meter's consumption for `month`, from what [`subscriber_meters`] read; `None` when the
/// subscriber has no such meter.
pub fn of_meter(
    found: &SubscriberMeters,
    meter_id: &str,
    month: BillingMonth,
) -> Option<PeriodConsumption> {
    let meter = found
        .meters
        .iter()
        .map(|(m, _)| m)
        .find(|m| m.id == meter_id)?;
    let readings = found.readings_of(meter_id);
    let trusted = trusted(meter, &readings);
    let estimates: Vec<&EstimateRecord> = found
        .estimates
        .iter()
        .map(|(e, _)| e)
        .filter(|e| e.meter_id == meter_id)
        .collect();
    let label = month.to_string();
    let range = month.range();
    // Once a month is estimated, its bill charges the estimate; a later real reading settles
    // the difference as a correction, so the month is never charged twice.
    let basis = match estimates.iter().find(|e| e.month == label) {
        Some(e) => match &e.superseded {
            None => Basis::Estimated {
                method: e.method,
                consumption: e.consumption.clone(),
            },
            Some(s) => Basis::Superseded {
                method: e.method,
                consumption: e.consumption.clone(),
                real: e
                    .consumption
                    .iter()
                    .zip(&s.difference)
                    .map(|(est, diff)| est + diff)
                    .collect(),
            },
        },
        None if trusted.iter().any(|r| range.contains(r.date)) => Basis::Real {
            consumption: real_of_month(meter, &trusted, &estimates, month),
        },
        None => Basis::Missing,
    };
    let corrections = estimates
        .iter()
        .filter_map(|e| {
            let s = e.superseded.as_ref()?;
            (BillingMonth::of(crate::catalog::today(s.at)) == month).then(|| Correction {
                meter_id: meter_id.to_owned(),
                month: e.month.clone(),
                method: e.method,
                estimated: e.consumption.clone(),
                difference: s.difference.clone(),
                by_reading_on: s.by_reading_on,
            })
        })
        .collect();
    Some(PeriodConsumption {
        meter_id: meter_id.to_owned(),
        month,
        basis,
        corrections,
    })
}

/// The advance of the month's trusted readings less the shares that belong to the other
/// months each of them superseded.
fn real_of_month(
    meter: &MeterRecord,
    trusted: &[&super::records::ReadingRecord],
    estimates: &[&EstimateRecord],
    month: BillingMonth,
) -> Vec<Decimal> {
    let owned: Vec<_> = trusted.iter().map(|r| (*r).reading()).collect();
    let mut total = consumption_in(&meter.spec(), &owned, month.range());
    for reading in trusted.iter().filter(|r| month.range().contains(r.date)) {
        let superseded: Vec<(&EstimateRecord, BillingMonth)> = estimates
            .iter()
            .filter(|e| {
                e.superseded
                    .as_ref()
                    .is_some_and(|s| s.by_reading_on == reading.date)
            })
            .filter_map(|e| Some((*e, BillingMonth::parse(&e.month).ok()?)))
            .filter(|(_, m)| *m != month)
            .collect();
        if superseded.is_empty() {
            continue;
        }
        let months: Vec<BillingMonth> = superseded.iter().map(|(_, m)| *m).collect();
        let Some(shares) = real_shares(meter, trusted, reading, &months) else {
            continue;
        };
        for share in shares {
            for (sum, part) in total.iter_mut().zip(&share) {
                *sum -= part;
            }
        }
    }
    total
}

/// The consumption of `meter_id` of `subscriber_id` for `month`, and the corrections recorded
/// in it. The subscriber's meters and readings (`subscriber_meters`); `None` when there is no
/// such meter.
pub async fn consumption_for_period(
    db: &ScopedDb,
    subscriber_id: &str,
    meter_id: &str,
    month: BillingMonth,
) -> Result<Option<PeriodConsumption>, StoreError> {
    if !crate::catalog::is_valid_id(subscriber_id) {
        return Ok(None);
    }
    let found = subscriber_meters(db, subscriber_id).await?;
    Ok(of_meter(&found, meter_id, month))
}

/// Every meter of the subscriber measuring `service_id`, each with its consumption for
/// `month` (a replaced meter and its successor both appear; billing adds them up).
pub async fn service_consumption_for_period(
    db: &ScopedDb,
    subscriber_id: &str,
    service_id: &str,
    month: BillingMonth,
) -> Result<Vec<PeriodConsumption>, StoreError> {
    if !crate::catalog::is_valid_id(subscriber_id) {
        return Ok(Vec::new());
    }
    let found = subscriber_meters(db, subscriber_id).await?;
    Ok(found
        .meters
        .iter()
        .filter(|(m, _)| m.service_id == service_id)
        .filter_map(|(m, _)| of_meter(&found, &m.id, month))
        .collect())
}
