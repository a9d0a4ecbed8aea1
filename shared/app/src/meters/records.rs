//! The stored shape of meters, readings and estimates, and reads over them. Keys:
//! `keys/meters.rs`; access patterns: docs/data-model.md.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use crm_domain::meter::{Flag, MeterKind, MeterSpec, Reading, ReadingSource};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tail::ReadingTail;
use crate::keys;
use crate::store::{Body, Index, Item, JsonItem, Query, ScopedDb, SortKey, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterStatus {
    Active,
    /// Taken off (replaced or dismantled); kept with its history.
    Removed,
}

impl MeterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MeterStatus::Active => "active",
            MeterStatus::Removed => "removed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeterRecord {
    pub id: String,
    pub subscriber_id: String,
    /// The service whose consumption it measures (a metered service linked to the subscriber).
    pub service_id: String,
    pub serial: String,
    pub kind: MeterKind,
    pub installed_on: NaiveDate,
    /// Dial values at installation, one per zone.
    pub initial: Vec<Decimal>,
    pub digits: u32,
    pub multiplier: Decimal,
    pub verification_due: Option<NaiveDate>,
    #[serde(default)]
    pub seal: Option<String>,
    pub status: MeterStatus,
    #[serde(default)]
    pub removed_on: Option<NaiveDate>,
    /// The meter that replaced this one.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// The meter this one replaced.
    #[serde(default)]
    pub replaces: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MeterRecord {
    /// What the domain's validation and consumption rules need.
    pub fn spec(&self) -> MeterSpec {
        MeterSpec {
            kind: self.kind,
            installed_on: self.installed_on,
            initial: self.initial.clone(),
            digits: self.digits,
            multiplier: self.multiplier,
            verification_due: self.verification_due,
            removed_on: self.removed_on,
        }
    }

    /// The item, with its listings: by status (GSI1) and, while active with a due date, by
    /// verification date (GSI2).
    pub fn to_item(&self, namespace: &keys::Namespace) -> Item {
        let mut item = Item::new(
            keys::meter(namespace, &self.subscriber_id, &self.id),
            to_body(self),
        )
        .with_index(
            Index::Gsi1,
            crate::store::Key::new(
                keys::meters_by_status_partition(namespace, self.status.as_str()),
                keys::meter_status_sort(self.kind.code(), &self.serial, &self.id),
            ),
        );
        if let (MeterStatus::Active, Some(due)) = (self.status, self.verification_due) {
            item = item.with_index(
                Index::Gsi2,
                crate::store::Key::new(
                    keys::meters_by_verification_partition(namespace),
                    keys::meter_verification_sort(due, &self.id),
                ),
            );
        }
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        from_body(item)
    }
}

/// One stored reading: the current version for its meter and date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadingRecord {
    pub meter_id: String,
    #[serde(with = "crm_domain::iso_date")]
    pub date: NaiveDate,
    pub values: Vec<Decimal>,
    pub source: ReadingSource,
    /// 1 for the first version; corrections increase it (earlier versions are kept).
    pub version_no: u32,
    /// Dial advance per zone since the previous reading, as validated (before the multiplier).
    pub advance: Vec<Decimal>,
    /// For a person to review (above average, outside the window, verification expired).
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Who entered it (`user:<id>`, `api_key:<id>`, `import:<job id>`).
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

impl ReadingRecord {
    pub fn reading(&self) -> Reading {
        Reading {
            date: self.date,
            values: self.values.clone(),
            source: self.source,
        }
    }

    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        from_body(item)
    }
}

/// The estimated consumption of a meter for one billing month (Decree 354, p. 59-60).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EstimateRecord {
    pub meter_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub method: EstimateMethod,
    /// Consumption per zone (after the multiplier); a norm estimate has one value.
    pub consumption: Vec<Decimal>,
    pub created_at: DateTime<Utc>,
    /// Set once a real reading covers this month: the estimate no longer counts, and the
    /// difference to what was really used is recorded for recalculation.
    #[serde(default)]
    pub superseded: Option<Supersession>,
}

impl EstimateRecord {
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        from_body(item)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateMethod {
    Average,
    Norm,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Supersession {
    pub by_reading_on: NaiveDate,
    pub at: DateTime<Utc>,
    /// Real minus estimated consumption over the superseded months, per zone; billing
    /// recalculates by it.
    pub difference: Vec<Decimal>,
}

fn to_body<T: Serialize>(value: &T) -> Body {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Body::new(),
    }
}

fn from_body<T: for<'de> Deserialize<'de>>(item: &Item) -> Result<T, StoreError> {
    item.decode()
        .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))
}

fn from_json<T: for<'de> Deserialize<'de>>(item: &JsonItem) -> Result<T, StoreError> {
    item.decode()
        .map_err(|e| StoreError::Backend(format!("unreadable {:?}: {e}", item.key)))
}

pub fn reading_body(record: &ReadingRecord) -> Body {
    to_body(record)
}

pub fn estimate_body(record: &EstimateRecord) -> Body {
    to_body(record)
}

/// Everything of a subscriber's meters: the meters, each meter's current readings in date
/// order, and its estimates.
#[derive(Clone, Debug, Default)]
pub struct SubscriberMeters {
    pub meters: Vec<(MeterRecord, u64)>,
    pub readings: Vec<ReadingRecord>,
    pub estimates: Vec<(EstimateRecord, u64)>,
}

impl SubscriberMeters {
    /// The meter's current readings, oldest first.
    pub fn readings_of(&self, meter_id: &str) -> Vec<&ReadingRecord> {
        self.readings
            .iter()
            .filter(|r| r.meter_id == meter_id)
            .collect()
    }
}

/// A subscriber's meters and estimates (one range query on its partition), their reading
/// tails (one batch get) and the readings between the first and the latest any tail names (one
/// query per month).
pub async fn subscriber_meters(
    db: &ScopedDb,
    subscriber_id: &str,
) -> Result<SubscriberMeters, StoreError> {
    let (low, high) = keys::estimates_and_meters_range();
    let partition = keys::subscriber_partition(db.namespace(), subscriber_id);
    let mut found = SubscriberMeters::default();
    let mut cursor = None;
    loop {
        let query = Query::new(Index::Table, partition.clone())
            .sort(SortKey::Between(low.clone(), high.clone()))
            .limit(1000);
        // Bodies as text: each is decoded straight into its record, and the links, which sort
        // inside the range too, are passed over without being decoded.
        let page = db.query_json(query, cursor.as_ref()).await?;
        for item in &page.items {
            let sk = item.key.sk.as_str();
            if sk.starts_with(keys::METER_SORT_PREFIX) {
                found.meters.push((from_json(item)?, item.version));
            } else if sk.starts_with(keys::ESTIMATE_SORT_PREFIX) {
                found.estimates.push((from_json(item)?, item.version));
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let meter_ids: Vec<&str> = found.meters.iter().map(|(m, _)| m.id.as_str()).collect();
    let tails = tails(db, &meter_ids).await?;
    let first = tails.values().filter_map(|(t, _)| t.first).min();
    let latest = tails.values().filter_map(|(t, _)| t.latest).max();
    if let (Some(first), Some(latest)) = (first, latest) {
        found.readings = readings_between(db, subscriber_id, None, first, latest).await?;
    }
    Ok(found)
}

/// The reading tails of `meter_ids` with their versions, by meter (a meter without readings
/// has none).
pub async fn tails(
    db: &ScopedDb,
    meter_ids: &[&str],
) -> Result<std::collections::HashMap<String, (ReadingTail, u64)>, StoreError> {
    let mut found = std::collections::HashMap::new();
    for chunk in meter_ids.chunks(crate::store::MAX_BATCH_GET) {
        let keys: Vec<crate::store::Key> = chunk
            .iter()
            .map(|id| keys::meter_tail(db.namespace(), id))
            .collect();
        for item in db.batch_get_json(&keys).await? {
            if let Some(at) = keys.iter().position(|k| *k == item.key) {
                found.insert(
                    chunk[at].to_owned(),
                    (ReadingTail::from_json(&item)?, item.version),
                );
            }
        }
    }
    Ok(found)
}

/// Month partitions read at once by [`readings_between`]: on DynamoDB each is a round trip, and
/// a meter card spans years.
const MONTHS_AT_ONCE: usize = 8;

/// A subscriber's current readings (of `meter_id` only, or of all its meters) dated in the
/// months from `first`'s to `latest`'s: one query per month partition (a few at once), oldest
/// month first, within a month by meter, then date.
pub async fn readings_between(
    db: &ScopedDb,
    subscriber_id: &str,
    meter_id: Option<&str>,
    first: NaiveDate,
    latest: NaiveDate,
) -> Result<Vec<ReadingRecord>, StoreError> {
    use futures::{StreamExt as _, TryStreamExt as _};

    let prefix = meter_id.map_or_else(
        || keys::READING_SORT_PREFIX.to_owned(),
        keys::readings_prefix,
    );
    let mut months = Vec::new();
    let mut month = first.with_day(1).unwrap_or(first);
    while month <= latest {
        months.push(month);
        month = month + chrono::Months::new(1);
    }
    let by_month: Vec<Vec<ReadingRecord>> = futures::stream::iter(months)
        .map(|month| month_of_readings(db, subscriber_id, &prefix, month))
        .buffered(MONTHS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(by_month.into_iter().flatten().collect())
}

/// The current readings under `prefix` in one month partition of a subscriber.
async fn month_of_readings(
    db: &ScopedDb,
    subscriber_id: &str,
    prefix: &str,
    month: NaiveDate,
) -> Result<Vec<ReadingRecord>, StoreError> {
    let partition = keys::readings_partition(db.namespace(), subscriber_id, month);
    let mut readings = Vec::new();
    let mut cursor = None;
    loop {
        let query = Query::new(Index::Table, partition.clone())
            .sort(SortKey::BeginsWith(prefix.to_owned()))
            .limit(1000);
        let page = db.query_json(query, cursor.as_ref()).await?;
        for item in &page.items {
            readings.push(from_json(item)?);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(readings),
        }
    }
}
