//! The platform on its embedded adapters in a temporary folder, for HTTP and worker tests.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use crm_adapters::dynamo_store::DynamoStore;
use crm_adapters::embedded_queue::EmbeddedQueue;
use crm_adapters::folder_blobs::FolderBlobs;
use crm_adapters::sqlite_store::SqliteStore;
use crm_app::Services;
use crm_app::blobs::LocalBlobLinks;
use crm_app::clock::{RandomIds, SystemClock};
use crm_app::config::Config;
use crm_app::dns::StaticDns;
use crm_app::signing::Signer;
use crm_app::store::Db;
use tempfile::TempDir;

pub struct Platform {
    pub services: Services,
    /// The DNS answers custom-domain verification sees (the services use it).
    pub dns: Arc<StaticDns>,
    // Keeps the data folder alive as long as the platform.
    _dir: TempDir,
}

impl Platform {
    /// Wired exactly as `crm dev` wires it, from an embedded configuration.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().to_string_lossy().into_owned();
        let config = Config::from_lookup(|name| match name {
            "CRM_DATA_DIR" => Some(data_dir.clone()),
            _ => None,
        })
        .expect("embedded config");
        let mut services = crm_adapters::wiring::services_from_config(&config)
            .await
            .expect("embedded services");
        // Tests never reach real DNS; the UDP adapter has its own tests against a fake server.
        let dns = Arc::new(StaticDns::new());
        services.dns = dns.clone();
        Self {
            services,
            dns,
            _dir: dir,
        }
    }

    /// The embedded platform, but with a store that cannot be reached (a DynamoDB endpoint on
    /// a closed port), for health and error-path tests.
    pub async fn start_with_unreachable_store() -> Self {
        let mut platform = Self::start().await;
        let sdk = crm_adapters::aws::sdk_config_for_emulator("http://127.0.0.1:9").await;
        let store = Arc::new(DynamoStore::new(&sdk, "unreachable"));
        platform.services.db = Db::new(store, &platform.services.signer);
        platform
    }

    /// The data folder (the SQLite store file is `store.sqlite3` in it).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Every function's routes, as `crm dev` serves them.
    pub fn router(&self) -> Router {
        crm::platform::router(&self.services)
    }
}

/// Services on the embedded adapters in `dir`, with the queue handle itself (its receive wait
/// is shortened so tests that poll an empty queue stay quick).
pub fn services(dir: &std::path::Path, max_receives: u32) -> (Services, Arc<EmbeddedQueue>) {
    let queue = Arc::new(
        EmbeddedQueue::open(&dir.join("queue.sqlite3"), max_receives)
            .expect("embedded queue opens")
            .with_receive_wait(Duration::from_millis(100)),
    );
    let signer = Signer::new(&[7; 32]).expect("32-byte key");
    let store = SqliteStore::open(&dir.join("store.sqlite3")).expect("sqlite store opens");
    let links = LocalBlobLinks::new("http://127.0.0.1:9", &signer);
    let services = Services {
        db: Db::new(Arc::new(store), &signer),
        queue: queue.clone(),
        blobs: Arc::new(FolderBlobs::new(dir.join("blobs"), links.clone())),
        mailer: Arc::new(crm_adapters::outbox_mailer::OutboxMailer::new(
            dir.join("outbox"),
            Arc::new(SystemClock),
            Arc::new(RandomIds),
        )),
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
        signer,
        max_receives,
        public_url: "http://127.0.0.1:9".into(),
        local_blob_links: Some(links),
        platform_domain: "localhost".into(),
        password_cost: crm_app::identity::password::HashCost::FOR_TESTS,
        dns: Arc::new(StaticDns::new()),
        hosts: Arc::default(),
    };
    (services, queue)
}
