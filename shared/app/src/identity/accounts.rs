//! Accounts of people who sign in: a tenant's users (in the tenant's namespace) and platform
//! staff (in the central namespace) share one record shape and one set of rules. An email
//! belongs to at most one account per namespace, enforced by a sentinel item written in the same
//! transaction as the account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Invalid, Issue};
use crate::audit::{Audit, Change};
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Condition, Index, Item, Key, Put, Query, ScopedDb, SortKey, StoreError, Write,
};

/// Longest display name accepted.
pub const NAME_MAX_CHARS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    /// Cannot sign in; sessions are refused. Kept for the audit trail.
    Disabled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    /// Lower-cased; unique in the namespace.
    pub email: String,
    pub name: String,
    /// Tenant users: a built-in role name or `custom:<role id>`; staff: a central role name.
    pub role: String,
    pub status: AccountStatus,
    /// None until the person sets a password (invitations).
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Base32 TOTP secret once a second factor is confirmed.
    #[serde(default)]
    pub totp_secret: Option<String>,
    /// The TOTP step of the last accepted code: a code works once.
    #[serde(default)]
    pub totp_last_step: Option<i64>,
    #[serde(default)]
    pub failed_logins: u32,
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// A new active account without a password or second factor.
    pub fn new(id: String, email: &str, name: String, role: String, now: DateTime<Utc>) -> Self {
        Self {
            id,
            email: normalise_email(email),
            name,
            role,
            status: AccountStatus::Active,
            password_hash: None,
            totp_secret: None,
            totp_last_step: None,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
        }
    }

    /// The account as the audit log may show it (secrets redacted there by field name).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match self.to_value() {
            Value::Object(map) => map,
            _ => Body::new(),
        };
        Item::new(keys::account(namespace, &self.id), body).with_index(
            Index::Gsi1,
            keys::account_listing(namespace, &self.name, &self.id),
        )
    }

    pub fn from_item(item: &Item) -> Result<Account, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable account {:?}: {e}", item.key)))
    }

    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// Normalises an email for uniqueness and lookup.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A valid email, normalised, or the issue with it.
pub fn parse_email(field: &'static str, raw: &str) -> Result<String, Issue> {
    if raw.trim().is_empty() {
        return Err(Issue {
            field,
            problem: Invalid::Required,
        });
    }
    crm_domain::Email::parse(raw)
        .map(|email| normalise_email(email.as_str()))
        .map_err(|e| Issue {
            field,
            problem: Invalid::Email(e),
        })
}

/// A display name, trimmed, or the issue with it.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String, Issue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Issue {
            field,
            problem: Invalid::Required,
        });
    }
    if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(Issue {
            field,
            problem: Invalid::TooLong {
                max: NAME_MAX_CHARS,
            },
        });
    }
    Ok(name.to_owned())
}

/// Every account of the realm, by name. Realms hold people, not subscribers: a few hundred at
/// most (tenants have a user limit), read from one index partition.
pub async fn list_all(db: &ScopedDb) -> Result<Vec<(Account, u64)>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let query = Query::new(Index::Gsi1, keys::accounts_partition(db.namespace()))
            .sort(SortKey::Any)
            .limit(1000);
        let page = db.query(query, cursor.as_ref()).await?;
        for item in &page.items {
            all.push((Account::from_item(item)?, item.version));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

pub async fn get(db: &ScopedDb, id: &str) -> Result<Option<(Account, u64)>, StoreError> {
    match db.get(&keys::account(db.namespace(), id)).await? {
        Some(item) => Ok(Some((Account::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

pub async fn find_by_email(
    db: &ScopedDb,
    email: &str,
) -> Result<Option<(Account, u64)>, StoreError> {
    let sentinel = keys::account_email(db.namespace(), &normalise_email(email));
    let Some(item) = db.get(&sentinel).await? else {
        return Ok(None);
    };
    match item.body.get("account_id").and_then(Value::as_str) {
        Some(id) => get(db, id).await,
        None => Ok(None),
    }
}

/// The writes that create `account` with its email sentinel and audit record. Fails in the
/// transaction (position 1) when the email is taken.
pub fn create_writes(
    namespace: &Namespace,
    account: &Account,
    audit: &Audit,
    audit_id: String,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let mut sentinel = Body::new();
    sentinel.insert("account_id".into(), Value::from(account.id.clone()));
    let after = redacted(account);
    let (_, audit_write) = audit.record(
        namespace,
        audit_id,
        now,
        &Change {
            action: "account.create",
            entity_type: "account",
            entity_id: &account.id,
            before: None,
            after: Some(&after),
        },
    );
    vec![
        Write::Put(Put {
            item: account.to_item(namespace),
            condition: Condition::MustNotExist,
        }),
        Write::Put(Put {
            item: Item::new(keys::account_email(namespace, &account.email), sentinel),
            condition: Condition::MustNotExist,
        }),
        audit_write,
    ]
}

/// The account without secrets, for audit records.
pub fn redacted(account: &Account) -> Value {
    let mut value = account.to_value();
    if let Value::Object(map) = &mut value {
        for secret in ["password_hash", "totp_secret"] {
            if map.get(secret).is_some_and(|v| !v.is_null()) {
                map.insert(secret.into(), Value::from("***"));
            }
        }
    }
    value
}

/// The writes that change an account from `before` (read at `version`) to `after`, with the
/// audit record of `action` (`account.role_change`, `auth.login_failed`, ...).
pub fn change_writes(
    realm: &super::Realm,
    audit: &Audit,
    action: &str,
    before: &Account,
    after: &Account,
    version: u64,
) -> Vec<Write> {
    let (old, new) = (redacted(before), redacted(after));
    vec![
        update_write(realm.namespace(), after, version),
        realm.audit_write(
            audit,
            &Change {
                action,
                entity_type: "account",
                entity_id: &after.id,
                before: Some(&old),
                after: Some(&new),
            },
        ),
    ]
}

/// A put of `account` over the version read, for read-modify-write changes.
pub fn update_write(namespace: &Namespace, account: &Account, version: u64) -> Write {
    Write::Put(Put {
        item: account.to_item(namespace),
        condition: Condition::VersionEquals(version),
    })
}

/// The key of an account, for callers that check or delete it in a transaction.
pub fn key(namespace: &Namespace, id: &str) -> Key {
    keys::account(namespace, id)
}
