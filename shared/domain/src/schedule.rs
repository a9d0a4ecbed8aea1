//! Recurring schedules in the subset of the EventBridge Scheduler cron syntax that the platform
//! uses, so the local scheduler fires at the same moments as the deployed one.
//!
//! Format: `cron(minutes hours day-of-month month day-of-week year)`; each field is `*`, `?`
//! or a comma-separated list of numbers. Day of week counts 1 = Sunday .. 7 = Saturday, as AWS does.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Field,
    hours: Field,
    days_of_month: Field,
    months: Field,
    days_of_week: Field,
    years: Field,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Any,
    Values(Vec<u32>),
}

impl Field {
    fn matches(&self, value: u32) -> bool {
        match self {
            Field::Any => true,
            Field::Values(values) => values.contains(&value),
        }
    }

    fn values(&self, range: std::ops::RangeInclusive<u32>) -> Vec<u32> {
        match self {
            Field::Any => range.collect(),
            Field::Values(values) => values.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("expected `cron(...)` with six fields, got `{0}`")]
    Shape(String),
    #[error("field {field} `{value}` is not `*`, `?` or a list of numbers in {min}..={max}")]
    Field {
        field: &'static str,
        value: String,
        min: u32,
        max: u32,
    },
}

const FIELDS: [(&str, u32, u32); 6] = [
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
];

impl Cron {
    pub fn parse(expression: &str) -> Result<Self, CronError> {
        let inner = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(|| CronError::Shape(expression.to_owned()))?;
        let raw: Vec<&str> = inner.split_whitespace().collect();
        if raw.len() != FIELDS.len() {
            return Err(CronError::Shape(expression.to_owned()));
        }
        let mut fields = raw
            .iter()
            .zip(FIELDS)
            .map(|(value, (field, min, max))| parse_field(value, field, min, max));
        let mut next = || fields.next().unwrap_or(Ok(Field::Any));
        Ok(Self {
            minutes: next()?,
            hours: next()?,
            days_of_month: next()?,
            months: next()?,
            days_of_week: next()?,
            years: next()?,
        })
    }

    /// The first firing strictly after `after`, with the fields read as wall-clock time in `zone`.
    /// Looks ahead five years, which covers every schedule that can fire at all.
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let start_day = after.with_timezone(&zone).date_naive();
        let hours = self.hours.values(0..=23);
        let minutes = self.minutes.values(0..=59);
        (0..366 * 5)
            .filter_map(|offset| start_day.checked_add_signed(Duration::days(offset)))
            .filter(|day| self.day_matches(*day))
            .find_map(|day| {
                hours.iter().find_map(|&hour| {
                    minutes.iter().find_map(|&minute| {
                        let local = day.and_hms_opt(hour, minute, 0)?;
                        let fire = zone
                            .from_local_datetime(&local)
                            .earliest()?
                            .with_timezone(&Utc);
                        (fire > after).then_some(fire)
                    })
                })
            })
    }

    fn day_matches(&self, day: NaiveDate) -> bool {
        let weekday_from_sunday = day.weekday().num_days_from_sunday() + 1;
        self.days_of_month.matches(day.day())
            && self.months.matches(day.month())
            && self.days_of_week.matches(weekday_from_sunday)
            && u32::try_from(day.year()).is_ok_and(|year| self.years.matches(year))
    }
}

fn parse_field(value: &str, field: &'static str, min: u32, max: u32) -> Result<Field, CronError> {
    if value == "*" || value == "?" {
        return Ok(Field::Any);
    }
    let error = || CronError::Field {
        field,
        value: value.to_owned(),
        min,
        max,
    };
    let mut values = value
        .split(',')
        .map(|part| part.parse::<u32>().ok().filter(|v| (min..=max).contains(v)))
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(error)?;
    values.sort_unstable();
    values.dedup();
    Ok(Field::Values(values))
}

/// Seconds are never part of a schedule; a timestamp is "on" a firing when it has none.
pub fn truncate_to_minute(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn monthly_at_two_in_moscow() {
        let cron = Cron::parse("cron(0 2 1 * ? *)").unwrap();
        let next = cron.next_after(utc("2026-11-24T10:00:00Z"), chrono_tz::Europe::Moscow);
        // 02:00 MSK on 1 December is 23:00 UTC on 30 November.
        assert_eq!(next, Some(utc("2026-11-30T23:00:00Z")));
    }

    #[test]
    fn strictly_after_the_given_moment() {
        let cron = Cron::parse("cron(0 3 * * ? *)").unwrap();
        let at = utc("2026-11-24T00:00:00Z"); // 03:00 MSK exactly
        assert_eq!(
            cron.next_after(at, chrono_tz::Europe::Moscow),
            Some(utc("2026-11-25T00:00:00Z"))
        );
    }

    #[test]
    fn lists_and_weekdays() {
        // 09:15 and 09:45 on Mondays (2 = Monday).
        let cron = Cron::parse("cron(15,45 9 ? * 2 *)").unwrap();
        let first = cron.next_after(utc("2026-11-24T12:00:00Z"), chrono_tz::UTC);
        assert_eq!(first, Some(utc("2026-11-30T09:15:00Z")));
        let second = cron.next_after(utc("2026-11-30T09:15:00Z"), chrono_tz::UTC);
        assert_eq!(second, Some(utc("2026-11-30T09:45:00Z")));
    }

    #[test]
    fn impossible_dates_never_fire() {
        let cron = Cron::parse("cron(0 0 31 2 ? *)").unwrap();
        assert_eq!(
            cron.next_after(utc("2026-01-01T00:00:00Z"), chrono_tz::UTC),
            None
        );
    }

    #[test]
    fn rejects_malformed_expressions() {
        assert!(matches!(
            Cron::parse("rate(1 day)"),
            Err(CronError::Shape(_))
        ));
        assert!(matches!(
            Cron::parse("cron(0 2 1 *)"),
            Err(CronError::Shape(_))
        ));
        assert!(matches!(
            Cron::parse("cron(60 2 1 * ? *)"),
            Err(CronError::Field {
                field: "minutes",
                ..
            })
        ));
        assert!(matches!(
            Cron::parse("cron(0 2 1-5 * ? *)"),
            Err(CronError::Field {
                field: "day-of-month",
                ..
            })
        ));
    }
}
