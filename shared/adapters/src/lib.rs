//! Adapters for the ports of `crm_app`. This is the only crate that names `aws-sdk-*`.
//!
//! | port | embedded (local, fast tests) | AWS |
//! |---|---|---|
//! | Store | [`sqlite_store`] | [`dynamo_store`] |
//! | Queue | [`embedded_queue`] | [`sqs_queue`] |
//! | Blobs | [`folder_blobs`] | [`s3_blobs`] |
//! | Mailer | [`outbox_mailer`] | [`ses_mailer`] |
//! | DnsResolver | [`dns_udp`] (the system's resolvers) | [`dns_udp`] |
//!
//! [`wiring`] turns a `Config` into `Services`; [`bootstrap`] creates the AWS resources from the
//! same definitions the template uses; [`lambda_sqs`] adapts SQS Lambda events to the job runner.

/// Every binary (the Lambda functions, the workers, `crm`, the benchmarks and tests) links this
/// crate, so they all get this allocator. Reading and writing items is allocation-heavy (JSON
/// bodies, keys); glibc's malloc was a quarter of the readings intake's time
/// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod aws;
pub mod bootstrap;
pub mod dns_udp;
pub mod dynamo_store;
pub mod embedded_queue;
pub mod folder_blobs;
pub mod lambda_sqs;
pub mod outbox_mailer;
pub mod runtime;
pub mod s3_blobs;
pub mod ses_mailer;
pub mod sqlite_store;
pub mod sqs_queue;
pub mod wiring;
