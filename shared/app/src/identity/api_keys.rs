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
use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Db, Index, Item, Put, StoreError};

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
        serde_json::from_value(Value::Object(item.body.clone())).ok()
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
