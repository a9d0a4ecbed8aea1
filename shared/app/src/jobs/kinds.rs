//! The job types of each worker. Features add variants here; a variant's fields are its whole
//! input, so a job can be replayed from its message alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Job;
use crate::queue::QueueName;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MeterImportJob {
    /// Proves the queue-to-worker path; does nothing.
    Noop {},
    /// A dry run or an apply of an uploaded file (subscribers, service links; readings later).
    /// The meter-import worker is the platform's imports worker: its queue and Lambda are sized
    /// for long file jobs (5-minute timeout, one message per invocation, 1 GB), which the documents
    /// and billing queues are not.
    Import(Box<crate::imports::flow::ImportJob>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BillingJob {
    Noop {},
    /// Fired by the monthly schedule: bill every tenant for the month that just ended.
    MonthlyRun {
        scheduled_time: DateTime<Utc>,
    },
    /// Estimate a month's missing meter readings for the envelope's tenant
    /// (`crate::meters::estimation_job::run`).
    EstimateReadings(crate::meters::estimation_job::EstimateReadingsJob),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PenaltiesJob {
    Noop {},
    /// Fired by the daily schedule: accrue penalties on overdue debts.
    DailyAccrual {
        scheduled_time: DateTime<Utc>,
    },
}

/// The documents worker also runs bulk catalogue changes: no other queue fits them (billing's
/// must stay free on billing day, meter imports are readings), and rendering jobs are short.
/// A dedicated `bulk` queue would be cleaner once more bulk jobs exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DocumentsJob {
    Noop {},
    /// Writes a filtered subscriber list to a file (`crm_app::subscribers::export::run_job`).
    SubscriberExport {
        export_id: String,
    },
    /// Writes every item of the envelope's tenant as JSON lines to
    /// `exports/<tenant>/<export_id>.jsonl` and records it on the tenant.
    ExportTenant {
        export_id: String,
    },
    /// Deletes every item of the envelope's tenant, which must be closing with its grace
    /// period over, and marks it closed.
    PurgeTenant {},
    /// The daily sweep (no tenant): purges every closing tenant whose grace period is over
    /// (`crm_app::tenants::sweep`).
    PurgeDueTenants {
        scheduled_time: String,
    },
    /// Attach a service to many subscribers; progress in the job's status item.
    BulkLink(crate::catalog::bulk::BulkLinkJob),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum NotifyJob {
    Noop {},
}

impl Job for MeterImportJob {
    const QUEUE: QueueName = QueueName::MeterImport;
    fn kind(&self) -> &'static str {
        match self {
            MeterImportJob::Noop {} => "noop",
            MeterImportJob::Import(_) => "import",
        }
    }
}

impl Job for BillingJob {
    const QUEUE: QueueName = QueueName::Billing;
    fn kind(&self) -> &'static str {
        match self {
            BillingJob::Noop {} => "noop",
            BillingJob::MonthlyRun { .. } => "monthly_run",
            BillingJob::EstimateReadings(_) => "estimate_readings",
        }
    }
}

impl Job for PenaltiesJob {
    const QUEUE: QueueName = QueueName::Penalties;
    fn kind(&self) -> &'static str {
        match self {
            PenaltiesJob::Noop {} => "noop",
            PenaltiesJob::DailyAccrual { .. } => "daily_accrual",
        }
    }
}

impl Job for DocumentsJob {
    const QUEUE: QueueName = QueueName::Documents;
    fn kind(&self) -> &'static str {
        match self {
            DocumentsJob::Noop {} => "noop",
            DocumentsJob::SubscriberExport { .. } => "subscriber_export",
            DocumentsJob::ExportTenant { .. } => "export_tenant",
            DocumentsJob::PurgeTenant {} => "purge_tenant",
            DocumentsJob::PurgeDueTenants { .. } => "purge_due_tenants",
            DocumentsJob::BulkLink(_) => "bulk_link",
        }
    }
}

impl Job for NotifyJob {
    const QUEUE: QueueName = QueueName::Notify;
    fn kind(&self) -> &'static str {
        "noop"
    }
}

#[cfg(test)]
mod tests {
    use super::super::Envelope;
    use super::*;

    #[test]
    fn envelope_json_shape() {
        let json = r#"{"tenant_id":null,"idempotency_key":"billing:2026-12","job":{"type":"monthly_run","scheduled_time":"2026-11-30T23:00:00Z"}}"#;
        let envelope: Envelope<BillingJob> = serde_json::from_str(json).unwrap();
        assert_eq!(envelope.job.kind(), "monthly_run");
        assert_eq!(envelope.to_json(), json);
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        for bad in [
            r#"{"tenant_id":null,"idempotency_key":"k","job":{"type":"explode"}}"#,
            r#"{"tenant_id":null,"idempotency_key":"k","job":{"type":"noop","x":1}}"#,
            r#"{"tenant_id":"T#x","idempotency_key":"k","job":{"type":"noop"}}"#,
            r#"{"idempotency_key":"k"}"#,
        ] {
            assert!(
                serde_json::from_str::<Envelope<BillingJob>>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
