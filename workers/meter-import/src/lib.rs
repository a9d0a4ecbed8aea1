//! The meter-import worker, the platform's imports worker: reads an uploaded file from the blob
//! store, checks every row, applies it idempotently and reports per row
//! (`crm_app::imports::flow`). Subscribers and service links now; meter readings plug in as
//! another import kind.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{Envelope, JobError, JobHandler, JobRunner, MeterImportJob};
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
    type Job = MeterImportJob;

    async fn handle(&self, envelope: Envelope<MeterImportJob>) -> Result<(), JobError> {
        match envelope.job {
            MeterImportJob::Noop {} => {
                info!(idempotency_key = %envelope.idempotency_key, "noop job handled");
            }
            MeterImportJob::Import(job) => {
                let tenant = envelope
                    .tenant_id
                    .clone()
                    .ok_or_else(|| JobError::Poison("an import job without a tenant_id".into()))?;
                crm_app::imports::flow::run(&self.services, &tenant, &job).await?;
                info!(tenant_id = %tenant, job_id = %job.job_id, "import job finished");
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
