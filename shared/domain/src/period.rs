//! Date ranges and billing periods. Ranges are half-open (`[start, end)`) so that consecutive
//! ranges meet without overlapping; the UI shows the inclusive last day (`end - 1 day`).

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DateRange {
    pub start: NaiveDate,
    /// Exclusive.
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a range must end after it starts ({start} .. {end})")]
pub struct EmptyRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, EmptyRange> {
        if end <= start {
            return Err(EmptyRange { start, end });
        }
        Ok(Self { start, end })
    }

    /// From `start` through `last` inclusive (how people write periods).
    pub fn inclusive(start: NaiveDate, last: NaiveDate) -> Result<Self, EmptyRange> {
        Self::new(start, last + Duration::days(1))
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    pub fn last_day(&self) -> NaiveDate {
        self.end - Duration::days(1)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }

    /// The common part of two ranges, if any.
    pub fn intersection(&self, other: &DateRange) -> Option<DateRange> {
        DateRange::new(self.start.max(other.start), self.end.min(other.end)).ok()
    }

    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.intersection(other).is_some()
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} – {}",
            self.start.format("%d.%m.%Y"),
            self.last_day().format("%d.%m.%Y")
        )
    }
}

/// A calendar month, the billing period (in the tenant's time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BillingMonth {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a month as YYYY-MM, got `{0}`")]
pub struct BadMonth(pub String);

impl BillingMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, BadMonth> {
        let bad = || BadMonth(raw.to_owned());
        let (year, month) = raw.trim().split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let month = month.parse().map_err(|_| bad())?;
        Self::new(year, month).ok_or_else(bad)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn range(self) -> DateRange {
        DateRange {
            start: self.first_day(),
            end: self.next().first_day(),
        }
    }

    pub fn days(self) -> i64 {
        self.range().days()
    }
}

impl fmt::Display for BillingMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for BillingMonth {
    type Error = BadMonth;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<BillingMonth> for String {
    fn from(value: BillingMonth) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months() {
        let feb = BillingMonth::parse("2028-02").unwrap();
        assert_eq!(feb.days(), 29);
        assert_eq!(feb.previous().to_string(), "2028-01");
        assert_eq!(
            BillingMonth::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        for bad in ["2026-13", "26-01", "2026/01", "2026-1", ""] {
            assert!(BillingMonth::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&feb).unwrap(), "\"2028-02\"");
    }

    #[test]
    fn ranges() {
        let june = BillingMonth::parse("2026-06").unwrap().range();
        let from_mid = DateRange::new(d("2026-06-16"), d("2026-08-01")).unwrap();
        assert_eq!(june.intersection(&from_mid).unwrap().days(), 15);
        assert!(DateRange::new(d("2026-06-01"), d("2026-06-01")).is_err());
        assert_eq!(
            DateRange::inclusive(d("2026-06-01"), d("2026-06-30")).unwrap(),
            june
        );
        assert_eq!(june.to_string(), "01.06.2026 – 30.06.2026");
    }
}
