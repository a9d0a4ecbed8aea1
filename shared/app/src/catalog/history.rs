//! The change history of an entity (a service with its tariff versions, a subscriber with its
//! service links): its audit records, newest first, one query on GSI1.

use crate::audit::{AuditRecord, record_from_item};
use crate::keys;
use crate::store::{Cursor, Index, Query, ScopedDb, StoreError};

/// One page of `entity_type`/`entity_id`'s audit records, newest first.
pub async fn of_entity(
    db: &ScopedDb,
    entity_type: &str,
    entity_id: &str,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<AuditRecord>, Option<Cursor>), StoreError> {
    let partition = keys::audit_by_entity(db.namespace(), entity_type, entity_id, "").pk;
    let query = Query::new(Index::Gsi1, partition)
        .backward()
        .limit(limit.clamp(1, 200));
    let page = db.query(query, cursor).await?;
    let records = page.items.iter().filter_map(record_from_item).collect();
    Ok((records, page.next))
}
