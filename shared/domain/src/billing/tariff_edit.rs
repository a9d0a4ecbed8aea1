//! Changing a tariff history the way people do: add a version (the open-ended one before it
//! ends where the new one starts), and change or delete a version that has not started yet
//! (its neighbour follows). Versions in force or past stay as they are, since bills may have
//! been priced by them; a mistake there is corrected by a new version.
//!
//! Each function returns a [`Plan`]: what becomes of every version given, in the same order,
//! and the warnings of the resulting history, or why the change is refused.

use chrono::NaiveDate;

use super::service::ServiceKind;
use super::tariff::{TariffError, TariffVersion, TariffWarning, check_history, check_version};

/// What becomes of one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Kept,
    Changed(TariffVersion),
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One per version given, in the same order.
    pub slots: Vec<Slot>,
    /// The version added, if the change adds one.
    pub added: Option<TariffVersion>,
    pub warnings: Vec<TariffWarning>,
}

impl Plan {
    /// The history after the change, for display and checks.
    pub fn history(&self, before: &[TariffVersion]) -> Vec<TariffVersion> {
        let mut after: Vec<TariffVersion> = before
            .iter()
            .zip(&self.slots)
            .filter_map(|(version, slot)| match slot {
                Slot::Kept => Some(version.clone()),
                Slot::Changed(changed) => Some(changed.clone()),
                Slot::Removed => None,
            })
            .chain(self.added.clone())
            .collect();
        after.sort_by_key(|v| v.valid_from);
        after
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The version itself does not fit the service (rates, norm, dates).
    #[error(transparent)]
    Invalid(TariffError),
    /// It would overlap the version that starts on `with`.
    #[error("the version overlaps the version from {with}")]
    Overlap { with: NaiveDate },
    /// Only versions that start after today may be changed or deleted.
    #[error("the version from {valid_from} has already started; add a new version instead")]
    Started { valid_from: NaiveDate },
    /// A changed version would start today or earlier.
    #[error("a changed version must start after today")]
    NotInFuture,
}

impl EditError {
    pub fn code(&self) -> &'static str {
        match self {
            EditError::Invalid(error) => error.code(),
            EditError::Overlap { .. } => "tariff_overlap",
            EditError::Started { .. } => "tariff_version_started",
            EditError::NotInFuture => "tariff_not_in_future",
        }
    }
}

/// Adds `new`. An open-ended version that starts before it is closed where it starts.
pub fn add(
    kind: ServiceKind,
    history: &[TariffVersion],
    new: TariffVersion,
) -> Result<Plan, EditError> {
    check_version(kind, &new).map_err(EditError::Invalid)?;
    let mut slots = vec![Slot::Kept; history.len()];
    if let Some((i, open)) = history
        .iter()
        .enumerate()
        .find(|(_, v)| v.valid_until.is_none() && v.valid_from < new.valid_from)
    {
        slots[i] = Slot::Changed(TariffVersion {
            valid_until: Some(new.valid_from),
            ..open.clone()
        });
    }
    let entered = new.valid_from;
    finish(kind, history, slots, Some(new), entered)
}

/// Replaces the version at `index`, which must not have started by `today`, with `new`. The
/// version that ended where it started now ends where `new` starts.
pub fn replace(
    kind: ServiceKind,
    history: &[TariffVersion],
    index: usize,
    new: TariffVersion,
    today: NaiveDate,
) -> Result<Plan, EditError> {
    let old = future(history, index, today)?;
    if new.valid_from <= today {
        return Err(EditError::NotInFuture);
    }
    check_version(kind, &new).map_err(EditError::Invalid)?;
    let mut slots = vec![Slot::Kept; history.len()];
    if let Some((i, before)) = predecessor(history, old.valid_from) {
        if new.valid_from <= before.valid_from {
            return Err(EditError::Overlap {
                with: before.valid_from,
            });
        }
        slots[i] = Slot::Changed(TariffVersion {
            valid_until: Some(new.valid_from),
            ..before.clone()
        });
    }
    let entered = new.valid_from;
    slots[index] = Slot::Changed(new);
    finish(kind, history, slots, None, entered)
}

/// Deletes the version at `index`, which must not have started by `today`. The version that
/// ended where it started takes over its days (it becomes open-ended again after the last).
pub fn remove(
    kind: ServiceKind,
    history: &[TariffVersion],
    index: usize,
    today: NaiveDate,
) -> Result<Plan, EditError> {
    let old = future(history, index, today)?;
    let mut slots = vec![Slot::Kept; history.len()];
    if let Some((i, before)) = predecessor(history, old.valid_from) {
        slots[i] = Slot::Changed(TariffVersion {
            valid_until: old.valid_until,
            ..before.clone()
        });
    }
    slots[index] = Slot::Removed;
    let entered = old.valid_from;
    finish(kind, history, slots, None, entered)
}

/// Whether a version has not started by `today` (and so may still change).
pub fn is_future(version: &TariffVersion, today: NaiveDate) -> bool {
    version.valid_from > today
}

fn future(
    history: &[TariffVersion],
    index: usize,
    today: NaiveDate,
) -> Result<&TariffVersion, EditError> {
    let old = history.get(index).ok_or(EditError::NotInFuture)?;
    if !is_future(old, today) {
        return Err(EditError::Started {
            valid_from: old.valid_from,
        });
    }
    Ok(old)
}

/// The version that ends exactly where `start` begins.
fn predecessor(history: &[TariffVersion], start: NaiveDate) -> Option<(usize, &TariffVersion)> {
    history
        .iter()
        .enumerate()
        .find(|(_, v)| v.valid_until == Some(start) && v.valid_from < start)
}

/// Checks the resulting history; `entered` is the start of the version the person entered,
/// so an overlap names the other one.
fn finish(
    kind: ServiceKind,
    history: &[TariffVersion],
    slots: Vec<Slot>,
    added: Option<TariffVersion>,
    entered: NaiveDate,
) -> Result<Plan, EditError> {
    let mut plan = Plan {
        slots,
        added,
        warnings: Vec::new(),
    };
    let after = plan.history(history);
    plan.warnings = check_history(kind, &after).map_err(|error| match error {
        // Name the version the change clashes with, not the one being entered.
        TariffError::Overlap { first, second } => EditError::Overlap {
            with: if first == entered && first != second {
                second
            } else {
                first
            },
        },
        other => EditError::Invalid(other),
    })?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::billing::tariff::{Rates, split_period};
    use crate::period::DateRange;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn flat(from: &str, until: Option<&str>, rate: i64) -> TariffVersion {
        TariffVersion {
            valid_from: d(from),
            valid_until: until.map(d),
            rates: Rates::Flat {
                rate: Decimal::from(rate),
            },
            norm: None,
        }
    }

    const KIND: ServiceKind = ServiceKind::Metered;

    #[test]
    fn a_later_version_closes_the_open_one() {
        let history = [flat("2026-01-01", None, 52)];
        let plan = add(KIND, &history, flat("2026-07-01", None, 58)).unwrap();
        assert_eq!(
            plan.slots,
            [Slot::Changed(flat("2026-01-01", Some("2026-07-01"), 52))]
        );
        assert_eq!(plan.history(&history).len(), 2);
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn an_overlap_names_the_clashing_version() {
        let history = [
            flat("2026-01-01", Some("2026-07-01"), 52),
            flat("2026-07-01", None, 58),
        ];
        assert_eq!(
            add(KIND, &history, flat("2026-03-01", Some("2026-08-01"), 55)),
            Err(EditError::Overlap {
                with: d("2026-01-01")
            })
        );
        assert_eq!(
            add(KIND, &history, flat("2026-06-01", Some("2026-08-01"), 55)),
            Err(EditError::Overlap {
                with: d("2026-01-01")
            })
        );
        // Starting the same day as the open version is an overlap with it, not a takeover.
        assert_eq!(
            add(KIND, &history, flat("2026-07-01", None, 60)),
            Err(EditError::Overlap {
                with: d("2026-07-01")
            })
        );
        let earlier = [flat("2026-07-01", None, 58)];
        assert_eq!(
            add(KIND, &earlier, flat("2026-01-01", None, 52)),
            Err(EditError::Overlap {
                with: d("2026-07-01")
            })
        );
        assert!(add(KIND, &earlier, flat("2026-01-01", Some("2026-07-01"), 52)).is_ok());
    }

    #[test]
    fn gaps_are_warnings() {
        let history = [flat("2026-01-01", Some("2026-06-01"), 52)];
        let plan = add(KIND, &history, flat("2026-07-01", None, 58)).unwrap();
        assert_eq!(
            plan.warnings,
            [TariffWarning::Gap {
                from: d("2026-06-01"),
                until: d("2026-07-01")
            }]
        );
    }

    #[test]
    fn future_versions_change_with_their_neighbour() {
        let today = d("2026-11-24");
        let history = [
            flat("2026-01-01", Some("2027-07-01"), 52),
            flat("2027-07-01", None, 58),
        ];
        let plan = replace(KIND, &history, 1, flat("2027-08-01", None, 59), today).unwrap();
        assert_eq!(
            plan.slots,
            [
                Slot::Changed(flat("2026-01-01", Some("2027-08-01"), 52)),
                Slot::Changed(flat("2027-08-01", None, 59))
            ]
        );
        let plan = remove(KIND, &history, 1, today).unwrap();
        assert_eq!(
            plan.slots,
            [Slot::Changed(flat("2026-01-01", None, 52)), Slot::Removed]
        );
        assert_eq!(
            remove(KIND, &history, 0, today),
            Err(EditError::Started {
                valid_from: d("2026-01-01")
            })
        );
        assert_eq!(
            replace(KIND, &history, 1, flat("2026-11-24", None, 59), today),
            Err(EditError::NotInFuture)
        );
        assert_eq!(
            replace(
                KIND,
                &history,
                1,
                flat("2025-12-01", None, 59),
                d("2025-11-01")
            ),
            Err(EditError::Overlap {
                with: d("2026-01-01")
            })
        );
        let negative = TariffVersion {
            rates: Rates::Flat {
                rate: Decimal::from(-1),
            },
            ..flat("2027-07-01", None, 0)
        };
        assert_eq!(
            replace(KIND, &history, 1, negative, today),
            Err(EditError::Invalid(TariffError::NegativeRate))
        );
    }

    /// Random histories built by adding versions at random starts, with random removals of
    /// future ones: whatever is accepted never overlaps, and splitting any period by it covers
    /// every day exactly once.
    fn starts() -> impl Strategy<Value = Vec<(i64, Option<i64>, bool)>> {
        proptest::collection::vec(
            (0i64..900, proptest::option::of(1i64..200), any::<bool>()),
            1..12,
        )
    }

    proptest! {
        #[test]
        fn accepted_histories_never_overlap_and_split_covers_every_day(steps in starts(), period_start in 0i64..900, period_len in 1i64..400) {
            let base = d("2025-01-01");
            let today = base + chrono::Duration::days(300);
            let mut history: Vec<TariffVersion> = Vec::new();
            for (offset, length, delete_after) in steps {
                let from = base + chrono::Duration::days(offset);
                let version = TariffVersion {
                    valid_from: from,
                    valid_until: length.map(|l| from + chrono::Duration::days(l)),
                    rates: Rates::Flat { rate: Decimal::from(offset) },
                    norm: None,
                };
                if let Ok(plan) = add(KIND, &history, version) {
                    history = plan.history(&history);
                }
                if delete_after
                    && let Some(index) = history.iter().position(|v| is_future(v, today))
                    && let Ok(plan) = remove(KIND, &history, index, today)
                {
                    history = plan.history(&history);
                }
                prop_assert!(check_history(KIND, &history).is_ok());
            }
            let first = base + chrono::Duration::days(period_start);
            let period = DateRange::new(first, first + chrono::Duration::days(period_len)).unwrap();
            let pieces = split_period(&history, period);
            prop_assert_eq!(pieces.first().map(|p| p.range.start), Some(period.start));
            prop_assert_eq!(pieces.last().map(|p| p.range.end), Some(period.end));
            let mut days = 0;
            for pair in pieces.windows(2) {
                prop_assert_eq!(pair[0].range.end, pair[1].range.start);
            }
            for piece in &pieces {
                days += piece.range.days();
                let expected = crate::billing::tariff::version_on(&history, piece.range.start);
                prop_assert_eq!(piece.version, expected);
            }
            prop_assert_eq!(days, period.days());
        }
    }
}
