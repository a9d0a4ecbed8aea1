//! Validation of a new reading, whatever its source (form, API, import): a typed rejection
//! with its reason, or acceptance with the consumption since the previous reading and flags
//! for a person to review. Thresholds come from the tenant's settings.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::consumption::{advance, months_between};
use super::{MeterSpec, Reading};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationPolicy {
    /// A consumption above this multiple of the recent monthly average is flagged.
    pub average_factor: Decimal,
    /// Months of history the average is taken over.
    pub average_months: u32,
    /// Monthly cap per zone; `None` uses the meter kind's default.
    pub monthly_cap: Option<Decimal>,
    /// Days of the month readings are accepted on (inclusive), if the tenant has a window.
    pub window: Option<(u32, u32)>,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        Self {
            average_factor: Decimal::TEN,
            average_months: 6,
            monthly_cap: None,
            window: None,
        }
    }
}

/// Why a reading is refused. Nothing is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    #[error("expected {expected} values (one per zone), got {got}")]
    WrongZoneCount { expected: usize, got: usize },
    #[error("value {zone} is negative")]
    Negative { zone: usize },
    #[error("value {zone} does not fit the dial ({digits} digits)")]
    TooManyDigits { zone: usize, digits: u32 },
    #[error("the reading is dated before the meter was installed ({installed_on})")]
    BeforeInstallation { installed_on: NaiveDate },
    #[error("the reading is dated in the future")]
    InFuture,
    #[error("the meter was removed on {removed_on}")]
    MeterRemoved { removed_on: NaiveDate },
    #[error("value {zone} is below the previous reading {previous} and is not a rollover")]
    Decreasing {
        zone: usize,
        previous: Decimal,
        value: Decimal,
    },
    #[error("value {zone} is above the later reading {later} of {later_date}")]
    ConflictsWithLater {
        zone: usize,
        later: Decimal,
        later_date: NaiveDate,
    },
    #[error("there is already a different reading on this date")]
    DuplicateDifferent { existing: Vec<Decimal> },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::WrongZoneCount { .. } => "reading_wrong_zone_count",
            Rejection::Negative { .. } => "reading_negative",
            Rejection::TooManyDigits { .. } => "reading_too_many_digits",
            Rejection::BeforeInstallation { .. } => "reading_before_installation",
            Rejection::InFuture => "reading_in_future",
            Rejection::MeterRemoved { .. } => "reading_meter_removed",
            Rejection::Decreasing { .. } => "reading_decreasing",
            Rejection::ConflictsWithLater { .. } => "reading_conflicts_with_later",
            Rejection::DuplicateDifferent { .. } => "reading_duplicate_different",
        }
    }
}

/// Accepted, but worth a person's look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// Monthly consumption above `factor` times the recent average.
    AboveAverage {
        zone: usize,
        monthly: Decimal,
        average: Decimal,
    },
    /// Monthly consumption above the cap for the meter's kind.
    AboveCap {
        zone: usize,
        monthly: Decimal,
        cap: Decimal,
    },
    /// Taken outside the tenant's reading window.
    OutsideWindow { from_day: u32, to_day: u32 },
    /// The meter's verification had expired: billing treats the meter as absent.
    VerificationExpired { due: NaiveDate },
}

impl Flag {
    pub fn code(&self) -> &'static str {
        match self {
            Flag::AboveAverage { .. } => "reading_above_average",
            Flag::AboveCap { .. } => "reading_above_cap",
            Flag::OutsideWindow { .. } => "reading_outside_window",
            Flag::VerificationExpired { .. } => "reading_verification_expired",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// `advance` is the dial advance per zone since the previous reading (before the multiplier).
    Accepted {
        advance: Vec<Decimal>,
        flags: Vec<Flag>,
    },
    /// The same reading is already stored: nothing to do.
    Unchanged,
}

/// Validates `new` against the meter and its stored readings (`history`: current versions,
/// sorted by date, not including a reading this one corrects).
pub fn validate(
    spec: &MeterSpec,
    history: &[Reading],
    new: &Reading,
    today: NaiveDate,
    policy: &ValidationPolicy,
) -> Result<Outcome, Rejection> {
    check_values(spec, &new.values)?;
    check_date(spec, new.date, today)?;
    if let Some(existing) = history.iter().find(|r| r.date == new.date) {
        return if existing.values == new.values {
            Ok(Outcome::Unchanged)
        } else {
            Err(Rejection::DuplicateDifferent {
                existing: existing.values.clone(),
            })
        };
    }
    let before = history.iter().rfind(|r| r.date < new.date);
    let (previous_date, previous) = before
        .map_or((spec.installed_on, spec.initial.as_slice()), |r| {
            (r.date, r.values.as_slice())
        });
    let step = advance(spec, previous, &new.values)
        .ok_or_else(|| first_decrease(previous, &new.values))?;
    if let Some(later) = history.iter().find(|r| r.date > new.date)
        && advance(spec, &new.values, &later.values).is_none()
    {
        let zone = first_decrease(&new.values, &later.values);
        let Rejection::Decreasing { zone, .. } = zone else {
            unreachable!("first_decrease returns Decreasing")
        };
        return Err(Rejection::ConflictsWithLater {
            zone,
            later: later.values[zone],
            later_date: later.date,
        });
    }
    let flags = flags(spec, history, previous_date, new, &step, policy);
    Ok(Outcome::Accepted {
        advance: step,
        flags,
    })
}

fn check_values(spec: &MeterSpec, values: &[Decimal]) -> Result<(), Rejection> {
    let expected = spec.kind.value_count();
    if values.len() != expected {
        return Err(Rejection::WrongZoneCount {
            expected,
            got: values.len(),
        });
    }
    let capacity = spec.capacity();
    for (zone, value) in values.iter().enumerate() {
        if value.is_sign_negative() {
            return Err(Rejection::Negative { zone });
        }
        if *value >= capacity {
            return Err(Rejection::TooManyDigits {
                zone,
                digits: spec.digits,
            });
        }
    }
    Ok(())
}

fn check_date(spec: &MeterSpec, date: NaiveDate, today: NaiveDate) -> Result<(), Rejection> {
    if date < spec.installed_on {
        return Err(Rejection::BeforeInstallation {
            installed_on: spec.installed_on,
        });
    }
    if date > today {
        return Err(Rejection::InFuture);
    }
    if let Some(removed_on) = spec.removed_on
        && date > removed_on
    {
        return Err(Rejection::MeterRemoved { removed_on });
    }
    Ok(())
}

/// The first zone whose value went down (as a `Decreasing` rejection).
fn first_decrease(previous: &[Decimal], next: &[Decimal]) -> Rejection {
    let zone = previous
        .iter()
        .zip(next)
        .position(|(p, n)| n < p)
        .unwrap_or(0);
    Rejection::Decreasing {
        zone,
        previous: previous.get(zone).copied().unwrap_or_default(),
        value: next.get(zone).copied().unwrap_or_default(),
    }
}

fn flags(
    spec: &MeterSpec,
    history: &[Reading],
    previous_date: NaiveDate,
    new: &Reading,
    step: &[Decimal],
    policy: &ValidationPolicy,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let months = months_between(previous_date, new.date, Decimal::ONE);
    let cap = policy
        .monthly_cap
        .unwrap_or_else(|| spec.kind.monthly_cap());
    let averages = recent_monthly_average(spec, history, previous_date, policy.average_months);
    for (zone, advance) in step.iter().enumerate() {
        let monthly = (*advance * spec.multiplier / months).round_dp(3);
        if monthly > cap {
            flags.push(Flag::AboveCap { zone, monthly, cap });
        }
        if let Some(average) = averages.as_ref().and_then(|a| a.get(zone)).copied()
            && average > Decimal::ZERO
            && monthly > average * policy.average_factor
        {
            flags.push(Flag::AboveAverage {
                zone,
                monthly,
                average: average.round_dp(3),
            });
        }
    }
    if let Some((from_day, to_day)) = policy.window
        && !(from_day..=to_day).contains(&new.date.day())
    {
        flags.push(Flag::OutsideWindow { from_day, to_day });
    }
    if let Some(due) = spec.verification_due
        && new.date > due
    {
        flags.push(Flag::VerificationExpired { due });
    }
    flags
}

/// Average monthly consumption per zone over the `months` before `until`, from the readings in
/// that window; `None` without at least two readings' worth of history in it.
fn recent_monthly_average(
    spec: &MeterSpec,
    history: &[Reading],
    until: NaiveDate,
    months: u32,
) -> Option<Vec<Decimal>> {
    let since = until - Duration::days(i64::from(months) * 30);
    let window: Vec<&Reading> = history
        .iter()
        .filter(|r| r.date >= since && r.date <= until)
        .collect();
    let (first, last) = (window.first()?, window.last()?);
    if first.date == last.date {
        return None;
    }
    let total = advance(spec, &first.values, &last.values)?;
    let span = months_between(first.date, last.date, Decimal::ONE);
    Some(
        total
            .into_iter()
            .map(|t| t * spec.multiplier / span)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::{MeterKind, ReadingSource};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn spec() -> MeterSpec {
        MeterSpec {
            kind: MeterKind::ColdWater,
            installed_on: d("2025-01-10"),
            initial: vec![dec("99990")],
            digits: 5,
            multiplier: Decimal::ONE,
            verification_due: Some(d("2031-01-10")),
            removed_on: None,
        }
    }

    fn reading(date: &str, value: &str) -> Reading {
        Reading {
            date: d(date),
            values: vec![dec(value)],
            source: ReadingSource::Operator,
        }
    }

    fn accepted(outcome: Result<Outcome, Rejection>) -> (Vec<Decimal>, Vec<Flag>) {
        match outcome {
            Ok(Outcome::Accepted { advance, flags }) => (advance, flags),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rollover_is_consumption_across_the_wrap() {
        let today = d("2026-11-24");
        let (advance, flags) = accepted(validate(
            &spec(),
            &[],
            &reading("2025-02-15", "3"),
            today,
            &ValidationPolicy::default(),
        ));
        assert_eq!(advance, [dec("13")]);
        assert!(flags.is_empty(), "{flags:?}");
    }

    #[test]
    fn each_rejection_has_its_reason() {
        let today = d("2026-11-24");
        let policy = ValidationPolicy::default();
        let history = [reading("2025-02-15", "3"), reading("2025-03-15", "10")];
        let cases = [
            (
                reading("2025-01-01", "1"),
                Rejection::BeforeInstallation {
                    installed_on: d("2025-01-10"),
                },
            ),
            (reading("2026-12-01", "20"), Rejection::InFuture),
            (
                reading("2025-04-15", "9"),
                Rejection::Decreasing {
                    zone: 0,
                    previous: dec("10"),
                    value: dec("9"),
                },
            ),
            (
                reading("2025-03-01", "11"),
                Rejection::ConflictsWithLater {
                    zone: 0,
                    later: dec("10"),
                    later_date: d("2025-03-15"),
                },
            ),
            (
                reading("2025-03-15", "11"),
                Rejection::DuplicateDifferent {
                    existing: vec![dec("10")],
                },
            ),
            (
                reading("2025-04-15", "100000"),
                Rejection::TooManyDigits { zone: 0, digits: 5 },
            ),
            (reading("2025-04-15", "-1"), Rejection::Negative { zone: 0 }),
        ];
        for (new, expected) in cases {
            assert_eq!(
                validate(&spec(), &history, &new, today, &policy),
                Err(expected)
            );
        }
        let two_values = Reading {
            values: vec![dec("1"), dec("2")],
            ..reading("2025-04-15", "1")
        };
        assert_eq!(
            validate(&spec(), &history, &two_values, today, &policy),
            Err(Rejection::WrongZoneCount {
                expected: 1,
                got: 2
            })
        );
        let mut removed = spec();
        removed.removed_on = Some(d("2025-03-31"));
        assert_eq!(
            validate(
                &removed,
                &history,
                &reading("2025-04-15", "20"),
                today,
                &policy
            ),
            Err(Rejection::MeterRemoved {
                removed_on: d("2025-03-31")
            })
        );
        assert_eq!(
            validate(
                &spec(),
                &history,
                &reading("2025-03-15", "10"),
                today,
                &policy
            ),
            Ok(Outcome::Unchanged)
        );
    }

    #[test]
    fn implausible_readings_are_flagged_not_dropped() {
        let today = d("2026-11-24");
        let policy = ValidationPolicy {
            window: Some((15, 25)),
            ..ValidationPolicy::default()
        };
        let history: Vec<Reading> = (2..=8)
            .map(|m| reading(&format!("2025-{m:02}-15"), &(3 + (m - 2) * 5).to_string()))
            .collect();
        // 5 m³ a month so far; 60 m³ in a month is twelve times that, and above the 40 m³ cap.
        let (_, flags) = accepted(validate(
            &spec(),
            &history,
            &reading("2025-09-15", "93"),
            today,
            &policy,
        ));
        let codes: Vec<&str> = flags.iter().map(Flag::code).collect();
        assert_eq!(codes, ["reading_above_cap", "reading_above_average"]);
        let (_, flags) = accepted(validate(
            &spec(),
            &history,
            &reading("2025-09-28", "38"),
            today,
            &policy,
        ));
        assert_eq!(
            flags,
            [Flag::OutsideWindow {
                from_day: 15,
                to_day: 25
            }]
        );
        let mut expired = spec();
        expired.verification_due = Some(d("2025-09-01"));
        let (_, flags) = accepted(validate(
            &expired,
            &history,
            &reading("2025-09-15", "38"),
            today,
            &ValidationPolicy::default(),
        ));
        assert_eq!(
            flags,
            [Flag::VerificationExpired {
                due: d("2025-09-01")
            }]
        );
    }
}
