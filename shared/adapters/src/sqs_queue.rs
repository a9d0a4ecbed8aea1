//! The SQS queue. Each worker queue has a dead-letter queue and a redrive policy with
//! `maxReceiveCount = max_receives`, which catches workers that crash before they settle a
//! message; the job runner dead-letters earlier, with a reason, when it gives up on its own.
//!
//! A dead letter sent by [`SqsQueue::dead_letter`] carries string message attributes `reason`,
//! `receive_count` and `source_message_id`; one moved by the redrive policy has none of them.

use std::collections::{BTreeMap, HashMap};
use std::error::Error as StdError;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityError;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use crm_app::config::{QueueNameKey, QueueUrls};
use crm_app::queue::{
    DeadLetter, Delivery, MAX_BODY_BYTES, OutgoingMessage, Queue, QueueError, QueueName,
    check_outgoing,
};

/// SQS's limits: messages per receive or batch send, and the longest visibility timeout.
const MAX_BATCH: usize = 10;
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 60 * 60);
/// Long polling: an empty receive waits this long for a message, so it asks every SQS server
/// (short polls sample a few and may miss messages) without keeping an idle consumer waiting
/// past a shutdown for long.
const DEFAULT_RECEIVE_WAIT: Duration = Duration::from_secs(1);
/// Dead letters are kept as long as SQS allows, 14 days, for a person to look at.
const DEAD_LETTER_RETENTION_SECONDS: &str = "1209600";

/// Reason reported for a dead letter the redrive policy moved, which carries no reason.
pub const REDRIVE_REASON: &str = "exceeded the redrive policy's max receives";

const REASON: &str = "reason";
const RECEIVE_COUNT: &str = "receive_count";
const SOURCE_MESSAGE_ID: &str = "source_message_id";

pub struct SqsQueue {
    client: Client,
    queues: BTreeMap<QueueNameKey, QueueUrls>,
    receive_wait: Duration,
}

impl SqsQueue {
    /// `queues` is `AwsConfig::queues`: the URLs of each worker queue and its DLQ by name.
    pub fn new(sdk: &SdkConfig, queues: BTreeMap<QueueNameKey, QueueUrls>) -> SqsQueue {
        SqsQueue {
            client: Client::new(sdk),
            queues,
            receive_wait: DEFAULT_RECEIVE_WAIT,
        }
    }

    /// How long a receive on an empty queue waits for a message (whole seconds, at most 20).
    pub fn with_receive_wait(mut self, wait: Duration) -> Self {
        self.receive_wait = wait.min(Duration::from_secs(20));
        self
    }

    fn urls(&self, queue: QueueName) -> Result<&QueueUrls, QueueError> {
        self.queues
            .get(queue.as_str())
            .ok_or(QueueError::NotConfigured(queue))
    }

    async fn send_chunk(&self, url: &str, chunk: &[OutgoingMessage]) -> Result<(), QueueError> {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, message)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(&message.body)
                    .delay_seconds(whole_seconds(message.delay))
                    .build()
                    .map_err(|e| QueueError::Unavailable(format!("SendMessageBatch entry: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| unavailable("SendMessageBatch", &e))?;
        if let Some(first) = output.failed().first() {
            return Err(QueueError::Unavailable(format!(
                "SendMessageBatch: {} of {} messages not sent; first: {}: {}",
                output.failed().len(),
                chunk.len(),
                first.code(),
                first.message().unwrap_or("no message")
            )));
        }
        Ok(())
    }
}

/// SQS counts delays and timeouts in whole seconds; round up, so nothing shows early.
fn whole_seconds(duration: Duration) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(seconds).unwrap_or(i32::MAX)
}

/// Splits messages into SendMessageBatch requests: at most 10 messages and at most 256 KiB of
/// bodies in each, as SQS requires.
fn batches(messages: &[OutgoingMessage]) -> Vec<&[OutgoingMessage]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, message) in messages.iter().enumerate() {
        let full = i - start == MAX_BATCH || bytes + message.body.len() > MAX_BODY_BYTES;
        if full {
            chunks.push(&messages[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += message.body.len();
    }
    if start < messages.len() {
        chunks.push(&messages[start..]);
    }
    chunks
}

/// An SDK error as `Unavailable`, with the service's code and message when it answered.
fn unavailable<E, R>(operation: &str, err: &SdkError<E, R>) -> QueueError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => {
            QueueError::Unavailable(format!("{operation}: {code}: {message}"))
        }
        _ => QueueError::Unavailable(format!("{operation}: {}", DisplayErrorContext(err))),
    }
}

fn string_attribute(value: impl Into<String>) -> Result<MessageAttributeValue, QueueError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| QueueError::Unavailable(format!("message attribute: {e}")))
}

fn system_attribute<'m>(
    message: &'m Message,
    name: &MessageSystemAttributeName,
) -> Option<&'m str> {
    message
        .attributes()
        .and_then(|attributes| attributes.get(name))
        .map(String::as_str)
}

fn message_attribute<'m>(message: &'m Message, name: &str) -> Option<&'m str> {
    message
        .message_attributes()
        .and_then(|attributes| attributes.get(name))
        .and_then(MessageAttributeValue::string_value)
}

fn receive_count(message: &Message) -> u32 {
    system_attribute(
        message,
        &MessageSystemAttributeName::ApproximateReceiveCount,
    )
    .and_then(|count| count.parse().ok())
    .unwrap_or(1)
}

fn to_delivery(message: &Message) -> Option<Delivery> {
    Some(Delivery {
        message_id: message.message_id()?.to_owned(),
        receipt: message.receipt_handle()?.to_owned(),
        body: message.body().unwrap_or_default().to_owned(),
        receive_count: receive_count(message),
    })
}

fn to_dead_letter(message: &Message) -> DeadLetter {
    let recorded_count = message_attribute(message, RECEIVE_COUNT).and_then(|c| c.parse().ok());
    DeadLetter {
        message_id: message_attribute(message, SOURCE_MESSAGE_ID)
            .or(message.message_id())
            .unwrap_or_default()
            .to_owned(),
        body: message.body().unwrap_or_default().to_owned(),
        reason: message_attribute(message, REASON)
            .unwrap_or(REDRIVE_REASON)
            .to_owned(),
        // A redriven message only has SQS's count, which the peek itself just raised by one.
        receive_count: recorded_count
            .unwrap_or_else(|| receive_count(message).saturating_sub(1).max(1)),
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: QueueName, message: OutgoingMessage) -> Result<String, QueueError> {
        check_outgoing(&message)?;
        let output = self
            .client
            .send_message()
            .queue_url(&self.urls(queue)?.url)
            .message_body(message.body)
            .delay_seconds(whole_seconds(message.delay))
            .send()
            .await
            .map_err(|e| unavailable("SendMessage", &e))?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }

    async fn send_batch(
        &self,
        queue: QueueName,
        messages: Vec<OutgoingMessage>,
    ) -> Result<(), QueueError> {
        let url = &self.urls(queue)?.url;
        for message in &messages {
            check_outgoing(message)?;
        }
        for chunk in batches(&messages) {
            self.send_chunk(url, chunk).await?;
        }
        Ok(())
    }

    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let max = i32::try_from(max.clamp(1, MAX_BATCH as u32)).unwrap_or(1);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.urls(queue)?.url)
            .max_number_of_messages(max)
            .visibility_timeout(whole_seconds(visibility.min(MAX_VISIBILITY)))
            .wait_time_seconds(whole_seconds(self.receive_wait))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| unavailable("ReceiveMessage", &e))?;
        Ok(output.messages().iter().filter_map(to_delivery).collect())
    }

    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.urls(queue)?.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(DeleteMessageError::ReceiptHandleIsInvalid(_)) => QueueError::UnknownReceipt,
                _ => unavailable("DeleteMessage", &e),
            })?;
        Ok(())
    }

    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.urls(queue)?.url)
            .receipt_handle(receipt)
            .visibility_timeout(whole_seconds(delay.min(MAX_VISIBILITY)))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                // Not in flight: its visibility ran out and it may be someone else's by now.
                Some(
                    ChangeMessageVisibilityError::ReceiptHandleIsInvalid(_)
                    | ChangeMessageVisibilityError::MessageNotInflight(_),
                ) => QueueError::UnknownReceipt,
                _ => unavailable("ChangeMessageVisibility", &e),
            })?;
        Ok(())
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        delivery: &Delivery,
        reason: &str,
    ) -> Result<(), QueueError> {
        let urls = self.urls(queue)?;
        let attributes = HashMap::from([
            (REASON.to_owned(), string_attribute(reason)?),
            (
                RECEIVE_COUNT.to_owned(),
                string_attribute(delivery.receive_count.to_string())?,
            ),
            (
                SOURCE_MESSAGE_ID.to_owned(),
                string_attribute(&delivery.message_id)?,
            ),
        ]);
        // Copy first, then delete: a failure in between leaves a duplicate, never a loss.
        self.client
            .send_message()
            .queue_url(&urls.dead_letter_url)
            .message_body(&delivery.body)
            .set_message_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| unavailable("SendMessage to the dead-letter queue", &e))?;
        self.ack(queue, &delivery.receipt).await
    }

    async fn dead_letters(
        &self,
        queue: QueueName,
        max: u32,
    ) -> Result<Vec<DeadLetter>, QueueError> {
        let max = i32::try_from(max.clamp(1, MAX_BATCH as u32)).unwrap_or(1);
        // Visibility 0: a peek, the messages stay visible for the next look.
        let output = self
            .client
            .receive_message()
            .queue_url(&self.urls(queue)?.dead_letter_url)
            .max_number_of_messages(max)
            .visibility_timeout(0)
            .wait_time_seconds(whole_seconds(self.receive_wait))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| unavailable("ReceiveMessage from the dead-letter queue", &e))?;
        Ok(output.messages().iter().map(to_dead_letter).collect())
    }

    async fn ping(&self) -> Result<(), QueueError> {
        let Some(urls) = self.queues.values().next() else {
            return Err(QueueError::Unavailable("no queues configured".into()));
        };
        self.client
            .get_queue_attributes()
            .queue_url(&urls.url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| unavailable("GetQueueAttributes", &e))?;
        Ok(())
    }
}

/// Creates every worker queue and its DLQ, `<prefix>-<name>` and `<prefix>-<name>-dlq`, with
/// the redrive policy. Safe to run again: existing queues are kept and their attributes set.
pub async fn create_queues(
    sdk: &SdkConfig,
    prefix: &str,
    max_receives: u32,
) -> Result<BTreeMap<QueueNameKey, QueueUrls>, QueueError> {
    let client = Client::new(sdk);
    let mut queues = BTreeMap::new();
    for name in QueueName::ALL {
        let dead_letter_url = create_queue(&client, &format!("{prefix}-{name}-dlq")).await?;
        set_attributes(
            &client,
            &dead_letter_url,
            QueueAttributeName::MessageRetentionPeriod,
            DEAD_LETTER_RETENTION_SECONDS.to_owned(),
        )
        .await?;
        let dead_letter_arn = queue_arn(&client, &dead_letter_url).await?;
        let url = create_queue(&client, &format!("{prefix}-{name}")).await?;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": max_receives.max(1).to_string(),
        });
        set_attributes(
            &client,
            &url,
            QueueAttributeName::RedrivePolicy,
            redrive.to_string(),
        )
        .await?;
        queues.insert(
            name.as_str(),
            QueueUrls {
                url,
                dead_letter_url,
            },
        );
    }
    Ok(queues)
}

/// CreateQueue without attributes returns the existing queue's URL instead of failing on
/// attributes that differ; they are set separately.
async fn create_queue(client: &Client, name: &str) -> Result<String, QueueError> {
    let output = client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| unavailable("CreateQueue", &e))?;
    output
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| QueueError::Unavailable(format!("CreateQueue {name}: no queue URL")))
}

async fn set_attributes(
    client: &Client,
    url: &str,
    name: QueueAttributeName,
    value: String,
) -> Result<(), QueueError> {
    client
        .set_queue_attributes()
        .queue_url(url)
        .attributes(name, value)
        .send()
        .await
        .map_err(|e| unavailable("SetQueueAttributes", &e))?;
    Ok(())
}

async fn queue_arn(client: &Client, url: &str) -> Result<String, QueueError> {
    let output = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| unavailable("GetQueueAttributes", &e))?;
    output
        .attributes()
        .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| QueueError::Unavailable(format!("GetQueueAttributes {url}: no QueueArn")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<_> = (0..25)
            .map(|i| OutgoingMessage::now(i.to_string()))
            .collect();
        let sizes: Vec<usize> = batches(&small).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [10, 10, 5]);

        let big: Vec<_> = (0..5)
            .map(|_| OutgoingMessage::now("x".repeat(100 * 1024)))
            .collect();
        let sizes: Vec<usize> = batches(&big).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn durations_round_up_to_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
    }
}
