//! AWS SDK configuration shared by the DynamoDB, SQS and S3 adapters.
//!
//! Production reads region and credentials the usual way (Lambda's environment) and honours
//! `AWS_ENDPOINT_URL`, which is how `crm dev --backend aws` and the tests reach the moto server.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// An HTTPS client on rustls with ring, so the build needs no C toolchain beyond `cc`.
fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`).
pub async fn sdk_config_from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// SDK configuration for an emulator at `endpoint` (the moto server) with dummy credentials.
pub async fn sdk_config_for_emulator(endpoint: &str) -> SdkConfig {
    let credentials =
        aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "emulator");
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// S3 needs path-style addressing against an emulator: `bucket.127.0.0.1` does not resolve.
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
