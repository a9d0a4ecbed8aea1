//! What happens to one received message, shared by the Lambda entry points and the local
//! consumer loop so both follow the same poison-message policy:
//!
//! - the body does not parse as the worker's job: dead-lettered at once with the parse error;
//! - the handler says the job can never succeed ([`JobError::Poison`]): dead-lettered at once;
//! - the handler fails for a passing reason ([`JobError::Retry`]): retried, until the message
//!   has been received `max_receives` times; then dead-lettered with the last reason;
//! - the handler panics: treated as a passing failure.

use std::sync::Arc;

use async_trait::async_trait;
use tracing::{error, info, warn};

use super::{Envelope, Job};
use crate::queue::{Delivery, Queue, QueueName};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// A passing failure (store throttled, provider down): try again later.
    #[error("retry: {0}")]
    Retry(String),
    /// The job can never succeed as sent: keep it in the dead-letter queue for a person.
    #[error("poison: {0}")]
    Poison(String),
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    type Job: Job;
    async fn handle(&self, envelope: Envelope<Self::Job>) -> Result<(), JobError>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Leave the message on the queue; it comes back after its visibility timeout.
    Retry(String),
    DeadLettered(String),
}

#[async_trait]
trait BodyHandler: Send + Sync {
    async fn handle_body(&self, body: &str) -> Result<(), JobError>;
}

struct Typed<H>(H);

#[async_trait]
impl<H: JobHandler> BodyHandler for Typed<H> {
    async fn handle_body(&self, body: &str) -> Result<(), JobError> {
        let envelope: Envelope<H::Job> = serde_json::from_str(body)
            .map_err(|e| JobError::Poison(format!("malformed job message: {e}")))?;
        info!(
            job = envelope.job.kind(),
            tenant_id = envelope.tenant_id.as_ref().map(|t| t.as_str()),
            idempotency_key = %envelope.idempotency_key,
            "job started"
        );
        self.0.handle(envelope).await
    }
}

/// Runs one worker's handler over deliveries of its queue.
#[derive(Clone)]
pub struct JobRunner {
    queue_name: QueueName,
    queue: Arc<dyn Queue>,
    handler: Arc<dyn BodyHandler>,
    max_receives: u32,
}

impl JobRunner {
    pub fn new<H: JobHandler>(handler: H, queue: Arc<dyn Queue>, max_receives: u32) -> Self {
        Self {
            queue_name: <H::Job as Job>::QUEUE,
            queue,
            handler: Arc::new(Typed(handler)),
            max_receives: max_receives.max(1),
        }
    }

    pub fn queue_name(&self) -> QueueName {
        self.queue_name
    }

    pub fn queue(&self) -> &Arc<dyn Queue> {
        &self.queue
    }

    /// Handles one delivery. A dead-lettered message has already been moved off the queue;
    /// the caller acknowledges `Done`, and leaves `Retry` for redelivery.
    pub async fn process(&self, delivery: &Delivery) -> Outcome {
        let handler = self.handler.clone();
        let body = delivery.body.clone();
        // A task of its own, so a panicking handler fails this message and not the consumer.
        let result = tokio::spawn(async move { handler.handle_body(&body).await })
            .await
            .unwrap_or_else(|join| Err(JobError::Retry(format!("handler panicked: {join}"))));
        let queue = self.queue_name.as_str();
        match result {
            Ok(()) => {
                info!(queue, message_id = %delivery.message_id, "job done");
                Outcome::Done
            }
            Err(JobError::Poison(reason)) => self.give_up(delivery, reason).await,
            Err(JobError::Retry(reason)) if delivery.receive_count >= self.max_receives => {
                let reason = format!(
                    "gave up after {} attempts; last error: {reason}",
                    delivery.receive_count
                );
                self.give_up(delivery, reason).await
            }
            Err(JobError::Retry(reason)) => {
                warn!(queue, message_id = %delivery.message_id, attempt = delivery.receive_count, %reason, "job failed, will retry");
                Outcome::Retry(reason)
            }
        }
    }

    async fn give_up(&self, delivery: &Delivery, reason: String) -> Outcome {
        let queue = self.queue_name.as_str();
        match self
            .queue
            .dead_letter(self.queue_name, delivery, &reason)
            .await
        {
            Ok(()) => {
                error!(queue, message_id = %delivery.message_id, %reason, "job dead-lettered");
                Outcome::DeadLettered(reason)
            }
            Err(e) => {
                // The message stays on the queue and comes back; nothing is lost.
                error!(queue, message_id = %delivery.message_id, error = %e, "could not dead-letter job");
                Outcome::Retry(format!("{reason} (dead-lettering failed: {e})"))
            }
        }
    }
}
