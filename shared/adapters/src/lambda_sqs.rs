//! SQS Lambda events to the job runner.
//!
//! Each record goes through [`JobRunner::process`], the same poison-message policy the local
//! consumer follows. Records to retry are reported as batch item failures (the event source
//! mapping needs `ReportBatchItemFailures`), so Lambda returns only them to the queue; the
//! others, done or dead-lettered, are deleted by Lambda.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_app::jobs::{JobRunner, Outcome};
use crm_app::queue::Delivery;
use futures::future::join_all;
use lambda_runtime::{LambdaEvent, service_fn};
use tracing::{error, info};

/// How one record ended, for the batch response and the batch summary.
enum RecordOutcome {
    Processed(Outcome),
    /// Lambda never sends such a record; if it did, it could not be handled or reported.
    Unusable,
}

/// Handles one SQS batch. Records are processed concurrently; the response lists the ones to
/// retry. Never fails as a whole, so one bad record cannot make Lambda retry the others.
pub async fn handle_sqs_event(
    runner: &JobRunner,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let records = event.payload.records;
    let outcomes = join_all(records.iter().map(|record| handle_record(runner, record))).await;

    let mut response = SqsBatchResponse::default();
    let (mut done, mut dead_lettered, mut unusable) = (0, 0, 0);
    for (record, outcome) in records.iter().zip(outcomes) {
        match outcome {
            RecordOutcome::Processed(Outcome::Done) => done += 1,
            RecordOutcome::Processed(Outcome::DeadLettered(_)) => dead_lettered += 1,
            RecordOutcome::Processed(Outcome::Retry(_)) => {
                response.add_failure(record.message_id.clone().unwrap_or_default());
            }
            RecordOutcome::Unusable => unusable += 1,
        }
    }
    info!(
        queue = runner.queue_name().as_str(),
        records = records.len(),
        done,
        retried = response.batch_item_failures.len(),
        dead_lettered,
        unusable,
        "batch handled"
    );
    Ok(response)
}

async fn handle_record(runner: &JobRunner, record: &SqsMessage) -> RecordOutcome {
    match delivery(record) {
        Ok(delivery) => RecordOutcome::Processed(runner.process(&delivery).await),
        Err(missing) => {
            // Without an id it cannot be reported; without a body it can never succeed.
            // Counted as poison and left for Lambda to delete rather than retried forever.
            error!(
                queue = runner.queue_name().as_str(),
                message_id = record.message_id.as_deref().unwrap_or("none"),
                missing,
                "unusable SQS record dropped"
            );
            RecordOutcome::Unusable
        }
    }
}

/// The record as the runner sees it. The receipt lets the runner's dead-lettering delete the
/// message from the source queue.
fn delivery(record: &SqsMessage) -> Result<Delivery, &'static str> {
    let message_id = record
        .message_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or("message id")?;
    let body = record.body.clone().ok_or("body")?;
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|count| count.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    Ok(Delivery {
        message_id,
        receipt: record.receipt_handle.clone().unwrap_or_default(),
        body,
        receive_count,
    })
}

/// Serves SQS events from the Lambda runtime until it stops.
pub async fn run_worker(runner: JobRunner) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let runner = runner.clone();
        async move { handle_sqs_event(&runner, event).await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(receive_count: Option<&str>) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some("m-1".into());
        record.receipt_handle = Some("r-1".into());
        record.body = Some("{}".into());
        if let Some(count) = receive_count {
            record
                .attributes
                .insert("ApproximateReceiveCount".into(), count.into());
        }
        record
    }

    #[test]
    fn receive_count_comes_from_the_attributes_and_defaults_to_one() {
        let count = |raw| delivery(&record(raw)).map(|d| d.receive_count);
        assert_eq!(count(Some("4")), Ok(4));
        assert_eq!(count(None), Ok(1));
        assert_eq!(count(Some("0")), Ok(1));
        assert_eq!(count(Some("many")), Ok(1));
    }

    #[test]
    fn records_without_id_or_body_are_refused() {
        let mut no_id = record(None);
        no_id.message_id = Some(String::new());
        assert_eq!(delivery(&no_id), Err("message id"));
        let mut no_body = record(None);
        no_body.body = None;
        assert_eq!(delivery(&no_body), Err("body"));
        let ok = delivery(&record(Some("2"))).expect("usable");
        assert_eq!(
            (ok.message_id.as_str(), ok.receipt.as_str()),
            ("m-1", "r-1")
        );
    }
}
