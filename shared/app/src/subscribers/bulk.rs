//! Loading many subscribers at once with batch writes (the benchmark and demo generator):
//! profiles, account-number sentinels and index entries exactly as the use cases write them,
//! without per-subscriber transactions or audit records. Only for data no one else is writing:
//! a batch write is not atomic and does not check that numbers are free.

use crm_domain::subscriber::SubscriberStatus;
use serde_json::Value;

use super::Subscriber;
use super::index::{entries, profile_item};
use crate::buildings::{Building, BuildingCounts};
use crate::keys;
use crate::store::{Body, Item, ScopedDb, StoreError};

/// Writes `subscribers` (new ones, with numbers no one holds). Returns how many items.
pub async fn insert_subscribers(
    db: &ScopedDb,
    subscribers: &[Subscriber],
) -> Result<usize, StoreError> {
    let namespace = db.namespace().clone();
    let mut items = Vec::with_capacity(subscribers.len() * 24);
    for subscriber in subscribers {
        items.push(profile_item(&namespace, subscriber));
        let mut body = Body::new();
        body.insert("subscriber_id".into(), Value::from(subscriber.id.clone()));
        items.push(Item::new(
            keys::account_number(&namespace, subscriber.account_number.as_str()),
            body,
        ));
        items.extend(
            entries(&namespace, subscriber)
                .into_iter()
                .map(|key| Item::new(key, Body::new())),
        );
    }
    let count = items.len();
    db.batch_write(items, Vec::new()).await?;
    Ok(count)
}

/// Writes new buildings with their counts.
pub async fn insert_buildings(
    db: &ScopedDb,
    buildings: &[(Building, BuildingCounts)],
) -> Result<(), StoreError> {
    let namespace = db.namespace().clone();
    let mut items = Vec::with_capacity(buildings.len() * 3);
    for (building, counts) in buildings {
        let body = match serde_json::to_value(building) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        items.push(
            Item::new(keys::building_profile(&namespace, &building.id), body).with_index(
                crate::store::Index::Gsi1,
                keys::building_by_address(&namespace, &building.address_key(), &building.id),
            ),
        );
        let mut sentinel = Body::new();
        sentinel.insert("building_id".into(), Value::from(building.id.clone()));
        items.push(Item::new(
            keys::building_address(&namespace, &building.address_key()),
            sentinel,
        ));
        let mut count_body = Body::new();
        for (status, n) in [
            (SubscriberStatus::Active, counts.active),
            (SubscriberStatus::Suspended, counts.suspended),
            (SubscriberStatus::Closed, counts.closed),
        ] {
            count_body.insert(status.as_str().into(), Value::from(n));
        }
        items.push(Item::new(
            keys::building_counts(&namespace, &building.id),
            count_body,
        ));
    }
    db.batch_write(items, Vec::new()).await
}
