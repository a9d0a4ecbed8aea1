//! Exports of the audit log are themselves audited (`audit.export`): who took a copy of which
//! part of the log, and when.

use serde_json::json;

use super::AuditFilter;
use crate::audit::{Audit, Change};
use crate::clock::{Clock, Ids};
use crate::store::{ScopedDb, StoreError};

/// Records that `audit` exported the log `subject` (`central` or a tenant id) under `filter`,
/// in `db`'s namespace (a tenant's own, or the central one for staff).
pub async fn record_export(
    db: &ScopedDb,
    audit: &Audit,
    subject: &str,
    filter: &AuditFilter,
    format: &str,
    clock: &dyn Clock,
    ids: &dyn Ids,
) -> Result<(), StoreError> {
    let after = json!({ "log": subject, "format": format, "filter": filter });
    let (_, write) = audit.record(
        db.namespace(),
        ids.new_id(),
        clock.now(),
        &Change {
            action: "audit.export",
            entity_type: "audit_log",
            entity_id: subject,
            before: None,
            after: Some(&after),
        },
    );
    db.transact(vec![write]).await
}
