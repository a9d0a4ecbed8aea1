//! A subscriber's change history: its audit records (GSI1 `audit_by_entity`), newest first.

use crm_domain::TenantId;

use super::ENTITY;
use crate::Services;
use crate::audit::{AuditRecord, record_from_item};
use crate::keys;
use crate::store::{Cursor, Index, Query, StoreError};

/// One page of the history of subscriber `id`, newest first.
pub async fn history(
    services: &Services,
    tenant: &TenantId,
    id: &str,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<(Vec<AuditRecord>, Option<Cursor>), StoreError> {
    entity_history(services, tenant, ENTITY, id, cursor, limit).await
}

/// The audit records of any entity, newest first (buildings use it too).
pub async fn entity_history(
    services: &Services,
    tenant: &TenantId,
    entity_type: &str,
    id: &str,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<(Vec<AuditRecord>, Option<Cursor>), StoreError> {
    let db = services.db.tenant(tenant);
    let pk = keys::audit_by_entity(db.namespace(), entity_type, id, "").pk;
    let query = Query::new(Index::Gsi1, pk)
        .backward()
        .limit(limit.clamp(1, 200));
    let page = db.query(query, cursor).await?;
    let records = page.items.iter().filter_map(record_from_item).collect();
    Ok((records, page.next))
}
