//! The `Queue` port: at-least-once delivery of job messages, one queue per worker, each with a
//! dead-letter queue that keeps why a message was given up on.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The worker queues. Each worker consumes exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueName {
    MeterImport,
    Billing,
    Penalties,
    Documents,
    Notify,
}

impl QueueName {
    pub const ALL: [QueueName; 5] = [
        QueueName::MeterImport,
        QueueName::Billing,
        QueueName::Penalties,
        QueueName::Documents,
        QueueName::Notify,
    ];

    /// The worker's folder and binary name, which is also the queue's logical name.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::MeterImport => "meter-import",
            QueueName::Billing => "billing",
            QueueName::Penalties => "penalties",
            QueueName::Documents => "documents",
            QueueName::Notify => "notify",
        }
    }

    /// The suffix of this queue's environment variables (`CRM_QUEUE_URL_<SUFFIX>`).
    pub fn env_suffix(self) -> String {
        self.as_str().replace('-', "_").to_ascii_uppercase()
    }

    pub fn parse(raw: &str) -> Option<QueueName> {
        Self::ALL.into_iter().find(|q| q.as_str() == raw)
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    /// Hidden from consumers for this long after sending (at most 15 minutes, as on SQS).
    pub delay: Duration,
}

impl OutgoingMessage {
    pub fn now(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

/// A received message. Until it is acknowledged or released it stays invisible to other
/// consumers for the visibility timeout given to `receive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: String,
    pub receipt: String,
    pub body: String,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    pub message_id: String,
    pub body: String,
    pub reason: String,
    pub receive_count: u32,
}

pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("delay of {0:?} is above the 15 minute maximum")]
    DelayTooLong(Duration),
    #[error("message body is {size} bytes, above the {limit} byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("unknown or expired receipt")]
    UnknownReceipt,
    #[error("queue `{0}` is not configured")]
    NotConfigured(QueueName),
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

/// SQS's message size limit; the embedded queue enforces the same one.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn check_outgoing(message: &OutgoingMessage) -> Result<(), QueueError> {
    if message.delay > MAX_DELAY {
        return Err(QueueError::DelayTooLong(message.delay));
    }
    if message.body.len() > MAX_BODY_BYTES {
        return Err(QueueError::TooLarge {
            size: message.body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    Ok(())
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Returns the message id.
    async fn send(&self, queue: QueueName, message: OutgoingMessage) -> Result<String, QueueError>;
    /// Sends many messages; adapters split them into the backend's batch size.
    async fn send_batch(
        &self,
        queue: QueueName,
        messages: Vec<OutgoingMessage>,
    ) -> Result<(), QueueError>;
    /// Up to `max` visible messages (at most 10), hidden from others for `visibility`.
    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<Delivery>, QueueError>;
    /// Done with it: the message is deleted.
    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError>;
    /// Not done: the message becomes visible again after `delay`.
    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay: Duration,
    ) -> Result<(), QueueError>;
    /// Gives up on a message: moves it to the queue's dead-letter queue with `reason`.
    async fn dead_letter(
        &self,
        queue: QueueName,
        delivery: &Delivery,
        reason: &str,
    ) -> Result<(), QueueError>;
    /// Reads up to `max` dead letters without removing them.
    async fn dead_letters(&self, queue: QueueName, max: u32)
    -> Result<Vec<DeadLetter>, QueueError>;
    /// Proves the queue backend answers (health checks).
    async fn ping(&self) -> Result<(), QueueError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for queue in QueueName::ALL {
            assert_eq!(QueueName::parse(queue.as_str()), Some(queue));
        }
        assert_eq!(QueueName::MeterImport.env_suffix(), "METER_IMPORT");
    }

    #[test]
    fn outgoing_limits() {
        assert!(check_outgoing(&OutgoingMessage::now("x")).is_ok());
        let late = OutgoingMessage {
            body: "x".into(),
            delay: Duration::from_secs(901),
        };
        assert!(matches!(
            check_outgoing(&late),
            Err(QueueError::DelayTooLong(_))
        ));
        let big = OutgoingMessage::now("x".repeat(MAX_BODY_BYTES + 1));
        assert!(matches!(
            check_outgoing(&big),
            Err(QueueError::TooLarge { .. })
        ));
    }
}
