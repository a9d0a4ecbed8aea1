//! The embedded queue: SQLite in a file of its own (WAL), with the SQS semantics the workers rely
//! on — visibility timeouts, receipts that go stale when a message is received again, receive
//! counts, and a redrive to dead letters once a message has been received `max_receives` times
//! without being acknowledged (a worker that crashed mid-job never acks).
//!
//! Several processes may open the same file (`crm dev` and a worker binary): claims run in
//! `BEGIN IMMEDIATE` transactions, so a message goes to one receiver at a time.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use crm_app::queue::{
    DeadLetter, Delivery, OutgoingMessage, Queue, QueueError, QueueName, check_outgoing,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::Notify;
use tracing::warn;

/// The most messages one receive returns, as on SQS.
const MAX_RECEIVE_BATCH: u32 = 10;
/// How long a receive on an empty queue waits for a message before answering with none
/// (SQS long polling); a send in this process wakes it at once.
const DEFAULT_RECEIVE_WAIT: Duration = Duration::from_secs(1);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    seq           INTEGER PRIMARY KEY,
    queue         TEXT    NOT NULL,
    id            TEXT    NOT NULL UNIQUE,
    body          TEXT    NOT NULL,
    visible_at    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt       TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS messages_by_receipt ON messages (receipt);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq           INTEGER PRIMARY KEY,
    queue         TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_queue ON dead_letters (queue, seq);
";

pub struct EmbeddedQueue {
    conn: Arc<Mutex<Connection>>,
    max_receives: u32,
    receive_wait: Duration,
    /// Wakes receivers of this process waiting on an empty queue when something is sent.
    sent: Arc<Notify>,
}

impl EmbeddedQueue {
    /// Opens (creating if needed) the queue database at `path`. A message received
    /// `max_receives` times without being acknowledged is dead-lettered on its next receive.
    pub fn open(path: &Path, max_receives: u32) -> Result<EmbeddedQueue, QueueError> {
        let conn = Connection::open(path).map_err(sqlite)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        // Another process holding the write lock makes us wait instead of failing.
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        conn.execute_batch(SCHEMA).map_err(sqlite)?;
        Ok(EmbeddedQueue {
            conn: Arc::new(Mutex::new(conn)),
            max_receives: max_receives.max(1),
            receive_wait: DEFAULT_RECEIVE_WAIT,
            sent: Arc::new(Notify::new()),
        })
    }

    /// How long a receive on an empty queue waits for a message (default 1 s; zero answers
    /// at once).
    pub fn with_receive_wait(mut self, wait: Duration) -> Self {
        self.receive_wait = wait;
        self
    }

    /// Runs `op` on the connection off the async threads: SQLite calls block.
    async fn with_conn<T, F>(&self, op: F) -> Result<T, QueueError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            op(&mut conn)
        })
        .await
        .map_err(|e| QueueError::Unavailable(format!("queue task failed: {e}")))?
        .map_err(sqlite)
    }
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "by value so it reads `map_err(sqlite)`"
)]
fn sqlite(e: rusqlite::Error) -> QueueError {
    QueueError::Unavailable(format!("embedded queue: {e}"))
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    millis(since_epoch)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn new_message_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn new_receipt() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn insert_messages(
    conn: &mut Connection,
    queue: QueueName,
    messages: &[(String, OutgoingMessage)],
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO messages (queue, id, body, visible_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let now = now_ms();
        for (id, message) in messages {
            let visible_at = now.saturating_add(millis(message.delay));
            insert.execute(params![queue.as_str(), id, message.body, visible_at, now])?;
        }
    }
    tx.commit()
}

/// What one claim attempt found: the deliveries, and when the next hidden message of the queue
/// becomes visible (so an empty receive knows how long waiting is worth it).
struct Claim {
    deliveries: Vec<Delivery>,
    next_visible_at: Option<i64>,
}

/// Atomically moves over-received messages to dead letters and claims up to `max` visible
/// messages, oldest first.
fn claim(
    conn: &mut Connection,
    queue: QueueName,
    max: u32,
    visibility: Duration,
    max_receives: u32,
) -> rusqlite::Result<Claim> {
    let now = now_ms();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let redriven = tx.execute(
        "INSERT INTO dead_letters (queue, id, body, reason, receive_count, dead_at)
         SELECT queue, id, body,
                'received ' || receive_count || ' times without completing',
                receive_count, ?3
         FROM messages
         WHERE queue = ?1 AND visible_at <= ?3 AND receive_count >= ?2
         ORDER BY seq",
        params![queue.as_str(), max_receives, now],
    )?;
    if redriven > 0 {
        tx.execute(
            "DELETE FROM messages WHERE queue = ?1 AND visible_at <= ?3 AND receive_count >= ?2",
            params![queue.as_str(), max_receives, now],
        )?;
        warn!(
            queue = queue.as_str(),
            count = redriven,
            max_receives,
            "messages dead-lettered after too many receives"
        );
    }

    let candidates: Vec<(i64, String, String, u32)> = {
        let mut select = tx.prepare_cached(
            "SELECT seq, id, body, receive_count FROM messages
             WHERE queue = ?1 AND visible_at <= ?2
             ORDER BY seq LIMIT ?3",
        )?;
        select
            .query_map(params![queue.as_str(), now, max], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?
    };

    let hidden_until = now.saturating_add(millis(visibility));
    let mut deliveries = Vec::with_capacity(candidates.len());
    {
        let mut mark = tx.prepare_cached(
            "UPDATE messages SET receipt = ?1, visible_at = ?2, receive_count = receive_count + 1
             WHERE seq = ?3",
        )?;
        for (seq, message_id, body, receive_count) in candidates {
            let receipt = new_receipt();
            mark.execute(params![receipt, hidden_until, seq])?;
            deliveries.push(Delivery {
                message_id,
                receipt,
                body,
                receive_count: receive_count.saturating_add(1),
            });
        }
    }

    let next_visible_at = if deliveries.is_empty() {
        tx.query_row(
            "SELECT MIN(visible_at) FROM messages WHERE queue = ?1",
            params![queue.as_str()],
            |row| row.get::<_, Option<i64>>(0),
        )?
    } else {
        None
    };
    tx.commit()?;
    Ok(Claim {
        deliveries,
        next_visible_at,
    })
}

/// Moves a delivery to the dead letters. A delivery whose message was received again by
/// someone else since is refused (they hold it now); one that is not on this queue at all (a
/// Lambda event replayed against the embedded backend) is still recorded.
fn bury(
    conn: &mut Connection,
    queue: QueueName,
    delivery: &Delivery,
    reason: &str,
) -> rusqlite::Result<Result<(), QueueError>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current_receipt: Option<Option<String>> = tx
        .query_row(
            "SELECT receipt FROM messages WHERE queue = ?1 AND id = ?2",
            params![queue.as_str(), delivery.message_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(receipt) = current_receipt {
        if receipt.as_deref() != Some(delivery.receipt.as_str()) {
            return Ok(Err(QueueError::UnknownReceipt));
        }
        tx.execute(
            "DELETE FROM messages WHERE queue = ?1 AND id = ?2",
            params![queue.as_str(), delivery.message_id],
        )?;
    }
    tx.execute(
        "INSERT INTO dead_letters (queue, id, body, reason, receive_count, dead_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            queue.as_str(),
            delivery.message_id,
            delivery.body,
            reason,
            delivery.receive_count,
            now_ms()
        ],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}

fn until(at_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(at_ms.saturating_sub(now_ms())).unwrap_or(0))
}

#[async_trait]
impl Queue for EmbeddedQueue {
    async fn send(&self, queue: QueueName, message: OutgoingMessage) -> Result<String, QueueError> {
        check_outgoing(&message)?;
        let id = new_message_id();
        let batch = vec![(id.clone(), message)];
        self.with_conn(move |conn| insert_messages(conn, queue, &batch))
            .await?;
        self.sent.notify_waiters();
        Ok(id)
    }

    async fn send_batch(
        &self,
        queue: QueueName,
        messages: Vec<OutgoingMessage>,
    ) -> Result<(), QueueError> {
        // All or nothing: a bad message refuses the whole batch before anything is written.
        for message in &messages {
            check_outgoing(message)?;
        }
        if messages.is_empty() {
            return Ok(());
        }
        let batch: Vec<(String, OutgoingMessage)> = messages
            .into_iter()
            .map(|message| (new_message_id(), message))
            .collect();
        self.with_conn(move |conn| insert_messages(conn, queue, &batch))
            .await?;
        self.sent.notify_waiters();
        Ok(())
    }

    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let max = max.clamp(1, MAX_RECEIVE_BATCH);
        let max_receives = self.max_receives;
        let deadline = tokio::time::Instant::now() + self.receive_wait;
        loop {
            // Registered before looking, so a send between the look and the wait still wakes us.
            let sent = self.sent.notified();
            tokio::pin!(sent);
            sent.as_mut().enable();

            let found = self
                .with_conn(move |conn| claim(conn, queue, max, visibility, max_receives))
                .await?;
            if !found.deliveries.is_empty() {
                return Ok(found.deliveries);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            let mut wait = deadline - now;
            if let Some(at) = found.next_visible_at {
                wait = wait.min(until(at));
            }
            tokio::select! {
                () = &mut sent => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        let receipt = receipt.to_owned();
        let deleted = self
            .with_conn(move |conn| {
                conn.execute(
                    "DELETE FROM messages WHERE queue = ?1 AND receipt = ?2",
                    params![queue.as_str(), receipt],
                )
            })
            .await?;
        if deleted == 0 {
            return Err(QueueError::UnknownReceipt);
        }
        Ok(())
    }

    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let receipt = receipt.to_owned();
        let visible_at = now_ms().saturating_add(millis(delay));
        let updated = self
            .with_conn(move |conn| {
                conn.execute(
                    "UPDATE messages SET visible_at = ?1 WHERE queue = ?2 AND receipt = ?3",
                    params![visible_at, queue.as_str(), receipt],
                )
            })
            .await?;
        if updated == 0 {
            return Err(QueueError::UnknownReceipt);
        }
        if delay.is_zero() {
            self.sent.notify_waiters();
        }
        Ok(())
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        delivery: &Delivery,
        reason: &str,
    ) -> Result<(), QueueError> {
        let delivery = delivery.clone();
        let reason = reason.to_owned();
        self.with_conn(move |conn| bury(conn, queue, &delivery, &reason))
            .await?
    }

    async fn dead_letters(
        &self,
        queue: QueueName,
        max: u32,
    ) -> Result<Vec<DeadLetter>, QueueError> {
        self.with_conn(move |conn| {
            let mut select = conn.prepare_cached(
                "SELECT id, body, reason, receive_count FROM dead_letters
                 WHERE queue = ?1 ORDER BY seq LIMIT ?2",
            )?;
            select
                .query_map(params![queue.as_str(), max], |row| {
                    Ok(DeadLetter {
                        message_id: row.get(0)?,
                        body: row.get(1)?,
                        reason: row.get(2)?,
                        receive_count: row.get(3)?,
                    })
                })?
                .collect()
        })
        .await
    }

    async fn ping(&self) -> Result<(), QueueError> {
        self.with_conn(|conn| conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &tempfile::TempDir) -> EmbeddedQueue {
        EmbeddedQueue::open(&dir.path().join("queue.db"), 2)
            .unwrap()
            .with_receive_wait(Duration::ZERO)
    }

    #[tokio::test]
    async fn reopening_keeps_messages() {
        let dir = tempfile::tempdir().unwrap();
        open(&dir)
            .send(QueueName::Billing, OutgoingMessage::now("kept"))
            .await
            .unwrap();
        let got = open(&dir)
            .receive(QueueName::Billing, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, "kept");
    }

    #[tokio::test]
    async fn queues_are_separate() {
        let dir = tempfile::tempdir().unwrap();
        let queue = open(&dir);
        queue
            .send(QueueName::Billing, OutgoingMessage::now("b"))
            .await
            .unwrap();
        let other = queue
            .receive(QueueName::Notify, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(other.is_empty());
    }

    #[tokio::test]
    async fn a_waiting_receive_wakes_on_send() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Arc::new(open(&dir).with_receive_wait(Duration::from_secs(10)));
        let receiver = {
            let queue = queue.clone();
            tokio::spawn(async move {
                queue
                    .receive(QueueName::Notify, 1, Duration::from_secs(30))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        queue
            .send(QueueName::Notify, OutgoingMessage::now("wake"))
            .await
            .unwrap();
        let got = receiver.await.unwrap().unwrap();
        assert_eq!(got.len(), 1);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn dead_letter_of_a_message_held_by_another_receiver_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let queue = open(&dir);
        queue
            .send(QueueName::Notify, OutgoingMessage::now("x"))
            .await
            .unwrap();
        let first = queue
            .receive(QueueName::Notify, 1, Duration::ZERO)
            .await
            .unwrap();
        let _second = queue
            .receive(QueueName::Notify, 1, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            queue
                .dead_letter(QueueName::Notify, &first[0], "late")
                .await,
            Err(QueueError::UnknownReceipt)
        );
        assert!(
            queue
                .dead_letters(QueueName::Notify, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
