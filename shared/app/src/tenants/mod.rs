//! Tenants: the provider companies the platform serves, kept in the central registry.
//!
//! - [`create`] registers a tenant with its subdomain `<id>.<platform domain>` in one
//!   transaction (the record and the domain item must not exist yet, so an id or host is
//!   never taken twice), with audit records.
//! - [`edit`] changes its fields against the version read; [`suspend`], [`reactivate`],
//!   [`close`] move it through its [`TenantStatus`] lifecycle.
//! - Closing starts a grace period (30 days unless said otherwise) and an export of the
//!   tenant's data ([`export`], run by the documents worker); after the grace period and a
//!   finished export, [`request_purge`] has the documents worker delete every item of the
//!   tenant ([`purge`]) and mark it closed. A daily schedule should call `request_purge` for
//!   tenants whose grace has ended; until one exists, staff press "purge now".
//! - [`list`] pages through the registry by name or creation time, all tenants or one status,
//!   with a name-prefix search.
//!
//! Every change writes its audit record (central namespace) in the same transaction.

mod create;
mod edit;
mod error;
pub mod export;
mod input;
pub mod items;
mod lifecycle;
mod list;
pub mod purge;
mod record;
pub mod sweep;

pub use create::{create, reserved_id, subdomain_host};
pub use edit::edit;
pub use error::TenantError;
pub use input::{TenantFields, TenantInput};
pub use lifecycle::{
    DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS, close, reactivate, request_export, request_purge, suspend,
};
pub use list::{TenantPage, TenantQuery, list};
pub use record::{
    Closing, Contacts, ExportStatus, Limits, Requisites, TenantExport, TenantRecord, TenantSummary,
    status_name, summary_from_item,
};

use crm_domain::TenantId;

use crate::keys;
use crate::store::{Db, StoreError};
pub use crate::tenancy::TenantStatus;

/// A tenant's limits: those set on its record, the defaults when none were set.
pub async fn limits(db: &Db, id: &TenantId) -> Result<record::Limits, StoreError> {
    let item = db.central().get(&keys::tenant(id)).await?;
    let limits = item
        .and_then(|item| item.body.get("limits").cloned())
        .and_then(|value| serde_json::from_value(value).ok());
    Ok(limits.unwrap_or_default())
}

/// A tenant's record, `None` when there is no such tenant.
pub async fn get(db: &Db, id: &TenantId) -> Result<Option<TenantRecord>, StoreError> {
    match db.central().get(&keys::tenant(id)).await? {
        Some(item) => TenantRecord::from_item(&item).map(Some),
        None => Ok(None),
    }
}
