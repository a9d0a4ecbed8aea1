//! The branding logo: checked ([`crm_domain::logo::check_logo`]), stored in the blob store
//! under `branding/<tenant>/logo-<id>.<ext>` and referenced from the branding section.

use bytes::Bytes;
use crm_domain::TenantId;
use crm_domain::logo::check_logo;

use super::error::SettingsError;
use super::sections::{BrandingSection, LogoRef};
use super::store::{load, write_section};
use crate::Services;
use crate::audit::Audit;
use crate::blobs::{BlobCategory, blob_key};
use crate::validation::{Explain, Invalid};

/// Replaces the tenant's logo. The old file is deleted once the new one is recorded.
pub async fn upload_logo(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    bytes: Bytes,
) -> Result<LogoRef, SettingsError> {
    let format = check_logo(&bytes).map_err(|e| Invalid::field("logo", e.reason()))?;
    let id = services.ids.new_id();
    let key = blob_key(
        BlobCategory::Branding,
        tenant,
        &format!("logo-{id}.{}", format.extension()),
    )?;
    let logo = LogoRef {
        id,
        blob_key: key.clone(),
        content_type: format.content_type().to_owned(),
        size: bytes.len() as u64,
        uploaded_at: services.clock.now(),
    };
    services
        .blobs
        .put(&key, bytes, format.content_type())
        .await?;
    let (settings, version) = load(&services.db, tenant).await?;
    let old = settings.branding.logo.clone();
    let section = BrandingSection {
        logo: Some(logo.clone()),
        ..settings.branding.clone()
    };
    if let Err(e) = write_section(services, audit, tenant, settings, version, section).await {
        let _ = services.blobs.delete(&key).await;
        return Err(e);
    }
    if let Some(old) = old {
        delete_quietly(services, &old.blob_key).await;
    }
    Ok(logo)
}

/// Removes the tenant's logo (the interface shows the name alone).
pub async fn remove_logo(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
) -> Result<(), SettingsError> {
    let (settings, version) = load(&services.db, tenant).await?;
    let Some(old) = settings.branding.logo.clone() else {
        return Ok(());
    };
    let section = BrandingSection {
        logo: None,
        ..settings.branding.clone()
    };
    write_section(services, audit, tenant, settings, version, section).await?;
    delete_quietly(services, &old.blob_key).await;
    Ok(())
}

/// The logo's bytes and content type, when the tenant has one.
pub async fn logo(
    services: &Services,
    tenant: &TenantId,
) -> Result<Option<StoredLogo>, SettingsError> {
    let (settings, _) = load(&services.db, tenant).await?;
    let Some(logo) = settings.branding.logo else {
        return Ok(None);
    };
    Ok(services
        .blobs
        .get(&logo.blob_key)
        .await?
        .map(|bytes| StoredLogo {
            bytes,
            content_type: logo.content_type,
            id: logo.id,
        }))
}

pub struct StoredLogo {
    pub bytes: Bytes,
    pub content_type: String,
    pub id: String,
}

/// A file no longer referenced: failing to delete it only wastes space.
async fn delete_quietly(services: &Services, key: &str) {
    if let Err(e) = services.blobs.delete(key).await {
        tracing::warn!(blob_key = key, error = %e, "could not delete a replaced logo");
    }
}
