//! The `Queue` contract, written once and run against every adapter: the embedded queue (a
//! SQLite file in a temp dir) as `queue_conformance::embedded::*` and SQS on the moto server as
//! `queue_conformance::sqs::*`.
//!
//! Both adapters answer an empty receive at once here (no long polling), so "not visible yet"
//! checks are exact and quick.
//!
//! Where SQS itself differs, the test says so: SQS accepts a message's earlier receipt handles
//! (the embedded queue refuses them), and its dead-letter receive counts are approximate.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use crm_adapters::aws::sdk_config_for_emulator;
use crm_adapters::embedded_queue::EmbeddedQueue;
use crm_adapters::sqs_queue::{SqsQueue, create_queues};
use crm_app::jobs::{
    ConsumerSettings, Envelope, JobError, JobHandler, JobRunner, NotifyJob, enqueue, run_consumer,
};
use crm_app::queue::{Delivery, MAX_BODY_BYTES, OutgoingMessage, Queue, QueueError, QueueName};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::support::moto;

const MAX_RECEIVES: u32 = 3;
const QUEUE: QueueName = QueueName::Notify;
/// Long enough that nothing reappears during a test by accident.
const HOLD: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    Embedded,
    Sqs,
}

struct Harness {
    queue: Arc<dyn Queue>,
    adapter: Adapter,
    _dir: Option<tempfile::TempDir>,
}

async fn embedded() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = EmbeddedQueue::open(&dir.path().join("queue.db"), MAX_RECEIVES)
        .expect("embedded queue opens")
        .with_receive_wait(Duration::ZERO);
    Harness {
        queue: Arc::new(queue),
        adapter: Adapter::Embedded,
        _dir: Some(dir),
    }
}

/// Fresh queues (and DLQs) under a unique prefix on the shared emulator.
async fn sqs() -> Harness {
    let sdk = sdk_config_for_emulator(moto::endpoint()).await;
    let queues = create_queues(&sdk, &moto::unique_name("crmq"), MAX_RECEIVES)
        .await
        .expect("queues created");
    Harness {
        queue: Arc::new(SqsQueue::new(&sdk, queues).with_receive_wait(Duration::ZERO)),
        adapter: Adapter::Sqs,
        _dir: None,
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::embedded().await).await;
                }
            )*
        }
        mod sqs {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::sqs().await).await;
                }
            )*
        }
    };
}

conformance!(
    send_receive_ack,
    outgoing_limits_are_enforced,
    delayed_message_is_hidden_until_its_delay,
    batch_send_of_25,
    redelivery_after_the_visibility_timeout,
    release_makes_it_visible_again,
    ack_and_release_with_stale_or_unknown_receipts,
    dead_letter_keeps_the_reason,
    dead_lettered_after_max_receives_without_ack,
    dead_letters_peek_does_not_remove,
    consumer_processes_jobs_and_stops_on_cancel,
    consumer_returns_unstarted_messages_on_cancel,
    ping_answers,
);

async fn receive(h: &Harness, visibility: Duration) -> Vec<Delivery> {
    h.queue
        .receive(QUEUE, 10, visibility)
        .await
        .expect("receive")
}

/// Receives until something comes or `within` passes.
async fn receive_within(h: &Harness, within: Duration, visibility: Duration) -> Vec<Delivery> {
    let deadline = Instant::now() + within;
    loop {
        let got = receive(h, visibility).await;
        if !got.is_empty() || Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn send(h: &Harness, body: &str) -> String {
    h.queue
        .send(QUEUE, OutgoingMessage::now(body))
        .await
        .expect("send")
}

async fn send_receive_ack(h: Harness) {
    let id = send(&h, "hello").await;
    let got = receive(&h, HOLD).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id, id);
    assert_eq!(got[0].body, "hello");
    assert_eq!(got[0].receive_count, 1);
    assert!(receive(&h, HOLD).await.is_empty(), "in flight, hidden");

    h.queue.ack(QUEUE, &got[0].receipt).await.expect("ack");
    assert!(
        h.queue
            .dead_letters(QUEUE, 10)
            .await
            .expect("dlq")
            .is_empty()
    );
    // Visibility 0 would bring an unacknowledged message straight back.
    assert!(receive(&h, Duration::ZERO).await.is_empty(), "acked, gone");
    assert!(receive(&h, Duration::ZERO).await.is_empty(), "acked, gone");
}

async fn outgoing_limits_are_enforced(h: Harness) {
    let late = OutgoingMessage {
        body: "late".into(),
        delay: Duration::from_secs(15 * 60 + 1),
    };
    assert!(matches!(
        h.queue.send(QUEUE, late.clone()).await,
        Err(QueueError::DelayTooLong(_))
    ));
    let big = OutgoingMessage::now("x".repeat(MAX_BODY_BYTES + 1));
    assert!(matches!(
        h.queue.send(QUEUE, big.clone()).await,
        Err(QueueError::TooLarge { .. })
    ));
    // One bad message refuses the whole batch before anything is sent.
    let batch = vec![OutgoingMessage::now("fine"), big];
    assert!(h.queue.send_batch(QUEUE, batch).await.is_err());
    assert!(receive(&h, Duration::ZERO).await.is_empty());
    // The largest allowed body goes through.
    h.queue
        .send(QUEUE, OutgoingMessage::now("y".repeat(MAX_BODY_BYTES)))
        .await
        .expect("a body at the limit is accepted");
}

async fn delayed_message_is_hidden_until_its_delay(h: Harness) {
    let sent_at = Instant::now();
    h.queue
        .send(
            QUEUE,
            OutgoingMessage {
                body: "later".into(),
                delay: Duration::from_secs(1),
            },
        )
        .await
        .expect("send");
    assert!(
        receive(&h, HOLD).await.is_empty(),
        "hidden during its delay"
    );
    let got = receive_within(&h, Duration::from_secs(5), HOLD).await;
    assert_eq!(got.len(), 1, "visible after its delay");
    assert_eq!(got[0].body, "later");
    assert!(sent_at.elapsed() >= Duration::from_millis(900));
}

async fn batch_send_of_25(h: Harness) {
    let bodies: BTreeSet<String> = (0..25).map(|i| format!("m{i:02}")).collect();
    let messages = bodies.iter().map(OutgoingMessage::now).collect();
    h.queue.send_batch(QUEUE, messages).await.expect("batch");

    let mut received = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.len() < bodies.len() && Instant::now() < deadline {
        let got = receive(&h, HOLD).await;
        assert!(got.len() <= 10, "at most 10 per receive");
        for delivery in got {
            h.queue.ack(QUEUE, &delivery.receipt).await.expect("ack");
            assert!(received.insert(delivery.body), "each message once");
        }
    }
    assert_eq!(received, bodies);
}

async fn redelivery_after_the_visibility_timeout(h: Harness) {
    let id = send(&h, "again").await;
    let first = receive(&h, Duration::from_secs(1)).await;
    assert_eq!(first.len(), 1);
    assert!(receive(&h, HOLD).await.is_empty(), "hidden while in flight");

    let second = receive_within(&h, Duration::from_secs(5), HOLD).await;
    assert_eq!(second.len(), 1, "back after the visibility timeout");
    assert_eq!(second[0].message_id, id);
    assert_eq!(second[0].receive_count, 2);
    assert_ne!(second[0].receipt, first[0].receipt, "a fresh receipt");
    h.queue.ack(QUEUE, &second[0].receipt).await.expect("ack");
}

async fn release_makes_it_visible_again(h: Harness) {
    send(&h, "not now").await;
    let first = receive(&h, HOLD).await;
    assert_eq!(first.len(), 1);
    h.queue
        .release(QUEUE, &first[0].receipt, Duration::ZERO)
        .await
        .expect("release");
    let second = receive_within(&h, Duration::from_secs(2), HOLD).await;
    assert_eq!(
        second.len(),
        1,
        "visible right after a release without delay"
    );
    assert_eq!(second[0].receive_count, 2);

    h.queue
        .release(QUEUE, &second[0].receipt, Duration::from_secs(1))
        .await
        .expect("release with delay");
    assert!(receive(&h, HOLD).await.is_empty(), "hidden for the delay");
    let third = receive_within(&h, Duration::from_secs(5), HOLD).await;
    assert_eq!(third.len(), 1, "visible after the delay");
    assert_eq!(third[0].receive_count, 3);
}

async fn ack_and_release_with_stale_or_unknown_receipts(h: Harness) {
    send(&h, "contested").await;
    let stale = receive(&h, Duration::ZERO).await;
    let current = receive(&h, HOLD).await;
    assert_eq!((stale.len(), current.len()), (1, 1));
    assert_eq!(current[0].receive_count, 2);

    let stale_ack = h.queue.ack(QUEUE, &stale[0].receipt).await;
    match h.adapter {
        Adapter::Embedded => assert_eq!(stale_ack, Err(QueueError::UnknownReceipt)),
        // SQS accepts any receipt handle the message ever had (moto, like SQS, deletes it).
        Adapter::Sqs => assert_eq!(stale_ack, Ok(())),
    }
    // The current holder can always settle its message.
    h.queue
        .ack(QUEUE, &current[0].receipt)
        .await
        .expect("current receipt");
    assert!(receive(&h, Duration::ZERO).await.is_empty());

    // A receipt the queue never issued. SQS checks handles by their shape, so it gets one
    // shaped like moto's (letters and digits).
    let unknown = "0".repeat(32);
    assert_eq!(
        h.queue.ack(QUEUE, &unknown).await,
        Err(QueueError::UnknownReceipt)
    );
    assert_eq!(
        h.queue.release(QUEUE, &unknown, Duration::ZERO).await,
        Err(QueueError::UnknownReceipt)
    );
}

async fn dead_letter_keeps_the_reason(h: Harness) {
    let id = send(&h, "{\"bad\":true}").await;
    let got = receive(&h, HOLD).await;
    assert_eq!(got.len(), 1);
    h.queue
        .dead_letter(QUEUE, &got[0], "poison: tenant `ghost` does not exist")
        .await
        .expect("dead letter");

    let dead = h.queue.dead_letters(QUEUE, 10).await.expect("dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message_id, id);
    assert_eq!(dead[0].body, "{\"bad\":true}");
    assert_eq!(dead[0].reason, "poison: tenant `ghost` does not exist");
    assert_eq!(dead[0].receive_count, 1);
    assert!(
        receive(&h, Duration::ZERO).await.is_empty(),
        "off the queue"
    );
}

async fn dead_lettered_after_max_receives_without_ack(h: Harness) {
    let id = send(&h, "crashes the worker").await;
    // A worker that dies mid-job never settles; visibility 0 stands in for its timeout.
    for attempt in 1..=MAX_RECEIVES {
        let got = receive(&h, Duration::ZERO).await;
        assert_eq!(got.len(), 1, "receive {attempt}");
        assert_eq!(got[0].receive_count, attempt);
    }
    assert!(
        receive(&h, Duration::ZERO).await.is_empty(),
        "the next receive moves it to the dead letters instead"
    );

    let dead = h.queue.dead_letters(QUEUE, 10).await.expect("dlq");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].message_id, id);
    assert_eq!(dead[0].body, "crashes the worker");
    assert!(dead[0].reason.contains("receive"), "{}", dead[0].reason);
    match h.adapter {
        Adapter::Embedded => {
            assert_eq!(dead[0].reason, "received 3 times without completing");
            assert_eq!(dead[0].receive_count, MAX_RECEIVES);
        }
        // SQS's redrive keeps no reason and only an approximate count.
        Adapter::Sqs => assert!(dead[0].receive_count >= MAX_RECEIVES, "{dead:?}"),
    }
}

async fn dead_letters_peek_does_not_remove(h: Harness) {
    for body in ["one", "two"] {
        send(&h, body).await;
    }
    let got = receive(&h, HOLD).await;
    assert_eq!(got.len(), 2);
    for delivery in &got {
        h.queue
            .dead_letter(QUEUE, delivery, "given up")
            .await
            .expect("dead letter");
    }
    let ids = |dead: Vec<crm_app::queue::DeadLetter>| -> BTreeSet<String> {
        dead.into_iter().map(|d| d.message_id).collect()
    };
    let expected: BTreeSet<String> = got.iter().map(|d| d.message_id.clone()).collect();
    let first = ids(h.queue.dead_letters(QUEUE, 10).await.expect("peek"));
    let second = ids(h.queue.dead_letters(QUEUE, 10).await.expect("peek again"));
    assert_eq!(first, expected);
    assert_eq!(second, expected, "still there after a peek");
}

/// Records the jobs it handles; the job keyed `block` waits until the test lets it go.
#[derive(Clone, Default)]
struct Recorder {
    handled: Arc<Mutex<Vec<String>>>,
    blocked: Arc<Notify>,
    unblock: Arc<Notify>,
}

impl Recorder {
    fn handled(&self) -> Vec<String> {
        self.handled.lock().expect("lock").clone()
    }
}

#[async_trait]
impl JobHandler for Recorder {
    type Job = NotifyJob;
    async fn handle(&self, envelope: Envelope<NotifyJob>) -> Result<(), JobError> {
        if envelope.idempotency_key == "block" {
            self.blocked.notify_one();
            self.unblock.notified().await;
        }
        self.handled
            .lock()
            .expect("lock")
            .push(envelope.idempotency_key);
        Ok(())
    }
}

fn job(key: &str) -> Envelope<NotifyJob> {
    Envelope::new(None, key, NotifyJob::Noop {})
}

fn consumer_settings() -> ConsumerSettings {
    ConsumerSettings {
        visibility: HOLD,
        idle_poll: Duration::from_millis(50),
        batch_size: 10,
    }
}

async fn consumer_processes_jobs_and_stops_on_cancel(h: Harness) {
    let recorder = Recorder::default();
    let runner = JobRunner::new(recorder.clone(), h.queue.clone(), MAX_RECEIVES);
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(run_consumer(runner, consumer_settings(), shutdown.clone()));

    for key in ["a", "b", "c"] {
        enqueue(h.queue.as_ref(), &job(key), Duration::ZERO)
            .await
            .expect("enqueue");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while recorder.handled().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut handled = recorder.handled();
    handled.sort();
    assert_eq!(handled, ["a", "b", "c"]);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), consumer)
        .await
        .expect("the consumer stops on cancel")
        .expect("consumer task");
    assert!(receive(&h, Duration::ZERO).await.is_empty(), "all acked");
}

async fn consumer_returns_unstarted_messages_on_cancel(h: Harness) {
    let bodies = ["block", "x", "y"].map(|key| OutgoingMessage::now(job(key).to_json()));
    h.queue
        .send_batch(QUEUE, bodies.to_vec())
        .await
        .expect("batch");

    let recorder = Recorder::default();
    let runner = JobRunner::new(recorder.clone(), h.queue.clone(), MAX_RECEIVES);
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(run_consumer(runner, consumer_settings(), shutdown.clone()));

    tokio::time::timeout(Duration::from_secs(10), recorder.blocked.notified())
        .await
        .expect("the consumer starts the first job");
    shutdown.cancel();
    recorder.unblock.notify_one();
    tokio::time::timeout(Duration::from_secs(5), consumer)
        .await
        .expect("the consumer stops on cancel")
        .expect("consumer task");
    assert_eq!(recorder.handled(), ["block"], "the job in hand is finished");

    // The others are back at once, not after the consumer's 60 s visibility timeout.
    let mut left = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while left.len() < 2 && Instant::now() < deadline {
        for delivery in receive(&h, HOLD).await {
            left.insert(delivery.body);
        }
    }
    let expected: BTreeSet<String> = ["x", "y"].iter().map(|k| job(k).to_json()).collect();
    assert_eq!(left, expected);
}

async fn ping_answers(h: Harness) {
    h.queue.ping().await.expect("ping");
}

#[tokio::test]
async fn sqs_queue_without_urls_is_not_configured() {
    let sdk = sdk_config_for_emulator(moto::endpoint()).await;
    let queue = SqsQueue::new(&sdk, Default::default());
    assert_eq!(
        queue.send(QUEUE, OutgoingMessage::now("x")).await,
        Err(QueueError::NotConfigured(QUEUE))
    );
}

#[tokio::test]
async fn sqs_create_queues_is_idempotent() {
    let sdk = sdk_config_for_emulator(moto::endpoint()).await;
    let prefix = moto::unique_name("crmq");
    let first = create_queues(&sdk, &prefix, MAX_RECEIVES)
        .await
        .expect("created");
    let again = create_queues(&sdk, &prefix, MAX_RECEIVES)
        .await
        .expect("created again");
    assert_eq!(first, again);
    assert_eq!(first.len(), QueueName::ALL.len());
    let notify = &first["notify"];
    assert!(
        notify.url.ends_with(&format!("{prefix}-notify")),
        "{notify:?}"
    );
    assert!(
        notify
            .dead_letter_url
            .ends_with(&format!("{prefix}-notify-dlq")),
        "{notify:?}"
    );
}
