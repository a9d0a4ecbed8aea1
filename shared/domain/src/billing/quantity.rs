//! How much of a service a subscriber used in a billing month, by the service's kind
//! (DOMAIN.md "Quantity rules"). Time-based kinds (fixed, per area, per resident, norm) are
//! pro rata by the days the service was linked in the month; metered kinds take the measured
//! consumption as it is (the readings already cover the linked days).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::service::{NormBasis, ServiceKind, Zone};
use crate::period::{BillingMonth, DateRange};

/// Facts about the premises the quantity rules read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Premises {
    /// m².
    pub area: Decimal,
    pub residents: u32,
}

/// Consumption from readings for the period, already multiplied by the meter's multiplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Measured {
    Total { amount: Decimal },
    Zones { amounts: Vec<(Zone, Decimal)> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Quantity {
    Total { amount: Decimal },
    Zones { amounts: Vec<(Zone, Decimal)> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuantityRequest<'a> {
    pub kind: ServiceKind,
    pub premises: Premises,
    pub month: BillingMonth,
    /// The days of the month the service was linked.
    pub active: DateRange,
    /// For metered kinds.
    pub measured: Option<&'a Measured>,
    /// An individual quantity agreed for this subscriber: replaces the rule's base (the one
    /// unit, the area, the residents, or the consumption).
    pub individual: Option<Decimal>,
    /// For norm services: the tariff's norm per resident or m².
    pub norm: Option<Decimal>,
    /// Decimal places the service keeps (at most 6).
    pub decimals: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("no consumption for a metered service")]
    NoConsumption,
    #[error("consumption is given per zone for a single-zone service, or the zones do not match")]
    ZonesMismatch,
    #[error("no norm for a norm service")]
    NormMissing,
    #[error("a negative quantity")]
    Negative,
    #[error("the linked days are not inside the billing month")]
    OutsideMonth,
}

/// Keeps at most six decimal places, rounding half away from zero (ARCHITECTURE.md).
pub fn round_quantity(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals.min(6), RoundingStrategy::MidpointAwayFromZero)
}

pub fn quantity(request: &QuantityRequest<'_>) -> Result<Quantity, QuantityError> {
    let month = request.month.range();
    if request.active.intersection(&month) != Some(request.active) {
        return Err(QuantityError::OutsideMonth);
    }
    let share = Decimal::from(request.active.days()) / Decimal::from(month.days());
    let premises = request.premises;
    let base = |rule_base: Decimal| request.individual.unwrap_or(rule_base);
    let prorated = |value: Decimal| total(value * share, request.decimals);
    let amount = match request.kind {
        ServiceKind::Fixed => prorated(base(Decimal::ONE)),
        ServiceKind::PerArea => prorated(base(premises.area)),
        ServiceKind::PerResident => prorated(base(Decimal::from(premises.residents))),
        ServiceKind::Norm { basis } => {
            let norm = request
                .norm
                .filter(|n| !n.is_sign_negative())
                .ok_or(QuantityError::NormMissing)?;
            let units = match basis {
                NormBasis::PerResident => Decimal::from(premises.residents),
                NormBasis::PerArea => premises.area,
            };
            prorated(norm * base(units))
        }
        ServiceKind::Metered | ServiceKind::Tiered => {
            match (request.individual, request.measured) {
                (Some(agreed), _) => total(agreed, request.decimals),
                (None, Some(Measured::Total { amount })) => total(*amount, request.decimals),
                (None, Some(Measured::Zones { .. })) => return Err(QuantityError::ZonesMismatch),
                (None, None) => return Err(QuantityError::NoConsumption),
            }
        }
        ServiceKind::MultiZone { zones } => {
            let Some(Measured::Zones { amounts }) = request.measured else {
                return Err(match request.measured {
                    None => QuantityError::NoConsumption,
                    Some(_) => QuantityError::ZonesMismatch,
                });
            };
            let mut given: Vec<Zone> = amounts.iter().map(|(z, _)| *z).collect();
            let mut expected = zones.zones().to_vec();
            given.sort_unstable();
            expected.sort_unstable();
            if given != expected {
                return Err(QuantityError::ZonesMismatch);
            }
            let amounts: Vec<(Zone, Decimal)> = amounts
                .iter()
                .map(|(zone, amount)| (*zone, round_quantity(*amount, request.decimals)))
                .collect();
            if amounts.iter().any(|(_, a)| a.is_sign_negative()) {
                return Err(QuantityError::Negative);
            }
            Quantity::Zones { amounts }
        }
    };
    if let Quantity::Total { amount } = &amount
        && amount.is_sign_negative()
    {
        return Err(QuantityError::Negative);
    }
    Ok(amount)
}

fn total(value: Decimal, decimals: u32) -> Quantity {
    Quantity::Total {
        amount: round_quantity(value, decimals),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::billing::service::ZoneScheme;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn request(kind: ServiceKind, active: DateRange) -> QuantityRequest<'static> {
        QuantityRequest {
            kind,
            premises: Premises {
                area: dec("54.30"),
                residents: 3,
            },
            month: BillingMonth::parse("2026-07").unwrap(),
            active,
            measured: None,
            individual: None,
            norm: None,
            decimals: 4,
        }
    }

    fn total_of(q: Result<Quantity, QuantityError>) -> Decimal {
        match q {
            Ok(Quantity::Total { amount }) => amount,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn time_based_kinds_are_pro_rata_by_days() {
        let july = BillingMonth::parse("2026-07").unwrap().range();
        let from_16th = DateRange::new(d("2026-07-16"), d("2026-08-01")).unwrap();
        assert_eq!(
            total_of(quantity(&request(ServiceKind::Fixed, july))),
            dec("1")
        );
        assert_eq!(
            total_of(quantity(&request(ServiceKind::PerArea, july))),
            dec("54.30")
        );
        // 54.30 x 16/31 = 28.0258...
        assert_eq!(
            total_of(quantity(&request(ServiceKind::PerArea, from_16th))),
            dec("28.0258")
        );
        assert_eq!(
            total_of(quantity(&request(ServiceKind::PerResident, july))),
            dec("3")
        );
        let mut individual = request(ServiceKind::PerResident, july);
        individual.individual = Some(dec("2"));
        assert_eq!(total_of(quantity(&individual)), dec("2"));
    }

    #[test]
    fn norms_multiply_by_residents_or_area() {
        let july = BillingMonth::parse("2026-07").unwrap().range();
        let mut water = request(
            ServiceKind::Norm {
                basis: NormBasis::PerResident,
            },
            july,
        );
        assert_eq!(quantity(&water), Err(QuantityError::NormMissing));
        water.norm = Some(dec("6.935"));
        assert_eq!(total_of(quantity(&water)), dec("20.805"));
        let mut heat = request(
            ServiceKind::Norm {
                basis: NormBasis::PerArea,
            },
            july,
        );
        heat.norm = Some(dec("0.0198"));
        assert_eq!(total_of(quantity(&heat)), dec("1.0751"));
    }

    #[test]
    fn metered_kinds_take_consumption() {
        let july = BillingMonth::parse("2026-07").unwrap().range();
        let measured = Measured::Total {
            amount: dec("12.3456789"),
        };
        let mut cold = request(ServiceKind::Metered, july);
        assert_eq!(quantity(&cold), Err(QuantityError::NoConsumption));
        cold.measured = Some(&measured);
        assert_eq!(total_of(quantity(&cold)), dec("12.3457"));
        let zones = Measured::Zones {
            amounts: vec![(Zone::Day, dec("120")), (Zone::Night, dec("45.5"))],
        };
        let mut power = request(
            ServiceKind::MultiZone {
                zones: ZoneScheme::DayNight,
            },
            july,
        );
        power.measured = Some(&measured);
        assert_eq!(quantity(&power), Err(QuantityError::ZonesMismatch));
        power.measured = Some(&zones);
        assert_eq!(
            quantity(&power),
            Ok(Quantity::Zones {
                amounts: vec![(Zone::Day, dec("120")), (Zone::Night, dec("45.5"))]
            })
        );
        power.kind = ServiceKind::MultiZone {
            zones: ZoneScheme::PeakHalfPeakNight,
        };
        assert_eq!(quantity(&power), Err(QuantityError::ZonesMismatch));
    }

    #[test]
    fn linked_days_must_lie_in_the_month() {
        let spanning = DateRange::new(d("2026-06-20"), d("2026-07-10")).unwrap();
        assert_eq!(
            quantity(&request(ServiceKind::Fixed, spanning)),
            Err(QuantityError::OutsideMonth)
        );
    }

    proptest! {
        /// Splitting a month into consecutive linked parts never loses or invents more than the
        /// rounding of each part.
        #[test]
        fn pro_rata_parts_add_up_to_the_month(cut in 1u32..31) {
            let july = BillingMonth::parse("2026-07").unwrap().range();
            let cut_day = d("2026-07-01") + chrono::Duration::days(i64::from(cut));
            let first = DateRange::new(july.start, cut_day).unwrap();
            let second = DateRange::new(cut_day, july.end).unwrap();
            let whole = total_of(quantity(&request(ServiceKind::PerArea, july)));
            let parts = total_of(quantity(&request(ServiceKind::PerArea, first)))
                + total_of(quantity(&request(ServiceKind::PerArea, second)));
            prop_assert!((whole - parts).abs() <= dec("0.0001"));
        }
    }
}
