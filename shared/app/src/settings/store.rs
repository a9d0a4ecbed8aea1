//! Reading and saving the settings item.

use crm_domain::TenantId;
use crm_domain::invoice_number::InvoiceNumbering;
use serde_json::Value;

use super::error::SettingsError;
use super::fields::Fields;
use super::sections::{
    AccountNumberingSection, BrandingSection, MeterEstimationSection, MeterReadingsSection,
    MeterValidationSection, NotificationsSection, PaymentsSection, Section, SectionName,
    TenantSettings,
};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys;
use crate::store::{Condition, Db, Item, Put, ScopedDb, StoreError, Write};

/// The tenant's settings and the version of their item (0 when never saved).
pub async fn load(db: &Db, tenant: &TenantId) -> Result<(TenantSettings, u64), StoreError> {
    match db.tenant(tenant).get(&keys::settings(tenant)).await? {
        Some(item) => Ok((TenantSettings::from_body(&item.body), item.version)),
        None => Ok((TenantSettings::default(), 0)),
    }
}

/// The settings through a tenant handle (use cases that hold one rather than the tenant id).
pub async fn load_scoped(db: &ScopedDb) -> Result<TenantSettings, StoreError> {
    Ok(match db.get(&keys::settings_in(db.namespace())).await? {
        Some(item) => TenantSettings::from_body(&item.body),
        None => TenantSettings::default(),
    })
}

/// Validates and saves one section from submitted fields.
pub async fn save<S: Section>(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    fields: &Fields,
) -> Result<TenantSettings, SettingsError> {
    let (settings, version) = load(&services.db, tenant).await?;
    let section = S::from_fields(fields, S::of(&settings))?;
    write_section(services, audit, tenant, settings, version, section).await
}

/// [`save`] for a section named at run time (the API's `/settings/{section}`).
pub async fn save_named(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    name: SectionName,
    fields: &Fields,
) -> Result<TenantSettings, SettingsError> {
    match name {
        SectionName::Branding => save::<BrandingSection>(services, audit, tenant, fields).await,
        SectionName::InvoiceNumbering => {
            save::<InvoiceNumbering>(services, audit, tenant, fields).await
        }
        SectionName::Payments => save::<PaymentsSection>(services, audit, tenant, fields).await,
        SectionName::MeterReadings => {
            save::<MeterReadingsSection>(services, audit, tenant, fields).await
        }
        SectionName::MeterValidation => {
            save::<MeterValidationSection>(services, audit, tenant, fields).await
        }
        SectionName::AccountNumbering => {
            save::<AccountNumberingSection>(services, audit, tenant, fields).await
        }
        SectionName::MeterEstimation => {
            save::<MeterEstimationSection>(services, audit, tenant, fields).await
        }
        SectionName::Notifications => {
            save::<NotificationsSection>(services, audit, tenant, fields).await
        }
    }
}

/// Writes `section` into `settings` (read at `version`) with its audit record. An unchanged
/// section writes nothing.
pub(super) async fn write_section<S: Section>(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    mut settings: TenantSettings,
    version: u64,
    section: S,
) -> Result<TenantSettings, SettingsError> {
    if *S::of(&settings) == section {
        return Ok(settings);
    }
    let before = serde_json::to_value(S::of(&settings)).unwrap_or(Value::Null);
    let after = serde_json::to_value(&section).unwrap_or(Value::Null);
    S::set(&mut settings, section);
    let db = services.db.tenant(tenant);
    let now = services.clock.now();
    let (_, audit_write) = audit.record(
        db.namespace(),
        services.ids.new_id(),
        now,
        &Change {
            action: "settings.update",
            entity_type: "settings",
            entity_id: S::NAME.as_str(),
            before: Some(&before),
            after: Some(&after),
        },
    );
    let item = Item::new(keys::settings(tenant), settings.to_body());
    let condition = if version == 0 {
        Condition::MustNotExist
    } else {
        Condition::VersionEquals(version)
    };
    db.transact(vec![Write::Put(Put { item, condition }), audit_write])
        .await?;
    Ok(settings)
}
