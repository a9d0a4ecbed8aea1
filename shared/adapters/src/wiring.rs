//! Builds `Services` from `Config`: the embedded adapters (SQLite store, SQLite queue, folder
//! blobs under the data folder) or the AWS ones (DynamoDB, SQS, S3).

use std::path::Path;
use std::sync::Arc;

use crm_app::Services;
use crm_app::blobs::LocalBlobLinks;
use crm_app::clock::{Clock, Ids, RandomIds, SystemClock};
use crm_app::config::{AwsConfig, Backend, Config, Secret};
use crm_app::identity::password::HashCost;
use crm_app::signing::Signer;
use crm_app::store::Db;

use crate::dns_udp::UdpDns;
use crate::dynamo_store::DynamoStore;
use crate::embedded_queue::EmbeddedQueue;
use crate::folder_blobs::FolderBlobs;
use crate::outbox_mailer::OutboxMailer;
use crate::s3_blobs::S3Blobs;
use crate::sqlite_store::SqliteStore;
use crate::sqs_queue::SqsQueue;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error(transparent)]
    Config(#[from] crm_app::config::ConfigErrors),
    #[error("could not set up {what}: {reason}")]
    Setup { what: &'static str, reason: String },
}

fn setup(what: &'static str) -> impl FnOnce(String) -> WiringError {
    move |reason| WiringError::Setup { what, reason }
}

/// Reads the environment and connects every port.
pub async fn from_env() -> Result<(Config, Services), WiringError> {
    let config = Config::from_env()?;
    let services = services_from_config(&config).await?;
    Ok((config, services))
}

pub async fn services_from_config(config: &Config) -> Result<Services, WiringError> {
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen));
    match &config.backend {
        Backend::Embedded { data_dir } => embedded(config, data_dir, public_url),
        Backend::Aws(aws) => on_aws(config, aws, public_url).await,
    }
}

/// File names inside the data folder.
pub const STORE_FILE: &str = "store.sqlite3";
pub const QUEUE_FILE: &str = "queue.sqlite3";
pub const BLOBS_DIR: &str = "blobs";
pub const SIGNING_KEY_FILE: &str = "signing.key";
pub const OUTBOX_DIR: &str = "outbox";

fn embedded(config: &Config, data_dir: &Path, public_url: String) -> Result<Services, WiringError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("{}: {e}", data_dir.display()))
        .map_err(setup("data folder"))?;
    let key = match &config.signing_key {
        Some(key) => key.clone(),
        None => {
            load_or_create_key(&data_dir.join(SIGNING_KEY_FILE)).map_err(setup("signing key"))?
        }
    };
    let signer = Signer::new(key.expose().as_bytes())
        .map_err(|e| e.to_string())
        .map_err(setup("signing key"))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = SqliteStore::open(&data_dir.join(STORE_FILE))
        .map_err(|e| e.to_string())
        .map_err(setup("SQLite store"))?
        .with_clock(clock.clone());
    let queue = EmbeddedQueue::open(&data_dir.join(QUEUE_FILE), config.max_receives)
        .map_err(|e| e.to_string())
        .map_err(setup("embedded queue"))?;
    let links = LocalBlobLinks::new(&public_url, &signer);
    let blobs = FolderBlobs::new(data_dir.join(BLOBS_DIR), links.clone());
    let ids: Arc<dyn Ids> = Arc::new(RandomIds);
    let mailer = OutboxMailer::new(data_dir.join(OUTBOX_DIR), clock.clone(), ids.clone());
    Ok(Services {
        db: Db::new(Arc::new(store), &signer),
        queue: Arc::new(queue),
        blobs: Arc::new(blobs),
        mailer: Arc::new(mailer),
        clock,
        ids,
        signer,
        max_receives: config.max_receives,
        public_url,
        local_blob_links: Some(links),
        platform_domain: config.platform_domain.clone(),
        password_cost: HashCost::default(),
        dns: Arc::new(UdpDns::system()),
        hosts: Arc::default(),
    })
}

async fn on_aws(
    config: &Config,
    aws: &AwsConfig,
    public_url: String,
) -> Result<Services, WiringError> {
    // Config refuses the aws backend without a key, so this only guards the invariant.
    let key = config
        .signing_key
        .as_ref()
        .ok_or_else(|| "CRM_SIGNING_KEY is not set".to_owned())
        .map_err(setup("signing key"))?;
    let signer = Signer::new(key.expose().as_bytes())
        .map_err(|e| e.to_string())
        .map_err(setup("signing key"))?;
    let sdk = crate::aws::sdk_config_from_env().await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = DynamoStore::new(&sdk, aws.table.clone()).with_clock(clock.clone());
    Ok(Services {
        db: Db::new(Arc::new(store), &signer),
        queue: Arc::new(SqsQueue::new(&sdk, aws.queues.clone())),
        blobs: Arc::new(S3Blobs::new(&sdk, aws.bucket.clone())),
        mailer: Arc::new(crate::ses_mailer::SesMailer::new(
            &sdk,
            config.mail_from.clone(),
        )),
        clock,
        ids: Arc::new(RandomIds),
        signer,
        max_receives: config.max_receives,
        public_url,
        local_blob_links: None,
        platform_domain: config.platform_domain.clone(),
        password_cost: HashCost::default(),
        dns: Arc::new(UdpDns::system()),
        hosts: Arc::default(),
    })
}

/// The embedded backend's signing key: generated once (256 random bits, hex) and kept in the
/// data folder, readable by its owner only, so links and cursors survive restarts.
fn load_or_create_key(path: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok(Secret::new(text.trim())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{}: {e}", path.display()));
        }
        Err(_) => {}
    }
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    write_private(path, &key).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Secret::new(key))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
