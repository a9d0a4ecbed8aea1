//! The meter-import worker: parses and validates a readings file from the blob store, writes the readings and reports per row. For now it handles only the `noop` job that proves the queue path.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{Envelope, JobError, JobHandler, JobRunner, MeterImportJob};
use tracing::info;

pub struct Handler {
    #[expect(
        dead_code,
        reason = "reading imports use the store and blobs (a later issue)"
    )]
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
