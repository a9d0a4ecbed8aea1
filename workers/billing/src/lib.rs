//! The billing worker: fans a billing cycle out per tenant and batch, rates and posts invoices. For now the monthly run is received and logged; no tenant is billed yet.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{BillingJob, Envelope, JobError, JobHandler, JobRunner};
use tracing::info;

pub struct Handler {
    #[expect(
        dead_code,
        reason = "the billing cycle reads tenants through it (a later issue)"
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
    type Job = BillingJob;

    async fn handle(&self, envelope: Envelope<BillingJob>) -> Result<(), JobError> {
        match envelope.job {
            BillingJob::Noop {} => {
                info!(idempotency_key = %envelope.idempotency_key, "noop job handled");
            }
            BillingJob::MonthlyRun { scheduled_time } => {
                info!(
                    idempotency_key = %envelope.idempotency_key,
                    %scheduled_time,
                    "monthly billing run received; no tenants are billed yet (billing cycle not implemented)"
                );
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
