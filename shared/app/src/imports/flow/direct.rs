//! Direct uploads: the browser (or an API client) asks for a presigned link, puts the file
//! straight into the blob store, and then says it is there. On AWS a request through API
//! Gateway and Lambda stops at 10 MB and 6 MB, so a month's readings file (tens of megabytes)
//! can only arrive this way; the embedded platform hands out links to its own upload route.
//!
//! Nothing is written when the link is handed out: the key names the upload to be (tenant,
//! id, extension), and [`complete`] accepts only keys of that shape under the caller's tenant.
//! It reads the stored file once as a stream (size and SHA-256, as a received upload gets) and
//! records it; announcing the same file twice gives the same upload.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::kinds::ImportKind;
use super::uploads::{
    MAX_UPLOAD_BYTES, Stored, Upload, UploadError, format_of, get, hex, register, stored_as,
};
use crate::Services;
use crate::audit::Audit;
use crate::blobs::{BlobCategory, blob_key};
use crate::imports::options::FileFormat;
use crate::store::StoreError;

/// How long a link to put a file stays valid: long enough for 100 MB on a slow line.
pub const UPLOAD_LINK_TTL: Duration = Duration::from_secs(60 * 60);

/// Where and how to put a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSlot {
    /// The blob key: what [`complete`] is given back.
    pub key: String,
    /// PUT the bytes here, with `content_type` as the `Content-Type` header.
    pub url: String,
    pub content_type: &'static str,
    pub expires_at: DateTime<Utc>,
}

/// A link to put a file called `file_name` of `size` bytes (when the caller knows it, it is
/// checked now rather than after the transfer).
pub async fn reserve(
    services: &Services,
    tenant: &TenantId,
    file_name: &str,
    size: Option<u64>,
) -> Result<UploadSlot, UploadError> {
    match size {
        Some(0) => return Err(UploadError::NoFile),
        Some(size) if size > MAX_UPLOAD_BYTES => {
            return Err(UploadError::TooLarge {
                limit_bytes: MAX_UPLOAD_BYTES,
            });
        }
        _ => {}
    }
    let id = services.ids.new_id();
    let (key, content_type) = stored_as(tenant, &id, format_of(file_name))?;
    let url = services
        .blobs
        .presign_put(&key, content_type, UPLOAD_LINK_TTL)
        .await?;
    let ttl = chrono::Duration::from_std(UPLOAD_LINK_TTL).unwrap_or_default();
    Ok(UploadSlot {
        key,
        url,
        content_type,
        expires_at: services.clock.now() + ttl,
    })
}

/// Records the file put at `key` as an upload of `kind`. A key that is not an upload key of
/// this tenant is `NotFound`; a file that never arrived is `NotReceived`; one past the size
/// limit is deleted and refused.
pub async fn complete(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    kind: ImportKind,
    key: &str,
    file_name: &str,
) -> Result<Upload, UploadError> {
    let (id, format) = upload_of_key(tenant, key, file_name).ok_or(UploadError::NotFound)?;
    let db = services.db.tenant(tenant);
    if let Some((upload, _)) = get(&db, &id).await? {
        return same_kind(upload, kind);
    }
    let Some(mut reader) = services.blobs.open(key).await? else {
        return Err(UploadError::NotReceived);
    };
    let mut hash = Sha256::new();
    let mut size: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        size += read as u64;
        if size > MAX_UPLOAD_BYTES {
            drop(reader);
            services.blobs.delete(key).await?;
            return Err(UploadError::TooLarge {
                limit_bytes: MAX_UPLOAD_BYTES,
            });
        }
        hash.update(&buffer[..read]);
    }
    if size == 0 {
        return Err(UploadError::NoFile);
    }
    let stored = Stored {
        id: id.clone(),
        blob_key: key.to_owned(),
        size,
        sha256: hex(&hash.finalize()),
        format,
    };
    match register(services, tenant, audit, kind, file_name, stored).await {
        // Announced twice at once: the other request recorded it.
        Err(UploadError::Store(StoreError::TransactionCancelled { .. })) => {
            let (upload, _) = get(&db, &id).await?.ok_or(UploadError::NotFound)?;
            same_kind(upload, kind)
        }
        other => other,
    }
}

fn same_kind(upload: Upload, kind: ImportKind) -> Result<Upload, UploadError> {
    if upload.kind == kind {
        Ok(upload)
    } else {
        Err(UploadError::NotFound)
    }
}

/// The upload id and file format a key stands for, when it is one [`reserve`] hands out to
/// this tenant.
fn upload_of_key(
    tenant: &TenantId,
    key: &str,
    file_name: &str,
) -> Option<(String, Option<FileFormat>)> {
    let prefix = blob_key(BlobCategory::Imports, tenant, "uploads/x").ok()?;
    let prefix = prefix.strip_suffix('x')?;
    let (id, extension) = key.strip_prefix(prefix)?.split_once('.')?;
    if !crate::subscribers::is_id(id) {
        return None;
    }
    let format = match extension {
        "xlsx" => Some(FileFormat::Xlsx),
        "csv" => format_of(file_name).filter(|f| *f != FileFormat::Xlsx),
        _ => return None,
    };
    Some((id.to_owned(), format))
}
