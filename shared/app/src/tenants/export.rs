//! The export of a closing tenant's data, run by the documents worker: one JSON object per
//! line in `exports/<tenant>/<export id>.jsonl`: first the tenant record, then its domains,
//! then every item of the tenant namespace (key, version, expiry, index keys, body). The file
//! is written to a temporary file and uploaded without holding it in memory.

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use super::edit::update_record;
use super::items::TenantItems;
use super::record::{ExportStatus, TenantExport};
use super::{TenantError, get};
use crate::Services;
use crate::audit::Audit;
use crate::blobs::{BlobCategory, BlobError, blob_key};
use crate::domains;
use crate::store::{Index, Item};

/// What an export run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportOutcome {
    /// Written and recorded on the tenant.
    Written { blob_key: String, items: u64 },
    /// The tenant asked for a newer export since; this one was not run.
    Superseded,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::store::StoreError> for ExportError {
    fn from(error: crate::store::StoreError) -> Self {
        ExportError::Tenant(error.into())
    }
}

pub const CONTENT_TYPE: &str = "application/x-ndjson";

/// Writes export `export_id` of `tenant`. Safe to run twice: the file name is fixed by the
/// id, and a finished export is recorded once.
pub async fn run(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
) -> Result<ExportOutcome, ExportError> {
    let record = get(&services.db, tenant)
        .await?
        .ok_or(TenantError::NotFound)?;
    match &record.export {
        Some(export) if export.id == export_id => {
            if let (ExportStatus::Ready, Some(key)) = (export.status, &export.blob_key) {
                return Ok(ExportOutcome::Written {
                    blob_key: key.clone(),
                    items: export.items.unwrap_or(0),
                });
            }
        }
        _ => return Ok(ExportOutcome::Superseded),
    }
    let path = std::env::temp_dir().join(format!("crm-export-{tenant}-{export_id}.jsonl"));
    let written = write_file(services, tenant, &path).await;
    let result = match written {
        Ok(items) => upload(services, tenant, export_id, &path, items).await,
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&path).await;
    result
}

async fn write_file(
    services: &Services,
    tenant: &TenantId,
    path: &std::path::Path,
) -> Result<u64, ExportError> {
    let file = tokio::fs::File::create(path).await?;
    let mut out = tokio::io::BufWriter::new(file);
    let record = get(&services.db, tenant)
        .await?
        .ok_or(TenantError::NotFound)?;
    line(
        &mut out,
        &json!({"kind": "tenant", "record": record.to_value()}),
    )
    .await?;
    for domain in domains::list(&services.db, tenant).await? {
        line(&mut out, &json!({"kind": "domain", "record": domain})).await?;
    }
    let mut items = TenantItems::new(&services.db, tenant);
    let mut count = 0_u64;
    while let Some(page) = items.next_page().await? {
        for item in &page {
            line(&mut out, &item_json(item)).await?;
            count += 1;
        }
    }
    out.flush().await?;
    Ok(count)
}

async fn upload(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
    path: &std::path::Path,
    items: u64,
) -> Result<ExportOutcome, ExportError> {
    let key = blob_key(BlobCategory::Exports, tenant, &format!("{export_id}.jsonl"))?;
    services.blobs.put_file(&key, path, CONTENT_TYPE).await?;
    let finished = finish(services, tenant, export_id, &key, items).await?;
    Ok(if finished {
        ExportOutcome::Written {
            blob_key: key,
            items,
        }
    } else {
        ExportOutcome::Superseded
    })
}

/// Records the finished export on the tenant, unless a newer one was asked for meanwhile.
async fn finish(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
    key: &str,
    items: u64,
) -> Result<bool, TenantError> {
    let mut current = true;
    let now: DateTime<Utc> = services.clock.now();
    update_record(
        services,
        &Audit::system("documents"),
        tenant,
        "tenant.export_ready",
        None,
        |record, _| {
            match &record.export {
                Some(export) if export.id == export_id => {
                    record.export = Some(TenantExport {
                        status: ExportStatus::Ready,
                        finished_at: Some(now),
                        blob_key: Some(key.to_owned()),
                        items: Some(items),
                        ..export.clone()
                    });
                }
                _ => current = false,
            }
            Ok(())
        },
    )
    .await?;
    Ok(current)
}

fn item_json(item: &Item) -> Value {
    let indexes: serde_json::Map<String, Value> = Index::GSIS
        .iter()
        .filter_map(|index| {
            let key = item.key_in(*index)?;
            let name = index.def()?.name;
            Some((name.to_owned(), json!({"pk": key.pk, "sk": key.sk})))
        })
        .collect();
    json!({
        "kind": "item",
        "pk": item.key.pk,
        "sk": item.key.sk,
        "version": item.version,
        "expires_at": item.expires_at,
        "indexes": indexes,
        "body": item.body,
    })
}

async fn line(
    out: &mut tokio::io::BufWriter<tokio::fs::File>,
    value: &Value,
) -> Result<(), std::io::Error> {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    out.write_all(text.as_bytes()).await
}
