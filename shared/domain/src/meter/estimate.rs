//! Estimating the consumption of a period with no usable reading (Government Decree 354,
//! p. 59-60, as DOMAIN.md summarises it): the average monthly consumption of the recent months
//! with real readings, for a limited number of periods in a row; after that, the norm. When the
//! real reading finally arrives, the estimates it supersedes are compared with what was really
//! used and the difference goes to recalculation (p. 61).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::period::DateRange;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimationPolicy {
    /// Months the average is taken over (the most recent ones with real readings).
    pub average_months: u32,
    /// Periods in a row that may be estimated by the average before the norm applies.
    pub max_average_periods: u32,
}

impl Default for EstimationPolicy {
    fn default() -> Self {
        Self {
            average_months: 6,
            max_average_periods: 3,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Estimate {
    /// The average monthly consumption per zone.
    Average { monthly: Vec<Decimal> },
    /// The norm quantity for the period (norm x residents or area), a single value.
    Norm { quantity: Decimal },
    /// Neither history nor a norm: the period cannot be estimated; someone must act.
    Unavailable,
}

/// The estimate for one period.
///
/// `monthly_history`: real monthly consumption per zone of past months, oldest first (months
/// that were themselves estimated are left out). `estimated_in_a_row`: how many periods right
/// before this one were already estimated. `norm_quantity`: the norm for this period, if the
/// service's tariff has one.
pub fn estimate(
    monthly_history: &[Vec<Decimal>],
    estimated_in_a_row: u32,
    norm_quantity: Option<Decimal>,
    policy: &EstimationPolicy,
) -> Estimate {
    let recent = &monthly_history[monthly_history
        .len()
        .saturating_sub(policy.average_months as usize)..];
    if estimated_in_a_row < policy.max_average_periods && !recent.is_empty() {
        let zones = recent[0].len();
        let months = Decimal::from(recent.len());
        let monthly = (0..zones)
            .map(|zone| {
                let sum: Decimal = recent.iter().filter_map(|m| m.get(zone)).sum();
                (sum / months).round_dp(6)
            })
            .collect();
        return Estimate::Average { monthly };
    }
    match norm_quantity {
        Some(quantity) => Estimate::Norm { quantity },
        None => Estimate::Unavailable,
    }
}

/// What really was used minus what was estimated, per zone, once a real reading covers the
/// estimated periods: positive means more is owed, negative that too much was charged.
pub fn supersession_difference(estimated: &[Vec<Decimal>], real_total: &[Decimal]) -> Vec<Decimal> {
    real_total
        .iter()
        .enumerate()
        .map(|(zone, real)| {
            real - estimated
                .iter()
                .filter_map(|period| period.get(zone))
                .sum::<Decimal>()
        })
        .collect()
}

/// The parts of a reading's advance (per zone, after the multiplier) that belong to each of
/// `months`, spreading the advance evenly over the days from the previous reading (`from`) to
/// this one (`to`). Used when a real reading arrives after estimated months: each estimated
/// month's real consumption is its share of the days. Days outside `months` are left out (they
/// belong to the reading's own period). Rounded to 6 places.
pub fn shares_of_months(
    advance: &[Decimal],
    from: NaiveDate,
    to: NaiveDate,
    months: &[DateRange],
) -> Vec<Vec<Decimal>> {
    let total_days = (to - from).num_days();
    let span = DateRange::new(from, to).ok();
    months
        .iter()
        .map(|month| {
            let days = span
                .and_then(|span| span.intersection(month))
                .map_or(0, |common| common.days());
            advance
                .iter()
                .map(|value| {
                    if total_days <= 0 {
                        Decimal::ZERO
                    } else {
                        (value * Decimal::from(days) / Decimal::from(total_days)).round_dp(6)
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn months(values: &[&str]) -> Vec<Vec<Decimal>> {
        values.iter().map(|v| vec![dec(v)]).collect()
    }

    #[test]
    fn average_of_the_last_six_then_norm_after_three() {
        let history = months(&["100", "4", "5", "6", "4", "5", "6"]);
        let policy = EstimationPolicy::default();
        // The oldest month (100) is outside the six-month window.
        assert_eq!(
            estimate(&history, 0, Some(dec("20.8")), &policy),
            Estimate::Average {
                monthly: vec![dec("5")]
            }
        );
        assert_eq!(
            estimate(&history, 2, Some(dec("20.8")), &policy),
            Estimate::Average {
                monthly: vec![dec("5")]
            }
        );
        assert_eq!(
            estimate(&history, 3, Some(dec("20.8")), &policy),
            Estimate::Norm {
                quantity: dec("20.8")
            }
        );
        assert_eq!(estimate(&history, 3, None, &policy), Estimate::Unavailable);
    }

    #[test]
    fn shorter_history_uses_what_is_available() {
        let policy = EstimationPolicy::default();
        assert_eq!(
            estimate(&months(&["3", "4"]), 0, None, &policy),
            Estimate::Average {
                monthly: vec![dec("3.5")]
            }
        );
        assert_eq!(
            estimate(&[], 0, Some(dec("7")), &policy),
            Estimate::Norm { quantity: dec("7") }
        );
        let configured = EstimationPolicy {
            average_months: 2,
            max_average_periods: 1,
        };
        assert_eq!(
            estimate(&months(&["1", "3", "5"]), 0, None, &configured),
            Estimate::Average {
                monthly: vec![dec("4")]
            }
        );
        assert_eq!(
            estimate(&months(&["1", "3", "5"]), 1, None, &configured),
            Estimate::Unavailable
        );
    }

    #[test]
    fn shares_follow_the_days() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let feb = DateRange::new(d("2026-02-01"), d("2026-03-01")).unwrap();
        let mar = DateRange::new(d("2026-03-01"), d("2026-04-01")).unwrap();
        // 20 Jan .. 20 Mar is 59 days: 28 in February, 19 in March.
        let shares = shares_of_months(
            &[dec("59"), dec("118")],
            d("2026-01-20"),
            d("2026-03-20"),
            &[feb, mar],
        );
        assert_eq!(
            shares,
            [vec![dec("28"), dec("56")], vec![dec("19"), dec("38")]]
        );
        assert_eq!(
            shares_of_months(&[dec("5")], d("2026-03-20"), d("2026-03-20"), &[mar]),
            [vec![dec("0")]]
        );
    }

    #[test]
    fn supersession_records_the_difference() {
        let estimated = vec![vec![dec("5"), dec("2")], vec![dec("5"), dec("2")]];
        assert_eq!(
            supersession_difference(&estimated, &[dec("12.5"), dec("3")]),
            [dec("2.5"), dec("-1")]
        );
    }
}
