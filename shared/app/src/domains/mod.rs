//! A tenant's host names: its subdomain (made with the tenant) and custom domains it proves
//! are its own by publishing `_crm-verify.<host> TXT "crm-verify=<token>"`.
//!
//! A host is one item keyed by the host (`keys::domain`), written with `MustNotExist`, so a
//! host belongs to one tenant at most across the platform. The tenant's list of hosts is an
//! index (GSI1, `keys::tenant_domain_listing`). Only verified hosts resolve to the tenant
//! (`tenancy::HostResolver`); changes made here are forgotten from this process's host cache
//! at once, other processes see them within the cache time.

mod change;
mod error;

pub use change::{add_custom, remove, verify};
pub use error::{DomainError, VerificationFailure};

use crm_domain::TenantId;
use serde_json::Value;

use crate::keys;
use crate::store::{Body, Db, Index, Item, Query, StoreError};
use crate::tenancy::DomainRecord;

/// The most custom domains one tenant may have.
pub const MAX_CUSTOM_DOMAINS: usize = 10;

/// The name whose TXT record proves control of `host`.
pub fn verification_name(host: &str) -> String {
    format!("_crm-verify.{host}")
}

/// The TXT value that proves it, for `token`.
pub fn verification_value(token: &str) -> String {
    format!("crm-verify={token}")
}

/// The item of a domain record, in its tenant's list.
pub fn record_item(record: &DomainRecord) -> Item {
    let body: Body = match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Body::new(),
    };
    Item::new(keys::domain(&record.host), body).with_index(
        Index::Gsi1,
        keys::tenant_domain_listing(&record.tenant_id, &record.host),
    )
}

pub fn record_from_item(item: &Item) -> Result<DomainRecord, StoreError> {
    item.decode()
        .map_err(|e| StoreError::Backend(format!("unreadable domain {:?}: {e}", item.key)))
}

/// A tenant's hosts, by name (at most the subdomain and [`MAX_CUSTOM_DOMAINS`]).
pub async fn list(db: &Db, tenant: &TenantId) -> Result<Vec<DomainRecord>, StoreError> {
    let query = Query::new(Index::Gsi1, keys::tenant_domains_partition(tenant)).limit(100);
    let page = db.central().query(query, None).await?;
    page.items.iter().map(record_from_item).collect()
}

/// The record of `host` with its store version, when it belongs to `tenant`.
pub async fn get(
    db: &Db,
    tenant: &TenantId,
    host: &str,
) -> Result<Option<(DomainRecord, u64)>, StoreError> {
    let host = crate::tenancy::normalise_host(host);
    let Some(item) = db.central().get(&keys::domain(&host)).await? else {
        return Ok(None);
    };
    let record = record_from_item(&item)?;
    Ok((record.tenant_id == *tenant).then_some((record, item.version)))
}
