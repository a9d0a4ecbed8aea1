//! Tenant export and purge jobs: thin wrappers over `crm_app::tenants::{export, purge}` that
//! decide what is worth retrying. A missing tenant can never succeed (dead-lettered); store
//! and blob failures are retried.

use crm_app::Services;
use crm_app::jobs::{DocumentsJob, Envelope, JobError};
use crm_app::tenants::TenantError;
use crm_app::tenants::export::{self, ExportError, ExportOutcome};
use crm_app::tenants::purge::{self, PurgeError, PurgeOutcome};
use crm_app::tenants::sweep;
use crm_domain::TenantId;
use tracing::info;

pub fn tenant_of(envelope: &Envelope<DocumentsJob>) -> Result<TenantId, JobError> {
    envelope
        .tenant_id
        .clone()
        .ok_or_else(|| JobError::Poison("a tenant job without a tenant_id".into()))
}

pub async fn export(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
) -> Result<(), JobError> {
    match export::run(services, tenant, export_id).await {
        Ok(ExportOutcome::Written { blob_key, items }) => {
            info!(tenant_id = %tenant, export_id, blob_key, items, "tenant export written");
            Ok(())
        }
        Ok(ExportOutcome::Superseded) => {
            info!(tenant_id = %tenant, export_id, "tenant export superseded by a newer one; skipped");
            Ok(())
        }
        Err(ExportError::Tenant(e)) => Err(tenant_error(e)),
        Err(other) => Err(JobError::Retry(other.to_string())),
    }
}

pub async fn purge(services: &Services, tenant: &TenantId) -> Result<(), JobError> {
    match purge::run(services, tenant).await {
        Ok(PurgeOutcome::Purged {
            items,
            domains,
            blobs,
        }) => {
            info!(tenant_id = %tenant, items, domains, blobs, "tenant purged");
            Ok(())
        }
        Ok(PurgeOutcome::AlreadyClosed) => Ok(()),
        Ok(PurgeOutcome::NotDue) => {
            info!(tenant_id = %tenant, "tenant purge not due (reactivated or grace not over); skipped");
            Ok(())
        }
        Err(PurgeError::Tenant(e)) => Err(tenant_error(e)),
        Err(other) => Err(JobError::Retry(other.to_string())),
    }
}

/// The daily sweep; a store or queue failure is retried (the sweep is safe to run again).
pub async fn purge_due(services: &Services, scheduled_time: &str) -> Result<(), JobError> {
    let report = sweep::purge_due(services)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    info!(
        scheduled_time,
        purges = report.purges_requested.len(),
        exports = report.exports_requested.len(),
        waiting = report.waiting,
        "closing tenants swept"
    );
    Ok(())
}

fn tenant_error(error: TenantError) -> JobError {
    match error {
        TenantError::NotFound => JobError::Poison("no such tenant".into()),
        other => JobError::Retry(other.to_string()),
    }
}
