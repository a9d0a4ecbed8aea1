//! Direct uploads: the browser (or an API client) asks for a presigned link, puts the file
//! straight into the blob store, and then says it is there. On AWS a request through API
//! Gateway and Lambda stops at 10 MB and 6 MB, so a month's readings file (tens of megabytes)
//! can only arrive this way; the embedded platform hands out links to its own upload route.
//!
//! Nothing is written when the link is handed out: the link puts the file at a staging key that
//! names the upload to be (`incoming/<tenant>/<id>.<ext>`; the bucket expires leftovers there
//! after a day), and [`complete`] accepts only keys of that shape under the caller's tenant. It
//! reads the staged file once as a stream into a temporary file (size and SHA-256, refused past
//! the limit, as a received upload is), stores that under the upload's own key and records it,
//! then deletes the staged file. So what was hashed is what the import reads, even if the link
//! is used again before it expires; announcing the same key twice gives the same upload.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use tokio::io::AsyncReadExt;

use super::kinds::ImportKind;
use super::uploads::{
    MAX_UPLOAD_BYTES, Upload, UploadError, UploadSink, create_as, file_type, format_of, get,
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
    /// The staging key: what [`complete`] is given back.
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
    let (extension, content_type) = file_type(format_of(file_name));
    let key = blob_key(BlobCategory::Incoming, tenant, &format!("{id}.{extension}"))?;
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

/// Records the file put at the staging `key` as an upload of `kind`. A key that is not a
/// staging key of this tenant is `NotFound`; a file that never arrived is `NotReceived`; one
/// past the size limit is deleted and refused.
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
    let mut sink = UploadSink::new(MAX_UPLOAD_BYTES)?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        if let Err(refused) = sink.write(&buffer[..read]) {
            drop(reader);
            services.blobs.delete(key).await?;
            return Err(refused);
        }
    }
    drop(reader);
    let recorded = create_as(services, tenant, audit, kind, file_name, &id, format, sink).await;
    let upload = match recorded {
        // Announced twice at once: the other request recorded it.
        Err(UploadError::Store(StoreError::TransactionCancelled { .. })) => {
            let (upload, _) = get(&db, &id).await?.ok_or(UploadError::NotFound)?;
            same_kind(upload, kind)?
        }
        other => other?,
    };
    services.blobs.delete(key).await?;
    Ok(upload)
}

fn same_kind(upload: Upload, kind: ImportKind) -> Result<Upload, UploadError> {
    if upload.kind == kind {
        Ok(upload)
    } else {
        Err(UploadError::NotFound)
    }
}

/// The upload id and file format a staging key stands for, when it is one [`reserve`] hands
/// out to this tenant.
fn upload_of_key(
    tenant: &TenantId,
    key: &str,
    file_name: &str,
) -> Option<(String, Option<FileFormat>)> {
    let prefix = blob_key(BlobCategory::Incoming, tenant, "x").ok()?;
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
