//! Consumption from dial values, across the wrap at the dial's capacity.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{MeterSpec, Reading};
use crate::period::DateRange;

/// The dial advance from `previous` to `next` on a dial of `capacity`: their difference, or,
/// when the value went down, the advance through the wrap (`capacity - previous + next`) if it
/// is at most a tenth of the dial (the previous value was near the end, the new one near zero).
/// `None` when the value went down otherwise: not a rollover but an error (or a meter turned
/// back).
pub fn delta(previous: Decimal, next: Decimal, capacity: Decimal) -> Option<Decimal> {
    if next >= previous {
        return Some(next - previous);
    }
    let wrapped = capacity - previous + next;
    (wrapped <= capacity / Decimal::TEN).then_some(wrapped)
}

/// Per-zone advance from one reading (or the initial values) to the next.
pub fn advance(spec: &MeterSpec, previous: &[Decimal], next: &[Decimal]) -> Option<Vec<Decimal>> {
    let capacity = spec.capacity();
    previous
        .iter()
        .zip(next)
        .map(|(p, n)| delta(*p, *n, capacity))
        .collect()
}

/// Consumption per zone attributed to `period`: the advances of the readings dated inside it,
/// each from the reading before it (or the initial values), times the multiplier. Every advance
/// belongs to exactly one period, so consecutive periods add up to the whole.
/// `readings` must be sorted by date; readings that cannot follow their predecessor are skipped
/// (validation refuses them before they are stored).
pub fn consumption_in(spec: &MeterSpec, readings: &[Reading], period: DateRange) -> Vec<Decimal> {
    let zones = spec.kind.value_count();
    let mut total = vec![Decimal::ZERO; zones];
    let mut previous: &[Decimal] = &spec.initial;
    for reading in readings {
        let Some(step) = advance(spec, previous, &reading.values) else {
            continue;
        };
        if period.contains(reading.date) {
            for (sum, part) in total.iter_mut().zip(step) {
                *sum += part * spec.multiplier;
            }
        }
        previous = &reading.values;
    }
    total
}

/// Months between two dates as a decimal (30.4375-day months), at least `minimum`.
pub(super) fn months_between(from: NaiveDate, to: NaiveDate, minimum: Decimal) -> Decimal {
    let days = Decimal::from((to - from).num_days().max(0));
    (days / Decimal::new(304_375, 4)).max(minimum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rollover_or_refusal() {
        let capacity = dec("100000");
        assert_eq!(delta(dec("99990"), dec("15"), capacity), Some(dec("25")));
        assert_eq!(delta(dec("10"), dec("15.5"), capacity), Some(dec("5.5")));
        assert_eq!(delta(dec("500"), dec("400"), capacity), None);
        assert_eq!(
            delta(dec("60000"), dec("5"), capacity),
            None,
            "the dial was far from its end: no wrap"
        );
        assert_eq!(
            delta(dec("95000"), dec("4000"), capacity),
            Some(dec("9000"))
        );
    }
}

#[cfg(test)]
mod properties {
    use chrono::{Duration, NaiveDate};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::meter::{MeterKind, Outcome, ReadingSource, ValidationPolicy, validate};
    use crate::period::BillingMonth;

    fn kind(zones: usize) -> MeterKind {
        match zones {
            1 => MeterKind::Electricity,
            2 => MeterKind::ElectricityTwoZone,
            _ => MeterKind::ElectricityThreeZone,
        }
    }

    /// A meter and a year of monthly readings built from random advances, wrapping the dial.
    fn year_of_readings(
        digits: u32,
        zones: usize,
        start: Vec<u64>,
        advances: Vec<Vec<u64>>,
    ) -> (MeterSpec, Vec<Reading>) {
        let spec = MeterSpec {
            kind: kind(zones),
            installed_on: NaiveDate::from_ymd_opt(2025, 12, 20).unwrap(),
            initial: start.iter().map(|v| Decimal::from(*v)).collect(),
            digits,
            multiplier: Decimal::from(2),
            verification_due: None,
            removed_on: None,
        };
        let capacity = 10u64.pow(digits);
        let mut values = start;
        let readings = advances
            .into_iter()
            .enumerate()
            .map(|(month, step)| {
                for (value, add) in values.iter_mut().zip(step) {
                    *value = (*value + add) % capacity;
                }
                Reading {
                    date: NaiveDate::from_ymd_opt(2026, month as u32 + 1, 20).unwrap(),
                    values: values.iter().map(|v| Decimal::from(*v)).collect(),
                    source: ReadingSource::Import,
                }
            })
            .collect();
        (spec, readings)
    }

    fn scenario() -> impl Strategy<Value = (u32, usize, Vec<u64>, Vec<Vec<u64>>)> {
        (4u32..=6, 1usize..=3).prop_flat_map(|(digits, zones)| {
            let capacity = 10u64.pow(digits);
            (
                Just(digits),
                Just(zones),
                proptest::collection::vec(0..capacity, zones),
                proptest::collection::vec(proptest::collection::vec(0..capacity / 20, zones), 12),
            )
        })
    }

    proptest! {
        #[test]
        fn every_reading_validates_and_months_add_up_to_the_year((digits, zones, start, advances) in scenario()) {
            let (spec, readings) = year_of_readings(digits, zones, start, advances.clone());
            let today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
            for (i, reading) in readings.iter().enumerate() {
                let outcome = validate(&spec, &readings[..i], reading, today, &ValidationPolicy::default());
                let Ok(Outcome::Accepted { advance, .. }) = outcome else {
                    return Err(TestCaseError::fail(format!("reading {i} refused: {outcome:?}")));
                };
                let expected: Vec<Decimal> = advances[i].iter().map(|a| Decimal::from(*a)).collect();
                prop_assert_eq!(advance, expected);
            }
            let year = crate::period::DateRange::new(
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            ).unwrap();
            let whole = consumption_in(&spec, &readings, year);
            let mut by_month = vec![Decimal::ZERO; zones];
            let mut month = BillingMonth::parse("2026-01").unwrap();
            for _ in 0..12 {
                for (sum, part) in by_month.iter_mut().zip(consumption_in(&spec, &readings, month.range())) {
                    *sum += part;
                }
                month = month.next();
            }
            prop_assert_eq!(&whole, &by_month);
            let advanced: Vec<Decimal> = (0..zones)
                .map(|z| advances.iter().map(|m| Decimal::from(m[z])).sum::<Decimal>() * spec.multiplier)
                .collect();
            prop_assert_eq!(whole, advanced);
        }

        /// A replacement mid-year: the old meter's final reading ends it, the new one starts from
        /// its initial values; each month's consumption is the sum of both, and the year adds up.
        #[test]
        fn replacement_splits_consumption_between_meters(cut in 1usize..11, (digits, zones, start, advances) in scenario()) {
            let (mut old, readings) = year_of_readings(digits, zones, start, advances.clone());
            let (old_readings, later) = readings.split_at(cut);
            old.removed_on = Some(old_readings.last().unwrap().date);
            let mut new_meter = old.clone();
            new_meter.removed_on = None;
            new_meter.installed_on = old.removed_on.unwrap() + Duration::days(1);
            new_meter.initial = vec![Decimal::ZERO; zones];
            // The new meter's dial starts at zero; its readings advance like the old one would have.
            let mut values = vec![0u64; zones];
            let capacity = 10u64.pow(digits);
            let new_readings: Vec<Reading> = later.iter().enumerate().map(|(i, r)| {
                for (v, add) in values.iter_mut().zip(&advances[cut + i]) {
                    *v = (*v + add) % capacity;
                }
                Reading { date: r.date, values: values.iter().map(|v| Decimal::from(*v)).collect(), source: ReadingSource::Import }
            }).collect();
            let year = crate::period::DateRange::new(
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            ).unwrap();
            let total: Vec<Decimal> = consumption_in(&old, old_readings, year)
                .into_iter()
                .zip(consumption_in(&new_meter, &new_readings, year))
                .map(|(a, b)| a + b)
                .collect();
            let advanced: Vec<Decimal> = (0..zones)
                .map(|z| advances.iter().map(|m| Decimal::from(m[z])).sum::<Decimal>() * old.multiplier)
                .collect();
            prop_assert_eq!(total, advanced);
        }
    }
}
