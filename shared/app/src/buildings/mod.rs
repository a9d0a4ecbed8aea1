//! Buildings: houses that group subscribers' premises. A building has an address (unique in the
//! tenant), an optional name and notes, and counts of its subscribers by status, which the
//! subscriber use cases keep in the same transactions as the subscribers themselves.

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::subscriber::{
    BuildingFacts, BuildingInput, Invalid, SubscriberStatus, building_address_key,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Change as ItemChange, Condition, Cursor, Delete, Index, Item, Put, Query, ScopedDb,
    StoreError, Update, Write,
};

/// The audit entity type of buildings.
pub const ENTITY: &str = "building";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    pub id: String,
    #[serde(flatten)]
    pub facts: BuildingFacts,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How many subscribers of a building are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingCounts {
    pub active: u64,
    pub suspended: u64,
    pub closed: u64,
}

impl BuildingCounts {
    pub fn total(&self) -> u64 {
        self.active + self.suspended + self.closed
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildingError {
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    #[error("no such building")]
    NotFound,
    #[error("a building with this address exists")]
    DuplicateAddress { existing_id: String },
    #[error("the building was changed by someone else")]
    VersionMismatch,
    #[error("the address of a building with subscribers cannot change")]
    HasSubscribers,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Building {
    /// "Москва, ул. Ленина, д. 10" (and the name, when it has one).
    pub fn title(&self) -> String {
        match &self.facts.name {
            Some(name) => format!("{name} ({})", self.facts.address.line()),
            None => self.facts.address.line(),
        }
    }

    pub fn address_key(&self) -> String {
        building_address_key(&self.facts.address)
    }

    fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn audit_value(&self) -> Value {
        let mut value = self.to_value();
        if let Value::Object(map) = &mut value {
            map.remove("updated_at");
            map.remove("created_at");
        }
        value
    }

    fn item(&self, namespace: &Namespace) -> Item {
        let body = match self.to_value() {
            Value::Object(map) => map,
            _ => Body::new(),
        };
        Item::new(keys::building_profile(namespace, &self.id), body).with_index(
            Index::Gsi1,
            keys::building_by_address(namespace, &self.address_key(), &self.id),
        )
    }

    pub fn from_item(item: &Item) -> Result<Building, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable building {:?}: {e}", item.key)))
    }
}

fn status_field(status: SubscriberStatus) -> &'static str {
    status.as_str()
}

/// The write that moves subscriber counts of a building, for a subscriber transaction: each
/// `(status, delta)` adds `delta` to that status. Fails the transaction when the building does
/// not exist. `None` when nothing changes.
pub fn count_change(
    namespace: &Namespace,
    building_id: &str,
    deltas: &[(SubscriberStatus, i64)],
) -> Option<Write> {
    let mut changes: Vec<ItemChange> = Vec::new();
    for status in SubscriberStatus::ALL {
        let delta: i64 = deltas
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, d)| d)
            .sum();
        if delta != 0 {
            changes.push(ItemChange::Increment(status_field(status).into(), delta));
        }
    }
    (!changes.is_empty()).then(|| {
        Write::Update(Update {
            key: keys::building_counts(namespace, building_id),
            condition: Condition::MustExist,
            changes,
        })
    })
}

pub async fn get(db: &ScopedDb, id: &str) -> Result<Option<(Building, u64)>, StoreError> {
    if !crate::subscribers::is_id(id) {
        return Ok(None);
    }
    match db.get(&keys::building_profile(db.namespace(), id)).await? {
        Some(item) => Ok(Some((Building::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

pub async fn counts(db: &ScopedDb, id: &str) -> Result<BuildingCounts, StoreError> {
    Ok(counts_at(db, id).await?.0)
}

/// The counts and the version of their item (absent for a building that does not exist).
async fn counts_at(db: &ScopedDb, id: &str) -> Result<(BuildingCounts, Option<u64>), StoreError> {
    let Some(item) = db.get(&keys::building_counts(db.namespace(), id)).await? else {
        return Ok((BuildingCounts::default(), None));
    };
    let read = |status: SubscriberStatus| {
        item.body
            .get(status_field(status))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let counts = BuildingCounts {
        active: read(SubscriberStatus::Active),
        suspended: read(SubscriberStatus::Suspended),
        closed: read(SubscriberStatus::Closed),
    };
    Ok((counts, Some(item.version)))
}

/// The building at this address (compared by [`building_address_key`]), if any.
pub async fn find_by_address(
    db: &ScopedDb,
    address_key: &str,
) -> Result<Option<(Building, u64)>, StoreError> {
    let sentinel = keys::building_address(db.namespace(), address_key);
    let Some(item) = db.get(&sentinel).await? else {
        return Ok(None);
    };
    match item.body.get("building_id").and_then(Value::as_str) {
        Some(id) => get(db, id).await,
        None => Ok(None),
    }
}

/// One page of buildings, ordered by address.
pub async fn list(
    db: &ScopedDb,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<(Vec<Building>, Option<Cursor>), StoreError> {
    let query = Query::new(
        Index::Gsi1,
        keys::buildings_by_address_partition(db.namespace()),
    )
    .limit(limit.clamp(1, 500));
    let page = db.query(query, cursor).await?;
    let buildings = page
        .items
        .iter()
        .map(Building::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((buildings, page.next))
}

fn sentinel_put(namespace: &Namespace, building: &Building) -> Write {
    let mut body = Body::new();
    body.insert("building_id".into(), Value::from(building.id.clone()));
    Write::Put(Put {
        item: Item::new(
            keys::building_address(namespace, &building.address_key()),
            body,
        ),
        condition: Condition::MustNotExist,
    })
}

pub async fn create(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    input: &BuildingInput,
) -> Result<Building, BuildingError> {
    let facts = input.validate().map_err(BuildingError::Invalid)?;
    let db = services.db.tenant(tenant);
    let namespace = db.namespace().clone();
    let now = services.clock.now();
    let building = Building {
        id: services.ids.new_id(),
        facts,
        created_at: now,
        updated_at: now,
    };
    let after = building.audit_value();
    let (_, audit_write) = audit.record(
        &namespace,
        services.ids.new_id(),
        now,
        &Change {
            action: "building.create",
            entity_type: ENTITY,
            entity_id: &building.id,
            before: None,
            after: Some(&after),
        },
    );
    let writes = vec![
        Write::Put(Put {
            item: building.item(&namespace),
            condition: Condition::MustNotExist,
        }),
        sentinel_put(&namespace, &building),
        Write::Put(Put {
            item: Item::new(keys::building_counts(&namespace, &building.id), Body::new()),
            condition: Condition::MustNotExist,
        }),
        audit_write,
    ];
    match db.transact(writes).await {
        Ok(()) => Ok(building),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&1) => {
            let existing = find_by_address(&db, &building.address_key()).await?;
            Err(BuildingError::DuplicateAddress {
                existing_id: existing.map(|(b, _)| b.id).unwrap_or_default(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves an edit made on version `expected_version` (the one the form or client read; `None`
/// takes the current one). The address of a building with subscribers stays as it is: its
/// subscribers' addresses were checked against it.
pub async fn update(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    expected_version: Option<u64>,
    input: &BuildingInput,
) -> Result<Building, BuildingError> {
    let db = services.db.tenant(tenant);
    let namespace = db.namespace().clone();
    let (current, version) = get(&db, id).await?.ok_or(BuildingError::NotFound)?;
    if expected_version.is_some_and(|v| v != version) {
        return Err(BuildingError::VersionMismatch);
    }
    let facts = input.validate().map_err(BuildingError::Invalid)?;
    if facts == current.facts {
        return Ok(current);
    }
    let now = services.clock.now();
    let updated = Building {
        facts,
        updated_at: now,
        ..current.clone()
    };
    let moved = updated.address_key() != current.address_key();
    let counts_version = if moved {
        let (counts, counts_version) = counts_at(&db, id).await?;
        if counts.total() > 0 {
            return Err(BuildingError::HasSubscribers);
        }
        counts_version
    } else {
        None
    };
    let (before, after) = (current.audit_value(), updated.audit_value());
    let (_, audit_write) = audit.record(
        &namespace,
        services.ids.new_id(),
        now,
        &Change {
            action: "building.update",
            entity_type: ENTITY,
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
    );
    let mut writes = vec![
        Write::Put(Put {
            item: updated.item(&namespace),
            condition: Condition::VersionEquals(version),
        }),
        audit_write,
    ];
    if moved {
        writes.push(sentinel_put(&namespace, &updated));
        writes.push(Write::Delete(Delete {
            key: keys::building_address(&namespace, &current.address_key()),
            condition: Condition::None,
        }));
        // No subscriber may have joined since the counts were read empty.
        writes.push(Write::Check {
            key: keys::building_counts(&namespace, id),
            condition: counts_version.map_or(Condition::MustNotExist, Condition::VersionEquals),
        });
    }
    match db.transact(writes).await {
        Ok(()) => Ok(updated),
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&0) => {
            Err(BuildingError::VersionMismatch)
        }
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&2) => {
            let existing = find_by_address(&db, &updated.address_key()).await?;
            Err(BuildingError::DuplicateAddress {
                existing_id: existing.map(|(b, _)| b.id).unwrap_or_default(),
            })
        }
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&4) => {
            Err(BuildingError::HasSubscribers)
        }
        Err(e) => Err(e.into()),
    }
}
