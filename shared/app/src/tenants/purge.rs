//! Deleting a closed tenant's data, run by the documents worker after the grace period: every
//! item of its namespace (through the all-items index), its domains, its blobs except the
//! exports (which the bucket's lifecycle rule expires), then the record becomes `closed`.
//! The record itself and the central audit log stay: they are the platform's history.

use crm_domain::TenantId;

use super::edit::update_record;
use super::items::TenantItems;
use super::{TenantError, TenantStatus, get, subdomain_host};
use crate::Services;
use crate::audit::Audit;
use crate::blobs::{BlobCategory, BlobError};
use crate::domains;
use crate::keys;
use crate::store::Key;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurgeOutcome {
    Purged {
        items: u64,
        domains: usize,
        blobs: usize,
    },
    /// Already closed: nothing to do.
    AlreadyClosed,
    /// Not closing with its grace over and a purge asked for (it was reactivated, say).
    NotDue,
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl From<crate::store::StoreError> for PurgeError {
    fn from(error: crate::store::StoreError) -> Self {
        PurgeError::Tenant(error.into())
    }
}

/// Purges `tenant` if it is due. Safe to run twice: deleting what is gone succeeds.
pub async fn run(services: &Services, tenant: &TenantId) -> Result<PurgeOutcome, PurgeError> {
    let record = get(&services.db, tenant)
        .await?
        .ok_or(TenantError::NotFound)?;
    if record.status == TenantStatus::Closed {
        return Ok(PurgeOutcome::AlreadyClosed);
    }
    let now = services.clock.now();
    let due = record.status == TenantStatus::Closing
        && record
            .closing
            .as_ref()
            .is_some_and(|c| c.purge_requested_at.is_some() && now >= c.grace_ends_at);
    if !due {
        return Ok(PurgeOutcome::NotDue);
    }

    let db = services.db.tenant(tenant);
    let mut items = TenantItems::new(&services.db, tenant);
    let mut deleted = 0_u64;
    while let Some(page) = items.next_page().await? {
        deleted += page.len() as u64;
        let keys: Vec<Key> = page.into_iter().map(|item| item.key).collect();
        db.batch_write(Vec::new(), keys).await?;
    }

    let mut hosts: Vec<String> = domains::list(&services.db, tenant)
        .await?
        .into_iter()
        .map(|d| d.host)
        .collect();
    let subdomain = subdomain_host(tenant, &services.platform_domain);
    if !hosts.contains(&subdomain) {
        hosts.push(subdomain);
    }
    let central = services.db.central();
    let domain_keys: Vec<Key> = hosts.iter().map(|h| keys::domain(h)).collect();
    central.batch_write(Vec::new(), domain_keys).await?;
    for host in &hosts {
        services.hosts.forget(host);
    }

    let mut blobs = 0;
    for category in [
        BlobCategory::Branding,
        BlobCategory::Imports,
        BlobCategory::Incoming,
        BlobCategory::Documents,
    ] {
        for blob in services
            .blobs
            .list(&format!("{}/{tenant}/", category.as_str()))
            .await?
        {
            services.blobs.delete(&blob.key).await?;
            blobs += 1;
        }
    }

    update_record(
        services,
        &Audit::system("documents"),
        tenant,
        "tenant.purge",
        None,
        |record, at| {
            record.status = TenantStatus::Closed;
            record.purged_at = Some(at);
            Ok(())
        },
    )
    .await?;
    Ok(PurgeOutcome::Purged {
        items: deleted,
        domains: hosts.len(),
        blobs,
    })
}
