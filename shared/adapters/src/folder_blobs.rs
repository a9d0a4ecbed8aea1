//! The `Blobs` port on a local folder, for `crm dev` and fast tests.
//!
//! Layout under `root`:
//!
//! ```text
//! blobs/<key>   the bytes; key segments are directories
//! meta/<key>    {"content_type": "..."} for the blob at the same path
//! tmp/          writes in progress, renamed into place when complete
//! ```
//!
//! Bytes and metadata live in parallel trees so that no key, whatever its name, can collide with
//! another blob's metadata or with a temporary file, and `list` sees nothing but blobs. Writes go
//! to `tmp/` and are renamed into place; `tmp/` is on the same file system, so the rename is
//! atomic and readers see the old blob or the new one, never half a file.
//!
//! Two differences from S3, both from mapping keys onto a file system: a key cannot be both a
//! blob and a "folder" of other blobs (`a` and `a/b`; the second write fails), and a key segment
//! is limited to the file system's name length (255 bytes on common ones). Keys made by
//! `blob_key` do neither. Directories emptied by `delete` stay; `list` ignores them.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use crm_app::blobs::{
    BlobError, BlobMeta, BlobReader, Blobs, LocalBlobLinks, check_key, check_prefix,
};
use serde::{Deserialize, Serialize};
use tokio::io::BufReader;

/// Read buffer for `open`: large enough that streaming a big import is not a syscall per line.
const READ_BUFFER_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct FolderBlobs {
    root: PathBuf,
    links: LocalBlobLinks,
}

#[derive(Serialize, Deserialize)]
struct Sidecar {
    content_type: String,
}

impl FolderBlobs {
    /// Blobs under `root`, which is created on first write. `links` makes the presigned URLs;
    /// the route that serves them must use the same signer.
    pub fn new(root: PathBuf, links: LocalBlobLinks) -> FolderBlobs {
        FolderBlobs { root, links }
    }

    fn blob_path(&self, key: &str) -> PathBuf {
        self.root.join("blobs").join(key)
    }

    fn meta_path(&self, key: &str) -> PathBuf {
        self.root.join("meta").join(key)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh path in `tmp/` for one write.
    async fn tmp_path(&self) -> Result<PathBuf, BlobError> {
        let dir = self.tmp_dir();
        tokio::fs::create_dir_all(&dir).await?;
        Ok(dir.join(uuid::Uuid::new_v4().simple().to_string()))
    }

    /// Moves a finished temporary file to `target`, creating its directories. On failure the
    /// temporary file is removed so `tmp/` does not fill up.
    async fn commit(&self, tmp: &Path, target: &Path) -> Result<(), BlobError> {
        let result = async {
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::rename(tmp, target).await
        }
        .await;
        if result.is_err() {
            remove_if_present(tmp).await;
        }
        Ok(result?)
    }

    async fn write_bytes(&self, target: &Path, bytes: &[u8]) -> Result<(), BlobError> {
        let tmp = self.tmp_path().await?;
        if let Err(err) = tokio::fs::write(&tmp, bytes).await {
            remove_if_present(&tmp).await;
            return Err(err.into());
        }
        self.commit(&tmp, target).await
    }

    /// Writes the content type first: a reader may briefly see the new type with the old
    /// bytes on overwrite, but never a blob without its type.
    async fn write_content_type(&self, key: &str, content_type: &str) -> Result<(), BlobError> {
        let sidecar = Sidecar {
            content_type: content_type.to_owned(),
        };
        let json = serde_json::to_vec(&sidecar)
            .map_err(|err| BlobError::Io(std::io::Error::other(err)))?;
        self.write_bytes(&self.meta_path(key), &json).await
    }

    /// Every blob file under `dir` (recursively), as keys relative to `blobs/`.
    async fn walk(&self, dir: PathBuf) -> Result<Vec<BlobMeta>, BlobError> {
        let base = self.root.join("blobs");
        let mut found = Vec::new();
        let mut pending = vec![dir];
        while let Some(dir) = pending.pop() {
            let Some(mut entries) = absent_as_none(tokio::fs::read_dir(&dir).await)? else {
                continue;
            };
            while let Some(entry) = entries.next_entry().await? {
                // Symlinks are neither followed nor listed: only what we wrote is a blob.
                let file_type = entry.file_type().await?;
                let path = entry.path();
                if file_type.is_dir() {
                    pending.push(path);
                } else if file_type.is_file()
                    && let Some(key) = key_of(&base, &path)
                {
                    let metadata = entry.metadata().await?;
                    found.push(BlobMeta {
                        key,
                        size: metadata.len(),
                        last_modified: metadata.modified().ok().map(DateTime::<Utc>::from),
                    });
                }
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl Blobs for FolderBlobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        self.write_content_type(key, content_type).await?;
        self.write_bytes(&self.blob_path(key), &bytes).await
    }

    async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        self.write_content_type(key, content_type).await?;
        let tmp = self.tmp_path().await?;
        // `copy` runs on the blocking pool and never holds the whole file in memory.
        if let Err(err) = tokio::fs::copy(path, &tmp).await {
            remove_if_present(&tmp).await;
            return Err(err.into());
        }
        self.commit(&tmp, &self.blob_path(key)).await
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        check_key(key)?;
        let bytes = absent_as_none(tokio::fs::read(self.blob_path(key)).await)?;
        Ok(bytes.map(Bytes::from))
    }

    async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError> {
        check_key(key)?;
        let Some(file) = absent_as_none(tokio::fs::File::open(self.blob_path(key)).await)? else {
            return Ok(None);
        };
        // Opening a directory succeeds on Unix; the key of a "folder" is not a blob.
        if !file.metadata().await?.is_file() {
            return Ok(None);
        }
        Ok(Some(Box::pin(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            file,
        ))))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        remove_file_if_present(&self.blob_path(key)).await?;
        remove_file_if_present(&self.meta_path(key)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        check_prefix(prefix)?;
        // Walk only the deepest directory the prefix names in full, then filter: the prefix
        // may end inside a segment (`imports/demo/20` matches `imports/demo/2026/...`).
        let dir = match prefix.rfind('/') {
            Some(end) => self.blob_path(&prefix[..end]),
            None => self.root.join("blobs"),
        };
        let mut found = self.walk(dir).await?;
        found.retain(|meta| meta.key.starts_with(prefix));
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, BlobError> {
        check_key(key)?;
        let expires_in = i64::try_from(expires_in.as_secs()).unwrap_or(i64::MAX);
        let expires_at = Utc::now().timestamp().saturating_add(expires_in);
        Ok(self.links.url(key, expires_at))
    }

    /// A link to the local upload route (`PUT /_blobs/<key>`); the route takes the type from
    /// the request.
    async fn presign_put(
        &self,
        key: &str,
        _content_type: &str,
        expires_in: Duration,
    ) -> Result<String, BlobError> {
        check_key(key)?;
        let expires_in = i64::try_from(expires_in.as_secs()).unwrap_or(i64::MAX);
        let expires_at = Utc::now().timestamp().saturating_add(expires_in);
        Ok(self.links.upload_url(key, expires_at))
    }

    /// Ready when the folders exist or can be made.
    async fn ping(&self) -> Result<(), BlobError> {
        for dir in ["blobs", "meta", "tmp"] {
            tokio::fs::create_dir_all(self.root.join(dir)).await?;
        }
        Ok(())
    }

    async fn content_type(&self, key: &str) -> Result<Option<String>, BlobError> {
        check_key(key)?;
        // A sidecar can outlive its blob when a write fails after the type was written.
        let blob = absent_as_none(tokio::fs::metadata(self.blob_path(key)).await)?;
        if !blob.is_some_and(|metadata| metadata.is_file()) {
            return Ok(None);
        }
        let Some(json) = absent_as_none(tokio::fs::read(self.meta_path(key)).await)? else {
            return Ok(None);
        };
        // A damaged sidecar loses only the type; the blob itself is still served.
        Ok(serde_json::from_slice::<Sidecar>(&json)
            .ok()
            .map(|sidecar| sidecar.content_type))
    }
}

/// `Ok(None)` when the path does not exist, or when a directory stands where a blob file would
/// (or the other way round): to callers, none of these is a blob.
fn absent_as_none<T>(result: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::NotFound | ErrorKind::IsADirectory | ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Removes a blob or sidecar file. A directory in its place is another key's folder, not this
/// key, and stays (unlinking one fails with a different error per OS).
async fn remove_file_if_present(path: &Path) -> Result<(), BlobError> {
    let Some(metadata) = absent_as_none(tokio::fs::symlink_metadata(path).await)? else {
        return Ok(());
    };
    if metadata.is_dir() {
        return Ok(());
    }
    absent_as_none(tokio::fs::remove_file(path).await)?;
    Ok(())
}

/// Best-effort cleanup of a temporary file after a failed write.
async fn remove_if_present(path: &Path) {
    if let Err(err) = tokio::fs::remove_file(path).await
        && err.kind() != ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %err, "could not remove temporary blob file");
    }
}

/// The key of the file at `path` under `base`, `None` for names that no valid key produces.
fn key_of(base: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(base).ok()?;
    let segments = relative
        .components()
        .map(|part| part.as_os_str().to_str())
        .collect::<Option<Vec<_>>>()?;
    let key = segments.join("/");
    check_key(&key).ok()?;
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_app::signing::Signer;

    fn blobs(root: &Path) -> FolderBlobs {
        let signer = Signer::new(&[3; 32]).unwrap();
        FolderBlobs::new(
            root.to_path_buf(),
            LocalBlobLinks::new("http://127.0.0.1:1", &signer),
        )
    }

    #[tokio::test]
    async fn sidecars_and_temporary_files_are_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = blobs(dir.path());
        blobs
            .put("a/x.csv", Bytes::from_static(b"1"), "text/csv")
            .await
            .unwrap();
        // A stray temporary file, as left by a crash mid-write.
        tokio::fs::write(dir.path().join("tmp/stray"), b"half")
            .await
            .unwrap();
        let keys: Vec<_> = blobs
            .list("")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key)
            .collect();
        assert_eq!(keys, ["a/x.csv"]);
        assert_eq!(
            blobs.content_type("a/x.csv").await.unwrap().as_deref(),
            Some("text/csv")
        );
    }

    #[tokio::test]
    async fn keys_that_look_like_sidecars_are_ordinary_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = blobs(dir.path());
        blobs
            .put("x", Bytes::from_static(b"1"), "text/plain")
            .await
            .unwrap();
        blobs
            .put("x.meta", Bytes::from_static(b"22"), "image/png")
            .await
            .unwrap();
        assert_eq!(blobs.get("x").await.unwrap().unwrap(), "1");
        assert_eq!(
            blobs.content_type("x").await.unwrap().as_deref(),
            Some("text/plain")
        );
        assert_eq!(blobs.list("x").await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_folder_is_not_a_blob() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = blobs(dir.path());
        blobs
            .put("a/b", Bytes::from_static(b"1"), "text/plain")
            .await
            .unwrap();
        assert!(blobs.get("a").await.unwrap().is_none());
        assert!(blobs.open("a").await.unwrap().is_none());
        assert!(blobs.get("a/b/c").await.unwrap().is_none());
        blobs.delete("a").await.unwrap();
        // The documented difference from S3: `a` cannot be a blob while `a/b` exists.
        assert!(
            blobs
                .put("a", Bytes::from_static(b"2"), "text/plain")
                .await
                .is_err()
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlinks_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        tokio::fs::write(outside.path().join("secret"), b"s")
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let blobs = blobs(dir.path());
        blobs.ping().await.unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("blobs/link")).unwrap();
        assert!(blobs.list("").await.unwrap().is_empty());
    }
}
