//! The local scheduler: fires [`SCHEDULES`](crate::schedules::SCHEDULES) the way EventBridge
//! Scheduler does in production. The last firing of each schedule is kept in the store, so a
//! restart fires each missed occurrence once, oldest first, and never fires one twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::Services;
use crate::keys;
use crate::queue::OutgoingMessage;
use crate::schedules::Schedule;
use crate::store::{Body, Condition, Item, Put};

/// Fires each due schedule once; returns the earliest next firing. Time and store come from
/// `services`, so tests drive it with a fixed clock.
pub async fn fire_due(services: &Services, schedules: &[Schedule]) -> Option<DateTime<Utc>> {
    let now = services.clock.now();
    let mut earliest: Option<DateTime<Utc>> = None;
    for schedule in schedules {
        match fire_if_due(services, schedule, now).await {
            Ok(Some(next)) => earliest = Some(earliest.map_or(next, |e| e.min(next))),
            Ok(None) => {}
            Err(e) => error!(schedule = schedule.name, error = %e, "schedule failed"),
        }
    }
    earliest
}

async fn fire_if_due(
    services: &Services,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    let cron = schedule.cron().map_err(|e| e.to_string())?;
    let central = services.db.central();
    let state_key = keys::schedule_state(schedule.name);
    let state = central.get(&state_key).await.map_err(|e| e.to_string())?;
    let Some(state) = state else {
        // First start: begin from now rather than replaying the past.
        let mut body = Body::new();
        body.insert("last_fired".into(), json!(now));
        let put = Put {
            item: Item::new(state_key, body),
            condition: Condition::MustNotExist,
        };
        central.put(put).await.map_err(|e| e.to_string())?;
        return Ok(cron.next_after(now, schedule.timezone));
    };
    let mut last_fired: DateTime<Utc> = state
        .body
        .get("last_fired")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or(now);
    let mut version = state.version;
    // Every missed occurrence fires once, oldest first: a billing period or a penalty day
    // skipped while the machine was off is still processed.
    while let Some(due) = cron
        .next_after(last_fired, schedule.timezone)
        .filter(|due| *due <= now)
    {
        // Send first, then record: a crash in between sends the same message again, which its
        // idempotency key makes harmless; recording first could lose the firing.
        services
            .queue
            .send(
                schedule.queue,
                OutgoingMessage::now(schedule.message_for(due)),
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut body = state.body.clone();
        body.insert("last_fired".into(), json!(due));
        let record = Put {
            item: Item::new(state.key.clone(), body),
            condition: Condition::VersionEquals(version),
        };
        match central.put(record).await {
            Ok(new_version) => version = new_version,
            // Another scheduler recorded it first; it goes on from there.
            Err(_) => return Ok(cron.next_after(now, schedule.timezone)),
        }
        info!(schedule = schedule.name, scheduled_time = %due, "schedule fired");
        last_fired = due;
    }
    Ok(cron.next_after(last_fired.max(now), schedule.timezone))
}

/// Fires schedules until `shutdown`, waking at the next firing (and at least every minute, so
/// a changed clock is noticed).
pub async fn run_scheduler(
    services: Services,
    schedules: &'static [Schedule],
    shutdown: CancellationToken,
) {
    info!(schedules = schedules.len(), "scheduler started");
    while !shutdown.is_cancelled() {
        let next = fire_due(&services, schedules).await;
        let now = services.clock.now();
        let wait = next
            .and_then(|at| (at - now).to_std().ok())
            .unwrap_or(Duration::from_secs(60))
            .min(Duration::from_secs(60));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => break,
        }
    }
    info!("scheduler stopped");
}
