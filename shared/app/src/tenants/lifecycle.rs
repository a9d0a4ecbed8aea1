//! Suspending, reactivating and closing a tenant, and asking for its export and purge.

use std::time::Duration;

use chrono::TimeDelta;
use crm_domain::TenantId;

use super::edit::update_record;
use super::record::{Closing, ExportStatus, TenantExport, TenantRecord};
use super::{TenantError, TenantStatus};
use crate::Services;
use crate::audit::Audit;
use crate::jobs::{DocumentsJob, Envelope, enqueue};
use crate::validation::{Invalid, Reason};

pub const DEFAULT_GRACE_DAYS: u32 = 30;
pub const MAX_GRACE_DAYS: u32 = 365;
const REASON_MAX: usize = 500;

/// Stops the tenant's users and API keys (its data stays). `reason` is required.
pub async fn suspend(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
    reason: &str,
) -> Result<TenantRecord, TenantError> {
    let reason = stated_reason(reason)?;
    update_record(services, audit, id, "tenant.suspend", None, |record, _| {
        if record.status != TenantStatus::Active {
            return Err(TenantError::WrongStatus {
                status: record.status,
            });
        }
        record.status = TenantStatus::Suspended;
        record.status_reason = Some(reason);
        Ok(())
    })
    .await
}

/// Lets a suspended tenant work again, or takes back a closing within its grace period.
pub async fn reactivate(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
) -> Result<TenantRecord, TenantError> {
    update_record(
        services,
        audit,
        id,
        "tenant.reactivate",
        None,
        |record, now| {
            match (&record.status, &record.closing) {
                (TenantStatus::Suspended, _) => {}
                (TenantStatus::Closing, Some(closing)) if now < closing.grace_ends_at => {}
                (TenantStatus::Closing, Some(closing)) => {
                    return Err(TenantError::GraceOver {
                        ended_at: closing.grace_ends_at,
                    });
                }
                (status, _) => return Err(TenantError::WrongStatus { status: *status }),
            }
            record.status = TenantStatus::Active;
            record.status_reason = None;
            record.closing = None;
            Ok(())
        },
    )
    .await
}

/// Closes the tenant: users are locked out at once, its data is exported, and it may be
/// purged once `grace_days` (default 30) have passed.
pub async fn close(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
    reason: &str,
    grace_days: Option<u32>,
) -> Result<TenantRecord, TenantError> {
    let mut invalid = Invalid::new();
    let reason = match stated_reason(reason) {
        Ok(reason) => Some(reason),
        Err(TenantError::Invalid(errors)) => {
            invalid.0.extend(errors.0);
            None
        }
        Err(other) => return Err(other),
    };
    let grace_days = grace_days.unwrap_or(DEFAULT_GRACE_DAYS);
    if !(1..=MAX_GRACE_DAYS).contains(&grace_days) {
        invalid.add(
            "grace_days",
            Reason::new(
                "grace_days_range",
                format!("Отсрочка — от 1 до {MAX_GRACE_DAYS} дней"),
                format!("The grace period is 1 to {MAX_GRACE_DAYS} days"),
            ),
        );
    }
    let reason = invalid.into_result(reason)?.unwrap_or_default();
    let export_id = services.ids.new_id();
    let record = update_record(services, audit, id, "tenant.close", None, |record, now| {
        if !matches!(
            record.status,
            TenantStatus::Active | TenantStatus::Suspended
        ) {
            return Err(TenantError::WrongStatus {
                status: record.status,
            });
        }
        record.status = TenantStatus::Closing;
        record.closing = Some(Closing {
            requested_at: now,
            grace_ends_at: now + TimeDelta::days(i64::from(grace_days)),
            reason,
            purge_requested_at: None,
        });
        record.export = Some(pending_export(&export_id, now));
        Ok(())
    })
    .await?;
    send_export(services, &record, &export_id).await;
    Ok(record)
}

/// Starts a new export of the tenant's data (again, if the last one failed or is stale).
pub async fn request_export(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
) -> Result<TenantRecord, TenantError> {
    let export_id = services.ids.new_id();
    let record = update_record(services, audit, id, "tenant.export", None, |record, now| {
        if record.status == TenantStatus::Closed {
            return Err(TenantError::WrongStatus {
                status: record.status,
            });
        }
        record.export = Some(pending_export(&export_id, now));
        Ok(())
    })
    .await?;
    send_export(services, &record, &export_id).await;
    Ok(record)
}

/// Has the documents worker delete every item of a closing tenant whose grace period is over
/// and whose export is ready.
pub async fn request_purge(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
) -> Result<TenantRecord, TenantError> {
    let record = update_record(
        services,
        audit,
        id,
        "tenant.purge_request",
        None,
        |record, now| {
            let Some(closing) = record
                .closing
                .as_mut()
                .filter(|_| record.status == TenantStatus::Closing)
            else {
                return Err(TenantError::WrongStatus {
                    status: record.status,
                });
            };
            if now < closing.grace_ends_at {
                return Err(TenantError::GraceNotOver {
                    ends_at: closing.grace_ends_at,
                });
            }
            if !record
                .export
                .as_ref()
                .is_some_and(|e| e.status == ExportStatus::Ready)
            {
                return Err(TenantError::ExportNotReady);
            }
            closing.purge_requested_at = Some(now);
            Ok(())
        },
    )
    .await?;
    let envelope = Envelope::new(
        Some(id.clone()),
        format!("tenant-purge:{id}"),
        DocumentsJob::PurgeTenant {},
    );
    enqueue(&*services.queue, &envelope, Duration::ZERO).await?;
    Ok(record)
}

fn pending_export(id: &str, now: chrono::DateTime<chrono::Utc>) -> TenantExport {
    TenantExport {
        id: id.to_owned(),
        status: ExportStatus::Pending,
        requested_at: now,
        finished_at: None,
        blob_key: None,
        items: None,
    }
}

/// Sends the export job. The change is already saved; a failed send leaves the export
/// pending, and "export again" sends a new one.
async fn send_export(services: &Services, record: &TenantRecord, export_id: &str) {
    let envelope = Envelope::new(
        Some(record.id.clone()),
        format!("tenant-export:{export_id}"),
        DocumentsJob::ExportTenant {
            export_id: export_id.to_owned(),
        },
    );
    if let Err(e) = enqueue(&*services.queue, &envelope, Duration::ZERO).await {
        tracing::error!(tenant_id = %record.id, export_id, error = %e, "could not send the tenant export job");
    }
}

fn stated_reason(raw: &str) -> Result<String, TenantError> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(Invalid::field(
            "reason",
            Reason::new("reason_required", "Укажите причину", "State the reason"),
        )
        .into());
    }
    if reason.chars().count() > REASON_MAX {
        return Err(Invalid::field("reason", Reason::too_long(REASON_MAX)).into());
    }
    Ok(reason.to_owned())
}
