//! The local consumer loop: what SQS + Lambda do for a worker in production, done in process
//! for `crm dev` and for the worker binaries run outside Lambda.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{JobRunner, Outcome};

#[derive(Clone, Debug)]
pub struct ConsumerSettings {
    /// How long a received message stays hidden while it is being handled.
    pub visibility: Duration,
    /// Pause between polls when the queue is empty.
    pub idle_poll: Duration,
    pub batch_size: u32,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self {
            visibility: Duration::from_secs(60),
            idle_poll: Duration::from_millis(250),
            batch_size: 10,
        }
    }
}

/// Backoff before a failed job is tried again: doubling from 1 s, capped at 5 minutes.
fn retry_delay(receive_count: u32) -> Duration {
    Duration::from_secs(1u64 << receive_count.min(8)).min(Duration::from_secs(300))
}

/// Consumes the runner's queue until `shutdown` is cancelled. The job being handled when that
/// happens is finished; messages received but not yet started go back to the queue at once.
pub async fn run_consumer(
    runner: JobRunner,
    settings: ConsumerSettings,
    shutdown: CancellationToken,
) {
    let name = runner.queue_name();
    let queue = runner.queue().clone();
    info!(queue = name.as_str(), "consumer started");
    while !shutdown.is_cancelled() {
        let received = tokio::select! {
            received = queue.receive(name, settings.batch_size, settings.visibility) => received,
            () = shutdown.cancelled() => break,
        };
        let deliveries = match received {
            Ok(deliveries) => deliveries,
            Err(e) => {
                warn!(queue = name.as_str(), error = %e, "receive failed");
                Vec::new()
            }
        };
        if deliveries.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(settings.idle_poll) => {}
                () = shutdown.cancelled() => break,
            }
            continue;
        }
        for delivery in deliveries {
            if shutdown.is_cancelled() {
                if let Err(e) = queue.release(name, &delivery.receipt, Duration::ZERO).await {
                    warn!(queue = name.as_str(), error = %e, "could not return message on shutdown");
                }
                continue;
            }
            let settled = match runner.process(&delivery).await {
                Outcome::Done => queue.ack(name, &delivery.receipt).await,
                Outcome::DeadLettered(_) => Ok(()),
                Outcome::Retry(_) => {
                    queue
                        .release(name, &delivery.receipt, retry_delay(delivery.receive_count))
                        .await
                }
            };
            if let Err(e) = settled {
                warn!(queue = name.as_str(), message_id = %delivery.message_id, error = %e, "could not settle message");
            }
        }
    }
    info!(queue = name.as_str(), "consumer stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_and_caps() {
        assert_eq!(retry_delay(1), Duration::from_secs(2));
        assert_eq!(retry_delay(3), Duration::from_secs(8));
        assert_eq!(retry_delay(30), Duration::from_secs(256));
    }
}
