//! The meter registry: register, read, edit and remove meters; lists by status and by
//! verification date. A removed meter keeps its item and readings (status `removed`).

use chrono::{Duration, NaiveDate};
use crm_domain::TenantId;
use crm_domain::billing::service::ServiceKind;
use crm_domain::meter::MeterKind;
use rust_decimal::Decimal;
use serde_json::Value;

use super::input::{MeterInput, Parsed};
use super::records::{MeterRecord, MeterStatus, ReadingRecord, readings_between};
use super::tail::ReadingTail;
use super::{ENTITY, MeterError};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::catalog;
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Condition, Cursor, Index, Item, Key, Put, Query, ScopedDb, SortKey, StoreError, Write,
};
use crate::subscribers;
use crate::validation::{Invalid, Reason};

/// A meter with its item version and current readings (oldest first).
#[derive(Clone, Debug)]
pub struct MeterView {
    pub meter: MeterRecord,
    pub version: u64,
    pub readings: Vec<ReadingRecord>,
    /// The version of the meter's reading tail (`None`: it has no readings yet); a reading
    /// written rewrites the tail over it.
    pub tail_version: Option<u64>,
}

/// The meter with this id: its locator, then the meter.
pub async fn get(db: &ScopedDb, id: &str) -> Result<Option<(MeterRecord, u64)>, StoreError> {
    if !subscribers::is_id(id) {
        return Ok(None);
    }
    let Some(locator) = db.get(&keys::meter_locator(db.namespace(), id)).await? else {
        return Ok(None);
    };
    let Some(subscriber_id) = locator.body.get("subscriber_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    match db
        .get(&keys::meter(db.namespace(), subscriber_id, id))
        .await?
    {
        Some(item) => Ok(Some((MeterRecord::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

/// The meter and its current readings.
pub async fn view(db: &ScopedDb, id: &str) -> Result<Option<MeterView>, StoreError> {
    let Some((meter, version)) = get(db, id).await? else {
        return Ok(None);
    };
    let (readings, tail_version) = readings_of(db, &meter.subscriber_id, &meter.id).await?;
    Ok(Some(MeterView {
        meter,
        version,
        readings,
        tail_version,
    }))
}

/// A meter's current readings, oldest first, and the version of its reading tail: the tail,
/// then one query per month between the first and the latest reading it names.
pub async fn readings_of(
    db: &ScopedDb,
    subscriber_id: &str,
    meter_id: &str,
) -> Result<(Vec<ReadingRecord>, Option<u64>), StoreError> {
    let Some(item) = db.get(&keys::meter_tail(db.namespace(), meter_id)).await? else {
        return Ok((Vec::new(), None));
    };
    let tail = ReadingTail::from_item(&item)?;
    let readings = match (tail.first, tail.latest) {
        (Some(first), Some(latest)) => {
            readings_between(db, subscriber_id, Some(meter_id), first, latest).await?
        }
        _ => Vec::new(),
    };
    Ok((readings, Some(item.version)))
}

/// The meter with this serial number, if any.
pub async fn find_by_serial(
    db: &ScopedDb,
    serial: &str,
) -> Result<Option<(MeterRecord, u64)>, StoreError> {
    let Some(sentinel) = db
        .get(&keys::meter_serial(db.namespace(), serial.trim()))
        .await?
    else {
        return Ok(None);
    };
    match sentinel.body.get("meter_id").and_then(Value::as_str) {
        Some(id) => get(db, id).await,
        None => Ok(None),
    }
}

/// A subscriber's meters (all statuses), by serial.
pub async fn of_subscriber(
    db: &ScopedDb,
    subscriber_id: &str,
) -> Result<Vec<MeterRecord>, StoreError> {
    if !subscribers::is_id(subscriber_id) {
        return Ok(Vec::new());
    }
    let query = Query::new(
        Index::Table,
        keys::subscriber_partition(db.namespace(), subscriber_id),
    )
    .sort(SortKey::BeginsWith(keys::METER_SORT_PREFIX.to_owned()))
    .limit(1000);
    let page = db.query(query, None).await?;
    let mut meters = page
        .items
        .iter()
        .map(MeterRecord::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    meters.sort_by(|a, b| a.serial.cmp(&b.serial));
    Ok(meters)
}

/// One page of the tenant's meters of one status (GSI1), by kind then serial; with `kind`, the
/// meters of that kind only, by serial: a range of the same partition, so the page is full
/// whenever that many meters of the kind are left.
pub async fn list(
    db: &ScopedDb,
    status: MeterStatus,
    kind: Option<MeterKind>,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<MeterRecord>, Option<Cursor>), StoreError> {
    let mut query = Query::new(
        Index::Gsi1,
        keys::meters_by_status_partition(db.namespace(), status.as_str()),
    )
    .limit(limit.clamp(1, 1000));
    if let Some(kind) = kind {
        query = query.sort(SortKey::BeginsWith(keys::meters_of_kind_prefix(
            kind.code(),
        )));
    }
    let page = db.query(query, cursor).await?;
    let meters = page
        .items
        .iter()
        .map(MeterRecord::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((meters, page.next))
}

/// Store pages read at most for one page of the verification listing filtered by kind: the
/// listing is by date, so a rare kind is found by reading on, and a page that hits this bound
/// comes back short with the cursor of where it stopped (nothing is skipped).
const DUE_KIND_ROUNDS: usize = 20;

/// Active meters whose verification is due on or before `until` (expired ones first), one
/// range query on GSI2. `from` limits the lower end (`None`: every expired one too). With
/// `kind`, the meters of that kind only: the listing is read on until the page is full (or
/// [`DUE_KIND_ROUNDS`] store pages were read), each read asking for no more than the page still
/// needs, so the cursor returned is exactly after the last meter looked at.
pub async fn verification_due(
    db: &ScopedDb,
    from: Option<NaiveDate>,
    until: NaiveDate,
    kind: Option<MeterKind>,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<MeterRecord>, Option<Cursor>), StoreError> {
    let low = from.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
    let high = format!("{}#\u{10FFFF}", until.format("%Y-%m-%d"));
    let limit = limit.clamp(1, 1000);
    let mut meters = Vec::new();
    let mut cursor = cursor.cloned();
    for _ in 0..DUE_KIND_ROUNDS {
        let wanted = limit - u32::try_from(meters.len()).unwrap_or(limit);
        let query = Query::new(
            Index::Gsi2,
            keys::meters_by_verification_partition(db.namespace()),
        )
        .sort(SortKey::Between(low.clone(), high.clone()))
        .limit(wanted);
        let page = db.query(query, cursor.as_ref()).await?;
        for item in &page.items {
            let meter = MeterRecord::from_item(item)?;
            if kind.is_none_or(|k| meter.kind == k) {
                meters.push(meter);
            }
        }
        cursor = page.next;
        if cursor.is_none() || meters.len() >= limit as usize {
            break;
        }
    }
    Ok((meters, cursor))
}

/// Verification due within `days` of `today` (`expired_only`: only those already past).
pub fn due_range(
    today: NaiveDate,
    days: u32,
    expired_only: bool,
) -> (Option<NaiveDate>, NaiveDate) {
    if expired_only {
        (None, today - Duration::days(1))
    } else {
        (None, today + Duration::days(i64::from(days)))
    }
}

/// How many values a reading of a service of this kind has (`None`: not metered).
fn service_zones(kind: ServiceKind) -> Option<usize> {
    match kind {
        ServiceKind::Metered | ServiceKind::Tiered => Some(1),
        ServiceKind::MultiZone { zones } => Some(zones.zones().len()),
        _ => None,
    }
}

/// Checks the service: it exists, is metered with the meter's zone count, and is linked to
/// the subscriber.
async fn check_service(
    db: &ScopedDb,
    invalid: &mut Invalid,
    subscriber_id: &str,
    service_id: &str,
    kind: Option<MeterKind>,
) -> Result<(), StoreError> {
    let Some((service, _)) = catalog::services::get(db, service_id).await? else {
        invalid.add(
            "service_id",
            Reason::new("service_not_found", "Нет такой услуги", "No such service"),
        );
        return Ok(());
    };
    match service_zones(service.kind) {
        None => invalid.add(
            "service_id",
            Reason::new(
                "service_not_metered",
                "Услуга считается не по счётчику",
                "The service is not metered",
            ),
        ),
        Some(zones) if kind.is_some_and(|k| k.value_count() != zones) => invalid.add(
            "kind",
            Reason::new(
                "kind_zones_mismatch",
                format!("Для этой услуги нужен счётчик с {zones} зон."),
                format!("This service needs a meter with {zones} zone(s)"),
            ),
        ),
        Some(_) => {}
    }
    let linked = catalog::links::of_subscriber(db, subscriber_id)
        .await
        .map_err(|e| match e {
            catalog::CatalogError::Store(e) => e,
            other => StoreError::Invalid(other.to_string()),
        })?
        .iter()
        .any(|link| link.service_id == service_id);
    if !linked {
        invalid.add(
            "service_id",
            Reason::new(
                "service_not_linked",
                "Эта услуга не подключена абоненту",
                "The service is not linked to the subscriber",
            ),
        );
    }
    Ok(())
}

fn required(invalid: &mut Invalid, field: &str, present: bool) {
    if !present {
        invalid.add(field, Reason::required());
    }
}

fn serial_taken() -> MeterError {
    MeterError::SerialTaken
}

/// The serial sentinel naming the meter, with a copy of what validating a reading needs of
/// it (`MeterSpec`): a file's row finds its meter by serial, and then needs only the meter's
/// reading tail. Every write of the meter record rewrites it in the same transaction
/// ([`serial_refresh`]), so the copy never differs from the record.
pub fn serial_sentinel(namespace: &Namespace, meter: &MeterRecord) -> Item {
    let mut body = Body::new();
    body.insert("meter_id".into(), Value::from(meter.id.clone()));
    body.insert(
        "subscriber_id".into(),
        Value::from(meter.subscriber_id.clone()),
    );
    body.insert(
        "spec".into(),
        serde_json::to_value(meter.spec()).unwrap_or(Value::Null),
    );
    Item::new(keys::meter_serial(namespace, &meter.serial), body)
}

/// The serial sentinel of a new meter (or a new serial): the serial must be free.
pub(super) fn serial_write(namespace: &Namespace, meter: &MeterRecord) -> Write {
    Write::Put(Put {
        item: serial_sentinel(namespace, meter),
        condition: Condition::MustNotExist,
    })
}

/// The serial sentinel rewritten with the meter as it is now; goes with a write of the meter
/// record conditioned on its version, which is what keeps concurrent edits apart.
pub(super) fn serial_refresh(namespace: &Namespace, meter: &MeterRecord) -> Write {
    Write::Put(Put {
        item: serial_sentinel(namespace, meter),
        condition: Condition::None,
    })
}

pub(super) fn locator_write(namespace: &Namespace, meter: &MeterRecord) -> Write {
    let mut body = Body::new();
    body.insert(
        "subscriber_id".into(),
        Value::from(meter.subscriber_id.clone()),
    );
    Write::Put(Put {
        item: Item::new(keys::meter_locator(namespace, &meter.id), body),
        condition: Condition::MustNotExist,
    })
}

/// The meter as the audit log compares it.
pub fn audit_value(meter: &MeterRecord) -> Value {
    let mut value = serde_json::to_value(meter).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("created_at");
        map.remove("updated_at");
    }
    value
}

pub(super) fn audit_write(
    services: &Services,
    namespace: &Namespace,
    audit: &Audit,
    action: &str,
    before: Option<&MeterRecord>,
    after: &MeterRecord,
) -> Write {
    let before = before.map(audit_value);
    let after_value = audit_value(after);
    audit
        .record(
            namespace,
            services.ids.new_id(),
            after.updated_at,
            &Change {
                action,
                entity_type: ENTITY,
                entity_id: &after.id,
                before: before.as_ref(),
                after: Some(&after_value),
            },
        )
        .1
}

/// Checks a new meter's input; the record to store.
pub(super) async fn new_record(
    services: &Services,
    db: &ScopedDb,
    input: &MeterInput,
    id: String,
) -> Result<MeterRecord, MeterError> {
    let mut invalid = Invalid::new();
    let parsed: Parsed = input.parse(&mut invalid, None);
    let subscriber_id = input.subscriber_id.as_deref().unwrap_or("").trim();
    let service_id = input.service_id.as_deref().unwrap_or("").trim();
    required(&mut invalid, "serial", input.serial.is_some());
    required(&mut invalid, "kind", input.kind.is_some());
    required(&mut invalid, "installed_on", input.installed_on.is_some());
    required(&mut invalid, "service_id", !service_id.is_empty());
    let subscriber = if subscriber_id.is_empty() {
        invalid.add("subscriber_id", Reason::required());
        None
    } else {
        subscribers::get(db, subscriber_id).await?
    };
    if !subscriber_id.is_empty() && subscriber.is_none() {
        invalid.add(
            "subscriber_id",
            Reason::new(
                "subscriber_not_found",
                "Нет такого абонента",
                "No such subscriber",
            ),
        );
    }
    if subscriber.is_some() && !service_id.is_empty() {
        check_service(db, &mut invalid, subscriber_id, service_id, parsed.kind).await?;
    }
    let today = crate::catalog::today(services.clock.now());
    if parsed.installed_on.is_some_and(|d| d > today) {
        invalid.add(
            "installed_on",
            Reason::new(
                "installed_in_future",
                "Дата установки ещё не наступила",
                "The installation date is in the future",
            ),
        );
    }
    let digits = parsed.digits.unwrap_or(5);
    let initial = match (&parsed.initial, parsed.kind) {
        (Some(values), _) => Some(values.clone()),
        (None, Some(kind)) if input.initial.is_none() => {
            Some(vec![Decimal::ZERO; kind.value_count()])
        }
        _ => None,
    };
    if let Some(values) = &initial {
        let capacity = Decimal::from(10u64.pow(digits));
        for (n, v) in values.iter().enumerate() {
            if *v >= capacity {
                invalid.add(
                    &format!("initial_{n}"),
                    Reason::new(
                        "reading_too_many_digits",
                        format!("Не помещается на табло ({digits} цифр до запятой)"),
                        format!("Does not fit the dial ({digits} digits)"),
                    ),
                );
            }
        }
    }
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    let (Some(serial), Some(kind), Some(installed_on), Some(initial)) =
        (parsed.serial, parsed.kind, parsed.installed_on, initial)
    else {
        return Err(invalid.into());
    };
    let now = services.clock.now();
    Ok(MeterRecord {
        id,
        subscriber_id: subscriber_id.to_owned(),
        service_id: service_id.to_owned(),
        serial,
        kind,
        installed_on,
        initial,
        digits,
        multiplier: parsed.multiplier.unwrap_or(Decimal::ONE),
        verification_due: parsed.verification_due.flatten(),
        seal: parsed.seal.flatten(),
        status: MeterStatus::Active,
        removed_on: None,
        replaced_by: None,
        replaces: None,
        created_at: now,
        updated_at: now,
    })
}

/// The writes creating `meter`: the meter, its serial sentinel and its locator.
pub(super) fn create_writes(namespace: &Namespace, meter: &MeterRecord) -> Vec<Write> {
    vec![
        Write::Put(Put {
            item: meter.to_item(namespace),
            condition: Condition::MustNotExist,
        }),
        serial_write(namespace, meter),
        locator_write(namespace, meter),
    ]
}

/// Registers a meter.
pub async fn create(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    input: &MeterInput,
) -> Result<MeterRecord, MeterError> {
    let db = services.db.tenant(tenant);
    let meter = new_record(services, &db, input, services.ids.new_id()).await?;
    let namespace = db.namespace().clone();
    let mut writes = create_writes(&namespace, &meter);
    writes.push(audit_write(
        services,
        &namespace,
        audit,
        "meter.create",
        None,
        &meter,
    ));
    match db.transact(writes).await {
        Ok(()) => Ok(meter),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&1) => {
            Err(serial_taken())
        }
        Err(e) => Err(e.into()),
    }
}

/// Edits a meter. Kind, installation date and initial values can change only while the meter
/// has no readings (they are what its history is counted from).
pub async fn update(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    expected_version: Option<u64>,
    input: &MeterInput,
) -> Result<(MeterRecord, bool), MeterError> {
    let db = services.db.tenant(tenant);
    let view = view(&db, id).await?.ok_or(MeterError::NotFound)?;
    let (current, version) = (view.meter, view.version);
    if expected_version.is_some_and(|v| v != version) {
        return Err(MeterError::VersionMismatch);
    }
    if current.status == MeterStatus::Removed {
        return Err(MeterError::Removed);
    }
    let mut invalid = Invalid::new();
    let parsed = input.parse(&mut invalid, Some(current.kind));
    if input
        .subscriber_id
        .as_deref()
        .is_some_and(|s| s.trim() != current.subscriber_id)
    {
        invalid.add(
            "subscriber_id",
            Reason::new(
                "subscriber_immutable",
                "Счётчик нельзя перенести к другому абоненту: снимите его и установите новый",
                "A meter cannot move to another subscriber: remove it and register a new one",
            ),
        );
    }
    let history_fixed = !view.readings.is_empty();
    let changes_history = parsed.kind.is_some_and(|k| k != current.kind)
        || parsed
            .installed_on
            .is_some_and(|d| d != current.installed_on)
        || parsed
            .initial
            .as_ref()
            .is_some_and(|v| *v != current.initial)
        || parsed.digits.is_some_and(|d| d != current.digits);
    if history_fixed && changes_history {
        invalid.add(
            "kind",
            Reason::new(
                "meter_has_readings",
                "У счётчика есть показания: тип, дату установки, начальные показания и разрядность менять нельзя",
                "The meter has readings: its kind, installation date, initial values and digits cannot change",
            ),
        );
    }
    let kind = parsed.kind.unwrap_or(current.kind);
    let service_id = input
        .service_id
        .as_deref()
        .map_or(current.service_id.clone(), |s| s.trim().to_owned());
    if service_id != current.service_id || kind != current.kind {
        check_service(
            &db,
            &mut invalid,
            &current.subscriber_id,
            &service_id,
            Some(kind),
        )
        .await?;
    }
    let initial = match parsed.initial.clone() {
        Some(v) => v,
        None if kind != current.kind => vec![Decimal::ZERO; kind.value_count()],
        None => current.initial.clone(),
    };
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    let updated = MeterRecord {
        service_id,
        serial: parsed.serial.unwrap_or_else(|| current.serial.clone()),
        kind,
        installed_on: parsed.installed_on.unwrap_or(current.installed_on),
        initial,
        digits: parsed.digits.unwrap_or(current.digits),
        multiplier: parsed.multiplier.unwrap_or(current.multiplier),
        verification_due: parsed.verification_due.unwrap_or(current.verification_due),
        seal: parsed.seal.unwrap_or_else(|| current.seal.clone()),
        ..current.clone()
    };
    if audit_value(&updated) == audit_value(&current) {
        return Ok((current, false));
    }
    let updated = MeterRecord {
        updated_at: services.clock.now(),
        ..updated
    };
    let namespace = db.namespace().clone();
    let mut writes = vec![
        Write::Put(Put {
            item: updated.to_item(&namespace),
            condition: Condition::VersionEquals(version),
        }),
        audit_write(
            services,
            &namespace,
            audit,
            "meter.update",
            Some(&current),
            &updated,
        ),
    ];
    if updated.serial != current.serial {
        writes.push(serial_write(&namespace, &updated));
        writes.push(Write::Delete(crate::store::Delete {
            key: keys::meter_serial(&namespace, &current.serial),
            condition: Condition::None,
        }));
    } else {
        writes.push(serial_refresh(&namespace, &updated));
    }
    match db.transact(writes).await {
        Ok(()) => Ok((updated, true)),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&0) => {
            Err(MeterError::VersionMismatch)
        }
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&2) => {
            Err(serial_taken())
        }
        Err(StoreError::TransactionConflict) => Err(MeterError::VersionMismatch),
        Err(e) => Err(e.into()),
    }
}

/// The meter as removed on `on`: out of the verification listing, into the removed one.
pub(super) fn removed(meter: &MeterRecord, on: NaiveDate, services: &Services) -> MeterRecord {
    MeterRecord {
        status: MeterStatus::Removed,
        removed_on: Some(on),
        updated_at: services.clock.now(),
        ..meter.clone()
    }
}

/// Removes a meter from day `on` (default today): its readings stay, no new ones after `on`.
pub async fn remove(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    expected_version: Option<u64>,
    on: Option<NaiveDate>,
) -> Result<MeterRecord, MeterError> {
    let db = services.db.tenant(tenant);
    let view = view(&db, id).await?.ok_or(MeterError::NotFound)?;
    let (current, version) = (view.meter, view.version);
    if expected_version.is_some_and(|v| v != version) {
        return Err(MeterError::VersionMismatch);
    }
    if current.status == MeterStatus::Removed {
        return Err(MeterError::Removed);
    }
    let today = subscribers::today(services, tenant).await;
    let on = on.unwrap_or(today);
    check_removal_date(&current, &view.readings, on, today)?;
    let updated = removed(&current, on, services);
    let namespace = db.namespace().clone();
    let writes = vec![
        Write::Put(Put {
            item: updated.to_item(&namespace),
            condition: Condition::VersionEquals(version),
        }),
        audit_write(
            services,
            &namespace,
            audit,
            "meter.remove",
            Some(&current),
            &updated,
        ),
        serial_refresh(&namespace, &updated),
    ];
    match db.transact(writes).await {
        Ok(()) => Ok(updated),
        Err(StoreError::TransactionCancelled { .. } | StoreError::TransactionConflict) => {
            Err(MeterError::VersionMismatch)
        }
        Err(e) => Err(e.into()),
    }
}

/// A removal date is on or after installation and the last reading, and not in the future.
pub(super) fn check_removal_date(
    meter: &MeterRecord,
    readings: &[ReadingRecord],
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), MeterError> {
    let last = readings.iter().map(|r| r.date).max();
    let reason = if on > today {
        Some(Reason::new(
            "removed_in_future",
            "Дата снятия ещё не наступила",
            "The removal date is in the future",
        ))
    } else if on < meter.installed_on || last.is_some_and(|l| on < l) {
        Some(Reason::new(
            "removed_before_readings",
            "Дата снятия раньше установки или последнего показания",
            "The removal date is before the installation or the last reading",
        ))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Invalid::field("removed_on", reason).into()),
        None => Ok(()),
    }
}

/// The key of a meter (for writes that check it).
pub fn key(namespace: &Namespace, meter: &MeterRecord) -> Key {
    keys::meter(namespace, &meter.subscriber_id, &meter.id)
}
