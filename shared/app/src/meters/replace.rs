//! Replacing a meter: the old one's final reading and removal, the new one's registration
//! with its initial reading, in one transaction. The old meter's consumption ends with its
//! final reading, the new one's starts from its initial values on the same day, so a month
//! with a replacement is the sum of the two (`by_month` of each).

use crm_domain::TenantId;
use crm_domain::meter::{Outcome, Reading, ReadingSource, validate};

use super::input::{MeterInput, parse_values};
use super::readings::reading_item;
use super::records::{MeterRecord, MeterStatus, ReadingRecord};
use super::registry::{self, audit_write, check_removal_date, create_writes, new_record};
use super::tail::ReadingTail;
use super::{MeterError, Thresholds};
use crate::Services;
use crate::audit::Audit;
use crate::store::{Condition, Put, StoreError, Write};
use crate::subscribers;
use crate::validation::{Invalid, Reason};

/// What a replacement needs: the day, the old meter's final values, and the new meter (its
/// subscriber, service and installation date are the old one's and the day's).
#[derive(Clone, Debug, Default)]
pub struct Replacement {
    pub on: String,
    pub final_values: Vec<String>,
    pub new_meter: MeterInput,
}

/// Replaces meter `old_id`; returns the old meter (removed) and the new one.
pub async fn replace(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    old_id: &str,
    expected_version: Option<u64>,
    replacement: &Replacement,
) -> Result<(MeterRecord, MeterRecord), MeterError> {
    let db = services.db.tenant(tenant);
    let view = registry::view(&db, old_id)
        .await?
        .ok_or(MeterError::NotFound)?;
    let (old, version) = (&view.meter, view.version);
    if expected_version.is_some_and(|v| v != version) {
        return Err(MeterError::VersionMismatch);
    }
    if old.status == MeterStatus::Removed {
        return Err(MeterError::Removed);
    }
    let mut invalid = Invalid::new();
    let on = invalid.check("on", super::input::parse_date(&replacement.on));
    let final_values = parse_values(
        &mut invalid,
        "final",
        &replacement.final_values,
        old.kind.value_count(),
    );
    let mut input = replacement.new_meter.clone();
    input.subscriber_id = Some(old.subscriber_id.clone());
    input.service_id = Some(old.service_id.clone());
    input.installed_on = Some(replacement.on.clone());
    if input.kind.as_deref().is_none_or(|k| k.trim().is_empty()) {
        input.kind = Some(old.kind.code().to_owned());
    }
    let new = match new_record(services, &db, &input, services.ids.new_id()).await {
        Ok(new) => Some(new),
        Err(MeterError::Invalid(more)) => {
            for issue in more.0 {
                invalid.add(&issue.field, issue.reason);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let (Some(on), Some(final_values), Some(new)) = (on, final_values, new) else {
        return Err(invalid.into());
    };
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    let today = subscribers::today(services, tenant).await;
    check_removal_date(old, &view.readings, on, today).map_err(|e| match e {
        MeterError::Invalid(i) => MeterError::Invalid(Invalid::field(
            "on",
            i.0.into_iter()
                .next()
                .map_or_else(Reason::required, |issue| issue.reason),
        )),
        other => other,
    })?;
    let thresholds = Thresholds::load(services, tenant).await?;
    let history: Vec<Reading> = view.readings.iter().map(ReadingRecord::reading).collect();
    let final_reading = Reading {
        date: on,
        values: final_values,
        source: ReadingSource::Operator,
    };
    let outcome = validate(
        &old.spec(),
        &history,
        &final_reading,
        today,
        &thresholds.policy(old.kind),
    )
    .map_err(|rejection| {
        MeterError::Invalid(Invalid::field(
            "final_0",
            super::reasons::rejection(&rejection),
        ))
    })?;
    let now = services.clock.now();
    let new = MeterRecord {
        replaces: Some(old.id.clone()),
        ..new
    };
    let removed = MeterRecord {
        replaced_by: Some(new.id.clone()),
        ..registry::removed(old, on, services)
    };
    let namespace = db.namespace().clone();
    let mut writes = vec![
        Write::Put(Put {
            item: removed.to_item(&namespace),
            condition: Condition::VersionEquals(version),
        }),
        registry::serial_refresh(&namespace, &removed),
    ];
    let serial_at = writes.len() + 1;
    writes.extend(create_writes(&namespace, &new));
    writes.push(audit_write(
        services,
        &namespace,
        audit,
        "meter.replace",
        Some(old),
        &removed,
    ));
    writes.push(audit_write(
        services,
        &namespace,
        audit,
        "meter.create",
        None,
        &new,
    ));
    if let Outcome::Accepted { advance, flags } = outcome {
        let record = ReadingRecord {
            meter_id: old.id.clone(),
            date: on,
            values: final_reading.values.clone(),
            source: ReadingSource::Operator,
            version_no: 1,
            advance,
            flags,
            entered_by: audit.actor.id(),
            entered_at: now,
        };
        writes.push(Write::Put(Put {
            item: reading_item(&db, old, &record),
            condition: Condition::MustNotExist,
        }));
        let mut all = view.readings.clone();
        all.push(record.clone());
        all.sort_by_key(|r| r.date);
        let tail = ReadingTail::of(&all, thresholds.policy(old.kind).average_months);
        writes.push(tail.put(&namespace, &old.id, view.tail_version));
        writes.extend(super::estimates::supersession_writes(&db, old, &all, &record, now).await?);
    }
    match db.transact(writes).await {
        Ok(()) => Ok((removed, new)),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&serial_at) => {
            Err(MeterError::SerialTaken)
        }
        Err(StoreError::TransactionCancelled { .. } | StoreError::TransactionConflict) => {
            Err(MeterError::VersionMismatch)
        }
        Err(e) => Err(e.into()),
    }
}
