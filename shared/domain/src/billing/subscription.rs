//! A subscription (привязка услуги): a service linked to a subscriber for a period, with an
//! optional individual tariff (a flat rate instead of the service's) or quantity. A subscriber
//! never has two links of the same service covering the same day. Detaching sets the end; a
//! link ended before it began (end = start) is kept as cancelled and covers no day.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::service::ServiceKind;
use crate::period::DateRange;

/// Rates and quantities keep at most six decimal places (ARCHITECTURE.md).
const MAX_SCALE: u32 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkPeriod {
    pub valid_from: NaiveDate,
    /// Exclusive: the first day no longer covered. `None` while open-ended.
    pub valid_until: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("a link cannot end before it starts")]
    EndsBeforeStart,
    #[error("the service is already linked for days of this period (the link from {with})")]
    Overlap { with: NaiveDate },
    #[error("an individual rate or quantity must not be negative")]
    Negative,
    #[error("at most 6 decimal places")]
    TooPrecise,
    #[error("an individual flat rate does not fit a multi-zone service")]
    RateNotForZones,
    #[error("an individual quantity does not fit a multi-zone service")]
    QuantityNotForZones,
}

impl LinkError {
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::EndsBeforeStart => "link_ends_before_start",
            LinkError::Overlap { .. } => "link_overlap",
            LinkError::Negative => "link_negative",
            LinkError::TooPrecise => "link_too_precise",
            LinkError::RateNotForZones => "link_rate_not_for_zones",
            LinkError::QuantityNotForZones => "link_quantity_not_for_zones",
        }
    }
}

/// Where a link stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Starts later.
    Upcoming,
    Active,
    Ended,
    /// Ended before it began.
    Cancelled,
}

impl LinkPeriod {
    pub fn new(valid_from: NaiveDate, valid_until: Option<NaiveDate>) -> Result<Self, LinkError> {
        if valid_until.is_some_and(|until| until < valid_from) {
            return Err(LinkError::EndsBeforeStart);
        }
        Ok(Self {
            valid_from,
            valid_until,
        })
    }

    pub fn is_cancelled(&self) -> bool {
        self.valid_until == Some(self.valid_from)
    }

    /// The days covered within `range`, if any.
    pub fn within(&self, range: DateRange) -> Option<DateRange> {
        let until = self.valid_until.unwrap_or(range.end);
        DateRange::new(self.valid_from, until)
            .ok()
            .and_then(|own| own.intersection(&range))
    }

    pub fn overlaps(&self, other: &LinkPeriod) -> bool {
        if self.is_cancelled() || other.is_cancelled() {
            return false;
        }
        let ends_after = |period: &LinkPeriod, day: NaiveDate| {
            period.valid_until.is_none_or(|until| until > day)
        };
        ends_after(self, other.valid_from) && ends_after(other, self.valid_from)
    }

    /// The same link ended at `until` (exclusive); ending at the start cancels it.
    pub fn ended_at(&self, until: NaiveDate) -> Result<LinkPeriod, LinkError> {
        LinkPeriod::new(self.valid_from, Some(until))
    }

    pub fn state_on(&self, today: NaiveDate) -> LinkState {
        if self.is_cancelled() {
            LinkState::Cancelled
        } else if today < self.valid_from {
            LinkState::Upcoming
        } else if self.valid_until.is_some_and(|until| until <= today) {
            LinkState::Ended
        } else {
            LinkState::Active
        }
    }
}

/// The first of `existing` that shares a day with `new`.
pub fn find_overlap<'a, T>(
    existing: impl IntoIterator<Item = (&'a T, LinkPeriod)>,
    new: &LinkPeriod,
) -> Option<(&'a T, LinkPeriod)> {
    existing
        .into_iter()
        .find(|(_, period)| period.overlaps(new))
}

/// What a subscriber pays differently from the service's tariff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// A flat rate per unit instead of the service's tariff.
    #[serde(default)]
    pub individual_rate: Option<Decimal>,
    /// An agreed quantity instead of the rule's base (DOMAIN.md "Quantity rules").
    #[serde(default)]
    pub individual_quantity: Option<Decimal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermsField {
    Rate,
    Quantity,
}

/// Checks individual terms against the service's kind; the error names the field.
pub fn check_terms(kind: ServiceKind, terms: &Terms) -> Result<(), (TermsField, LinkError)> {
    let zoned = matches!(kind, ServiceKind::MultiZone { .. });
    for (field, value, not_for_zones) in [
        (
            TermsField::Rate,
            terms.individual_rate,
            LinkError::RateNotForZones,
        ),
        (
            TermsField::Quantity,
            terms.individual_quantity,
            LinkError::QuantityNotForZones,
        ),
    ] {
        let Some(value) = value else { continue };
        if zoned {
            return Err((field, not_for_zones));
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err((field, LinkError::Negative));
        }
        if value.normalize().scale() > MAX_SCALE {
            return Err((field, LinkError::TooPrecise));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::billing::service::ZoneScheme;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn period(from: &str, until: Option<&str>) -> LinkPeriod {
        LinkPeriod::new(d(from), until.map(d)).unwrap()
    }

    #[test]
    fn overlaps_and_touching_periods() {
        let first = period("2026-01-01", Some("2026-07-01"));
        assert!(!first.overlaps(&period("2026-07-01", None)), "touching");
        assert!(first.overlaps(&period("2026-06-30", None)));
        assert!(period("2026-01-01", None).overlaps(&period("2030-01-01", None)));
        let cancelled = period("2026-03-01", Some("2026-03-01"));
        assert!(cancelled.is_cancelled());
        assert!(!cancelled.overlaps(&first));
        assert_eq!(
            LinkPeriod::new(d("2026-03-02"), Some(d("2026-03-01"))),
            Err(LinkError::EndsBeforeStart)
        );
        let links = [("a", first), ("b", period("2026-09-01", None))];
        let found = find_overlap(
            links.iter().map(|(id, p)| (id, *p)),
            &period("2026-08-01", Some("2026-10-01")),
        );
        assert_eq!(found.map(|(id, _)| *id), Some("b"));
    }

    #[test]
    fn states() {
        let link = period("2026-02-01", Some("2026-07-01"));
        assert_eq!(link.state_on(d("2026-01-31")), LinkState::Upcoming);
        assert_eq!(link.state_on(d("2026-06-30")), LinkState::Active);
        assert_eq!(link.state_on(d("2026-07-01")), LinkState::Ended);
        assert_eq!(
            link.ended_at(d("2026-02-01"))
                .unwrap()
                .state_on(d("2026-06-01")),
            LinkState::Cancelled
        );
        let july = crate::period::BillingMonth::parse("2026-06")
            .unwrap()
            .range();
        assert_eq!(link.within(july).map(|r| r.days()), Some(30));
    }

    #[test]
    fn terms() {
        let rate = |s: &str| Terms {
            individual_rate: Some(s.parse().unwrap()),
            individual_quantity: None,
        };
        assert!(check_terms(ServiceKind::Metered, &rate("41.5")).is_ok());
        assert_eq!(
            check_terms(ServiceKind::Metered, &rate("-1")),
            Err((TermsField::Rate, LinkError::Negative))
        );
        assert_eq!(
            check_terms(ServiceKind::Metered, &rate("1.1234567")),
            Err((TermsField::Rate, LinkError::TooPrecise))
        );
        assert!(check_terms(ServiceKind::Metered, &rate("1.1234560")).is_ok());
        let zones = ServiceKind::MultiZone {
            zones: ZoneScheme::DayNight,
        };
        assert_eq!(
            check_terms(zones, &rate("1")),
            Err((TermsField::Rate, LinkError::RateNotForZones))
        );
        assert!(check_terms(zones, &Terms::default()).is_ok());
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_means_a_shared_day(
            a in 0i64..60, a_len in proptest::option::of(0i64..40),
            b in 0i64..60, b_len in proptest::option::of(0i64..40),
        ) {
            let base = d("2026-01-01");
            let make = |start: i64, len: Option<i64>| LinkPeriod::new(
                base + chrono::Duration::days(start),
                len.map(|l| base + chrono::Duration::days(start + l)),
            ).unwrap();
            let (x, y) = (make(a, a_len), make(b, b_len));
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
            let horizon = DateRange::new(base, base + chrono::Duration::days(200)).unwrap();
            let shared = (0..200).map(|i| base + chrono::Duration::days(i)).any(|day| {
                let covers = |p: &LinkPeriod| p.within(horizon).is_some_and(|r| r.contains(day));
                covers(&x) && covers(&y)
            });
            prop_assert_eq!(x.overlaps(&y), shared);
        }
    }
}
