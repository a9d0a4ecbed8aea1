//! Changing a tenant's record: its fields ([`edit`]) or, through [`update_record`], its status.

use chrono::{DateTime, Utc};
use crm_domain::TenantId;

use super::input::TenantInput;
use super::record::TenantRecord;
use super::{TenantError, get};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys::Namespace;
use crate::store::{Condition, Put, Write};

/// Replaces the editable fields of tenant `id`, provided it is still at `version`.
pub async fn edit(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
    version: u64,
    input: &TenantInput,
) -> Result<TenantRecord, TenantError> {
    let fields = input.parse()?;
    update_record(
        services,
        audit,
        id,
        "tenant.edit",
        Some(version),
        |record, _| {
            record.name = fields.name;
            record.requisites = fields.requisites;
            record.contacts = fields.contacts;
            record.time_zone = fields.time_zone;
            record.currency = fields.currency;
            record.locale = fields.locale;
            record.tax_regime = fields.tax_regime;
            record.limits = fields.limits;
            Ok(())
        },
    )
    .await
}

/// Reads tenant `id`, applies `change`, and writes the record, its listing entry and an audit
/// record of `action` in one transaction, conditional on the version read (and on
/// `expected_version` when the caller names one).
pub(super) async fn update_record(
    services: &Services,
    audit: &Audit,
    id: &TenantId,
    action: &str,
    expected_version: Option<u64>,
    change: impl FnOnce(&mut TenantRecord, DateTime<Utc>) -> Result<(), TenantError>,
) -> Result<TenantRecord, TenantError> {
    let current = get(&services.db, id).await?.ok_or(TenantError::NotFound)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(TenantError::Conflict);
    }
    let now = services.clock.now();
    let mut record = current.clone();
    change(&mut record, now)?;
    record.updated_at = now;
    record.version = current.version + 1;
    let (before, after) = (current.to_value(), record.to_value());
    let (_, audit_write) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action,
            entity_type: "tenant",
            entity_id: id.as_str(),
            before: Some(&before),
            after: Some(&after),
        },
    );
    services
        .db
        .central()
        .transact(vec![
            Write::Put(Put {
                item: record.to_item(),
                condition: Condition::VersionEquals(current.version),
            }),
            Write::Put(Put {
                item: record.listing_item(),
                condition: Condition::None,
            }),
            audit_write,
        ])
        .await?;
    Ok(record)
}
