//! The documents worker: renders files to the blob store (subscriber list exports now, PDFs
//! of invoices, statements and reports with billing), exports and purges the data of
//! closing tenants, and runs the catalogue's bulk link jobs (no other queue fits them; see
//! `DocumentsJob`).

mod tenants;

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{DocumentsJob, Envelope, JobError, JobHandler, JobRunner};
use crm_app::subscribers::export::{self, ExportError};
use tracing::info;

pub struct Handler {
    services: Services,
}

impl Handler {
    pub fn new(services: Services) -> Self {
        Self { services }
    }
}

#[async_trait]
impl JobHandler for Handler {
    type Job = DocumentsJob;

    async fn handle(&self, envelope: Envelope<DocumentsJob>) -> Result<(), JobError> {
        match &envelope.job {
            DocumentsJob::Noop {} => {
                info!(idempotency_key = %envelope.idempotency_key, "noop job handled");
                Ok(())
            }
            DocumentsJob::ExportTenant { export_id } => {
                let tenant = tenants::tenant_of(&envelope)?;
                tenants::export(&self.services, &tenant, export_id).await
            }
            DocumentsJob::PurgeTenant {} => {
                let tenant = tenants::tenant_of(&envelope)?;
                tenants::purge(&self.services, &tenant).await
            }
            DocumentsJob::PurgeDueTenants { scheduled_time } => {
                tenants::purge_due(&self.services, scheduled_time).await
            }
            DocumentsJob::BulkLink(job) => {
                let tenant = tenants::tenant_of(&envelope)?;
                crm_app::catalog::bulk::run(&self.services, &tenant, job).await?;
                info!(job_id = %job.job_id, "bulk link job finished");
                Ok(())
            }
            DocumentsJob::SubscriberExport { export_id } => {
                let tenant = tenants::tenant_of(&envelope)?;
                export::run_job(&self.services, &tenant, export_id)
                    .await
                    .map_err(export_failure)?;
                info!(tenant_id = %tenant, export_id, "subscriber export written");
                Ok(())
            }
        }
    }
}

/// Store, blob and queue troubles pass; a missing export or an unwritable file do not.
fn export_failure(error: ExportError) -> JobError {
    match error {
        ExportError::NotFound | ExportError::File(_) => JobError::Poison(error.to_string()),
        other => JobError::Retry(other.to_string()),
    }
}

/// The runner for this worker's queue, with the configured poison-message policy.
pub fn runner(services: Services) -> JobRunner {
    let queue = services.queue.clone();
    let max_receives = services.max_receives;
    JobRunner::new(Handler::new(services), queue, max_receives)
}
