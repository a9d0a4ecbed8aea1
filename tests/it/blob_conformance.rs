//! The `Blobs` conformance suite: each case is written once and run against the folder adapter
//! (a temporary folder, its download route served on a loopback socket) as `folder::<case>` and
//! against the S3 adapter on the moto server as `s3::<case>`.
//!
//! moto serves presigned URLs without checking their signature or expiry, so link expiry and
//! tampering are asserted on the folder adapter only; `s3::moto_ignores_presigned_expiry_and_signature`
//! pins that gap, and fails (to be moved into the shared cases) if moto starts enforcing them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crm_adapters::folder_blobs::FolderBlobs;
use crm_adapters::s3_blobs::{S3Blobs, create_bucket};
use crm_app::blobs::{BlobError, Blobs, LocalBlobLinks};
use crm_app::clock::SystemClock;
use crm_app::signing::Signer;
use tempfile::TempDir;
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use crate::support::moto;

/// One adapter under test, with whatever keeps it alive.
struct Fixture {
    blobs: Arc<dyn Blobs>,
    /// Where the folder adapter's routes are served (its upload links are relative to it).
    base_url: String,
    _folder: Option<TempDir>,
    server: Option<JoinHandle<()>>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

impl Fixture {
    /// Folder blobs in a temporary folder; the links point at the download route, served on a
    /// free loopback port for the life of the fixture.
    async fn folder() -> Fixture {
        let folder = tempfile::tempdir().expect("temporary folder");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let links = LocalBlobLinks::new(&base_url, &Signer::new(&[9; 32]).expect("signer"));
        let blobs: Arc<dyn Blobs> =
            Arc::new(FolderBlobs::new(folder.path().to_path_buf(), links.clone()));
        let app = crm_web::blob_route::router(blobs.clone(), links, Arc::new(SystemClock));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("download route serves");
        });
        Fixture {
            blobs,
            base_url,
            _folder: Some(folder),
            server: Some(server),
        }
    }

    /// S3 blobs in a fresh bucket on the shared moto server.
    async fn s3() -> Fixture {
        let sdk = crm_adapters::aws::sdk_config_for_emulator(moto::endpoint()).await;
        let bucket = moto::unique_name("blobs");
        create_bucket(&sdk, &bucket).await.expect("bucket created");
        // Bootstrap runs on every deploy: creating it again must succeed.
        create_bucket(&sdk, &bucket)
            .await
            .expect("bucket re-created");
        Fixture {
            blobs: Arc::new(S3Blobs::new(&sdk, bucket)),
            base_url: String::new(),
            _folder: None,
            server: None,
        }
    }
}

/// Generates `folder::<case>` and `s3::<case>` for each shared case, plus the adapter-only ones.
macro_rules! conformance {
    (
        shared: [$($case:ident),* $(,)?],
        folder_only: [$($folder_case:ident),* $(,)?],
        s3_only: [$($s3_case:ident),* $(,)?] $(,)?
    ) => {
        mod folder {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::Fixture::folder().await).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $folder_case() {
                    super::$folder_case(super::Fixture::folder().await).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::Fixture::s3().await).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $s3_case() {
                    super::$s3_case(super::Fixture::s3().await).await;
                }
            )*
        }
    };
}

conformance! {
    shared: [
        round_trip_keeps_bytes_and_content_type,
        overwrite_replaces_bytes_and_content_type,
        missing_blobs_are_none,
        delete_removes_and_tolerates_absent,
        list_returns_the_prefix_sorted_with_sizes,
        put_file_and_open_stream_a_large_file,
        invalid_keys_are_refused,
        presigned_url_serves_the_bytes,
        presigned_url_to_an_absent_blob_is_not_found,
        presigned_put_stores_the_bytes,
        ping_answers,
    ],
    folder_only: [
        expired_link_is_refused,
        tampered_link_is_refused,
        upload_links_and_download_links_do_not_stand_in_for_each_other,
        expired_or_tampered_upload_link_stores_nothing,
    ],
    s3_only: [
        moto_ignores_presigned_expiry_and_signature,
    ],
}

async fn round_trip_keeps_bytes_and_content_type(f: Fixture) {
    let key = "imports/demo/readings.csv";
    f.blobs
        .put(key, Bytes::from_static(b"meter;value\n1;10\n"), "text/csv")
        .await
        .unwrap();
    assert_eq!(
        f.blobs.get(key).await.unwrap().unwrap(),
        "meter;value\n1;10\n"
    );
    assert_eq!(
        f.blobs.content_type(key).await.unwrap().as_deref(),
        Some("text/csv")
    );
    let mut streamed = Vec::new();
    let mut reader = f.blobs.open(key).await.unwrap().unwrap();
    reader.read_to_end(&mut streamed).await.unwrap();
    assert_eq!(streamed, b"meter;value\n1;10\n");
}

async fn overwrite_replaces_bytes_and_content_type(f: Fixture) {
    let key = "documents/demo/invoice.bin";
    f.blobs
        .put(
            key,
            Bytes::from_static(b"first, longer version"),
            "text/plain",
        )
        .await
        .unwrap();
    f.blobs
        .put(key, Bytes::from_static(b"%PDF"), "application/pdf")
        .await
        .unwrap();
    assert_eq!(f.blobs.get(key).await.unwrap().unwrap(), "%PDF");
    assert_eq!(
        f.blobs.content_type(key).await.unwrap().as_deref(),
        Some("application/pdf")
    );
    let listed = f.blobs.list("documents/demo/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, 4);
}

async fn missing_blobs_are_none(f: Fixture) {
    let key = "imports/demo/never-written.csv";
    assert!(f.blobs.get(key).await.unwrap().is_none());
    assert!(f.blobs.open(key).await.unwrap().is_none());
    assert!(f.blobs.content_type(key).await.unwrap().is_none());
    // A "folder" of other blobs is not a blob either.
    f.blobs
        .put("imports/demo/dir/x", Bytes::from_static(b"x"), "text/plain")
        .await
        .unwrap();
    assert!(f.blobs.get("imports/demo/dir").await.unwrap().is_none());
}

async fn delete_removes_and_tolerates_absent(f: Fixture) {
    let key = "exports/demo/list.csv";
    f.blobs
        .put(key, Bytes::from_static(b"x"), "text/csv")
        .await
        .unwrap();
    f.blobs.delete(key).await.unwrap();
    assert!(f.blobs.get(key).await.unwrap().is_none());
    assert!(f.blobs.list("exports/").await.unwrap().is_empty());
    f.blobs.delete(key).await.unwrap();
    f.blobs.delete("exports/demo/never/was").await.unwrap();
}

async fn list_returns_the_prefix_sorted_with_sizes(f: Fixture) {
    let blobs = [
        ("exports/a/2.csv", "22"),
        ("exports/a/sub/3.csv", "333"),
        ("exports/a/1.csv", "1"),
        ("exports/a/Ё.txt", "ёё"),
        ("exports/a/B.csv", "bb"),
        ("exports/ab/x", "4444"),
        ("imports/a/y", "55555"),
    ];
    for (key, body) in blobs {
        f.blobs
            .put(key, Bytes::from(body), "text/plain")
            .await
            .unwrap();
    }
    let listed = f.blobs.list("exports/a/").await.unwrap();
    let keys_and_sizes: Vec<_> = listed.iter().map(|m| (m.key.as_str(), m.size)).collect();
    // Byte order of the UTF-8 keys, as S3 sorts: upper case before lower, Cyrillic last.
    assert_eq!(
        keys_and_sizes,
        [
            ("exports/a/1.csv", 1),
            ("exports/a/2.csv", 2),
            ("exports/a/B.csv", 2),
            ("exports/a/sub/3.csv", 3),
            ("exports/a/Ё.txt", 4),
        ]
    );
    assert!(listed.iter().all(|m| m.last_modified.is_some()));

    // A prefix may end inside a segment.
    let keys = |metas: Vec<crm_app::blobs::BlobMeta>| -> Vec<String> {
        metas.into_iter().map(|m| m.key).collect()
    };
    assert_eq!(
        keys(f.blobs.list("exports/a").await.unwrap()).len(),
        6,
        "`exports/a` also matches `exports/ab/x`"
    );
    assert_eq!(
        keys(f.blobs.list("exports/a/s").await.unwrap()),
        ["exports/a/sub/3.csv"]
    );
    assert_eq!(keys(f.blobs.list("").await.unwrap()).len(), 7);
    assert!(f.blobs.list("nothing/").await.unwrap().is_empty());
}

/// Deterministic bytes that do not compress or repeat on any short period.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

async fn put_file_and_open_stream_a_large_file(f: Fixture) {
    const SIZE: usize = 6 * 1024 * 1024 + 123;
    let scratch = tempfile::tempdir().unwrap();
    let source = scratch.path().join("readings.csv");
    let bytes = noise(SIZE);
    tokio::fs::write(&source, &bytes).await.unwrap();

    let key = "imports/demo/2026-05/readings.csv";
    f.blobs.put_file(key, &source, "text/csv").await.unwrap();

    let mut reader = f.blobs.open(key).await.unwrap().unwrap();
    let mut streamed = Vec::with_capacity(SIZE);
    reader.read_to_end(&mut streamed).await.unwrap();
    assert!(streamed == bytes, "streamed bytes differ from the file");
    assert_eq!(
        f.blobs.content_type(key).await.unwrap().as_deref(),
        Some("text/csv")
    );
    let listed = f.blobs.list(key).await.unwrap();
    assert_eq!(listed[0].size, SIZE as u64);

    let missing = scratch.path().join("absent.csv");
    assert!(matches!(
        f.blobs
            .put_file("imports/demo/absent.csv", &missing, "text/csv")
            .await,
        Err(BlobError::Io(_))
    ));
}

async fn invalid_keys_are_refused(f: Fixture) {
    let scratch = tempfile::tempdir().unwrap();
    let source = scratch.path().join("f");
    tokio::fs::write(&source, b"x").await.unwrap();
    let refused = |result: Result<(), BlobError>, what: &str, key: &str| {
        assert!(
            matches!(result, Err(BlobError::InvalidKey(_))),
            "{what} {key:?}: {result:?}"
        );
    };
    for key in [
        "", "../x", "a/../b", "/abs", "a//b", "a\\b", "a/./b", "x\n", "a/",
    ] {
        let blobs = &f.blobs;
        refused(blobs.put(key, Bytes::new(), "x/y").await, "put", key);
        refused(blobs.put_file(key, &source, "x/y").await, "put_file", key);
        refused(blobs.get(key).await.map(drop), "get", key);
        refused(blobs.open(key).await.map(drop), "open", key);
        refused(blobs.delete(key).await, "delete", key);
        refused(
            blobs
                .presign_get(key, Duration::from_secs(60))
                .await
                .map(drop),
            "presign_get",
            key,
        );
        refused(blobs.content_type(key).await.map(drop), "content_type", key);
    }
    let too_long = "a".repeat(1025);
    refused(
        f.blobs.put(&too_long, Bytes::new(), "x/y").await,
        "put",
        "1025 bytes",
    );
    for prefix in ["../", "/", "a/../", "a//"] {
        refused(f.blobs.list(prefix).await.map(drop), "list", prefix);
    }
}

/// GETs `url` the way a browser following a download link would.
async fn fetch(url: &str) -> (u16, Bytes) {
    let response = reqwest::get(url).await.expect("download request");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("download body"))
}

async fn presigned_url_serves_the_bytes(f: Fixture) {
    for key in [
        "exports/demo/list.csv",
        "documents/demo/Счёт за май 2026.pdf",
    ] {
        let body = Bytes::from(format!("contents of {key}"));
        f.blobs.put(key, body.clone(), "text/plain").await.unwrap();
        let url = f
            .blobs
            .presign_get(key, Duration::from_secs(300))
            .await
            .unwrap();
        assert_eq!(fetch(&url).await, (200, body), "{url}");
    }
}

async fn presigned_url_to_an_absent_blob_is_not_found(f: Fixture) {
    let url = f
        .blobs
        .presign_get("exports/demo/never-written.csv", Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(fetch(&url).await.0, 404);
}

async fn ping_answers(f: Fixture) {
    f.blobs.ping().await.unwrap();
}

/// The `code` of the problem+json answer to `url`, with its status.
async fn problem(url: &str) -> (u16, String) {
    let (status, body) = fetch(url).await;
    let json: serde_json::Value = serde_json::from_slice(&body).expect("problem+json body");
    (status, json["code"].as_str().unwrap_or_default().to_owned())
}

async fn expired_link_is_refused(f: Fixture) {
    let key = "exports/demo/list.csv";
    f.blobs
        .put(key, Bytes::from_static(b"x"), "text/csv")
        .await
        .unwrap();
    // Zero lifetime: the link expires the second it is made, whatever the clock's timing.
    let url = f.blobs.presign_get(key, Duration::ZERO).await.unwrap();
    assert_eq!(problem(&url).await, (403, "link_expired".to_owned()));
}

async fn tampered_link_is_refused(f: Fixture) {
    let key = "exports/demo/list.csv";
    f.blobs
        .put(key, Bytes::from_static(b"x"), "text/csv")
        .await
        .unwrap();
    let url = f
        .blobs
        .presign_get(key, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(fetch(&url).await.0, 200);
    let other_key = url.replace("list.csv", "other.csv");
    let tampered = flip_last_char(&url);
    for bad in [tampered, other_key] {
        assert_eq!(
            problem(&bad).await,
            (403, "invalid_link".to_owned()),
            "{bad}"
        );
    }
}

fn flip_last_char(url: &str) -> String {
    let mut bad = url.to_owned();
    let last = bad.pop();
    bad.push(if last == Some('A') { 'B' } else { 'A' });
    bad
}

/// Documents a moto deviation: real S3 refuses both of these with 403.
async fn moto_ignores_presigned_expiry_and_signature(f: Fixture) {
    let key = "exports/demo/list.csv";
    f.blobs
        .put(key, Bytes::from_static(b"x"), "text/csv")
        .await
        .unwrap();
    let url = f
        .blobs
        .presign_get(key, Duration::from_secs(1))
        .await
        .unwrap();
    let signature = url
        .split('&')
        .find(|pair| pair.starts_with("X-Amz-Signature="))
        .expect("SigV4 signature in the query");
    let tampered = url.replace(signature, "X-Amz-Signature=0000");
    assert_eq!(fetch(&tampered).await.0, 200, "moto now checks signatures");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(fetch(&url).await.0, 200, "moto now checks expiry");
}

impl Fixture {
    /// A link as a browser on the platform's page resolves it.
    fn absolute(&self, url: String) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base_url)
        } else {
            url
        }
    }

    async fn upload_link(&self, key: &str, lifetime: Duration) -> String {
        let url = self
            .blobs
            .presign_put(key, "text/csv", lifetime)
            .await
            .unwrap();
        self.absolute(url)
    }
}

/// PUTs `body` to `url` the way the upload page's script does.
async fn put_to(url: &str, body: Vec<u8>, content_type: &str) -> u16 {
    reqwest::Client::new()
        .put(url)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload request")
        .status()
        .as_u16()
}

async fn presigned_put_stores_the_bytes(f: Fixture) {
    let key = "imports/demo/uploads/month.csv";
    // Larger than one chunk of the local route and than axum's default body limit (2 MB).
    let body: Vec<u8> = (0..3_000_000u32)
        .map(|i| b"0123456789;\n"[(i % 12) as usize])
        .collect();
    let url = f.upload_link(key, Duration::from_secs(300)).await;
    assert_eq!(put_to(&url, body.clone(), "text/csv").await, 200, "{url}");
    assert_eq!(f.blobs.get(key).await.unwrap().unwrap(), body);
    assert_eq!(
        f.blobs
            .content_type(key)
            .await
            .unwrap()
            .as_deref()
            .unwrap_or("text/csv"),
        "text/csv"
    );
}

async fn upload_links_and_download_links_do_not_stand_in_for_each_other(f: Fixture) {
    let key = "imports/demo/uploads/a.csv";
    f.blobs
        .put(key, Bytes::from_static(b"original"), "text/csv")
        .await
        .unwrap();
    let download = f
        .blobs
        .presign_get(key, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(put_to(&download, b"evil".to_vec(), "text/csv").await, 403);
    let upload = f.upload_link(key, Duration::from_secs(300)).await;
    assert_eq!(problem(&upload).await, (403, "invalid_link".to_owned()));
    assert_eq!(f.blobs.get(key).await.unwrap().unwrap(), "original");
}

async fn expired_or_tampered_upload_link_stores_nothing(f: Fixture) {
    let key = "imports/demo/uploads/b.csv";
    let expired = f.upload_link(key, Duration::ZERO).await;
    assert_eq!(put_to(&expired, b"x".to_vec(), "text/csv").await, 403);
    let good = f.upload_link(key, Duration::from_secs(300)).await;
    let other_key = good.replace("b.csv", "c.csv");
    for bad in [flip_last_char(&good), other_key] {
        assert_eq!(put_to(&bad, b"x".to_vec(), "text/csv").await, 403, "{bad}");
    }
    assert!(f.blobs.get(key).await.unwrap().is_none());
    assert!(
        f.blobs
            .get("imports/demo/uploads/c.csv")
            .await
            .unwrap()
            .is_none()
    );
}
