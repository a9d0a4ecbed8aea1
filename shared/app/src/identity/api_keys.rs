//! API keys: bearer tokens for machines, scoped to a subset of permissions, shown once, stored
//! hashed, revocable, with the last time they were used.
//!
//! A key reads `crm_<tenant>_<key id>_<secret>`: the tenant and id let the platform find the
//! record with one keyed read, the secret is compared by hash.

use chrono::{DateTime, Duration, Utc};
use crm_domain::TenantId;
use crm_domain::access::PermissionSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::secrets::{constant_time_eq, new_token, token_hash};
use super::{IdentityError, Invalid, Issue, Realm, Refusal};
use crate::audit::{Audit, Change};
use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Db, Index, Item, Put, Query, SortKey, StoreError, Write};

pub const NAME_MAX_CHARS: usize = 60;

const PREFIX: &str = "crm";
/// `last_used_at` is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(5);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, so people can tell keys apart.
    pub hint: String,
    pub secret_hash: String,
    pub scopes: PermissionSet,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// A new key and the full token to show once.
    pub fn issue(
        tenant: &TenantId,
        id: String,
        name: String,
        scopes: PermissionSet,
        created_by: String,
        now: DateTime<Utc>,
    ) -> (ApiKey, String) {
        let secret = new_token();
        let token = format!("{PREFIX}_{tenant}_{id}_{secret}");
        let key = ApiKey {
            hint: format!("{PREFIX}_{tenant}_{id}_{}…", &secret[..4]),
            id,
            name,
            secret_hash: token_hash(&secret),
            scopes,
            created_at: now,
            created_by,
            last_used_at: None,
            revoked_at: None,
        };
        (key, token)
    }

    pub fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(keys::api_key(namespace, &self.id), body).with_index(
            Index::Gsi1,
            keys::api_key_listing(namespace, self.created_at, &self.id),
        )
    }

    pub fn from_item(item: &Item) -> Option<ApiKey> {
        item.decode().ok()
    }
}

/// Splits a bearer token into tenant, key id and secret, if it has the shape of one.
pub fn parse_token(token: &str) -> Option<(TenantId, &str, &str)> {
    let mut parts = token.splitn(4, '_');
    if parts.next()? != PREFIX {
        return None;
    }
    let tenant = TenantId::parse(parts.next()?).ok()?;
    let id = parts.next()?;
    let secret = parts.next()?;
    (!id.is_empty() && !secret.is_empty()).then_some((tenant, id, secret))
}

/// The tenant and live key a bearer token stands for; `None` for anything else (unknown,
/// revoked, malformed, wrong secret), without saying which.
pub async fn authenticate(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(TenantId, ApiKey)>, StoreError> {
    let Some((tenant, id, secret)) = parse_token(token) else {
        return Ok(None);
    };
    let scoped = db.tenant(&tenant);
    let Some(item) = scoped.get(&keys::api_key(scoped.namespace(), id)).await? else {
        return Ok(None);
    };
    let Some(mut key) = ApiKey::from_item(&item) else {
        return Ok(None);
    };
    if key.revoked_at.is_some() || !constant_time_eq(&key.secret_hash, &token_hash(secret)) {
        return Ok(None);
    }
    if key.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        key.last_used_at = Some(now);
        let touch = Put {
            item: key.to_item(scoped.namespace()),
            condition: Condition::VersionEquals(item.version),
        };
        let _ = scoped.put(touch).await;
    }
    Ok(Some((tenant, key)))
}

impl ApiKey {
    /// The key as the audit log shows it (the hash is redacted there by name anyway).
    fn audited(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "hint": self.hint,
            "scopes": self.scopes,
            "revoked_at": self.revoked_at,
        })
    }
}

/// Creates a key with `scopes`, all of which the creator (`actor`) must hold. Returns the key
/// and its token, which is shown once and never again.
pub async fn create(
    realm: &Realm,
    actor: &PermissionSet,
    name: &str,
    scopes: PermissionSet,
    audit: &Audit,
) -> Result<(ApiKey, String), IdentityError> {
    let Some(tenant) = realm.tenant.clone() else {
        return Err(IdentityError::NotFound);
    };
    let mut issues = Vec::new();
    let name = name.trim();
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
    if scopes.is_empty() {
        issues.push(Issue {
            field: "scopes",
            problem: Invalid::Required,
        });
    } else if let Err(crm_domain::access::grants::NotHeld(missing)) =
        crm_domain::access::grants::check_change(actor, &PermissionSet::default(), &scopes)
    {
        issues.push(Issue {
            field: "scopes",
            problem: Invalid::NotHeld(missing),
        });
    }
    if !issues.is_empty() {
        return Err(IdentityError::Invalid(issues));
    }
    let (key, token) = ApiKey::issue(
        &tenant,
        realm.new_id(),
        name.to_owned(),
        scopes,
        audit.actor.id(),
        realm.now(),
    );
    let after = key.audited();
    let writes = vec![
        Write::Put(Put {
            item: key.to_item(realm.namespace()),
            condition: Condition::MustNotExist,
        }),
        realm.audit_write(
            audit,
            &Change {
                action: "api_key.create",
                entity_type: "api_key",
                entity_id: &key.id,
                before: None,
                after: Some(&after),
            },
        ),
    ];
    realm.db.transact(writes).await?;
    Ok((key, token))
}

/// The tenant's keys, newest first, revoked ones included.
pub async fn list(realm: &Realm) -> Result<Vec<ApiKey>, StoreError> {
    let query = Query::new(Index::Gsi1, keys::api_keys_partition(realm.namespace()))
        .sort(SortKey::Any)
        .backward()
        .limit(1000);
    let page = realm.db.query(query, None).await?;
    Ok(page.items.iter().filter_map(ApiKey::from_item).collect())
}

pub async fn get(realm: &Realm, id: &str) -> Result<ApiKey, IdentityError> {
    realm
        .db
        .get(&keys::api_key(realm.namespace(), id))
        .await?
        .as_ref()
        .and_then(ApiKey::from_item)
        .ok_or(IdentityError::NotFound)
}

/// Revokes a key: it stops working at once. Revoking a revoked key changes nothing.
pub async fn revoke(realm: &Realm, id: &str, audit: &Audit) -> Result<ApiKey, IdentityError> {
    let item = realm
        .db
        .get(&keys::api_key(realm.namespace(), id))
        .await?
        .ok_or(IdentityError::NotFound)?;
    let before = ApiKey::from_item(&item).ok_or(IdentityError::NotFound)?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let mut after = before.clone();
    after.revoked_at = Some(realm.now());
    let (old, new) = (before.audited(), after.audited());
    let writes = vec![
        Write::Put(Put {
            item: after.to_item(realm.namespace()),
            condition: Condition::VersionEquals(item.version),
        }),
        realm.audit_write(
            audit,
            &Change {
                action: "api_key.revoke",
                entity_type: "api_key",
                entity_id: id,
                before: Some(&old),
                after: Some(&new),
            },
        ),
    ];
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::Conflict))?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_tenant_and_id() {
        let tenant = TenantId::parse("demo").unwrap();
        let (key, token) = ApiKey::issue(
            &tenant,
            "k1".into(),
            "1C".into(),
            PermissionSet::default(),
            "user:u1".into(),
            Utc::now(),
        );
        let (parsed_tenant, id, secret) = parse_token(&token).unwrap();
        assert_eq!(parsed_tenant, tenant);
        assert_eq!(id, "k1");
        assert_eq!(token_hash(secret), key.secret_hash);
        assert!(key.hint.starts_with("crm_demo_k1_"));
        assert!(!key.hint.contains(secret));
        for bad in [
            "",
            "crm",
            "crm_demo_k1",
            "xyz_demo_k1_s",
            "crm_Demo_k1_s",
            "crm_demo__s",
        ] {
            assert!(parse_token(bad).is_none(), "{bad}");
        }
    }
}
