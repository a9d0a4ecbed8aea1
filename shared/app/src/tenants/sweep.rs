//! The daily sweep over closing tenants (schedule `daily-tenant-purge`): a tenant whose grace
//! period is over and whose data export is ready is purged without anyone having to press the
//! button; one whose export never finished gets a new export first. Each step is the same
//! audited use case the platform operator's buttons run, acted by the system.

use chrono::{DateTime, TimeDelta, Utc};
use crm_domain::TenantId;

use super::record::ExportStatus;
use super::{TenantError, TenantQuery, TenantRecord, TenantStatus, get, list};
use crate::Services;
use crate::audit::Audit;

/// An export still pending after this long is taken as lost (its job dead-lettered) and asked
/// for again.
const EXPORT_GIVEN_UP_AFTER: TimeDelta = TimeDelta::hours(12);

/// What the sweep did, for the worker's log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub purges_requested: Vec<TenantId>,
    pub exports_requested: Vec<TenantId>,
    /// Closing tenants still in their grace period or waiting for their export.
    pub waiting: usize,
}

enum Step {
    Purge,
    Export,
    Wait,
}

fn next_step(record: &TenantRecord, now: DateTime<Utc>) -> Step {
    let Some(closing) = record
        .closing
        .as_ref()
        .filter(|_| record.status == TenantStatus::Closing)
    else {
        return Step::Wait;
    };
    if now < closing.grace_ends_at {
        return Step::Wait;
    }
    match &record.export {
        Some(export) if export.status == ExportStatus::Ready => Step::Purge,
        Some(export) if now - export.requested_at < EXPORT_GIVEN_UP_AFTER => Step::Wait,
        _ => Step::Export,
    }
}

/// Requests the purge of every closing tenant that is due, and a fresh export where the last
/// one is missing or lost. Safe to run twice: a purge request for a tenant already purged is
/// refused by its status, and the purge job itself is idempotent.
pub async fn purge_due(services: &Services) -> Result<SweepReport, TenantError> {
    let audit = Audit::system("tenant-purge-sweep");
    let query = TenantQuery {
        status: Some(TenantStatus::Closing),
        limit: 100,
        ..TenantQuery::default()
    };
    let mut report = SweepReport::default();
    let mut cursor = None;
    loop {
        let page = list(&services.db, &query, cursor.as_ref()).await?;
        for summary in &page.tenants {
            let Some(record) = get(&services.db, &summary.id).await? else {
                continue;
            };
            match next_step(&record, services.clock.now()) {
                Step::Purge => {
                    super::request_purge(services, &audit, &record.id).await?;
                    report.purges_requested.push(record.id.clone());
                }
                Step::Export => {
                    super::request_export(services, &audit, &record.id).await?;
                    report.exports_requested.push(record.id.clone());
                }
                Step::Wait => report.waiting += 1,
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(report),
        }
    }
}
