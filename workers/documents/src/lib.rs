//! The documents worker: renders PDFs (invoices, statements, reports) to the blob store. For
//! now it runs the catalogue's bulk link jobs (no other queue fits them; see `DocumentsJob`)
//! and the `noop` job that proves the queue path.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{DocumentsJob, Envelope, JobError, JobHandler, JobRunner};
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
        match envelope.job {
            DocumentsJob::Noop {} => {
                info!(idempotency_key = %envelope.idempotency_key, "noop job handled");
            }
            DocumentsJob::BulkLink(job) => {
                let tenant = envelope
                    .tenant_id
                    .ok_or_else(|| JobError::Poison("a bulk link job needs a tenant".into()))?;
                crm_app::catalog::bulk::run(&self.services, &tenant, &job).await?;
                info!(job_id = %job.job_id, "bulk link job finished");
            }
        }
        Ok(())
    }
}

/// The runner for this worker's queue, with the configured poison-message policy.
pub fn runner(services: Services) -> JobRunner {
    let queue = services.queue.clone();
    let max_receives = services.max_receives;
    JobRunner::new(Handler::new(services), queue, max_receives)
}
