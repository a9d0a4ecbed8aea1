//! SQS Lambda events to the job runner, and the start-up every worker binary shares.
//!
//! Each record goes through [`JobRunner::process`], the same poison-message policy the local
//! consumer follows. Records to retry are reported as batch item failures (the event source
//! mapping needs `ReportBatchItemFailures`), so Lambda returns only them to the queue; the
//! others, done or dead-lettered, are deleted by Lambda.

use std::process::ExitCode;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_app::Services;
use crm_app::jobs::{ConsumerSettings, JobRunner, Outcome, run_consumer};
use crm_app::queue::Delivery;
use futures::future::join_all;
use lambda_runtime::{LambdaEvent, service_fn};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

/// Set by the Lambda runtime (and by `cargo lambda watch`); absent when run as a plain process.
const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

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

/// The whole `main` of a worker binary: logging, services from the environment, then the
/// Lambda runtime when there is one, else the local consumer loop until Ctrl-C or SIGTERM.
pub async fn worker_main(make_runner: fn(Services) -> JobRunner) -> ExitCode {
    init_logging();
    let services = match crate::wiring::services_from_env().await {
        Ok(services) => services,
        Err(e) => {
            error!(error = %e, "worker cannot start");
            return ExitCode::FAILURE;
        }
    };
    let runner = make_runner(services);
    let queue = runner.queue_name();
    if std::env::var_os(RUNTIME_API_VAR).is_some() {
        if let Err(e) = run_worker(runner).await {
            error!(queue = queue.as_str(), error = %e, "lambda runtime stopped");
            return ExitCode::FAILURE;
        }
    } else {
        let shutdown = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        run_consumer(runner, ConsumerSettings::default(), shutdown).await;
    }
    ExitCode::SUCCESS
}

/// Logs to stdout, filtered by `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (default info), as JSON
/// when Lambda's log format is JSON. Lambda stamps each line itself, so the time is left out
/// there.
fn init_logging() {
    use lambda_runtime::tracing::subscriber::{EnvFilter, fmt};

    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let filter =
        EnvFilter::try_new(level.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let in_lambda = std::env::var_os(RUNTIME_API_VAR).is_some();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // A second initialisation (tests) fails harmlessly; the first subscriber stays.
    let _ = match (json, in_lambda) {
        (true, true) => builder.json().without_time().try_init(),
        (true, false) => builder.json().try_init(),
        (false, true) => builder.without_time().try_init(),
        (false, false) => builder.try_init(),
    };
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    if let Err(e) = shutdown_signal().await {
        warn!(error = %e, "cannot listen for shutdown signals; the worker stops only when killed");
        return;
    }
    info!("shutting down: finishing the job in hand");
    shutdown.cancel();
}

/// Ctrl-C, or SIGTERM (what containers and process managers send).
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
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
