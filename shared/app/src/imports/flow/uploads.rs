//! An uploaded import file: received as a stream into a temporary file (never whole in memory,
//! refused past the size limit), stored in the blob store, and recorded with the user's choices
//! (encoding, delimiter, header row, column mapping). The record and its audit entry are one
//! transaction.

use std::io::Write as _;

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::kinds::ImportKind;
use crate::Services;
use crate::audit::{Audit, Change};
use crate::blobs::{BlobCategory, BlobError, blob_key};
use crate::imports::mapping::SavedMapping;
use crate::imports::options::{FileFormat, ReadOptions, SheetChoice, TextEncoding};
use crate::keys;
use crate::store::{Body, Condition, Item, Put, StoreError, TenantDb, Write};

/// The largest file accepted: well under the reader's own limit, and what an operator's
/// spreadsheet of a few hundred thousand rows comes to.
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// The audit entity of uploads.
pub const ENTITY: &str = "import";

/// How the user says the file should be read; `None` means "as detected".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choices {
    #[serde(default)]
    pub encoding: Option<TextEncoding>,
    #[serde(default)]
    pub delimiter: Option<u8>,
    #[serde(default)]
    pub sheet: Option<String>,
    #[serde(default)]
    pub header_row: Option<u64>,
    /// Column choices by header; automatic matching fills the columns not named.
    #[serde(default)]
    pub mapping: Option<SavedMapping>,
}

impl Choices {
    pub fn read_options(&self, format: Option<FileFormat>) -> ReadOptions {
        ReadOptions {
            format,
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: match &self.sheet {
                Some(name) if !name.trim().is_empty() => SheetChoice::Named(name.clone()),
                _ => SheetChoice::First,
            },
            ..ReadOptions::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub kind: ImportKind,
    /// The name the file had on the user's computer (shown, never used as a path).
    pub file_name: String,
    pub blob_key: String,
    pub size: u64,
    /// SHA-256 of the content, hex: the same file uploaded twice is recognisable.
    pub sha256: String,
    pub format: Option<FileFormat>,
    pub choices: Choices,
    /// Goes up each time the choices change, so jobs started before and after differ.
    pub revision: u32,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Upload {
    pub fn read_options(&self) -> ReadOptions {
        self.choices.read_options(self.format)
    }

    fn item(&self, db: &TenantDb) -> Item {
        let body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(keys::import_upload(db.namespace(), &self.id), body)
    }

    fn audit_value(&self) -> Value {
        serde_json::json!({
            "kind": self.kind,
            "file_name": self.file_name,
            "size": self.size,
            "sha256": self.sha256,
            "choices": self.choices,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("no file was sent")]
    NoFile,
    /// A direct upload was announced as done, but its file is not in the blob store.
    #[error("the file did not reach the blob store")]
    NotReceived,
    #[error("the file is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: u64 },
    #[error("no such upload")]
    NotFound,
    #[error("the upload was changed by someone else")]
    VersionMismatch,
    #[error("temporary file: {0}")]
    Local(#[from] std::io::Error),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A file being received: chunks go to a temporary file and a running hash, and the size is
/// checked as they come, so an oversized upload is refused after `limit` bytes, not at its end.
pub struct UploadSink {
    file: NamedTempFile,
    hash: Sha256,
    size: u64,
    limit: u64,
}

impl UploadSink {
    pub fn new(limit: u64) -> std::io::Result<Self> {
        Ok(Self {
            file: NamedTempFile::new()?,
            hash: Sha256::new(),
            size: 0,
            limit,
        })
    }

    /// Local disk writes of one request-sized chunk; short enough not to need a blocking thread.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(UploadError::TooLarge {
                limit_bytes: self.limit,
            });
        }
        self.hash.update(chunk);
        self.file.write_all(chunk)?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }
}

/// The format a file name says, when it says one (the reader detects it anyway).
pub(super) fn format_of(file_name: &str) -> Option<FileFormat> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        Some(FileFormat::Xlsx)
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        Some(FileFormat::Csv)
    } else {
        None
    }
}

/// Keeps the file name printable and short: it is shown back to people.
fn clean_name(file_name: &str) -> String {
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if name.trim().is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

/// Stores a received file and records it, with the tenant's saved mapping of `kind` as the
/// starting choices.
pub async fn create(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    kind: ImportKind,
    file_name: &str,
    sink: UploadSink,
) -> Result<Upload, UploadError> {
    let id = services.ids.new_id();
    create_as(
        services,
        tenant,
        audit,
        kind,
        file_name,
        &id,
        format_of(file_name),
        sink,
    )
    .await
}

/// [`create`] under a given id and format.
#[expect(
    clippy::too_many_arguments,
    reason = "create's parts plus the id and format a direct upload fixed"
)]
pub(super) async fn create_as(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    kind: ImportKind,
    file_name: &str,
    id: &str,
    format: Option<FileFormat>,
    sink: UploadSink,
) -> Result<Upload, UploadError> {
    if sink.size == 0 {
        return Err(UploadError::NoFile);
    }
    let (blob_key, content_type) = stored_as(tenant, id, format)?;
    let mut file = sink.file;
    file.flush()?;
    services
        .blobs
        .put_file(&blob_key, file.path(), content_type)
        .await?;
    let stored = Stored {
        id: id.to_owned(),
        blob_key,
        size: sink.size,
        sha256: hex(&sink.hash.finalize()),
        format,
    };
    register(services, tenant, audit, kind, file_name, stored).await
}

/// Where an upload's file goes in the blob store, and its content type.
fn stored_as(
    tenant: &TenantId,
    id: &str,
    format: Option<FileFormat>,
) -> Result<(String, &'static str), BlobError> {
    let (extension, content_type) = file_type(format);
    let key = blob_key(
        BlobCategory::Imports,
        tenant,
        &format!("uploads/{id}.{extension}"),
    )?;
    Ok((key, content_type))
}

/// The extension and content type a file of `format` is stored with (CSV unless it is a
/// workbook: the reader detects the rest).
pub(super) fn file_type(format: Option<FileFormat>) -> (&'static str, &'static str) {
    match format {
        Some(FileFormat::Xlsx) => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => ("csv", "text/csv"),
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file in the blob store, about to be recorded as an upload.
struct Stored {
    id: String,
    blob_key: String,
    size: u64,
    sha256: String,
    format: Option<FileFormat>,
}

/// Records a stored file as an upload with its audit entry (one transaction; the record must
/// not exist yet).
async fn register(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    kind: ImportKind,
    file_name: &str,
    stored: Stored,
) -> Result<Upload, UploadError> {
    let db = services.db.tenant(tenant);
    let mapping = crate::imports::load_mapping(&db, kind.slug()).await?;
    let now = services.clock.now();
    let upload = Upload {
        id: stored.id,
        kind,
        file_name: clean_name(file_name),
        blob_key: stored.blob_key,
        size: stored.size,
        sha256: stored.sha256,
        format: stored.format,
        choices: Choices {
            mapping,
            ..Choices::default()
        },
        revision: 1,
        created_by: Some(audit.actor.id()),
        created_at: now,
        updated_at: now,
    };
    let after = upload.audit_value();
    let (_, record) = audit.record(
        db.namespace(),
        services.ids.new_id(),
        now,
        &Change {
            action: "import.upload",
            entity_type: ENTITY,
            entity_id: &upload.id,
            before: None,
            after: Some(&after),
        },
    );
    db.transact(vec![
        Write::Put(Put {
            item: upload.item(&db),
            condition: Condition::MustNotExist,
        }),
        record,
    ])
    .await?;
    Ok(upload)
}

/// An upload of the tenant and its version.
pub async fn get(db: &TenantDb, id: &str) -> Result<Option<(Upload, u64)>, StoreError> {
    if !crate::subscribers::is_id(id) {
        return Ok(None);
    }
    match db.get(&keys::import_upload(db.namespace(), id)).await? {
        Some(item) => serde_json::from_value(Value::Object(item.body))
            .map(|upload| Some((upload, item.version)))
            .map_err(|e| StoreError::Backend(format!("unreadable import upload {id}: {e}"))),
        None => Ok(None),
    }
}

/// Saves new choices (a new revision when they differ) and remembers the mapping for the
/// tenant's next file of this kind.
pub async fn choose(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    id: &str,
    choices: Choices,
) -> Result<Upload, UploadError> {
    let db = services.db.tenant(tenant);
    let (current, version) = get(&db, id).await?.ok_or(UploadError::NotFound)?;
    if current.choices == choices {
        return Ok(current);
    }
    let now = services.clock.now();
    let updated = Upload {
        choices,
        revision: current.revision + 1,
        updated_at: now,
        ..current.clone()
    };
    let (before, after) = (current.audit_value(), updated.audit_value());
    let (_, record) = audit.record(
        db.namespace(),
        services.ids.new_id(),
        now,
        &Change {
            action: "import.choose",
            entity_type: ENTITY,
            entity_id: &updated.id,
            before: Some(&before),
            after: Some(&after),
        },
    );
    let put = Write::Put(Put {
        item: updated.item(&db),
        condition: Condition::VersionEquals(version),
    });
    match db.transact(vec![put, record]).await {
        Ok(()) => {}
        Err(StoreError::TransactionCancelled { .. }) => return Err(UploadError::VersionMismatch),
        Err(e) => return Err(e.into()),
    }
    if let Some(mapping) = &updated.choices.mapping {
        crate::imports::save_mapping(&db, updated.kind.slug(), mapping, now).await?;
    }
    Ok(updated)
}

/// The mapping step's view of an upload: what was detected, the header, the proposed mapping
/// and the first rows, read the way the upload's choices say.
pub async fn preview(
    services: &Services,
    upload: &Upload,
    sample_rows: usize,
) -> Result<crate::imports::Preview, PreviewError> {
    let file = crate::imports::Spooled::from_blob(
        services.blobs.as_ref(),
        &upload.blob_key,
        upload.read_options(),
    )
    .await
    .map_err(|e| match e {
        crate::imports::SpoolError::File(e) => PreviewError::File(e),
        other => PreviewError::Blob(other.to_string()),
    })?;
    crate::imports::preview(
        &file,
        upload.kind.schema(),
        upload.choices.mapping.as_ref(),
        upload.choices.header_row,
        sample_rows,
    )
    .await
    .map_err(PreviewError::File)
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The file cannot be read as a table (shown to the user with its reason).
    #[error(transparent)]
    File(#[from] crate::imports::FileError),
    #[error("blob store: {0}")]
    Blob(String),
}
