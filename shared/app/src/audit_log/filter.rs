//! What part of the audit log a reader wants: a time range, an actor, an action prefix, an
//! entity. Parsed once from the text people type (dates in the tenant's time zone) into
//! instants and checked values, so the query code never sees raw input.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// The longest actor id, action prefix, entity type or entity id accepted in a filter.
pub const MAX_FILTER_TEXT: usize = 200;

/// A checked filter. Times are instants: `since` inclusive, `until` exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// An actor id as [`crate::audit::Actor::id`] gives it (`user:<id>`, `staff:<id>`).
    pub actor: Option<String>,
    /// Actions starting with this text (`account.` or a whole action `account.create`).
    pub action_prefix: Option<String>,
    pub entity_type: Option<String>,
    /// Only together with `entity_type`.
    pub entity_id: Option<String>,
}

/// The filter as typed: every field optional text, dates as `yyyy-mm-dd` or `dd.mm.yyyy`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
}

/// Why a filter field was refused; the web layer words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterProblem {
    /// Not a date in either accepted form.
    BadDate,
    /// `from` is after `to`.
    FromAfterTo,
    /// An entity id needs its entity type.
    EntityIdWithoutType,
    TooLong,
    /// An action prefix has only `a-z`, `0-9`, `_` and `.`.
    BadAction,
}

/// The fields at fault, by the name of the raw field (`from`, `to`, `actor`, ...).
pub type FilterErrors = Vec<(&'static str, FilterProblem)>;

/// `2026-01-31` (HTML date inputs) or `31.01.2026` (how people write it).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d.%m.%Y"))
        .ok()
}

/// The instant a calendar day starts in `zone` (the first valid local time, should midnight be
/// skipped by a clock change).
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |local| local.with_timezone(&Utc))
}

fn text(raw: Option<&String>) -> Option<String> {
    raw.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl RawAuditFilter {
    /// The checked filter, with `from`/`to` read as whole days in `zone` (`to` inclusive), or
    /// every field at fault.
    pub fn parse(&self, zone: Tz) -> Result<AuditFilter, FilterErrors> {
        let mut errors = FilterErrors::new();
        let mut date = |field: &'static str, raw: Option<&String>| -> Option<NaiveDate> {
            let raw = text(raw)?;
            let parsed = parse_date(&raw);
            if parsed.is_none() {
                errors.push((field, FilterProblem::BadDate));
            }
            parsed
        };
        let from = date("from", self.from.as_ref());
        let to = date("to", self.to.as_ref());
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            errors.push(("to", FilterProblem::FromAfterTo));
        }

        let mut bounded = |field: &'static str, raw: Option<&String>| -> Option<String> {
            let value = text(raw)?;
            if value.chars().count() > MAX_FILTER_TEXT {
                errors.push((field, FilterProblem::TooLong));
                return None;
            }
            Some(value)
        };
        let actor = bounded("actor", self.actor.as_ref());
        let action_prefix = bounded("action", self.action.as_ref());
        let entity_type = bounded("entity_type", self.entity_type.as_ref());
        let entity_id = bounded("entity_id", self.entity_id.as_ref());
        if let Some(action) = &action_prefix
            && !action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            errors.push(("action", FilterProblem::BadAction));
        }
        if entity_id.is_some() && entity_type.is_none() {
            errors.push(("entity_type", FilterProblem::EntityIdWithoutType));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            since: from.map(|day| start_of_day(day, zone)),
            until: to
                .and_then(|day| day.checked_add_days(Days::new(1)))
                .map(|day| start_of_day(day, zone)),
            actor,
            action_prefix,
            entity_type,
            entity_id,
        })
    }
}

impl AuditFilter {
    /// Whether `record` passes the parts of the filter a query's key range does not enforce.
    pub fn matches(&self, record: &crate::audit::AuditRecord) -> bool {
        self.since.is_none_or(|since| record.at >= since)
            && self.until.is_none_or(|until| record.at < until)
            && self.actor.as_ref().is_none_or(|a| record.actor.id() == *a)
            && self
                .action_prefix
                .as_ref()
                .is_none_or(|p| record.action.starts_with(p.as_str()))
            && self
                .entity_type
                .as_ref()
                .is_none_or(|t| record.entity_type == *t)
            && self
                .entity_id
                .as_ref()
                .is_none_or(|id| record.entity_id == *id)
    }

    /// Only one entity's history.
    pub fn for_entity(entity_type: &str, entity_id: &str) -> Self {
        Self {
            entity_type: Some(entity_type.to_owned()),
            entity_id: Some(entity_id.to_owned()),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Moscow;

    use super::*;

    fn raw(from: &str, to: &str) -> RawAuditFilter {
        RawAuditFilter {
            from: Some(from.into()),
            to: Some(to.into()),
            ..RawAuditFilter::default()
        }
    }

    #[test]
    fn local_days_become_utc_instants() {
        let filter = raw("2026-01-31", "01.02.2026").parse(Moscow).unwrap();
        // Moscow is UTC+3 all year.
        assert_eq!(
            filter.since.unwrap().to_rfc3339(),
            "2026-01-30T21:00:00+00:00"
        );
        assert_eq!(
            filter.until.unwrap().to_rfc3339(),
            "2026-02-01T21:00:00+00:00"
        );
        let utc = raw("2026-01-31", "2026-01-31")
            .parse(chrono_tz::UTC)
            .unwrap();
        assert_eq!(
            utc.until.unwrap() - utc.since.unwrap(),
            chrono::Duration::days(1)
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = RawAuditFilter {
            from: Some("31/01/2026".into()),
            to: Some("yesterday".into()),
            action: Some("User.Create".into()),
            entity_id: Some("42".into()),
            actor: Some("x".repeat(201)),
            entity_type: Some("  ".into()),
        }
        .parse(Moscow)
        .unwrap_err();
        assert_eq!(
            errors,
            [
                ("from", FilterProblem::BadDate),
                ("to", FilterProblem::BadDate),
                ("actor", FilterProblem::TooLong),
                ("action", FilterProblem::BadAction),
                ("entity_type", FilterProblem::EntityIdWithoutType),
            ]
        );
        assert_eq!(
            raw("2026-02-02", "2026-02-01").parse(Moscow).unwrap_err(),
            [("to", FilterProblem::FromAfterTo)]
        );
        assert_eq!(
            RawAuditFilter::default().parse(Moscow).unwrap(),
            AuditFilter::default()
        );
    }
}
