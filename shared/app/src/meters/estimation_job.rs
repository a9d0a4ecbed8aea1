//! The job that estimates a month for the whole tenant, on the billing worker's queue (it
//! prepares the billing run). Started by a person (`start`), run by the worker (`run`), its
//! progress in a `crate::progress` record the page polls.
//!
//! Redelivery: a delivery of a finished job does nothing; one of a job another delivery holds
//! is retried later; one whose holder stalled takes over and runs the month again, which only
//! adds what is missing (estimates are written on "must not exist").

use crm_domain::TenantId;
use crm_domain::period::BillingMonth;
use serde::{Deserialize, Serialize};

use super::estimation::{self, MonthRun};
use crate::Services;
use crate::audit::{Actor, Audit};
use crate::jobs::{BillingJob, Envelope, JobError, enqueue};
use crate::progress::{self, Claim, JobStatus, Message, NewJob, Outcome, RunError};
use crate::store::StoreError;

/// The progress record's kind.
pub const KIND: &str = "readings_estimation";

/// The job's whole input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateReadingsJob {
    pub job_id: String,
    /// `YYYY-MM`.
    pub month: BillingMonth,
    /// Who started it: the estimates' audit records name them.
    pub actor: Actor,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the queue refused the job: {0}")]
    Queue(String),
}

/// Creates the job's progress record and sends the job.
pub async fn start(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    month: BillingMonth,
) -> Result<JobStatus, StartError> {
    let db = services.db.tenant(tenant);
    let job_id = services.ids.new_id();
    let mut new = NewJob::new(job_id.clone(), KIND);
    new.label = Some(month.to_string());
    new.created_by = Some(actor_label(&audit.actor));
    let (status, _) = progress::create(&db, new, services.clock.now()).await?;
    let job = EstimateReadingsJob {
        job_id: job_id.clone(),
        month,
        actor: audit.actor.clone(),
    };
    let envelope = Envelope::new(
        Some(tenant.clone()),
        format!("estimate_readings:{job_id}"),
        BillingJob::EstimateReadings(job),
    );
    enqueue(
        services.queue.as_ref(),
        &envelope,
        std::time::Duration::ZERO,
    )
    .await
    .map_err(|e| StartError::Queue(e.to_string()))?;
    Ok(status)
}

fn actor_label(actor: &Actor) -> String {
    match serde_json::to_value(actor) {
        Ok(serde_json::Value::Object(map)) => map
            .get("id")
            .or_else(|| map.get("process"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The worker's handler.
pub async fn run(
    services: &Services,
    tenant: &TenantId,
    job: &EstimateReadingsJob,
) -> Result<(), JobError> {
    let db = services.db.tenant(tenant);
    let clock = services.clock.as_ref();
    let retry = |e: StoreError| JobError::Retry(e.to_string());
    let run_id = services.ids.new_id();
    let mut run = match progress::claim(
        &db,
        clock,
        &run_id,
        &job.job_id,
        progress::run::DEFAULT_LEASE,
    )
    .await
    .map_err(retry)?
    {
        Claim::Run(run) => run,
        Claim::Finished(_) => return Ok(()),
        Claim::Busy(_) => {
            return Err(JobError::Retry(format!(
                "estimation job {} is held by another delivery",
                job.job_id
            )));
        }
        Claim::Missing => {
            return Err(JobError::Poison(format!(
                "estimation job {} has no progress record",
                job.job_id
            )));
        }
    };
    let audit = Audit {
        actor: job.actor.clone(),
        request_id: None,
        client_ip: None,
    };
    let result = estimation::run_month(services, tenant, job.month, &audit, Some(&mut run)).await;
    let outcome = match result {
        Ok(MonthRun {
            cancelled: true, ..
        }) => Outcome::Cancelled,
        Ok(MonthRun { counts, .. }) => {
            let made = counts.get("average").copied().unwrap_or(0)
                + counts.get("norm").copied().unwrap_or(0);
            Outcome::Done {
                message: Some(Message::new(
                    format!("Рассчитано начислений по среднему и нормативу: {made}"),
                    format!("Estimates made (average and norm): {made}"),
                )),
            }
        }
        // Another delivery took the job over: it finishes it.
        Err(RunError::Lost) => return Ok(()),
        Err(RunError::Store(e)) => return Err(retry(e)),
    };
    match run.finish(clock, outcome, None).await {
        Ok(_) | Err(RunError::Lost) => Ok(()),
        Err(RunError::Store(e)) => Err(retry(e)),
    }
}
