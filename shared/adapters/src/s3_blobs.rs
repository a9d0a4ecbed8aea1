//! The `Blobs` port on one S3 bucket. Keys are object keys as they are; presigned GET URLs
//! serve downloads straight from S3, so large files never pass through a Lambda.

use std::error::Error;
use std::fmt::Debug;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use crm_app::blobs::{BlobError, BlobMeta, BlobReader, Blobs, check_key, check_prefix};

#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Blobs {
    pub fn new(sdk: &SdkConfig, bucket: impl Into<String>) -> S3Blobs {
        S3Blobs {
            client: crate::aws::s3_client(sdk),
            bucket: bucket.into(),
        }
    }
}

/// Creates `bucket` if it does not exist yet, private and encrypted at rest. Safe to run again
/// (bootstrap on every deploy, tests).
pub async fn create_bucket(sdk: &SdkConfig, bucket: &str) -> Result<(), BlobError> {
    let client = crate::aws::s3_client(sdk);
    let mut request = client.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses an explicit location constraint.
    if let Some(region) = sdk
        .region()
        .map(|r| r.as_ref())
        .filter(|r| *r != "us-east-1")
    {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
        // Some endpoints (us-east-1 emulators) answer "already exists" for our own bucket too;
        // it is ours if we can reach it.
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_exists()) =>
        {
            client
                .head_bucket()
                .bucket(bucket)
                .send()
                .await
                .map_err(|err| unavailable("HeadBucket", &err))?;
        }
        Err(err) => return Err(unavailable("CreateBucket", &err)),
    }
    block_public_access(&client, bucket).await?;
    encrypt_by_default(&client, bucket).await
}

async fn block_public_access(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BlobError> {
    let block_all = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    client
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block_all)
        .send()
        .await
        .map_err(|err| unavailable("PutPublicAccessBlock", &err))?;
    Ok(())
}

/// SSE-S3 (AES-256): S3 manages the keys, nothing to rotate or pay per request.
async fn encrypt_by_default(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BlobError> {
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|err| BlobError::Unavailable(err.to_string()))?;
    let configuration = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
        .map_err(|err| BlobError::Unavailable(err.to_string()))?;
    client
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(configuration)
        .send()
        .await
        .map_err(|err| unavailable("PutBucketEncryption", &err))?;
    Ok(())
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| unavailable("PutObject", &err))?;
        Ok(())
    }

    /// One PutObject streamed from disk (S3 takes up to 5 GB that way; our imports are far
    /// smaller, so no multipart upload).
    async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        // A local file that cannot be read is an I/O error, not an unavailable bucket.
        let body = ByteStream::from_path(path)
            .await
            .map_err(|err| BlobError::Io(err.into()))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(|err| unavailable("PutObject", &err))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        let Some(body) = self.get_object(key).await? else {
            return Ok(None);
        };
        let bytes = body
            .collect()
            .await
            .map_err(|err| BlobError::Unavailable(format!("GetObject body: {err}")))?;
        Ok(Some(bytes.into_bytes()))
    }

    async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError> {
        let body = self.get_object(key).await?;
        Ok(body.map(|body| Box::pin(body.into_async_read()) as BlobReader))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        // S3 answers 204 for an absent key as well.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|err| unavailable("DeleteObject", &err))?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        check_prefix(prefix)?;
        let mut found = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(continuation.take())
                .send()
                .await
                .map_err(|err| unavailable("ListObjectsV2", &err))?;
            found.extend(page.contents().iter().filter_map(|object| {
                Some(BlobMeta {
                    key: object.key()?.to_owned(),
                    size: object
                        .size()
                        .and_then(|n| u64::try_from(n).ok())
                        .unwrap_or(0),
                    last_modified: object.last_modified().and_then(to_chrono),
                })
            }));
            match page.next_continuation_token() {
                Some(token) if page.is_truncated() == Some(true) => {
                    continuation = Some(token.to_owned());
                }
                _ => break,
            }
        }
        // S3 already returns UTF-8 binary order; sorting keeps the port's promise on emulators.
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// At most 7 days (SigV4's limit); longer is refused. The URL does not check that the key
    /// exists: fetching it then answers 404.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, BlobError> {
        check_key(key)?;
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|err| BlobError::Unavailable(format!("presign {key}: {err}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|err| unavailable("presign GetObject", &err))?;
        Ok(request.uri().to_owned())
    }

    /// The signature covers the content type, so the browser must send the same one. The
    /// bucket's CORS rule (infra/template.yaml) lets the platform's pages PUT.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, BlobError> {
        check_key(key)?;
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|err| BlobError::Unavailable(format!("presign {key}: {err}")))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .presigned(config)
            .await
            .map_err(|err| unavailable("presign PutObject", &err))?;
        Ok(request.uri().to_owned())
    }

    async fn ping(&self) -> Result<(), BlobError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|err| unavailable("HeadBucket", &err))?;
        Ok(())
    }

    async fn content_type(&self, key: &str) -> Result<Option<String>, BlobError> {
        check_key(key)?;
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(head.content_type().map(str::to_owned)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(unavailable("HeadObject", &err)),
        }
    }
}

impl S3Blobs {
    /// The body of `key`, `None` when there is no such object.
    async fn get_object(&self, key: &str) -> Result<Option<ByteStream>, BlobError> {
        check_key(key)?;
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(object) => Ok(Some(object.body)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(err) => Err(unavailable("GetObject", &err)),
        }
    }
}

/// The service's own code and message when it sent them, else the whole error chain
/// (timeouts and connection failures have no service message).
fn unavailable<E, R>(operation: &str, err: &SdkError<E, R>) -> BlobError
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    };
    BlobError::Unavailable(format!("{operation}: {detail}"))
}

fn to_chrono(at: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.secs(), at.subsec_nanos())
}
