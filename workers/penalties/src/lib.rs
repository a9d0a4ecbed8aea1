//! The penalties worker: accrues penalties on overdue debts. For now the daily accrual is received and logged; no penalties are accrued yet.

use async_trait::async_trait;
use crm_app::Services;
use crm_app::jobs::{Envelope, JobError, JobHandler, JobRunner, PenaltiesJob};
use tracing::info;

pub struct Handler {
    #[expect(
        dead_code,
        reason = "accrual reads tenants and debts through it (a later issue)"
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
    type Job = PenaltiesJob;

    async fn handle(&self, envelope: Envelope<PenaltiesJob>) -> Result<(), JobError> {
        match envelope.job {
            PenaltiesJob::Noop {} => {
                info!(idempotency_key = %envelope.idempotency_key, "noop job handled");
            }
            PenaltiesJob::DailyAccrual { scheduled_time } => {
                info!(
                    idempotency_key = %envelope.idempotency_key,
                    %scheduled_time,
                    "daily penalty accrual received; no penalties are accrued yet (accrual not implemented)"
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
