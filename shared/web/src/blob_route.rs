//! `GET /_blobs/{*key}` and `PUT /_blobs/{*key}`: downloads and uploads through the signed,
//! expiring links that the folder blob adapter hands out in place of S3 presigned URLs
//! (`crm dev`, embedded storage).
//!
//! The link is checked before storage is touched, so a bad link never reveals whether a blob
//! exists. Bodies are streamed, never read whole into memory; an upload goes to a temporary
//! file first and is stored only once complete and within [`LOCAL_UPLOAD_MAX_BYTES`].

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crm_app::blobs::{
    BlobError, Blobs, LOCAL_BLOB_ROUTE, LOCAL_UPLOAD_MAX_BYTES, LinkRejected, LocalBlobLinks,
};
use crm_app::clock::Clock;
use futures::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use crate::problem::Problem;

/// Chunk size of the streamed body.
const CHUNK_BYTES: usize = 64 * 1024;

const FALLBACK_CONTENT_TYPE: &str = "application/octet-stream";

#[derive(Clone)]
struct LinkState {
    blobs: Arc<dyn Blobs>,
    links: LocalBlobLinks,
    clock: Arc<dyn Clock>,
}

/// The download route. `links` must be made with the same signer as the adapter's links.
pub fn router(blobs: Arc<dyn Blobs>, links: LocalBlobLinks, clock: Arc<dyn Clock>) -> Router {
    Router::new()
        .route(
            &format!("{LOCAL_BLOB_ROUTE}/{{*key}}"),
            get(download).put(upload).layer(DefaultBodyLimit::disable()),
        )
        .with_state(LinkState {
            blobs,
            links,
            clock,
        })
}

/// Both optional so that a missing value is our 403, not the extractor's 400.
#[derive(Deserialize)]
struct LinkQuery {
    expires: Option<String>,
    signature: Option<String>,
}

type LinkCheck = fn(&LocalBlobLinks, &str, i64, &str, i64) -> Result<(), LinkRejected>;

/// The key of a genuine link that has not expired, as `check` judges it (a download link or an
/// upload link).
#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per refused link"
)]
fn linked_key(
    state: &LinkState,
    key: Result<Path<String>, PathRejection>,
    query: Result<Query<LinkQuery>, QueryRejection>,
    check: LinkCheck,
) -> Result<String, Problem> {
    // A path that does not decode to UTF-8 or a garbled query was not made by us.
    let (Ok(Path(key)), Ok(Query(query))) = (key, query) else {
        return Err(invalid_link());
    };
    let expires_at = query.expires.and_then(|raw| raw.parse::<i64>().ok());
    let (Some(expires_at), Some(signature)) = (expires_at, query.signature) else {
        return Err(invalid_link());
    };
    let now = state.clock.now().timestamp();
    check(&state.links, &key, expires_at, &signature, now).map_err(|rejected| match rejected {
        LinkRejected::Invalid => invalid_link(),
        LinkRejected::Expired => link_expired(),
    })?;
    Ok(key)
}

async fn download(
    State(state): State<LinkState>,
    key: Result<Path<String>, PathRejection>,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let key = linked_key(&state, key, query, LocalBlobLinks::check)?;

    let reader = state
        .blobs
        .open(&key)
        .await
        .map_err(|err| storage_problem(&key, &err))?;
    let Some(reader) = reader else {
        return Err(Problem::not_found().detail("The file behind this link no longer exists."));
    };
    // The type is a nicety: a failed lookup still serves the bytes, as octet-stream.
    let content_type = state.blobs.content_type(&key).await.unwrap_or_else(|err| {
        tracing::warn!(blob_key = %key, error = %err, "could not read blob content type");
        None
    });

    let body = Body::from_stream(ReaderStream::with_capacity(reader, CHUNK_BYTES));
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                content_type_header(content_type.as_deref()),
            ),
            (header::CONTENT_DISPOSITION, attachment(file_name(&key))),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            // Uploaded files are served from our own origin: never let a browser sniff one
            // into HTML or script.
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response())
}

/// Stores the request body at `key` when the link is a genuine upload link; 200 with no body,
/// as S3 answers a presigned PUT.
async fn upload(
    State(state): State<LinkState>,
    key: Result<Path<String>, PathRejection>,
    query: Result<Query<LinkQuery>, QueryRejection>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let key = linked_key(&state, key, query, LocalBlobLinks::check_upload)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or(FALLBACK_CONTENT_TYPE)
        .to_owned();
    let spooled = spool(body).await?;
    state
        .blobs
        .put_file(&key, &spooled, &content_type)
        .await
        .map_err(|err| storage_problem(&key, &err))?;
    Ok(StatusCode::OK.into_response())
}

/// The body in a temporary file, refused past [`LOCAL_UPLOAD_MAX_BYTES`].
async fn spool(body: Body) -> Result<tempfile::TempPath, Problem> {
    let internal = |err: std::io::Error| {
        tracing::error!(error = %err, "could not spool an upload");
        Problem::internal()
    };
    let path = tempfile::NamedTempFile::new()
        .map_err(internal)?
        .into_temp_path();
    let mut file = tokio::fs::File::create(&path).await.map_err(internal)?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            Problem::bad_request("upload_interrupted", "The upload was interrupted.")
        })?;
        size += chunk.len() as u64;
        if size > LOCAL_UPLOAD_MAX_BYTES {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "File too large",
            )
            .detail(format!(
                "Files up to {} MB are accepted.",
                LOCAL_UPLOAD_MAX_BYTES / (1024 * 1024)
            )));
        }
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    Ok(path)
}

fn invalid_link() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "invalid_link", "Invalid link")
        .detail("This link is not valid. Ask for a new one.")
}

fn link_expired() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "link_expired", "Link expired")
        .detail("This link has expired. Ask for a new one.")
}

/// Logged here, once; the client gets no internals.
fn storage_problem(key: &str, err: &BlobError) -> Problem {
    match err {
        // The link is genuine, but the key is one the store refuses: nothing to serve there.
        BlobError::InvalidKey(_) | BlobError::NotFound(_) => Problem::not_found(),
        BlobError::Unavailable(_) => {
            tracing::error!(blob_key = %key, error = %err, "blob store unavailable for a download");
            Problem::unavailable("The file store is not reachable. Try again shortly.")
        }
        BlobError::Io(_) => {
            tracing::error!(blob_key = %key, error = %err, "could not open a blob for download");
            Problem::internal()
        }
    }
}

fn content_type_header(content_type: Option<&str>) -> HeaderValue {
    content_type
        .and_then(|value| HeaderValue::from_str(value).ok())
        .unwrap_or_else(|| HeaderValue::from_static(FALLBACK_CONTENT_TYPE))
}

fn file_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// `attachment` with the file name (RFC 6266): a quoted ASCII `filename` every client reads,
/// plus `filename*` in UTF-8 (RFC 8187) when the name is not plain ASCII.
fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if ascii != name {
        value.push_str("; filename*=UTF-8''");
        value.push_str(&ext_value(name));
    }
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Percent-encodes every byte outside RFC 8187's `attr-char`.
fn ext_value(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path as FsPath;
    use std::sync::Mutex;
    use std::time::Duration;

    use async_trait::async_trait;
    use axum::http::Request;
    use bytes::Bytes;
    use chrono::{DateTime, Utc};
    use crm_app::blobs::{BlobMeta, BlobReader, check_key};
    use crm_app::clock::FixedClock;
    use crm_app::signing::Signer;
    use tower::ServiceExt;

    use super::*;

    /// Blobs in memory: `key -> (bytes, content type)`.
    #[derive(Default)]
    struct MemoryBlobs(Mutex<BTreeMap<String, (Bytes, String)>>);

    impl MemoryBlobs {
        fn entry(&self, key: &str) -> Option<(Bytes, String)> {
            self.0.lock().unwrap().get(key).cloned()
        }
    }

    #[async_trait]
    impl Blobs for MemoryBlobs {
        async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
            check_key(key)?;
            self.0
                .lock()
                .unwrap()
                .insert(key.to_owned(), (bytes, content_type.to_owned()));
            Ok(())
        }
        async fn put_file(&self, key: &str, path: &FsPath, ct: &str) -> Result<(), BlobError> {
            let bytes = tokio::fs::read(path).await?;
            self.put(key, bytes.into(), ct).await
        }
        async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
            Ok(self.entry(key).map(|(bytes, _)| bytes))
        }
        async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError> {
            check_key(key)?;
            Ok(self
                .entry(key)
                .map(|(bytes, _)| Box::pin(std::io::Cursor::new(bytes)) as BlobReader))
        }
        async fn delete(&self, key: &str) -> Result<(), BlobError> {
            self.0.lock().unwrap().remove(key);
            Ok(())
        }
        async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
            let map = self.0.lock().unwrap();
            Ok(map
                .iter()
                .filter(|(key, _)| key.starts_with(prefix))
                .map(|(key, (bytes, _))| BlobMeta {
                    key: key.clone(),
                    size: bytes.len() as u64,
                    last_modified: None,
                })
                .collect())
        }
        async fn presign_get(&self, _: &str, _: Duration) -> Result<String, BlobError> {
            Err(BlobError::Unavailable("not used by these tests".into()))
        }
        async fn presign_put(&self, _: &str, _: &str, _: Duration) -> Result<String, BlobError> {
            Err(BlobError::Unavailable("not used by these tests".into()))
        }
        async fn ping(&self) -> Result<(), BlobError> {
            Ok(())
        }
        async fn content_type(&self, key: &str) -> Result<Option<String>, BlobError> {
            Ok(self
                .entry(key)
                .map(|(_, ct)| ct)
                .filter(|ct| !ct.is_empty()))
        }
    }

    const NOW: i64 = 1_800_000_000;

    struct Fixture {
        app: Router,
        links: LocalBlobLinks,
        blobs: Arc<MemoryBlobs>,
    }

    fn fixture() -> Fixture {
        let links = LocalBlobLinks::new("http://files.test", &Signer::new(&[5; 32]).unwrap());
        let blobs = Arc::new(MemoryBlobs::default());
        let at = DateTime::<Utc>::from_timestamp(NOW, 0).unwrap();
        let app = router(blobs.clone(), links.clone(), Arc::new(FixedClock::new(at)));
        Fixture { app, links, blobs }
    }

    impl Fixture {
        async fn put(&self, key: &str, body: &'static [u8], content_type: &str) {
            self.blobs
                .put(key, Bytes::from_static(body), content_type)
                .await
                .unwrap();
        }

        /// The path and query of a link, as a browser would request it.
        fn link(&self, key: &str, expires_at: i64) -> String {
            let url = self.links.url(key, expires_at);
            url.strip_prefix("http://files.test").unwrap().to_owned()
        }

        async fn get(&self, uri: &str) -> (StatusCode, axum::http::HeaderMap, Bytes) {
            let request = Request::get(uri).body(Body::empty()).unwrap();
            let response = self.app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, headers, body)
        }

        async fn problem_code(&self, uri: &str) -> (StatusCode, String) {
            let (status, headers, body) = self.get(uri).await;
            assert_eq!(headers[header::CONTENT_TYPE], crate::problem::CONTENT_TYPE);
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            (status, json["code"].as_str().unwrap().to_owned())
        }
    }

    #[tokio::test]
    async fn a_valid_link_streams_the_blob_as_an_attachment() {
        let f = fixture();
        f.put("exports/demo/list.csv", b"a;b\n1;2\n", "text/csv")
            .await;
        let (status, headers, body) = f.get(&f.link("exports/demo/list.csv", NOW + 60)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "a;b\n1;2\n");
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"list.csv\""
        );
        assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[tokio::test]
    async fn keys_with_spaces_and_cyrillic_round_trip_through_the_url() {
        let f = fixture();
        let key = "documents/demo/Счёт за май 2026.pdf";
        f.put(key, b"%PDF", "application/pdf").await;
        let uri = f.link(key, NOW + 60);
        assert!(uri.contains("%D0%A1"), "{uri}");
        assert!(uri.contains("%20"), "{uri}");
        let (status, headers, body) = f.get(&uri).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "%PDF");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"____ __ ___ 2026.pdf\"; \
             filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%D0%B7%D0%B0%20%D0%BC%D0%B0%D0%B9%202026.pdf"
        );
    }

    #[tokio::test]
    async fn unknown_content_type_is_served_as_octet_stream() {
        let f = fixture();
        f.put("imports/demo/raw", b"x", "").await;
        let (status, headers, _) = f.get(&f.link("imports/demo/raw", NOW + 60)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    }

    #[tokio::test]
    async fn a_valid_link_to_an_absent_blob_is_not_found() {
        let f = fixture();
        let (status, code) = f
            .problem_code(&f.link("exports/demo/gone.csv", NOW + 60))
            .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
    }

    #[tokio::test]
    async fn an_expired_link_is_refused() {
        let f = fixture();
        f.put("exports/demo/list.csv", b"x", "text/csv").await;
        for expires_at in [NOW, NOW - 3600] {
            let (status, code) = f
                .problem_code(&f.link("exports/demo/list.csv", expires_at))
                .await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::FORBIDDEN, "link_expired")
            );
        }
    }

    #[tokio::test]
    async fn broken_links_are_refused_whether_or_not_the_blob_exists() {
        let f = fixture();
        f.put("exports/demo/list.csv", b"x", "text/csv").await;
        let good = f.link("exports/demo/list.csv", NOW + 60);
        let (path, query) = good.split_once('?').unwrap();
        let signature = query.split("signature=").nth(1).unwrap();
        let mut flipped = signature.to_owned();
        let last = if flipped.pop() == Some('A') { 'B' } else { 'A' };
        flipped.push(last);
        let cases = [
            path.to_owned(),
            format!("{path}?expires={}", NOW + 60),
            format!("{path}?signature={signature}"),
            format!("{path}?expires=soon&signature={signature}"),
            format!("{path}?expires={}&signature={flipped}", NOW + 60),
            // A longer life than the one signed.
            format!("{path}?expires={}&signature={signature}", NOW + 6000),
            // Another key with this key's signature, present or not.
            format!("/_blobs/exports/demo/other.csv?{query}"),
            format!("/_blobs/exports/demo/list.csv%00?{query}"),
            format!("/_blobs/exports/demo/%FF?{query}"),
        ];
        for uri in cases {
            let (status, code) = f.problem_code(&uri).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::FORBIDDEN, "invalid_link"),
                "{uri}"
            );
        }
    }

    #[tokio::test]
    async fn a_forged_link_that_is_also_old_says_invalid_not_expired() {
        let f = fixture();
        let uri = format!("/_blobs/exports/demo/x?expires={}&signature=AAAA", NOW - 10);
        let (status, code) = f.problem_code(&uri).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "invalid_link")
        );
    }
}
