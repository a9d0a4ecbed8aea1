//! The tenant record as stored in the central registry, and the two items it is kept in: the
//! record itself at `keys::tenant(id)` (whose `status` field `tenancy::tenant_status` reads)
//! and a listing entry, a short summary that carries the index keys the record has no room for.

use chrono::{DateTime, Utc};
use crm_domain::requisites::{BankAccount, Inn, Kpp, RegistrationNumber};
use crm_domain::tenant_profile::{CurrencyCode, Locale, TaxRegime, TimeZoneName};
use crm_domain::{Email, PhoneE164, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys::{self, TenantOrder};
use crate::store::{Body, Index, Item, Key, StoreError};
use crate::tenancy::TenantStatus;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TenantRecord {
    pub id: TenantId,
    pub name: String,
    pub requisites: Requisites,
    pub contacts: Contacts,
    pub time_zone: TimeZoneName,
    pub currency: CurrencyCode,
    pub locale: Locale,
    pub tax_regime: TaxRegime,
    pub status: TenantStatus,
    /// Why the tenant was suspended (while it is).
    #[serde(default)]
    pub status_reason: Option<String>,
    #[serde(default)]
    pub closing: Option<Closing>,
    /// The latest export of the tenant's data.
    #[serde(default)]
    pub export: Option<TenantExport>,
    pub limits: Limits,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When its data was deleted (status `closed`).
    #[serde(default)]
    pub purged_at: Option<DateTime<Utc>>,
    /// The store's version of the record, for optimistic updates. Not stored in the body.
    #[serde(skip)]
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requisites {
    pub inn: Inn,
    /// Organisations only.
    #[serde(default)]
    pub kpp: Option<Kpp>,
    /// ОГРН of an organisation, ОГРНИП of an individual entrepreneur.
    pub registration_number: RegistrationNumber,
    pub legal_address: String,
    /// BIK, correspondent and settlement account, checked together.
    #[serde(default)]
    pub bank: Option<BankAccount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    pub email: Email,
    #[serde(default)]
    pub phone: Option<PhoneE164>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_subscribers: u32,
    pub max_users: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_subscribers: 10_000,
            max_users: 25,
        }
    }
}

/// A closing tenant: users are locked out; its data is kept until `grace_ends_at`, then
/// exported data stays and everything else may be purged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    pub requested_at: DateTime<Utc>,
    pub grace_ends_at: DateTime<Utc>,
    pub reason: String,
    /// Set when someone asked for the purge; the documents worker does it.
    #[serde(default)]
    pub purge_requested_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    Pending,
    Ready,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantExport {
    /// Names the export's file and its job, so a late job of an older export cannot overwrite
    /// the record of a newer one.
    pub id: String,
    pub status: ExportStatus,
    pub requested_at: DateTime<Utc>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the JSON-lines file is, once ready: `exports/<tenant>/<id>.jsonl`.
    #[serde(default)]
    pub blob_key: Option<String>,
    #[serde(default)]
    pub items: Option<u64>,
}

/// What lists show of a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSummary {
    pub id: TenantId,
    pub name: String,
    pub status: TenantStatus,
    pub inn: String,
    pub created_at: DateTime<Utc>,
}

/// The snake_case name of a status, as in keys and JSON.
pub fn status_name(status: TenantStatus) -> &'static str {
    match status {
        TenantStatus::Active => "active",
        TenantStatus::Suspended => "suspended",
        TenantStatus::Closing => "closing",
        TenantStatus::Closed => "closed",
    }
}

fn body_of(value: Value) -> Body {
    match value {
        Value::Object(map) => map,
        _ => Body::new(),
    }
}

impl TenantRecord {
    /// The record as the audit log compares it.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn summary(&self) -> TenantSummary {
        TenantSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            status: self.status,
            inn: self.requisites.inn.to_string(),
            created_at: self.created_at,
        }
    }

    pub fn from_item(item: &Item) -> Result<TenantRecord, StoreError> {
        let mut record: TenantRecord = item
            .decode()
            .map_err(|e| StoreError::Backend(format!("unreadable tenant {:?}: {e}", item.key)))?;
        record.version = item.version;
        Ok(record)
    }

    /// The record's item, in the all-tenants listings by name (GSI1) and by creation (GSI2)
    /// and in its status's listing by name (GSI3).
    pub fn to_item(&self) -> Item {
        let status = Some(status_name(self.status));
        let by_name = keys::tenant_name_sort(&self.name, &self.id);
        Item::new(keys::tenant(&self.id), body_of(self.to_value()))
            .with_index(
                Index::Gsi1,
                Key::new(keys::tenants_partition(None, TenantOrder::Name), &by_name),
            )
            .with_index(
                Index::Gsi2,
                Key::new(
                    keys::tenants_partition(None, TenantOrder::Created),
                    keys::tenant_created_sort(self.created_at, &self.id),
                ),
            )
            .with_index(
                Index::Gsi3,
                Key::new(keys::tenants_partition(status, TenantOrder::Name), by_name),
            )
    }

    /// The listing entry, in its status's listing by creation (GSI1).
    pub fn listing_item(&self) -> Item {
        let status = Some(status_name(self.status));
        let summary = serde_json::to_value(self.summary()).unwrap_or(Value::Null);
        Item::new(keys::tenant_listing_entry(&self.id), body_of(summary)).with_index(
            Index::Gsi1,
            Key::new(
                keys::tenants_partition(status, TenantOrder::Created),
                keys::tenant_created_sort(self.created_at, &self.id),
            ),
        )
    }
}

/// A summary from either item a listing query returns.
pub fn summary_from_item(item: &Item) -> Result<TenantSummary, StoreError> {
    if item.key.sk == keys::tenant_listing_entry_sort() {
        item.decode().map_err(|e| {
            StoreError::Backend(format!("unreadable tenant entry {:?}: {e}", item.key))
        })
    } else {
        TenantRecord::from_item(item).map(|record| record.summary())
    }
}
