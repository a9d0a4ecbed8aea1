//! The worker entry points fed with the SQS events in `events/`, as Lambda would deliver them,
//! on the embedded queue.

use std::path::Path;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use crm_adapters::embedded_queue::EmbeddedQueue;
use crm_adapters::lambda_sqs::handle_sqs_event;
use crm_app::Services;
use crm_app::jobs::{Envelope, JobError, JobHandler, JobRunner, NotifyJob};
use crm_app::queue::{DeadLetter, Queue, QueueName};
use crm_app::schedules::SCHEDULES;
use lambda_runtime::{Context, LambdaEvent};

use crate::support::embedded::services;

const MAX_RECEIVES: u32 = 3;

type MakeRunner = fn(Services) -> JobRunner;

const WORKERS: [(&str, QueueName, MakeRunner); 5] = [
    ("meter-import", QueueName::MeterImport, meter_import::runner),
    ("billing", QueueName::Billing, billing::runner),
    ("penalties", QueueName::Penalties, penalties::runner),
    ("documents", QueueName::Documents, documents::runner),
    ("notify", QueueName::Notify, notify::runner),
];

fn fixture(name: &str) -> SqsEvent {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not an SQS event: {e}"))
}

fn lambda_event(event: SqsEvent) -> LambdaEvent<SqsEvent> {
    LambdaEvent::new(event, Context::default())
}

fn failures(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.as_str())
        .collect()
}

/// A runner for `make_runner` on a fresh embedded queue (kept alive by the returned dir).
fn worker(
    make_runner: MakeRunner,
) -> (JobRunner, std::sync::Arc<EmbeddedQueue>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (services, queue) = services(dir.path(), MAX_RECEIVES);
    (make_runner(services), queue, dir)
}

async fn dead_letters(queue: &EmbeddedQueue, name: QueueName) -> Vec<DeadLetter> {
    queue.dead_letters(name, 10).await.expect("dead letters")
}

/// A copy of the notify fixture's record with another id, body and receive count.
fn notify_record(message_id: &str, body: &str, receive_count: u32) -> SqsMessage {
    let mut record = fixture("sqs-notify-noop.json").records.remove(0);
    record.message_id = Some(message_id.to_owned());
    record.body = Some(body.to_owned());
    record
        .attributes
        .insert("ApproximateReceiveCount".into(), receive_count.to_string());
    record
}

fn event_of(records: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

fn notify_body(idempotency_key: &str) -> String {
    Envelope::new(None, idempotency_key, NotifyJob::Noop {}).to_json()
}

#[tokio::test]
async fn every_worker_handles_its_noop_fixture() {
    for (name, queue_name, make_runner) in WORKERS {
        let (runner, queue, _dir) = worker(make_runner);
        assert_eq!(runner.queue_name(), queue_name);
        let event = fixture(&format!("sqs-{name}-noop.json"));
        assert_eq!(event.records.len(), 1, "{name}");
        let response = handle_sqs_event(&runner, lambda_event(event))
            .await
            .expect("handled");
        assert!(failures(&response).is_empty(), "{name}: {response:?}");
        assert!(dead_letters(&queue, queue_name).await.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn billing_handles_the_scheduled_monthly_run() {
    let event = fixture("sqs-billing-monthly-run.json");
    let fired_at: DateTime<Utc> = "2026-11-30T23:00:00Z".parse().expect("time");
    let schedule = &SCHEDULES[0];
    assert_eq!(schedule.queue, QueueName::Billing);
    assert_eq!(
        event.records[0].body.as_deref(),
        Some(schedule.message_for(fired_at).as_str()),
        "the fixture's body is what the monthly schedule sends"
    );

    let (runner, queue, _dir) = worker(billing::runner);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert!(failures(&response).is_empty(), "{response:?}");
    assert!(dead_letters(&queue, QueueName::Billing).await.is_empty());
}

#[tokio::test]
async fn penalties_handles_the_scheduled_daily_accrual() {
    let fired_at: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().expect("time");
    let schedule = &SCHEDULES[1];
    assert_eq!(schedule.queue, QueueName::Penalties);
    let mut event = fixture("sqs-penalties-noop.json");
    event.records[0].body = Some(schedule.message_for(fired_at));

    let (runner, queue, _dir) = worker(penalties::runner);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert!(failures(&response).is_empty(), "{response:?}");
    assert!(dead_letters(&queue, QueueName::Penalties).await.is_empty());
}

#[tokio::test]
async fn malformed_records_are_dead_lettered_and_the_good_one_succeeds() {
    let event = fixture("sqs-malformed.json");
    let ids: Vec<String> = event
        .records
        .iter()
        .map(|r| r.message_id.clone().expect("id"))
        .collect();
    let (runner, queue, _dir) = worker(billing::runner);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert!(failures(&response).is_empty(), "{response:?}");

    let dead = dead_letters(&queue, QueueName::Billing).await;
    assert_eq!(dead.len(), 2, "{dead:?}");
    let reason_of = |id: &str| {
        dead.iter()
            .find(|d| d.message_id == id)
            .map(|d| d.reason.clone())
            .unwrap_or_else(|| panic!("{id} not dead-lettered: {dead:?}"))
    };
    let not_json = reason_of(&ids[0]);
    assert!(
        not_json.contains("malformed job message") && not_json.contains("expected"),
        "{not_json}"
    );
    let unknown = reason_of(&ids[1]);
    assert!(
        unknown.contains("malformed job message") && unknown.contains("unknown variant `explode`"),
        "{unknown}"
    );
    assert!(dead.iter().all(|d| d.message_id != ids[2]));
}

/// Fails every job for a passing reason.
struct AlwaysRetry;

#[async_trait]
impl JobHandler for AlwaysRetry {
    type Job = NotifyJob;
    async fn handle(&self, _: Envelope<NotifyJob>) -> Result<(), JobError> {
        Err(JobError::Retry("provider down".into()))
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_until_max_receives_then_dead_lettered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (services, queue) = services(dir.path(), MAX_RECEIVES);
    let runner = JobRunner::new(AlwaysRetry, services.queue.clone(), MAX_RECEIVES);
    let id = "retry-me";
    let body = notify_body("retry:1");

    for attempt in 1..MAX_RECEIVES {
        let event = event_of(vec![notify_record(id, &body, attempt)]);
        let response = handle_sqs_event(&runner, lambda_event(event))
            .await
            .expect("handled");
        assert_eq!(failures(&response), [id], "attempt {attempt}");
        assert!(dead_letters(&queue, QueueName::Notify).await.is_empty());
    }

    let event = event_of(vec![notify_record(id, &body, MAX_RECEIVES)]);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert!(failures(&response).is_empty(), "{response:?}");
    let dead = dead_letters(&queue, QueueName::Notify).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message_id, id);
    assert_eq!(dead[0].body, body);
    assert_eq!(dead[0].receive_count, MAX_RECEIVES);
    assert!(
        dead[0].reason.contains("gave up after 3 attempts")
            && dead[0].reason.contains("provider down"),
        "{}",
        dead[0].reason
    );
}

/// Panics on the job whose idempotency key is `boom`.
struct PanicsOnBoom;

#[async_trait]
impl JobHandler for PanicsOnBoom {
    type Job = NotifyJob;
    async fn handle(&self, envelope: Envelope<NotifyJob>) -> Result<(), JobError> {
        assert_ne!(envelope.idempotency_key, "boom", "handler exploded");
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (services, queue) = services(dir.path(), MAX_RECEIVES);
    let runner = JobRunner::new(PanicsOnBoom, services.queue.clone(), MAX_RECEIVES);
    let event = event_of(vec![
        notify_record("calm-1", &notify_body("calm-1"), 1),
        notify_record("boom", &notify_body("boom"), 1),
        notify_record("calm-2", &notify_body("calm-2"), 1),
    ]);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert_eq!(failures(&response), ["boom"]);
    assert!(dead_letters(&queue, QueueName::Notify).await.is_empty());
}

#[tokio::test]
async fn records_without_id_or_body_are_dropped_without_failing_the_batch() {
    let (runner, queue, _dir) = worker(notify::runner);
    let mut no_id = notify_record("x", &notify_body("no-id"), 1);
    no_id.message_id = None;
    let mut no_body = notify_record("no-body", "", 1);
    no_body.body = None;
    let good = notify_record("good", &notify_body("good"), 1);
    let event = event_of(vec![no_id, no_body, good]);
    let response = handle_sqs_event(&runner, lambda_event(event))
        .await
        .expect("handled");
    assert!(failures(&response).is_empty(), "{response:?}");
    assert!(dead_letters(&queue, QueueName::Notify).await.is_empty());
}

#[test]
fn every_fixture_comes_from_its_worker_queue() {
    for (name, _, _) in WORKERS {
        let event = fixture(&format!("sqs-{name}-noop.json"));
        for record in &event.records {
            assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
            let arn = record.event_source_arn.as_deref().unwrap_or_default();
            assert!(arn.ends_with(&format!(":crm-{name}")), "{name}: {arn}");
        }
    }
}
