//! How an account's role turns into permissions: built-in roles from the matrix in
//! `crm_domain::access`, custom roles from the tenant's role items.

use crm_domain::access::{BuiltinRole, PermissionSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys;
use crate::store::{ScopedDb, StoreError};

pub const CUSTOM_PREFIX: &str = "custom:";

/// A custom role of a tenant: a name and a set of permissions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomRole {
    pub id: String,
    pub name: String,
    pub permissions: PermissionSet,
}

/// The permissions of a tenant account's role. An unknown or deleted role grants nothing.
pub async fn permissions_of(db: &ScopedDb, role: &str) -> Result<PermissionSet, StoreError> {
    if let Some(builtin) = BuiltinRole::parse(role) {
        return Ok(builtin.permissions());
    }
    let Some(id) = role.strip_prefix(CUSTOM_PREFIX) else {
        return Ok(PermissionSet::default());
    };
    match db.get(&keys::custom_role(db.namespace(), id)).await? {
        Some(item) => Ok(
            serde_json::from_value::<CustomRole>(Value::Object(item.body))
                .map(|role| role.permissions)
                .unwrap_or_default(),
        ),
        None => Ok(PermissionSet::default()),
    }
}
