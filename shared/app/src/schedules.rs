//! The recurring schedules, defined once: `infra/template.yaml` declares the same ones for
//! EventBridge Scheduler (a test compares them) and the local scheduler fires them in `crm dev`.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use crm_domain::schedule::{Cron, CronError};

use crate::queue::QueueName;

/// EventBridge Scheduler replaces this with the firing time in the target input; the local
/// scheduler does the same, so both send identical messages.
pub const SCHEDULED_TIME_PLACEHOLDER: &str = "<aws.scheduler.scheduled-time>";

#[derive(Debug)]
pub struct Schedule {
    /// Also the schedule's name in the template (`MonthlyBillingSchedule` -> `monthly-billing`).
    pub name: &'static str,
    pub cron: &'static str,
    pub timezone: Tz,
    pub queue: QueueName,
    /// The message body, with [`SCHEDULED_TIME_PLACEHOLDER`] where the firing time goes.
    pub input: &'static str,
}

pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        name: "monthly-billing",
        cron: "cron(0 2 1 * ? *)",
        timezone: chrono_tz::Europe::Moscow,
        queue: QueueName::Billing,
        input: r#"{"tenant_id":null,"idempotency_key":"monthly-billing:<aws.scheduler.scheduled-time>","job":{"type":"monthly_run","scheduled_time":"<aws.scheduler.scheduled-time>"}}"#,
    },
    Schedule {
        name: "daily-penalties",
        cron: "cron(0 3 * * ? *)",
        timezone: chrono_tz::Europe::Moscow,
        queue: QueueName::Penalties,
        input: r#"{"tenant_id":null,"idempotency_key":"daily-penalties:<aws.scheduler.scheduled-time>","job":{"type":"daily_accrual","scheduled_time":"<aws.scheduler.scheduled-time>"}}"#,
    },
    Schedule {
        name: "daily-tenant-purge",
        cron: "cron(0 4 * * ? *)",
        timezone: chrono_tz::Europe::Moscow,
        queue: QueueName::Documents,
        input: r#"{"tenant_id":null,"idempotency_key":"daily-tenant-purge:<aws.scheduler.scheduled-time>","job":{"type":"purge_due_tenants","scheduled_time":"<aws.scheduler.scheduled-time>"}}"#,
    },
];

impl Schedule {
    pub fn cron(&self) -> Result<Cron, CronError> {
        Cron::parse(self.cron)
    }

    /// The message sent for a firing at `at`, formatted the way EventBridge Scheduler does.
    pub fn message_for(&self, at: DateTime<Utc>) -> String {
        self.input.replace(
            SCHEDULED_TIME_PLACEHOLDER,
            &at.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{BillingJob, DocumentsJob, Envelope, PenaltiesJob};

    #[test]
    fn every_schedule_parses_and_builds_its_typed_job() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T23:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for schedule in SCHEDULES {
            schedule.cron().unwrap();
            let body = schedule.message_for(at);
            let ok = match schedule.queue {
                QueueName::Billing => serde_json::from_str::<Envelope<BillingJob>>(&body).is_ok(),
                QueueName::Penalties => {
                    serde_json::from_str::<Envelope<PenaltiesJob>>(&body).is_ok()
                }
                QueueName::Documents => {
                    serde_json::from_str::<Envelope<DocumentsJob>>(&body).is_ok()
                }
                other => panic!("no typed job check for {other}"),
            };
            assert!(ok, "{}: {body}", schedule.name);
        }
    }
}
