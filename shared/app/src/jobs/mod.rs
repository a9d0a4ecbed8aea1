//! Typed background jobs.
//!
//! A job travels as a JSON [`Envelope`]: the tenant it works for (none for platform-wide jobs),
//! an idempotency key that stays the same when the job is sent again, and the job itself. Each
//! worker has one job enum; its queue is fixed by the [`Job`] trait.

mod consumer;
mod kinds;
mod runner;
pub mod status;

use std::time::Duration;

use crm_domain::TenantId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use consumer::{ConsumerSettings, run_consumer};
pub use kinds::{BillingJob, DocumentsJob, MeterImportJob, NotifyJob, PenaltiesJob};
pub use runner::{JobError, JobHandler, JobRunner, Outcome};

use crate::queue::{OutgoingMessage, Queue, QueueError, QueueName};

pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    const QUEUE: QueueName;
    /// A short name for logs (`"noop"`, `"monthly_run"`).
    fn kind(&self) -> &'static str;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope<J> {
    pub tenant_id: Option<TenantId>,
    pub idempotency_key: String,
    pub job: J,
}

impl<J: Job> Envelope<J> {
    pub fn new(tenant_id: Option<TenantId>, idempotency_key: impl Into<String>, job: J) -> Self {
        Self {
            tenant_id,
            idempotency_key: idempotency_key.into(),
            job,
        }
    }

    pub fn to_json(&self) -> String {
        // Job types are plain data; serialising them cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Sends `envelope` to its job's queue, visible after `delay`.
pub async fn enqueue<J: Job>(
    queue: &dyn Queue,
    envelope: &Envelope<J>,
    delay: Duration,
) -> Result<String, QueueError> {
    queue
        .send(
            J::QUEUE,
            OutgoingMessage {
                body: envelope.to_json(),
                delay,
            },
        )
        .await
}
