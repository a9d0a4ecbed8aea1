//! The `Blobs` port: files (imports, documents, exports, logos) in S3 or in a local folder.
//!
//! Blob keys are built by [`blob_key`]: `<category>/<tenant>/<name>`, category first so that
//! bucket lifecycle rules (exports expire) can match a prefix.

use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use tokio::io::AsyncRead;

use crate::signing::Signer;

pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobCategory {
    Imports,
    Documents,
    /// Expire after a while (bucket lifecycle rule on `exports/`).
    Exports,
    Branding,
    /// Files put through a direct upload link, until the upload is recorded under `imports/`;
    /// what is left behind expires after a day (bucket lifecycle rule on `incoming/`).
    Incoming,
}

impl BlobCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            BlobCategory::Imports => "imports",
            BlobCategory::Documents => "documents",
            BlobCategory::Exports => "exports",
            BlobCategory::Branding => "branding",
            BlobCategory::Incoming => "incoming",
        }
    }
}

/// The key of a tenant's blob. `name` may contain `/` for sub-folders but no `..` segment.
pub fn blob_key(
    category: BlobCategory,
    tenant: &TenantId,
    name: &str,
) -> Result<String, BlobError> {
    check_key(name)?;
    Ok(format!("{}/{}/{}", category.as_str(), tenant, name))
}

/// Refuses keys that could escape a folder or confuse S3: empty, absolute, `.`/`..` segments,
/// backslashes, control characters, over 1024 bytes.
pub fn check_key(key: &str) -> Result<(), BlobError> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.contains('\\')
        || key.chars().any(char::is_control)
        || key
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..");
    if bad {
        Err(BlobError::InvalidKey(key.to_owned()))
    } else {
        Ok(())
    }
}

/// Refuses list prefixes that [`check_key`] would refuse, except that the empty prefix (every
/// blob) and one trailing `/` (a "folder") are fine.
pub fn check_prefix(prefix: &str) -> Result<(), BlobError> {
    if prefix.is_empty() {
        return Ok(());
    }
    check_key(prefix.strip_suffix('/').unwrap_or(prefix))
        .map_err(|_| BlobError::InvalidKey(prefix.to_owned()))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobMeta {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid blob key `{0}`")]
    InvalidKey(String),
    #[error("blob `{0}` not found")]
    NotFound(String),
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    #[error("blob I/O: {0}")]
    Io(#[from] std::io::Error),
}

#[async_trait]
pub trait Blobs: Send + Sync {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError>;
    /// Uploads a local file without reading it into memory.
    async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), BlobError>;
    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError>;
    /// Streams a blob (large imports): `None` when absent.
    async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError>;
    /// Deleting an absent blob succeeds.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Every blob whose key starts with `prefix`, ordered by key.
    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError>;
    /// A URL anyone can GET the blob from until `expires_in` has passed.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, BlobError>;
    /// A URL a browser can PUT the blob's bytes to (with this `Content-Type`) until
    /// `expires_in` has passed: large import files go straight to the store instead of through
    /// API Gateway and Lambda, whose requests stop at 10 MB and 6 MB.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, BlobError>;
    async fn ping(&self) -> Result<(), BlobError>;
    /// The content type given when the blob was written, `None` when absent or unknown. The
    /// local download route needs it; S3 presigned URLs carry it themselves.
    async fn content_type(&self, key: &str) -> Result<Option<String>, BlobError> {
        check_key(key)?;
        Ok(None)
    }
}

/// Signed, expiring links to `/_blobs/<key>` for the folder adapter, standing in for S3
/// presigned URLs. The route that serves them checks the signature with the same signer.
#[derive(Clone, Debug)]
pub struct LocalBlobLinks {
    base_url: String,
    signer: Signer,
    /// Upload links are signed apart, so a download link never lets anyone write.
    upload_signer: Signer,
}

pub const LOCAL_BLOB_ROUTE: &str = "/_blobs";

/// The largest body the local upload route takes; what a caller accepts is its own check (an
/// import file: `imports::flow::MAX_UPLOAD_BYTES`).
pub const LOCAL_UPLOAD_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// Why [`LocalBlobLinks::check`] refused a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRejected {
    /// Not made by us for this key and expiry (tampered, truncated, or another key's link).
    Invalid,
    /// Genuine, but its time has passed.
    Expired,
}

impl LocalBlobLinks {
    pub fn new(base_url: &str, signer: &Signer) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            signer: signer.for_purpose("local-blob-link"),
            upload_signer: signer.for_purpose("local-blob-upload"),
        }
    }

    /// A link to PUT `key`'s bytes to until `expires_at` (the folder adapter's presigned PUT).
    /// Relative to the origin: every host of the platform serves the route, and a tenant's
    /// page (`demo.localhost`) may only PUT to its own origin without CORS.
    pub fn upload_url(&self, key: &str, expires_at: i64) -> String {
        Self::signed_path(&self.upload_signer, key, expires_at)
    }

    /// Like [`Self::check`], for an upload link.
    pub fn check_upload(
        &self,
        key: &str,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkRejected> {
        Self::check_with(&self.upload_signer, key, expires_at, signature, now)
    }

    pub fn url(&self, key: &str, expires_at: i64) -> String {
        format!(
            "{}{}",
            self.base_url,
            Self::signed_path(&self.signer, key, expires_at)
        )
    }

    /// `/_blobs/<key>?expires=…&signature=…`, signed by `signer`.
    fn signed_path(signer: &Signer, key: &str, expires_at: i64) -> String {
        let signature = signer.sign(Self::message(key, expires_at).as_bytes());
        format!(
            "{LOCAL_BLOB_ROUTE}/{}?expires={expires_at}&signature={signature}",
            encode_path(key)
        )
    }

    /// Whether a link for `key` with these query values is genuine and still valid at `now`.
    pub fn verify(&self, key: &str, expires_at: i64, signature: &str, now: i64) -> bool {
        self.check(key, expires_at, signature, now).is_ok()
    }

    /// Like [`Self::verify`], but says why a link is refused. The signature is checked first,
    /// so a forged link is never reported as merely expired.
    pub fn check(
        &self,
        key: &str,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkRejected> {
        Self::check_with(&self.signer, key, expires_at, signature, now)
    }

    fn check_with(
        signer: &Signer,
        key: &str,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkRejected> {
        if !signer.verify(Self::message(key, expires_at).as_bytes(), signature) {
            return Err(LinkRejected::Invalid);
        }
        if now >= expires_at {
            return Err(LinkRejected::Expired);
        }
        Ok(())
    }

    fn message(key: &str, expires_at: i64) -> String {
        format!("{key}\n{expires_at}")
    }
}

/// Percent-encodes a key for a URL path, keeping `/` as the separator.
fn encode_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        let demo = TenantId::parse("demo").unwrap();
        assert_eq!(
            blob_key(BlobCategory::Exports, &demo, "2026/list.csv").unwrap(),
            "exports/demo/2026/list.csv"
        );
        for bad in ["", "../x", "a/../b", "/abs", "a//b", "a\\b", "a/./b", "x\n"] {
            assert!(
                blob_key(BlobCategory::Imports, &demo, bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn local_links_expire_and_resist_tampering() {
        let links = LocalBlobLinks::new("http://127.0.0.1:3000/", &Signer::new(&[1; 32]).unwrap());
        let url = links.url("exports/demo/a b.csv", 1_000);
        assert!(url.starts_with(
            "http://127.0.0.1:3000/_blobs/exports/demo/a%20b.csv?expires=1000&signature="
        ));
        let signature = url.rsplit("signature=").next().unwrap();
        assert!(links.verify("exports/demo/a b.csv", 1_000, signature, 999));
        assert!(!links.verify("exports/demo/a b.csv", 1_000, signature, 1_000));
        assert!(!links.verify("exports/other/a b.csv", 1_000, signature, 999));
        assert!(!links.verify("exports/demo/a b.csv", 2_000, signature, 999));
        assert_eq!(
            links.check("exports/demo/a b.csv", 1_000, signature, 1_000),
            Err(LinkRejected::Expired)
        );
        assert_eq!(
            links.check("exports/demo/a b.csv", 2_000, signature, 3_000),
            Err(LinkRejected::Invalid)
        );
    }

    #[test]
    fn prefixes() {
        for good in ["", "imports/", "imports/demo/20", "imports/demo/"] {
            assert!(check_prefix(good).is_ok(), "{good:?}");
        }
        for bad in ["/", "../", "a//", "a/../", "/abs", "a\\b"] {
            assert!(check_prefix(bad).is_err(), "{bad:?}");
        }
    }
}
