//! `Services` on the embedded queue, for tests of the workers and the queue without wiring.
//!
//! PLACEHOLDER: the store and blobs here are stand-ins that answer `Unavailable` to every call,
//! because the SQLite store and folder blobs are not in this tree yet. Tests built on them must
//! not need storage. Replace them with `SqliteStore` and `FolderBlobs` once those land.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use crm_adapters::embedded_queue::EmbeddedQueue;
use crm_app::Services;
use crm_app::blobs::{BlobError, BlobMeta, BlobReader, Blobs};
use crm_app::clock::{RandomIds, SystemClock};
use crm_app::signing::Signer;
use crm_app::store::{
    Db, Delete, Item, Key, Put, Query, RawPage, Store, StoreError, Update, Write,
};

/// Services whose queue is an `EmbeddedQueue` in `dir` (short receive waits for quick tests).
pub fn services(dir: &Path, max_receives: u32) -> (Services, Arc<EmbeddedQueue>) {
    let queue = Arc::new(
        EmbeddedQueue::open(&dir.join("queue.db"), max_receives)
            .expect("embedded queue opens")
            .with_receive_wait(Duration::from_millis(100)),
    );
    let signer = Signer::new(&[7; 32]).expect("32-byte key");
    let services = Services {
        db: Db::new(Arc::new(NoStore), &signer),
        queue: queue.clone(),
        blobs: Arc::new(NoBlobs),
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
        signer,
        max_receives,
    };
    (services, queue)
}

fn no_store<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable("placeholder store in tests".into()))
}

fn no_blobs<T>() -> Result<T, BlobError> {
    Err(BlobError::Unavailable("placeholder blobs in tests".into()))
}

/// Placeholder until the SQLite store lands: every call is `Unavailable`.
struct NoStore;

#[async_trait]
impl Store for NoStore {
    async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
        no_store()
    }
    async fn batch_get(&self, _: &[Key]) -> Result<Vec<Item>, StoreError> {
        no_store()
    }
    async fn put(&self, _: Put) -> Result<u64, StoreError> {
        no_store()
    }
    async fn update(&self, _: Update) -> Result<Item, StoreError> {
        no_store()
    }
    async fn delete(&self, _: Delete) -> Result<(), StoreError> {
        no_store()
    }
    async fn transact(&self, _: Vec<Write>) -> Result<(), StoreError> {
        no_store()
    }
    async fn query(&self, _: &Query) -> Result<RawPage, StoreError> {
        no_store()
    }
    async fn batch_write(&self, _: Vec<Item>, _: Vec<Key>) -> Result<(), StoreError> {
        no_store()
    }
    async fn ping(&self) -> Result<(), StoreError> {
        no_store()
    }
}

/// Placeholder until the folder blobs land: every call is `Unavailable`.
struct NoBlobs;

#[async_trait]
impl Blobs for NoBlobs {
    async fn put(&self, _: &str, _: Bytes, _: &str) -> Result<(), BlobError> {
        no_blobs()
    }
    async fn put_file(&self, _: &str, _: &Path, _: &str) -> Result<(), BlobError> {
        no_blobs()
    }
    async fn get(&self, _: &str) -> Result<Option<Bytes>, BlobError> {
        no_blobs()
    }
    async fn open(&self, _: &str) -> Result<Option<BlobReader>, BlobError> {
        no_blobs()
    }
    async fn delete(&self, _: &str) -> Result<(), BlobError> {
        no_blobs()
    }
    async fn list(&self, _: &str) -> Result<Vec<BlobMeta>, BlobError> {
        no_blobs()
    }
    async fn presign_get(&self, _: &str, _: Duration) -> Result<String, BlobError> {
        no_blobs()
    }
    async fn ping(&self) -> Result<(), BlobError> {
        no_blobs()
    }
}
