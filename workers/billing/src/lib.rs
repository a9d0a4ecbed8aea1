//! The billing worker: fans a billing cycle out per tenant and batch, rates and posts invoices,
//! and estimates missing meter readings before a run. For now the monthly run is received and
//! logged; no tenant is billed yet.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{BillingJob, Envelope, JobError, JobHandler, JobRunner};
use crm_app::meters::estimation_job;
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
    type Job = BillingJob;

    async fn handle(&self, envelope: Envelope<BillingJob>) -> Result<(), JobError> {
        match &envelope.job {
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
            BillingJob::EstimateReadings(job) => {
                let tenant = envelope.tenant_id.clone().ok_or_else(|| {
                    JobError::Poison("an estimation job without a tenant_id".into())
                })?;
                estimation_job::run(&self.services, &tenant, job).await?;
                info!(tenant_id = %tenant, job_id = %job.job_id, month = %job.month, "meter readings estimated");
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
