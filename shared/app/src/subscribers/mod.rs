//! Subscribers (personal accounts): create, view, edit, close, reopen, suspend, find, export.
//!
//! A subscriber's profile lives in its own partition; every change writes the profile, its
//! index entries (search terms, filter listings), the building's counts and the audit record
//! in one transaction, so what is found is always what is stored and every change has its
//! record. Rules about values are in `crm_domain::subscriber`; this module stores them.

pub mod bulk;
pub mod demo;
pub mod export;
pub mod fake;
pub mod history;
pub mod import;
mod index;
pub mod messages;
pub mod numbering;
pub mod search;
mod write;

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::subscriber::search::{Searchable, natural_key, normalise};
use crm_domain::subscriber::{
    AccountNumber, Invalid, StatusState, SubscriberFacts, SubscriberStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Services;
use crate::keys;
use crate::store::{Body, Item, ScopedDb, StoreError};

pub use index::index_writes;
pub use write::{
    NewSubscriber, UpsertOutcome, change_status, create, update, upsert_by_account_number,
};

/// The audit entity type of subscribers (their change history is `audit_by_entity` of it).
pub const ENTITY: &str = "subscriber";

/// A subscriber as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: String,
    /// Never changes: bills and payments quote it.
    pub account_number: AccountNumber,
    #[serde(flatten)]
    pub facts: SubscriberFacts,
    pub status: StatusState,
    /// Ids of the services currently linked. Kept by the service links of the catalogue (which
    /// write the profile with [`profile_write`]); the service filter reads it.
    #[serde(default)]
    pub services: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why a subscriber use case refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscriberError {
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    #[error("no such subscriber")]
    NotFound,
    #[error("the account number is taken")]
    DuplicateAccountNumber,
    #[error("the subscriber was changed by someone else")]
    VersionMismatch,
    #[error("too many index changes for one save")]
    TooManyChanges,
    #[error("the account number pattern has no numbers left")]
    NumbersExhausted,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Subscriber {
    pub fn display_name(&self) -> String {
        self.facts.party.display_name()
    }

    pub fn searchable(&self) -> Searchable<'_> {
        Searchable {
            account_number: &self.account_number,
            party: &self.facts.party,
            address: &self.facts.address,
            phones: &self.facts.phones,
            emails: &self.facts.emails,
        }
    }

    /// Orders by account number ("ЛС-9" before "ЛС-10").
    pub fn account_key(&self) -> String {
        natural_key(self.account_number.as_str())
    }

    /// Orders by name.
    pub fn name_key(&self) -> String {
        normalise(&self.display_name()).chars().take(60).collect()
    }

    pub fn is(&self, status: SubscriberStatus) -> bool {
        self.status.status == status
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The subscriber as the audit log compares it: without bookkeeping timestamps.
    pub fn audit_value(&self) -> Value {
        let mut value = self.to_value();
        if let Value::Object(map) = &mut value {
            map.remove("updated_at");
            map.remove("created_at");
        }
        value
    }

    pub fn body(&self) -> Body {
        match self.to_value() {
            Value::Object(map) => map,
            _ => Body::new(),
        }
    }

    pub fn from_item(item: &Item) -> Result<Subscriber, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable subscriber {:?}: {e}", item.key)))
    }
}

/// The write that stores `subscriber`'s profile (with its listing keys) over version
/// `version`. For other features that change profile fields no index depends on (the
/// catalogue's `services`), in their own transactions with their audit records.
pub fn profile_write(
    namespace: &crate::keys::Namespace,
    subscriber: &Subscriber,
    version: u64,
) -> crate::store::Write {
    crate::store::Write::Put(crate::store::Put {
        item: index::profile_item(namespace, subscriber),
        condition: crate::store::Condition::VersionEquals(version),
    })
}

/// A subscriber and the version its profile is at (for optimistic edits).
pub async fn get(db: &ScopedDb, id: &str) -> Result<Option<(Subscriber, u64)>, StoreError> {
    if !is_id(id) {
        return Ok(None);
    }
    match db
        .get(&keys::subscriber_profile(db.namespace(), id))
        .await?
    {
        Some(item) => Ok(Some((Subscriber::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

/// The subscriber with this account number, if any.
pub async fn find_by_account_number(
    db: &ScopedDb,
    number: &AccountNumber,
) -> Result<Option<(Subscriber, u64)>, StoreError> {
    let sentinel = keys::account_number(db.namespace(), number.as_str());
    let Some(item) = db.get(&sentinel).await? else {
        return Ok(None);
    };
    match item.body.get("subscriber_id").and_then(Value::as_str) {
        Some(id) => get(db, id).await,
        None => Ok(None),
    }
}

/// Whether `id` could be a subscriber id (what [`crate::clock::Ids`] makes): refuses anything
/// that could not be part of a key before the store is asked.
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Today in the tenant's time zone (its record's `time_zone`; Moscow, the product's default,
/// when the record has none or cannot be read).
pub async fn today(services: &Services, tenant: &crm_domain::TenantId) -> NaiveDate {
    let zone = match services.db.central().get(&keys::tenant(tenant)).await {
        Ok(Some(item)) => item
            .body
            .get("time_zone")
            .and_then(Value::as_str)
            .and_then(|name| crm_domain::tenant_profile::TimeZoneName::parse(name).ok())
            .map(|name| name.tz()),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(tenant_id = %tenant, error = %e, "tenant time zone unreadable; using Moscow");
            None
        }
    };
    services
        .clock
        .now()
        .with_timezone(&zone.unwrap_or(chrono_tz::Europe::Moscow))
        .date_naive()
}
