//! A meter's reading tail: one small item per meter (`keys::meter_tail`) holding the dates of
//! its first and latest readings and its recent readings (date, values, source), kept in the
//! same transaction as every reading written. It is what makes a reading cheap to validate and
//! store: readings live in partitions by month (`keys::readings_partition`), so a meter's
//! history is several reads, and the tail answers in one read what validating the next reading
//! needs (the previous reading, the readings of the average window, a reading on the same
//! date), and where the history starts and ends for those who read it all.
//!
//! A tail keeps the readings dated from `from` on (`None`: every reading). A reading the tail
//! cannot decide (dated before what it keeps) is validated against the whole history instead.

use chrono::{Duration, NaiveDate};
use crm_domain::meter::{Reading, ReadingSource};
use serde::{Deserialize, Serialize};

use super::records::ReadingRecord;
use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Item, JsonItem, Put, StoreError, Write};

/// Days of readings a tail keeps before its latest one, beyond the average window: room for a
/// reading dated a little before the latest one.
const SLACK_DAYS: i64 = 62;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadingTail {
    /// The earliest and the latest current reading (`None` without readings).
    #[serde(default, with = "crm_domain::iso_date::option")]
    pub first: Option<NaiveDate>,
    #[serde(default, with = "crm_domain::iso_date::option")]
    pub latest: Option<NaiveDate>,
    /// Every current reading dated on or after this day is in `recent`; `None`: all of them.
    #[serde(default, with = "crm_domain::iso_date::option")]
    pub from: Option<NaiveDate>,
    /// Oldest first, as the domain validates against them (no copy per reading validated);
    /// stored as `[date, values, source]` arrays, to stay small.
    #[serde(with = "compact")]
    pub recent: Vec<Reading>,
}

/// `[date, values, source]` for each reading.
mod compact {
    use crm_domain::iso_date::IsoDate;
    use crm_domain::meter::{Reading, ReadingSource};
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(readings: &[Reading], to: S) -> Result<S::Ok, S::Error> {
        to.collect_seq(
            readings
                .iter()
                .map(|r| (IsoDate(r.date), &r.values, r.source)),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<Reading>, D::Error> {
        let arrays: Vec<(IsoDate, Vec<Decimal>, ReadingSource)> = Vec::deserialize(from)?;
        Ok(arrays
            .into_iter()
            .map(|(IsoDate(date), values, source)| Reading {
                date,
                values,
                source,
            })
            .collect())
    }
}

/// `reading` as a record of `meter_id` with what a tail keeps (date, values, source): what the
/// supersession of estimates reads.
pub fn record_of(reading: &Reading, meter_id: &str) -> ReadingRecord {
    ReadingRecord {
        meter_id: meter_id.to_owned(),
        date: reading.date,
        values: reading.values.clone(),
        source: reading.source,
        version_no: 1,
        advance: Vec::new(),
        flags: Vec::new(),
        entered_by: String::new(),
        entered_at: chrono::DateTime::default(),
    }
}

impl ReadingTail {
    /// The tail of a meter whose current readings are `history` (any order), keeping what an
    /// average over `average_months` needs.
    pub fn of(history: &[ReadingRecord], average_months: u32) -> Self {
        let mut tail = Self::whole(history);
        tail.trim(average_months);
        tail
    }

    /// A tail holding every reading of `history` (any order): what decides any date.
    pub fn whole(history: &[ReadingRecord]) -> Self {
        let mut recent: Vec<Reading> = history.iter().map(ReadingRecord::reading).collect();
        recent.sort_by_key(|r| r.date);
        ReadingTail {
            first: recent.first().map(|r| r.date),
            latest: recent.last().map(|r| r.date),
            from: None,
            recent,
        }
    }

    /// Adds `record` (replacing a reading of the same date), keeping everything.
    pub fn insert(&mut self, record: &ReadingRecord) {
        let entry = record.reading();
        match self.recent.binary_search_by_key(&record.date, |r| r.date) {
            Ok(at) => self.recent[at] = entry,
            Err(at) => self.recent.insert(at, entry),
        }
        self.first = Some(self.first.map_or(record.date, |f| f.min(record.date)));
        self.latest = Some(self.latest.map_or(record.date, |l| l.max(record.date)));
    }

    /// Drops readings older than the average window before the latest one (and some slack):
    /// what is stored.
    pub fn trim(&mut self, average_months: u32) {
        let Some(latest) = self.latest else { return };
        let keep_from = latest - Duration::days(i64::from(average_months) * 30 + SLACK_DAYS);
        if self.recent.first().is_some_and(|r| r.date < keep_from) {
            self.recent.retain(|r| r.date >= keep_from);
            self.from = Some(self.from.map_or(keep_from, |f| f.max(keep_from)));
        }
    }

    /// A trimmed copy (see [`Self::trim`]).
    pub fn trimmed(&self, average_months: u32) -> Self {
        let mut tail = self.clone();
        tail.trim(average_months);
        tail
    }

    /// The latest reading before `date` that is not an estimate, if the tail holds it.
    pub fn previous_real(&self, date: NaiveDate) -> Option<&Reading> {
        self.recent
            .iter()
            .rfind(|r| r.date < date && r.source != ReadingSource::Estimated)
    }

    /// Whether the tail holds every reading that validating a reading of `date` reads: the
    /// previous one (a real one, not an estimate, for the supersession of estimates), those of
    /// the average window before it, one of the same date and the later ones.
    pub fn decides(&self, date: NaiveDate, average_months: u32) -> bool {
        let Some(from) = self.from else { return true };
        let Some(previous) = self.recent.iter().rfind(|r| r.date < date) else {
            return false;
        };
        previous.source != ReadingSource::Estimated
            && previous.date - Duration::days(i64::from(average_months) * 30) >= from
    }

    /// The readings the tail holds as records of `meter_id` (see [`record_of`]).
    pub fn records(&self, meter_id: &str) -> Vec<ReadingRecord> {
        self.recent.iter().map(|r| record_of(r, meter_id)).collect()
    }

    pub fn from_json(item: &JsonItem) -> Result<Self, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))
    }

    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))
    }

    /// The tail's item for `meter_id` (its body serialised once, straight to text).
    pub fn item(&self, namespace: &Namespace, meter_id: &str) -> Item {
        let key = keys::meter_tail(namespace, meter_id);
        Item::serialised(key.clone(), self).unwrap_or_else(|_| Item::new(key, Body::new()))
    }

    /// The write storing this tail for `meter_id`, over the version read (`None`: there was
    /// none), so a reading written meanwhile by someone else fails the transaction.
    pub fn put(&self, namespace: &Namespace, meter_id: &str, read_version: Option<u64>) -> Write {
        Write::Put(Put {
            item: self.item(namespace, meter_id),
            condition: read_version.map_or(Condition::MustNotExist, Condition::VersionEquals),
        })
    }
}

/// The version a tail has after [`ReadingTail::put`] over `read_version` succeeds.
pub fn version_after_put(read_version: Option<u64>) -> u64 {
    read_version.map_or(1, |v| v + 1)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn record(date: &str, value: u32) -> ReadingRecord {
        let reading = Reading {
            date: d(date),
            values: vec![Decimal::from(value)],
            source: ReadingSource::Import,
        };
        record_of(&reading, "m1")
    }

    fn monthly(months: u32) -> Vec<ReadingRecord> {
        (0..months)
            .map(|m| {
                let date = d("2024-01-20") + chrono::Months::new(m);
                record(&date.to_string(), m * 10)
            })
            .collect()
    }

    #[test]
    fn a_short_history_is_kept_whole_and_decides_everything() {
        let tail = ReadingTail::of(&monthly(5), 6);
        assert_eq!(tail.from, None);
        assert_eq!(tail.recent.len(), 5);
        assert_eq!(tail.first, Some(d("2024-01-20")));
        assert_eq!(tail.latest, Some(d("2024-05-20")));
        assert!(tail.decides(d("2020-01-01"), 6));
        assert!(tail.decides(d("2024-06-20"), 12));
    }

    #[test]
    fn a_long_history_keeps_the_average_window_and_decides_the_next_months_only() {
        let tail = ReadingTail::of(&monthly(36), 6);
        let from = tail.from.unwrap();
        assert_eq!(tail.first, Some(d("2024-01-20")));
        assert!(tail.recent.iter().all(|r| r.date >= from));
        assert!(tail.recent.len() < 12, "{}", tail.recent.len());
        // The next month, and a correction of the latest one, are decided by the tail.
        assert!(tail.decides(d("2027-01-20"), 6));
        assert!(tail.decides(tail.latest.unwrap(), 6));
        // An old date, or a longer average window, needs the whole history.
        assert!(!tail.decides(d("2025-01-20"), 6));
        assert!(!tail.decides(d("2027-01-20"), 12));
    }

    #[test]
    fn inserting_keeps_order_and_replaces_the_same_date_and_trimming_keeps_the_window() {
        let mut tail = ReadingTail::default();
        for r in monthly(24).iter().rev() {
            tail.insert(r);
        }
        assert_eq!(tail, ReadingTail::whole(&monthly(24)));
        tail.trim(6);
        assert_eq!(tail, ReadingTail::of(&monthly(24), 6));
        tail.insert(&record("2025-12-20", 999));
        let corrected = tail
            .recent
            .iter()
            .find(|r| r.date == d("2025-12-20"))
            .unwrap();
        assert_eq!(corrected.values, vec![Decimal::from(999)]);
        assert_eq!(tail.latest, Some(d("2025-12-20")));
    }

    #[test]
    fn an_estimate_before_the_date_needs_the_whole_history() {
        let mut history = monthly(24);
        if let Some(last) = history.last_mut() {
            last.source = ReadingSource::Estimated;
        }
        let tail = ReadingTail::of(&history, 6);
        assert!(!tail.decides(d("2026-01-20"), 6));
    }

    #[test]
    fn the_stored_shape_is_small() {
        let tail = ReadingTail::of(&monthly(12), 6);
        let json = serde_json::to_string(&tail).unwrap();
        assert!(json.len() < 400, "{json}");
        assert!(
            json.contains(r#"["2024-12-20",["110"],"import"]"#),
            "{json}"
        );
        let back: ReadingTail = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tail);
    }
}
