//! How an account's role turns into permissions (built-in roles from the matrix in
//! `crm_domain::access`, custom roles from the tenant's role items), which roles an actor may
//! give, and custom roles themselves: created, changed and deleted only within what the actor
//! holds, and never deleted while someone has them.

use chrono::{DateTime, Utc};
use crm_domain::access::grants::{self, NotHeld};
use crm_domain::access::{BuiltinRole, CentralRole, PermissionSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::accounts;
use super::invitations;
use super::{IdentityError, Invalid, Issue, Realm, Refusal};
use crate::audit::{Audit, Change};
use crate::keys;
use crate::store::{
    Body, Condition, Delete, Index, Item, Put, Query, ScopedDb, SortKey, StoreError, Write,
};

pub const CUSTOM_PREFIX: &str = "custom:";
pub const NAME_MAX_CHARS: usize = 60;

/// A custom role of a tenant: a name and a set of permissions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomRole {
    pub id: String,
    pub name: String,
    pub permissions: PermissionSet,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

impl CustomRole {
    /// The value accounts carry in `role`.
    pub fn role_value(&self) -> String {
        format!("{CUSTOM_PREFIX}{}", self.id)
    }

    fn to_item(&self, realm: &Realm) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        let ns = realm.namespace();
        Item::new(keys::custom_role(ns, &self.id), body).with_index(
            Index::Gsi1,
            keys::custom_role_listing(ns, &self.name, &self.id),
        )
    }

    fn from_item(item: &Item) -> Option<CustomRole> {
        item.decode().ok()
    }
}

/// The permissions of a tenant account's role. An unknown or deleted role grants nothing.
pub async fn permissions_of(db: &ScopedDb, role: &str) -> Result<PermissionSet, StoreError> {
    if let Some(builtin) = BuiltinRole::parse(role) {
        return Ok(builtin.permissions());
    }
    let Some(id) = role.strip_prefix(CUSTOM_PREFIX) else {
        return Ok(PermissionSet::default());
    };
    Ok(get_item(db, id)
        .await?
        .map(|(role, _)| role.permissions)
        .unwrap_or_default())
}

/// The role that keeps a realm administrable: tenants must keep an active administrator, the
/// platform an active superadmin.
pub fn is_admin_role(realm: &Realm, role: &str) -> bool {
    match realm.tenant {
        Some(_) => role == BuiltinRole::Administrator.as_str(),
        None => role == CentralRole::Superadmin.as_str(),
    }
}

/// Whether `role` names a role of the realm: a built-in or existing custom role in a tenant, a
/// central role for staff.
pub async fn exists(realm: &Realm, role: &str) -> Result<bool, StoreError> {
    if realm.tenant.is_none() {
        return Ok(CentralRole::parse(role).is_some());
    }
    if BuiltinRole::parse(role).is_some() {
        return Ok(true);
    }
    match role.strip_prefix(CUSTOM_PREFIX) {
        Some(id) => Ok(get_item(&realm.db, id).await?.is_some()),
        None => Ok(false),
    }
}

/// Whether an actor holding `actor` may move someone from role `from` (none for a newcomer) to
/// `to`. Staff roles are managed only by those allowed to manage staff (checked by the route),
/// so only their names are checked here.
pub async fn check_assignment(
    realm: &Realm,
    actor: &PermissionSet,
    from: Option<&str>,
    to: &str,
) -> Result<(), Issue> {
    let issue = |problem| Issue {
        field: "role",
        problem,
    };
    if !exists(realm, to).await.unwrap_or(false) {
        return Err(issue(Invalid::UnknownRole));
    }
    if realm.tenant.is_none() {
        return Ok(());
    }
    let to_permissions = permissions_of(&realm.db, to).await.unwrap_or_default();
    let from_permissions = match from {
        Some(from) => permissions_of(&realm.db, from).await.unwrap_or_default(),
        None => PermissionSet::default(),
    };
    grants::check_assignment(actor, &from_permissions, &to_permissions)
        .map_err(|NotHeld(missing)| issue(Invalid::NotHeld(missing)))
}

async fn get_item(db: &ScopedDb, id: &str) -> Result<Option<(CustomRole, u64)>, StoreError> {
    Ok(db
        .get(&keys::custom_role(db.namespace(), id))
        .await?
        .and_then(|item| CustomRole::from_item(&item).map(|role| (role, item.version))))
}

pub async fn get(realm: &Realm, id: &str) -> Result<CustomRole, IdentityError> {
    get_item(&realm.db, id)
        .await?
        .map(|(role, _)| role)
        .ok_or(IdentityError::NotFound)
}

/// The tenant's custom roles by name.
pub async fn list(realm: &Realm) -> Result<Vec<CustomRole>, StoreError> {
    let query = Query::new(Index::Gsi1, keys::custom_roles_partition(realm.namespace()))
        .sort(SortKey::Any)
        .limit(1000);
    let page = realm.db.query(query, None).await?;
    Ok(page
        .items
        .iter()
        .filter_map(CustomRole::from_item)
        .collect())
}

/// What a custom role form or body asks for.
#[derive(Clone, Debug, Default)]
pub struct RoleInput {
    pub name: String,
    pub permissions: PermissionSet,
}

fn validate(input: &RoleInput) -> Result<String, IdentityError> {
    let mut issues = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        issues.push(Issue {
            field: "name",
            problem: Invalid::Required,
        });
    } else if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        issues.push(Issue {
            field: "name",
            problem: Invalid::TooLong {
                max: NAME_MAX_CHARS,
            },
        });
    }
    if input.permissions.is_empty() {
        issues.push(Issue {
            field: "permissions",
            problem: Invalid::Required,
        });
    }
    if issues.is_empty() {
        Ok(name.to_owned())
    } else {
        Err(IdentityError::Invalid(issues))
    }
}

fn not_held(NotHeld(missing): NotHeld) -> IdentityError {
    IdentityError::invalid("permissions", Invalid::NotHeld(missing))
}

fn name_sentinel(realm: &Realm, name: &str, role_id: &str) -> Write {
    let mut body = Body::new();
    body.insert("role_id".into(), Value::from(role_id));
    Write::Put(Put {
        item: Item::new(
            keys::custom_role_name(realm.namespace(), &name.to_lowercase()),
            body,
        ),
        condition: Condition::MustNotExist,
    })
}

fn audit_write(
    realm: &Realm,
    audit: &Audit,
    action: &str,
    id: &str,
    before: Option<&CustomRole>,
    after: Option<&CustomRole>,
) -> Write {
    let (old, new) = (
        before.and_then(|r| serde_json::to_value(r).ok()),
        after.and_then(|r| serde_json::to_value(r).ok()),
    );
    realm.audit_write(
        audit,
        &Change {
            action,
            entity_type: "role",
            entity_id: id,
            before: old.as_ref(),
            after: new.as_ref(),
        },
    )
}

fn name_taken(error: StoreError) -> IdentityError {
    IdentityError::or_refusal(error, Refusal::RoleNameTaken)
}

pub async fn create(
    realm: &Realm,
    actor: &PermissionSet,
    input: &RoleInput,
    audit: &Audit,
) -> Result<CustomRole, IdentityError> {
    let name = validate(input)?;
    grants::check_change(actor, &PermissionSet::default(), &input.permissions).map_err(not_held)?;
    let role = CustomRole {
        id: realm.new_id(),
        name,
        permissions: input.permissions.clone(),
        created_at: Some(realm.now()),
    };
    let writes = vec![
        Write::Put(Put {
            item: role.to_item(realm),
            condition: Condition::MustNotExist,
        }),
        name_sentinel(realm, &role.name, &role.id),
        audit_write(realm, audit, "role.create", &role.id, None, Some(&role)),
    ];
    realm.db.transact(writes).await.map_err(name_taken)?;
    Ok(role)
}

/// Changes a role's name and permissions; `input.permissions` is the whole new set (forms merge
/// in what the actor cannot touch with `grants::from_form`).
pub async fn update(
    realm: &Realm,
    actor: &PermissionSet,
    id: &str,
    input: &RoleInput,
    audit: &Audit,
) -> Result<CustomRole, IdentityError> {
    let (before, version) = get_item(&realm.db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let name = validate(input)?;
    grants::check_change(actor, &before.permissions, &input.permissions).map_err(not_held)?;
    let after = CustomRole {
        name,
        permissions: input.permissions.clone(),
        ..before.clone()
    };
    let mut writes = vec![
        Write::Put(Put {
            item: after.to_item(realm),
            condition: Condition::VersionEquals(version),
        }),
        audit_write(realm, audit, "role.update", id, Some(&before), Some(&after)),
    ];
    if after.name.to_lowercase() != before.name.to_lowercase() {
        writes.push(name_sentinel(realm, &after.name, id));
        writes.push(Write::Delete(Delete {
            key: keys::custom_role_name(realm.namespace(), &before.name.to_lowercase()),
            condition: Condition::None,
        }));
    }
    realm.db.transact(writes).await.map_err(|e| match e {
        StoreError::TransactionCancelled { failed } if failed.contains(&0) => {
            IdentityError::Refused(Refusal::Conflict)
        }
        other => name_taken(other),
    })?;
    Ok(after)
}

/// Who has the role: people's names, and invitations as their emails.
pub async fn holders(realm: &Realm, id: &str) -> Result<Vec<String>, StoreError> {
    let value = format!("{CUSTOM_PREFIX}{id}");
    let mut names: Vec<String> = accounts::list_all(&realm.db)
        .await?
        .into_iter()
        .filter(|(account, _)| account.role == value)
        .map(|(account, _)| account.name)
        .collect();
    names.extend(
        invitations::list(realm)
            .await?
            .into_iter()
            .filter(|invitation| invitation.role == value)
            .map(|invitation| invitation.email),
    );
    Ok(names)
}

/// Deletes a role nobody has (people or pending invitations).
pub async fn delete(
    realm: &Realm,
    actor: &PermissionSet,
    id: &str,
    audit: &Audit,
) -> Result<(), IdentityError> {
    let (before, version) = get_item(&realm.db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    grants::check_change(actor, &before.permissions, &PermissionSet::default())
        .map_err(not_held)?;
    let holders = holders(realm, id).await?;
    if !holders.is_empty() {
        return Err(IdentityError::Refused(Refusal::RoleInUse(holders)));
    }
    let writes = vec![
        Write::Delete(Delete {
            key: keys::custom_role(realm.namespace(), id),
            condition: Condition::VersionEquals(version),
        }),
        Write::Delete(Delete {
            key: keys::custom_role_name(realm.namespace(), &before.name.to_lowercase()),
            condition: Condition::None,
        }),
        audit_write(realm, audit, "role.delete", id, Some(&before), None),
    ];
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::Conflict))
}
