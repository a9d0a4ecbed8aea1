//! The column mapping a tenant saved per import kind, so the next file of the same shape maps
//! itself.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::mapping::SavedMapping;
use crate::keys;
use crate::store::{Body, Condition, Item, Put, StoreError, TenantDb};

pub async fn load_mapping(db: &TenantDb, kind: &str) -> Result<Option<SavedMapping>, StoreError> {
    let Some(item) = db.get(&keys::import_mapping(db.namespace(), kind)).await? else {
        return Ok(None);
    };
    let columns = item.body.get("columns").cloned().unwrap_or(Value::Null);
    serde_json::from_value(serde_json::json!({ "columns": columns }))
        .map(Some)
        .map_err(|e| StoreError::Backend(format!("unreadable saved mapping `{kind}`: {e}")))
}

/// Replaces the saved mapping of `kind` (the last one the user confirmed wins).
pub async fn save_mapping(
    db: &TenantDb,
    kind: &str,
    mapping: &SavedMapping,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut body = Body::new();
    body.insert("kind".into(), Value::from(kind));
    body.insert(
        "columns".into(),
        serde_json::to_value(&mapping.columns).unwrap_or(Value::Null),
    );
    body.insert("updated_at".into(), Value::from(now.to_rfc3339()));
    db.put(Put {
        item: Item::new(keys::import_mapping(db.namespace(), kind), body),
        condition: Condition::None,
    })
    .await
    .map(|_| ())
}
