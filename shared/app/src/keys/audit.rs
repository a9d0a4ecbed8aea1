//! Keys of audit records: by day, by entity (GSI1), by actor (GSI2).

use chrono::{DateTime, Utc};

use super::{Namespace, escape};
use crate::store::Key;

/// Audit records of a namespace, one partition per day (UTC), newest last.
pub fn audit_by_day(namespace: &Namespace, at: DateTime<Utc>, id: &str) -> Key {
    namespace.key(&["AUDIT", &audit_day(at)], audit_sort(at, id))
}

/// The partition key of one day's audit records.
pub fn audit_day_partition(namespace: &Namespace, day: chrono::NaiveDate) -> String {
    namespace.pk(&["AUDIT", &day.format("%Y-%m-%d").to_string()])
}

fn audit_day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Sort key of audit records: time (sortable text), then id for uniqueness.
pub fn audit_sort(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", audit_sort_bound(at))
}

/// GSI1 key: an entity's audit history (the change timeline of a card).
pub fn audit_by_entity(
    namespace: &Namespace,
    entity_type: &str,
    entity_id: &str,
    sort: &str,
) -> Key {
    Key::new(
        audit_entity_partition(namespace, entity_type, entity_id),
        sort,
    )
}

/// GSI2 key: everything one actor did.
pub fn audit_by_actor(namespace: &Namespace, actor_id: &str, sort: &str) -> Key {
    Key::new(audit_actor_partition(namespace, actor_id), sort)
}

/// The time part of audit sort keys, for ranges: every record at or after `at` sorts after it.
pub fn audit_sort_bound(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The GSI1 partition of an entity's audit history.
pub fn audit_entity_partition(namespace: &Namespace, entity_type: &str, entity_id: &str) -> String {
    namespace.pk(&["AUDIT_ENTITY", &escape(entity_type), &escape(entity_id)])
}

/// The GSI2 partition of an actor's audit records.
pub fn audit_actor_partition(namespace: &Namespace, actor_id: &str) -> String {
    namespace.pk(&["AUDIT_ACTOR", &escape(actor_id)])
}
