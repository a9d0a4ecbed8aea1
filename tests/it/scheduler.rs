//! The local scheduler against the embedded store and queue, with a clock the test moves.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crm_app::clock::FixedClock;
use crm_app::jobs::{BillingJob, Envelope, PenaltiesJob};
use crm_app::queue::{Queue, QueueName};
use crm_app::scheduler::fire_due;
use crm_app::schedules::SCHEDULES;

use crate::support::embedded::services;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// Every message waiting on `queue`, acknowledged so the next call sees only new ones.
async fn drain(queue: &dyn Queue, name: QueueName) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let batch = queue
            .receive(name, 10, Duration::from_secs(30))
            .await
            .expect("receive");
        if batch.is_empty() {
            return bodies;
        }
        for delivery in batch {
            queue.ack(name, &delivery.receipt).await.expect("ack");
            bodies.push(delivery.body);
        }
    }
}

fn penalty_times(bodies: &[String]) -> Vec<DateTime<Utc>> {
    bodies
        .iter()
        .map(|body| {
            match serde_json::from_str::<Envelope<PenaltiesJob>>(body)
                .expect("typed job")
                .job
            {
                PenaltiesJob::DailyAccrual { scheduled_time } => scheduled_time,
                other => panic!("unexpected job {other:?}"),
            }
        })
        .collect()
}

#[tokio::test]
async fn schedules_fire_once_at_their_time_and_catch_up_missed_ones_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut services, _) = services(dir.path(), 5);
    let clock = Arc::new(FixedClock::new(at("2026-11-24T10:00:00Z")));
    services.clock = clock.clone();
    let queue = services.queue.clone();

    // First start: nothing is replayed from before it; the next firings are reported.
    let next = fire_due(&services, SCHEDULES).await;
    assert_eq!(
        next,
        Some(at("2026-11-25T00:00:00Z")),
        "03:00 Moscow time is 00:00 UTC"
    );
    assert!(drain(queue.as_ref(), QueueName::Penalties).await.is_empty());

    // Just after 03:00 MSK the daily penalties fire, once.
    clock.set(at("2026-11-25T00:00:30Z"));
    fire_due(&services, SCHEDULES).await;
    fire_due(&services, SCHEDULES).await;
    let fired = drain(queue.as_ref(), QueueName::Penalties).await;
    assert_eq!(penalty_times(&fired), [at("2026-11-25T00:00:00Z")]);
    let envelope: Envelope<PenaltiesJob> = serde_json::from_str(&fired[0]).expect("typed job");
    assert_eq!(
        envelope.idempotency_key,
        "daily-penalties:2026-11-25T00:00:00Z"
    );

    // Off for three days and over the 1st of the month: every missed day fires once, in
    // order, and the monthly billing run fires once for 1 December.
    clock.set(at("2026-12-01T12:00:00Z"));
    let next = fire_due(&services, SCHEDULES).await;
    assert_eq!(next, Some(at("2026-12-02T00:00:00Z")));
    let fired = drain(queue.as_ref(), QueueName::Penalties).await;
    assert_eq!(
        penalty_times(&fired),
        [
            at("2026-11-26T00:00:00Z"),
            at("2026-11-27T00:00:00Z"),
            at("2026-11-28T00:00:00Z"),
            at("2026-11-29T00:00:00Z"),
            at("2026-11-30T00:00:00Z"),
            at("2026-12-01T00:00:00Z"),
        ]
    );
    let billing = drain(queue.as_ref(), QueueName::Billing).await;
    assert_eq!(billing.len(), 1);
    let run: Envelope<BillingJob> = serde_json::from_str(&billing[0]).expect("typed job");
    assert_eq!(
        run.job,
        BillingJob::MonthlyRun {
            scheduled_time: at("2026-11-30T23:00:00Z")
        }
    );

    // A restart (a fresh scheduler over the same store) repeats nothing.
    fire_due(&services, SCHEDULES).await;
    assert!(drain(queue.as_ref(), QueueName::Penalties).await.is_empty());
    assert!(drain(queue.as_ref(), QueueName::Billing).await.is_empty());
}
