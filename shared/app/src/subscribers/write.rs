//! The changes to a subscriber: create, edit, status changes, and the idempotent upsert by
//! account number that imports use. Each is one transaction: profile, account-number sentinel,
//! counter, building counts, index entries and the audit record.

use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::subscriber::{
    AccountNumber, Invalid, StatusChange, StatusState, SubscriberFacts, SubscriberInput,
    is_in_building,
};
use serde_json::Value;

use super::index::{index_writes, profile_item};
use super::numbering::{next_number, pattern};
use super::{ENTITY, Subscriber, SubscriberError, find_by_account_number, get, today};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::buildings::{self, Building, count_change};
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Condition, Item, MAX_TRANSACTION_ITEMS, Put, ScopedDb, StoreError, Write,
};

/// Attempts at a create whose generated number was taken meanwhile by another create.
const MAX_ATTEMPTS: usize = 20;

/// What creating a subscriber needs: the number (typed in, or `None` to generate one from the
/// tenant's pattern) and everything else as typed.
#[derive(Clone, Debug, Default)]
pub struct NewSubscriber {
    pub account_number: Option<String>,
    pub input: SubscriberInput,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created,
    Updated,
    Unchanged,
}

fn invalid(field: &str, code: &'static str) -> SubscriberError {
    SubscriberError::Invalid(vec![Invalid::new(field, code)])
}

/// Checks the input against the building it names: the building must exist, blank address
/// parts are taken from it, and the premises must be in it. Returns the facts.
async fn checked_facts(
    db: &ScopedDb,
    mut input: SubscriberInput,
    today: NaiveDate,
    mut errors: Vec<Invalid>,
) -> Result<SubscriberFacts, SubscriberError> {
    let building = resolve_building(db, &mut input, &mut errors).await?;
    let facts = match input.validate(today) {
        Ok(facts) => Some(facts),
        Err(wrong) => {
            errors.extend(wrong);
            None
        }
    };
    if let (Some(facts), Some(building)) = (&facts, &building)
        && !is_in_building(&facts.address, &building.facts.address)
    {
        errors.push(Invalid::new("building_id", "address_not_in_building"));
    }
    match facts {
        Some(facts) if errors.is_empty() => Ok(facts),
        _ => Err(SubscriberError::Invalid(errors)),
    }
}

async fn resolve_building(
    db: &ScopedDb,
    input: &mut SubscriberInput,
    errors: &mut Vec<Invalid>,
) -> Result<Option<Building>, StoreError> {
    let id = input.building_id.trim().to_owned();
    if id.is_empty() {
        return Ok(None);
    }
    let Some((building, _)) = buildings::get(db, &id).await? else {
        errors.push(Invalid::new("building_id", "building_not_found"));
        return Ok(None);
    };
    let address = &building.facts.address;
    let fill = |field: &mut String, value: Option<&String>| {
        if field.trim().is_empty()
            && let Some(value) = value
        {
            field.clone_from(value);
        }
    };
    fill(&mut input.city, Some(&address.city));
    fill(&mut input.street, Some(&address.street));
    fill(&mut input.house, Some(&address.house));
    fill(&mut input.building, address.building.as_ref());
    fill(&mut input.postcode, address.postcode.as_ref());
    fill(&mut input.region, address.region.as_ref());
    Ok(Some(building))
}

fn sentinel(namespace: &Namespace, subscriber: &Subscriber) -> Write {
    let mut body = Body::new();
    body.insert("subscriber_id".into(), Value::from(subscriber.id.clone()));
    Write::Put(Put {
        item: Item::new(
            keys::account_number(namespace, subscriber.account_number.as_str()),
            body,
        ),
        condition: Condition::MustNotExist,
    })
}

fn audit_write(
    services: &Services,
    namespace: &Namespace,
    audit: &Audit,
    action: &str,
    before: Option<&Subscriber>,
    after: &Subscriber,
) -> Write {
    let before = before.map(Subscriber::audit_value);
    let after_value = after.audit_value();
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

/// The building count changes of moving from `before` to `after`.
fn building_writes(
    namespace: &Namespace,
    before: Option<&Subscriber>,
    after: &Subscriber,
) -> Vec<Write> {
    let old = before.and_then(|s| s.facts.building_id.as_deref().map(|b| (b, s.status.status)));
    let new = after
        .facts
        .building_id
        .as_deref()
        .map(|b| (b, after.status.status));
    if old == new {
        return Vec::new();
    }
    match (old, new) {
        (Some((a, from)), Some((b, to))) if a == b => {
            count_change(namespace, a, &[(from, -1), (to, 1)])
                .into_iter()
                .collect()
        }
        (old, new) => old
            .and_then(|(b, s)| count_change(namespace, b, &[(s, -1)]))
            .into_iter()
            .chain(new.and_then(|(b, s)| count_change(namespace, b, &[(s, 1)])))
            .collect(),
    }
}

pub async fn create(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    new: &NewSubscriber,
) -> Result<Subscriber, SubscriberError> {
    let db = services.db.tenant(tenant);
    let namespace = db.namespace().clone();
    let mut errors = Vec::new();
    let typed = match new.account_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match AccountNumber::parse(raw) {
            Ok(number) => Some(number),
            Err(e) => {
                errors.push(Invalid::new("account_number", e.code()));
                None
            }
        },
    };
    let facts = checked_facts(
        &db,
        new.input.clone(),
        today(services, tenant).await,
        errors,
    )
    .await?;
    if let Some(number) = &typed
        && find_by_account_number(&db, number).await?.is_some()
    {
        return Err(SubscriberError::DuplicateAccountNumber);
    }
    let id = services.ids.new_id();
    let numbering = pattern(&db).await?;
    for _ in 0..MAX_ATTEMPTS {
        let (number, counter) = match &typed {
            Some(number) => (number.clone(), None),
            None => match next_number(&db, &numbering).await? {
                Some((number, counter)) => (number, Some(counter)),
                None => return Err(SubscriberError::NumbersExhausted),
            },
        };
        let now = services.clock.now();
        let subscriber = Subscriber {
            id: id.clone(),
            account_number: number,
            status: StatusState::active_since(facts.opened_on),
            facts: facts.clone(),
            services: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        let mut writes = vec![
            Write::Put(Put {
                item: profile_item(&namespace, &subscriber),
                condition: Condition::MustNotExist,
            }),
            sentinel(&namespace, &subscriber),
            audit_write(
                services,
                &namespace,
                audit,
                "subscriber.create",
                None,
                &subscriber,
            ),
        ];
        let counter_at = counter.map(|counter| {
            writes.push(counter);
            writes.len() - 1
        });
        let building_at = writes.len();
        writes.extend(building_writes(&namespace, None, &subscriber));
        writes.extend(index_writes(&namespace, None, Some(&subscriber)));
        match commit(&db, writes).await {
            Ok(()) => return Ok(subscriber),
            Err(SubscriberError::Store(StoreError::TransactionCancelled { failed })) => {
                if failed.contains(&building_at) && subscriber.facts.building_id.is_some() {
                    return Err(invalid("building_id", "building_not_found"));
                }
                if failed.contains(&1) && typed.is_some() {
                    return Err(SubscriberError::DuplicateAccountNumber);
                }
                // A generated number or the counter was taken by a create running alongside.
                let retry =
                    failed.contains(&1) || counter_at.is_some_and(|at| failed.contains(&at));
                if !retry {
                    return Err(StoreError::TransactionCancelled { failed }.into());
                }
            }
            Err(SubscriberError::Store(StoreError::TransactionConflict)) => {}
            Err(e) => return Err(e),
        }
        tokio::task::yield_now().await;
    }
    Err(StoreError::TransactionConflict.into())
}

/// Saves an edit of everything but the account number and status. `expected_version` is the
/// version the editor read (`None`: whatever is current). A blank opening date keeps the one
/// stored. Returns the subscriber and whether anything changed.
pub async fn update(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    expected_version: Option<u64>,
    input: &SubscriberInput,
) -> Result<(Subscriber, bool), SubscriberError> {
    let db = services.db.tenant(tenant);
    let (current, version) = get(&db, id).await?.ok_or(SubscriberError::NotFound)?;
    if expected_version.is_some_and(|v| v != version) {
        return Err(SubscriberError::VersionMismatch);
    }
    let mut input = input.clone();
    if input.opened_on.trim().is_empty() {
        input.opened_on = current.facts.opened_on.format("%Y-%m-%d").to_string();
    }
    let facts = checked_facts(&db, input, today(services, tenant).await, Vec::new()).await?;
    if facts == current.facts {
        return Ok((current, false));
    }
    let mut status = current.status.clone();
    if status.since == current.facts.opened_on && status.reason.is_none() {
        // Never changed since opening: the status starts with the account.
        status.since = facts.opened_on;
    } else if facts.opened_on > status.since {
        return Err(invalid("opened_on", "opened_after_status"));
    }
    let updated = Subscriber {
        facts,
        status,
        updated_at: services.clock.now(),
        ..current.clone()
    };
    save(
        services,
        &db,
        audit,
        "subscriber.update",
        &current,
        version,
        &updated,
    )
    .await?;
    Ok((updated, true))
}

/// Closes, reopens or suspends a subscriber from day `on` (default: today).
#[expect(
    clippy::too_many_arguments,
    reason = "a use case taking its request's parts"
)]
pub async fn change_status(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    expected_version: Option<u64>,
    change: StatusChange,
    on: Option<NaiveDate>,
    reason: Option<&str>,
) -> Result<Subscriber, SubscriberError> {
    let db = services.db.tenant(tenant);
    let (current, version) = get(&db, id).await?.ok_or(SubscriberError::NotFound)?;
    if expected_version.is_some_and(|v| v != version) {
        return Err(SubscriberError::VersionMismatch);
    }
    let today = today(services, tenant).await;
    let status = current
        .status
        .apply(
            change,
            on.unwrap_or(today),
            today,
            current.facts.opened_on,
            reason,
        )
        .map_err(|e| invalid(e.field(), e.code()))?;
    let updated = Subscriber {
        status,
        updated_at: services.clock.now(),
        ..current.clone()
    };
    let action = format!("subscriber.{}", change.as_str());
    save(services, &db, audit, &action, &current, version, &updated).await?;
    Ok(updated)
}

/// Creates the subscriber with this account number, or brings the existing one to `input`;
/// running it again with the same input changes nothing. For imports.
pub async fn upsert_by_account_number(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    account_number: &str,
    input: &SubscriberInput,
) -> Result<(Subscriber, UpsertOutcome), SubscriberError> {
    let number =
        AccountNumber::parse(account_number).map_err(|e| invalid("account_number", e.code()))?;
    let db = services.db.tenant(tenant);
    for _ in 0..2 {
        match find_by_account_number(&db, &number).await? {
            Some((existing, version)) => {
                let (subscriber, changed) =
                    update(services, tenant, audit, &existing.id, Some(version), input).await?;
                let outcome = if changed {
                    UpsertOutcome::Updated
                } else {
                    UpsertOutcome::Unchanged
                };
                return Ok((subscriber, outcome));
            }
            None => {
                let new = NewSubscriber {
                    account_number: Some(number.to_string()),
                    input: input.clone(),
                };
                match create(services, tenant, audit, &new).await {
                    Ok(subscriber) => return Ok((subscriber, UpsertOutcome::Created)),
                    // Created by someone else meanwhile: update it instead.
                    Err(SubscriberError::DuplicateAccountNumber) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Err(SubscriberError::VersionMismatch)
}

/// Writes `updated` over `current` (read at `version`) with the index, counts and audit.
async fn save(
    services: &Services,
    db: &ScopedDb,
    audit: &Audit,
    action: &str,
    current: &Subscriber,
    version: u64,
    updated: &Subscriber,
) -> Result<(), SubscriberError> {
    let namespace = db.namespace().clone();
    let mut writes = vec![
        Write::Put(Put {
            item: profile_item(&namespace, updated),
            condition: Condition::VersionEquals(version),
        }),
        audit_write(services, &namespace, audit, action, Some(current), updated),
    ];
    let buildings = building_writes(&namespace, Some(current), updated);
    let building_positions = writes.len()..writes.len() + buildings.len();
    writes.extend(buildings);
    writes.extend(index_writes(&namespace, Some(current), Some(updated)));
    match commit(db, writes).await {
        Err(SubscriberError::Store(StoreError::TransactionCancelled { failed })) => {
            if failed.contains(&0) {
                Err(SubscriberError::VersionMismatch)
            } else if failed.iter().any(|p| building_positions.contains(p)) {
                Err(invalid("building_id", "building_not_found"))
            } else {
                Err(StoreError::TransactionCancelled { failed }.into())
            }
        }
        Err(SubscriberError::Store(StoreError::TransactionConflict)) => {
            Err(SubscriberError::VersionMismatch)
        }
        other => other,
    }
}

async fn commit(db: &ScopedDb, writes: Vec<Write>) -> Result<(), SubscriberError> {
    if writes.len() > MAX_TRANSACTION_ITEMS {
        return Err(SubscriberError::TooManyChanges);
    }
    db.transact(writes).await.map_err(SubscriberError::from)
}
