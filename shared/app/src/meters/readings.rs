//! Readings of one meter: entry (form, API), correction (a new version; the old one is kept),
//! history with consumption per period and zone, and consumption by month. Every reading is
//! validated by `crm_domain::meter::validate` against the meter and its current readings.

use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::meter::{Outcome, Reading, ReadingSource, Rejection, consumption_in, validate};
use crm_domain::period::BillingMonth;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::estimates::supersession_writes;
use super::records::{MeterRecord, MeterStatus, ReadingRecord, reading_body};
use super::registry::{self, MeterView};
use super::tail::ReadingTail;
use super::{ENTITY, MeterError, Thresholds};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys;
use crate::store::{Condition, Index, Item, Put, Query, ScopedDb, SortKey, StoreError, Write};
use crate::subscribers;

/// What storing a reading did.
#[derive(Clone, Debug, PartialEq)]
pub enum Entered {
    /// Stored (or corrected), with its flags for review.
    Stored(ReadingRecord),
    /// The same reading was already stored: nothing changed.
    Unchanged(ReadingRecord),
}

impl Entered {
    pub fn record(&self) -> &ReadingRecord {
        match self {
            Entered::Stored(r) | Entered::Unchanged(r) => r,
        }
    }
}

/// A reading as the domain sees it, for validation.
fn domain_readings(records: &[ReadingRecord]) -> Vec<Reading> {
    records.iter().map(ReadingRecord::reading).collect()
}

/// Validates a reading without storing it (the form's immediate feedback).
pub async fn check(
    services: &Services,
    tenant: &TenantId,
    meter_id: &str,
    date: NaiveDate,
    values: &[Decimal],
) -> Result<Result<Outcome, Rejection>, MeterError> {
    let db = services.db.tenant(tenant);
    let view = registry::view(&db, meter_id)
        .await?
        .ok_or(MeterError::NotFound)?;
    let thresholds = Thresholds::load(services, tenant).await?;
    let today = subscribers::today(services, tenant).await;
    let new = Reading {
        date,
        values: values.to_vec(),
        source: ReadingSource::Operator,
    };
    Ok(validate(
        &view.meter.spec(),
        &domain_readings(&view.readings),
        &new,
        today,
        &thresholds.policy(view.meter.kind),
    ))
}

fn audit_write(
    services: &Services,
    db: &ScopedDb,
    audit: &Audit,
    action: &str,
    meter: &MeterRecord,
    before: Option<&ReadingRecord>,
    after: &ReadingRecord,
) -> Write {
    let view = |r: &ReadingRecord| {
        json!({ "readings": { r.date.to_string(): {
            "values": r.values.iter().map(|v| v.normalize().to_string()).collect::<Vec<_>>(),
            "version": r.version_no,
            "source": r.source,
        }}})
    };
    let before = before.map(view);
    let after_value = view(after);
    audit
        .record(
            db.namespace(),
            services.ids.new_id(),
            after.entered_at,
            &Change {
                action,
                entity_type: ENTITY,
                entity_id: &meter.id,
                before: before.as_ref(),
                after: Some(&after_value),
            },
        )
        .1
}

/// The reading item of `record` for `meter`.
pub(super) fn reading_item(db: &ScopedDb, meter: &MeterRecord, record: &ReadingRecord) -> Item {
    Item::new(
        keys::reading(db.namespace(), &meter.subscriber_id, &meter.id, record.date),
        reading_body(record),
    )
}

/// Enters a reading: validated, then stored with its audit record and the supersession of
/// estimates it covers, in one transaction. An equal reading already stored changes nothing.
pub async fn enter(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    meter_id: &str,
    date: NaiveDate,
    values: Vec<Decimal>,
    source: ReadingSource,
) -> Result<Entered, MeterError> {
    let db = services.db.tenant(tenant);
    let view = registry::view(&db, meter_id)
        .await?
        .ok_or(MeterError::NotFound)?;
    let thresholds = Thresholds::load(services, tenant).await?;
    let today = subscribers::today(services, tenant).await;
    enter_in(
        services,
        &db,
        audit,
        &view,
        &thresholds,
        today,
        date,
        values,
        source,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one reading's write"
)]
pub(super) async fn enter_in(
    services: &Services,
    db: &ScopedDb,
    audit: &Audit,
    view: &MeterView,
    thresholds: &Thresholds,
    today: NaiveDate,
    date: NaiveDate,
    values: Vec<Decimal>,
    source: ReadingSource,
) -> Result<Entered, MeterError> {
    let meter = &view.meter;
    let new = Reading {
        date,
        values,
        source,
    };
    let policy = thresholds.policy(meter.kind);
    let outcome = validate(
        &meter.spec(),
        &domain_readings(&view.readings),
        &new,
        today,
        &policy,
    )
    .map_err(MeterError::Rejected)?;
    let (advance, flags) = match outcome {
        Outcome::Unchanged => {
            let existing = view
                .readings
                .iter()
                .find(|r| r.date == date)
                .cloned()
                .ok_or(MeterError::NotFound)?;
            return Ok(Entered::Unchanged(existing));
        }
        Outcome::Accepted { advance, flags } => (advance, flags),
    };
    let record = ReadingRecord {
        meter_id: meter.id.clone(),
        date,
        values: new.values,
        source,
        version_no: 1,
        advance,
        flags,
        entered_by: audit.actor.id(),
        entered_at: services.clock.now(),
    };
    let mut history = view.readings.clone();
    history.push(record.clone());
    history.sort_by_key(|r| r.date);
    let mut writes = vec![
        Write::Put(Put {
            item: reading_item(db, meter, &record),
            condition: Condition::MustNotExist,
        }),
        // The meter must still be as validated (not removed or edited meanwhile).
        Write::Check {
            key: registry::key(db.namespace(), meter),
            condition: Condition::VersionEquals(view.version),
        },
        audit_write(services, db, audit, "reading.create", meter, None, &record),
        ReadingTail::of(&history, policy.average_months).put(
            db.namespace(),
            &meter.id,
            view.tail_version,
        ),
    ];
    writes.extend(supersession_writes(db, meter, &history, &record, record.entered_at).await?);
    match db.transact(writes).await {
        Ok(()) => Ok(Entered::Stored(record)),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&0) => {
            // Stored meanwhile by someone else: equal is fine, different is refused.
            let current = db
                .get(&keys::reading(
                    db.namespace(),
                    &meter.subscriber_id,
                    &meter.id,
                    date,
                ))
                .await?
                .map(|item| ReadingRecord::from_item(&item))
                .transpose()?;
            match current {
                Some(current) if current.values == record.values => Ok(Entered::Unchanged(current)),
                Some(current) => Err(MeterError::Rejected(Rejection::DuplicateDifferent {
                    existing: current.values,
                })),
                None => Err(MeterError::VersionMismatch),
            }
        }
        Err(StoreError::TransactionCancelled { .. } | StoreError::TransactionConflict) => {
            Err(MeterError::VersionMismatch)
        }
        Err(e) => Err(e.into()),
    }
}

/// Corrects the reading of `date`: the current version is kept under its version key, the new
/// one (validated against the other readings) becomes current with the next version number.
#[expect(
    clippy::too_many_arguments,
    reason = "a use case taking its request's parts"
)]
pub async fn correct(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    meter_id: &str,
    date: NaiveDate,
    values: Vec<Decimal>,
    expected_version_no: Option<u32>,
    comment: Option<&str>,
) -> Result<Entered, MeterError> {
    let db = services.db.tenant(tenant);
    let view = registry::view(&db, meter_id)
        .await?
        .ok_or(MeterError::NotFound)?;
    let meter = &view.meter;
    let key = keys::reading(db.namespace(), &meter.subscriber_id, &meter.id, date);
    let item = db.get(&key).await?.ok_or(MeterError::NotFound)?;
    let current = ReadingRecord::from_item(&item)?;
    if expected_version_no.is_some_and(|v| v != current.version_no) {
        return Err(MeterError::VersionMismatch);
    }
    if current.values == values {
        return Ok(Entered::Unchanged(current));
    }
    if meter.status == MeterStatus::Removed && meter.removed_on.is_some_and(|r| date > r) {
        return Err(MeterError::Removed);
    }
    let others: Vec<ReadingRecord> = view
        .readings
        .iter()
        .filter(|r| r.date != date)
        .cloned()
        .collect();
    let thresholds = Thresholds::load(services, tenant).await?;
    let today = subscribers::today(services, tenant).await;
    let new = Reading {
        date,
        values,
        source: current.source,
    };
    let policy = thresholds.policy(meter.kind);
    let outcome = validate(
        &meter.spec(),
        &domain_readings(&others),
        &new,
        today,
        &policy,
    )
    .map_err(MeterError::Rejected)?;
    let Outcome::Accepted { advance, flags } = outcome else {
        return Ok(Entered::Unchanged(current));
    };
    let record = ReadingRecord {
        values: new.values,
        version_no: current.version_no + 1,
        advance,
        flags,
        entered_by: audit.actor.id(),
        entered_at: services.clock.now(),
        ..current.clone()
    };
    let mut old_body = reading_body(&current);
    if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        old_body.insert(
            "replaced_because".into(),
            Value::from(comment.chars().take(500).collect::<String>()),
        );
    }
    let mut history = others;
    history.push(record.clone());
    history.sort_by_key(|r| r.date);
    let tail = ReadingTail::of(&history, policy.average_months);
    let mut writes = vec![
        tail.put(db.namespace(), &meter.id, view.tail_version),
        Write::Put(Put {
            item: reading_item(&db, meter, &record),
            condition: Condition::VersionEquals(item.version),
        }),
        Write::Put(Put {
            item: Item::new(
                keys::reading_version(
                    db.namespace(),
                    &meter.subscriber_id,
                    &meter.id,
                    date,
                    current.version_no,
                ),
                old_body,
            ),
            condition: Condition::MustNotExist,
        }),
        audit_write(
            services,
            &db,
            audit,
            "reading.correct",
            meter,
            Some(&current),
            &record,
        ),
    ];
    writes.extend(supersession_writes(&db, meter, &history, &record, record.entered_at).await?);
    match db.transact(writes).await {
        Ok(()) => Ok(Entered::Stored(record)),
        Err(StoreError::TransactionCancelled { .. } | StoreError::TransactionConflict) => {
            Err(MeterError::VersionMismatch)
        }
        Err(e) => Err(e.into()),
    }
}

/// Earlier versions of the reading of `date`, oldest first.
pub async fn versions(
    db: &ScopedDb,
    meter: &MeterRecord,
    date: NaiveDate,
) -> Result<Vec<ReadingRecord>, StoreError> {
    let query = Query::new(
        Index::Table,
        keys::readings_partition(db.namespace(), &meter.subscriber_id, date),
    )
    .sort(SortKey::BeginsWith(keys::reading_versions_prefix(
        &meter.id, date,
    )))
    .limit(1000);
    let page = db.query(query, None).await?;
    page.items.iter().map(ReadingRecord::from_item).collect()
}

/// One reading in a meter's history with the consumption since the previous one.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    pub reading: ReadingRecord,
    /// The day after the previous reading (or the installation date).
    pub since: NaiveDate,
    /// Consumption per zone over the period, after the multiplier.
    pub consumption: Vec<Decimal>,
}

/// The history, newest first, with consumption per period and zone recomputed from the
/// current readings (a reading inserted between two others changes its successor's period).
pub fn history(meter: &MeterRecord, readings: &[ReadingRecord]) -> Vec<HistoryRow> {
    let spec = meter.spec();
    let mut previous_values = meter.initial.clone();
    let mut previous_date = meter.installed_on;
    let mut rows = Vec::with_capacity(readings.len());
    for reading in readings {
        let consumption = crm_domain::meter::advance(&spec, &previous_values, &reading.values)
            .unwrap_or_else(|| vec![Decimal::ZERO; reading.values.len()])
            .into_iter()
            .map(|a| (a * meter.multiplier).normalize())
            .collect();
        rows.push(HistoryRow {
            reading: reading.clone(),
            since: previous_date,
            consumption,
        });
        previous_values.clone_from(&reading.values);
        previous_date = reading.date;
    }
    rows.reverse();
    rows
}

/// Consumption per zone of each month from `first` to `last` (inclusive), oldest first; every
/// reading's advance counts in the month it is dated in.
pub fn by_month(
    meter: &MeterRecord,
    readings: &[ReadingRecord],
    first: BillingMonth,
    last: BillingMonth,
) -> Vec<(BillingMonth, Vec<Decimal>)> {
    let spec = meter.spec();
    let domain = domain_readings(readings);
    let mut months = Vec::new();
    let mut month = first;
    while month <= last && months.len() < 240 {
        let values = consumption_in(&spec, &domain, month.range())
            .into_iter()
            .map(|v| v.normalize())
            .collect();
        months.push((month, values));
        month = month.next();
    }
    months
}

/// The last `count` months up to the one containing `today`.
pub fn recent_months(today: NaiveDate, count: u32) -> (BillingMonth, BillingMonth) {
    let last = BillingMonth::of(today);
    let mut first = last;
    for _ in 1..count.max(1) {
        first = first.previous();
    }
    (first, last)
}
