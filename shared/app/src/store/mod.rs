//! The `Store` port: items with DynamoDB semantics.
//!
//! An item has a table key (`pk`, `sk`), up to three optional index keys, a version managed by
//! the store, an optional expiry time and a JSON body. Adapters (SQLite, DynamoDB) implement
//! [`Store`]; use cases reach it through [`Db`] and its tenant-scoped handle [`TenantDb`], which
//! add validated cursors and refuse keys of other tenants.

mod cursor;
mod db;
pub mod table;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use cursor::{Cursor, CursorSigner};
pub use db::{CentralDb, Db, JsonPage, Page, ScopedDb, TenantDb};
pub use table::{GSI_COUNT, Index, TABLE, TableDef};

/// The JSON body of an item. Money and other decimals are stored as strings.
pub type Body = serde_json::Map<String, Value>;

/// The most writes a transaction may hold on every store (DynamoDB's limit). Code that must run
/// unchanged on any store keeps to it; bulk work may ask the store for its own
/// [`Store::transaction_limit`].
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// The most keys a batch get may ask for (DynamoDB's limit).
pub const MAX_BATCH_GET: usize = 100;
/// The most items a query page may return.
pub const MAX_PAGE_SIZE: u32 = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// Keys of the item in the global secondary indexes; `None` keeps it out of that index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexKeys([Option<Key>; GSI_COUNT]);

impl IndexKeys {
    /// The item's key in `index`; for [`Index::Table`] there is none here (it is `Item::key`).
    pub fn get(&self, index: Index) -> Option<&Key> {
        index.gsi_slot().and_then(|slot| self.0[slot].as_ref())
    }

    pub fn set(&mut self, index: Index, key: Option<Key>) {
        if let Some(slot) = index.gsi_slot() {
            self.0[slot] = key;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Index, Option<&Key>)> {
        Index::GSIS
            .iter()
            .zip(self.0.iter())
            .map(|(index, key)| (*index, key.as_ref()))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub key: Key,
    pub index_keys: IndexKeys,
    /// Incremented by the store on every write; 1 after the first.
    pub version: u64,
    /// Unix seconds after which the item is treated as absent (DynamoDB TTL).
    pub expires_at: Option<i64>,
    pub body: Body,
    /// The body already serialised as a JSON object, for items a bulk writer builds from a
    /// record ([`Item::serialised`]); `body` is then empty and stores take this text as it is,
    /// so the serialising happens where the item is built, not on the store's writer. Items
    /// read from a store never carry it.
    pub body_json: Option<String>,
}

impl Item {
    /// The body as a record, read in place (no copy of the body first: bulk reads decode
    /// hundreds of thousands of items).
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match &self.body_json {
            Some(json) => serde_json::from_str(json),
            None => T::deserialize(&self.body),
        }
    }

    pub fn new(key: Key, body: Body) -> Self {
        Self {
            key,
            index_keys: IndexKeys::default(),
            version: 0,
            expires_at: None,
            body,
            body_json: None,
        }
    }

    /// An item whose body is `record` serialised once, straight to text (see `body_json`).
    /// `record` must serialise as a JSON object.
    pub fn serialised<T: serde::Serialize>(key: Key, record: &T) -> Result<Self, StoreError> {
        let json = serde_json::to_string(record)
            .map_err(|e| StoreError::Invalid(format!("body is not serialisable: {e}")))?;
        if !json.starts_with('{') {
            return Err(StoreError::Invalid("a body must be a JSON object".into()));
        }
        Ok(Self {
            body_json: Some(json),
            ..Self::new(key, Body::new())
        })
    }

    /// The body as a map, parsed from `body_json` when the item carries text (which
    /// [`Item::serialised`] made from a record, so it is an object).
    pub fn body_map(&self) -> std::borrow::Cow<'_, Body> {
        match &self.body_json {
            Some(json) => std::borrow::Cow::Owned(serde_json::from_str(json).unwrap_or_default()),
            None => std::borrow::Cow::Borrowed(&self.body),
        }
    }

    /// The body as JSON text.
    pub fn body_text(&self) -> Result<std::borrow::Cow<'_, str>, StoreError> {
        match &self.body_json {
            Some(json) => Ok(std::borrow::Cow::Borrowed(json)),
            None => serde_json::to_string(&self.body)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| StoreError::Invalid(format!("body is not serialisable: {e}"))),
        }
    }

    pub fn with_index(mut self, index: Index, key: Key) -> Self {
        self.index_keys.set(index, Some(key));
        self
    }

    pub fn expiring_at(mut self, unix_seconds: i64) -> Self {
        self.expires_at = Some(unix_seconds);
        self
    }

    /// The key that orders this item within `index`.
    pub fn key_in(&self, index: Index) -> Option<&Key> {
        match index {
            Index::Table => Some(&self.key),
            gsi => self.index_keys.get(gsi),
        }
    }

    pub fn is_expired(&self, now_unix: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now_unix)
    }
}

/// An item read with its body still the stored JSON text. Bulk reads take these to skip items
/// by their key without decoding them and to decode the rest straight into records: building a
/// `serde_json::Map` first costs more than the record itself (docs/benchmarks.md).
#[derive(Clone, Debug, PartialEq)]
pub struct JsonItem {
    pub key: Key,
    pub index_keys: IndexKeys,
    pub version: u64,
    pub expires_at: Option<i64>,
    /// The body, a JSON object.
    pub json: String,
}

impl JsonItem {
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.json)
    }

    /// The key that orders this item within `index`.
    pub fn key_in(&self, index: Index) -> Option<&Key> {
        match index {
            Index::Table => Some(&self.key),
            gsi => self.index_keys.get(gsi),
        }
    }
}

impl From<Item> for JsonItem {
    fn from(item: Item) -> Self {
        Self {
            // A map of JSON values always serialises.
            json: serde_json::to_string(&item.body).unwrap_or_else(|_| "{}".to_owned()),
            key: item.key,
            index_keys: item.index_keys,
            version: item.version,
            expires_at: item.expires_at,
        }
    }
}

/// What must hold about the current item for a write to happen. Expired items count as absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Condition {
    #[default]
    None,
    MustNotExist,
    MustExist,
    VersionEquals(u64),
}

impl Condition {
    /// Whether the condition holds for an item currently at `version` (`None` when absent).
    pub fn holds(self, current_version: Option<u64>) -> bool {
        match self {
            Condition::None => true,
            Condition::MustNotExist => current_version.is_none(),
            Condition::MustExist => current_version.is_some(),
            Condition::VersionEquals(expected) => current_version == Some(expected),
        }
    }
}

/// Replace the whole item (its version becomes the previous one plus one).
#[derive(Clone, Debug, PartialEq)]
pub struct Put {
    pub item: Item,
    pub condition: Condition,
}

/// Change parts of an item. Without a condition, an absent item is created from the changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub key: Key,
    pub condition: Condition,
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Set a top-level body field.
    Set(String, Value),
    /// Remove a top-level body field.
    Remove(String),
    /// Add to an integer body field, starting from 0 when absent (counters).
    Increment(String, i64),
    SetIndexKey(Index, Option<Key>),
    SetExpiry(Option<i64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Delete {
    pub key: Key,
    pub condition: Condition,
}

/// One write of a transaction. `Check` writes nothing; it only makes the transaction depend on a
/// condition of another item (for example a uniqueness sentinel).
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    Put(Put),
    Update(Update),
    Delete(Delete),
    Check { key: Key, condition: Condition },
}

impl Write {
    pub fn key(&self) -> &Key {
        match self {
            Write::Put(put) => &put.item.key,
            Write::Update(update) => &update.key,
            Write::Delete(delete) => &delete.key,
            Write::Check { key, .. } => key,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKey {
    Any,
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
}

impl SortKey {
    pub fn matches(&self, sk: &str) -> bool {
        match self {
            SortKey::Any => true,
            SortKey::Equals(value) => sk == value,
            SortKey::BeginsWith(prefix) => sk.starts_with(prefix.as_str()),
            SortKey::Between(low, high) => low.as_str() <= sk && sk <= high.as_str(),
        }
    }
}

/// Where the previous page ended: the last item's key in the queried index and in the table
/// (DynamoDB's `LastEvaluatedKey`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastKey {
    pub index_key: Key,
    pub table_key: Key,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub index: Index,
    pub pk: String,
    pub sort: SortKey,
    pub forward: bool,
    pub limit: u32,
    pub start_after: Option<LastKey>,
}

impl Query {
    pub fn new(index: Index, pk: impl Into<String>) -> Self {
        Self {
            index,
            pk: pk.into(),
            sort: SortKey::Any,
            forward: true,
            limit: 100,
            start_after: None,
        }
    }

    pub fn sort(mut self, sort: SortKey) -> Self {
        self.sort = sort;
        self
    }

    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }
}

/// One page of a query as the adapter sees it. `last` is set when more items may follow.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RawPage {
    pub items: Vec<Item>,
    pub last: Option<LastKey>,
}

/// A [`RawPage`] of [`JsonItem`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct RawJsonPage {
    pub items: Vec<JsonItem>,
    pub last: Option<LastKey>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("condition failed for {key:?}")]
    ConditionFailed { key: Key },
    /// Nothing was written; `failed` lists the positions of the writes whose condition failed.
    #[error("transaction cancelled: conditions failed at positions {failed:?}")]
    TransactionCancelled { failed: Vec<usize> },
    /// Another transaction touched the same items at the same time; retrying may succeed.
    #[error("transaction conflict, retry")]
    TransactionConflict,
    #[error("{what}: at most {limit} allowed, got {got}")]
    TooMany {
        what: &'static str,
        limit: usize,
        got: usize,
    },
    #[error("the same key appears twice in one request: {key:?}")]
    DuplicateKey { key: Key },
    #[error("invalid cursor: {0}")]
    InvalidCursor(&'static str),
    #[error("key {key:?} does not belong to this tenant")]
    ForeignKey { key: String },
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The backing service is unreachable or throttling; the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Backend(String),
}

/// The storage port. Implementations must behave identically; `tests/it/store_conformance.rs`
/// runs the same suite against each.
#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// Items for the keys that exist, in no particular order. At most [`MAX_BATCH_GET`] keys.
    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError>;
    /// Returns the new version.
    async fn put(&self, put: Put) -> Result<u64, StoreError>;
    /// Returns the item as it is after the update.
    async fn update(&self, update: Update) -> Result<Item, StoreError>;
    async fn delete(&self, delete: Delete) -> Result<(), StoreError>;
    /// All or nothing; at most [`Store::transaction_limit`] writes, each key at most once.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// The most writes one [`Store::transact`] call may hold here: DynamoDB's 100 unless the
    /// backend allows more. The embedded store allows far more, which bulk intake uses to pay
    /// one commit per thousands of rows instead of per hundred.
    fn transaction_limit(&self) -> usize {
        MAX_TRANSACTION_ITEMS
    }
    async fn query(&self, query: &Query) -> Result<RawPage, StoreError>;
    /// [`Store::query`] with the bodies as JSON text. The default converts [`Store::query`]'s
    /// items; a store that keeps JSON text hands it over as it is.
    async fn query_json(&self, query: &Query) -> Result<RawJsonPage, StoreError> {
        let page = self.query(query).await?;
        Ok(RawJsonPage {
            items: page.items.into_iter().map(JsonItem::from).collect(),
            last: page.last,
        })
    }
    /// [`Store::batch_get`] with the bodies as JSON text (see [`Store::query_json`]).
    async fn batch_get_json(&self, keys: &[Key]) -> Result<Vec<JsonItem>, StoreError> {
        let items = self.batch_get(keys).await?;
        Ok(items.into_iter().map(JsonItem::from).collect())
    }
    /// Unconditional bulk writes for loads and purges: each put stores the item with version 1,
    /// so use it only for items no one holds a version of. Not atomic as a whole.
    async fn batch_write(&self, puts: Vec<Item>, deletes: Vec<Key>) -> Result<(), StoreError>;
    /// Whether a tenant's items are found through the all-items index (GSI3), which every
    /// tenant item then carries ([`super::keys::tenant_item_index`]). DynamoDB has no other way
    /// short of a scan. A store that keeps its items in key order lists them by the tenant's
    /// key prefix instead ([`Store::items_by_prefix`]) and spares every write that index entry:
    /// on the embedded store it doubled the pages a bulk intake writes (docs/benchmarks.md).
    fn lists_tenant_items_by_index(&self) -> bool {
        true
    }
    /// Up to `limit` live items whose partition key starts with `prefix`, in table-key order,
    /// after `after`. Only for a store that does not list tenant items by the index.
    async fn items_by_prefix(
        &self,
        prefix: &str,
        after: Option<&Key>,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        let _ = (prefix, after, limit);
        Err(StoreError::Backend(
            "this store lists a tenant's items through its all-items index".into(),
        ))
    }
    /// A cheap round trip proving the store answers (health checks).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Deletes items expired at `now_unix`; returns how many. Reads already treat them as
    /// absent, this only reclaims space. DynamoDB's TTL does it by itself, hence the default.
    async fn purge_expired(&self, now_unix: i64) -> Result<usize, StoreError> {
        let _ = now_unix;
        Ok(0)
    }
}

/// Checks shared by adapters before they talk to the backend.
pub fn check_transaction(writes: &[Write], limit: usize) -> Result<(), StoreError> {
    if writes.is_empty() {
        return Err(StoreError::Invalid(
            "a transaction needs at least one write".into(),
        ));
    }
    if writes.len() > limit {
        return Err(StoreError::TooMany {
            what: "transaction writes",
            limit,
            got: writes.len(),
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(writes.len());
    for write in writes {
        if !seen.insert(write.key()) {
            return Err(StoreError::DuplicateKey {
                key: write.key().clone(),
            });
        }
    }
    Ok(())
}

pub fn check_batch_get(keys: &[Key]) -> Result<(), StoreError> {
    if keys.len() > MAX_BATCH_GET {
        return Err(StoreError::TooMany {
            what: "batch get keys",
            limit: MAX_BATCH_GET,
            got: keys.len(),
        });
    }
    Ok(())
}

pub fn check_query(query: &Query) -> Result<(), StoreError> {
    if query.limit == 0 || query.limit > MAX_PAGE_SIZE {
        return Err(StoreError::Invalid(format!(
            "page size must be 1..={MAX_PAGE_SIZE}, got {}",
            query.limit
        )));
    }
    if let SortKey::Between(low, high) = &query.sort
        && low > high
    {
        return Err(StoreError::Invalid(
            "between: the lower bound is above the upper bound".into(),
        ));
    }
    Ok(())
}

/// Refuses an update that names the same target (body field, index, expiry) twice, or an empty
/// field name. DynamoDB rejects overlapping paths in one update expression while an in-process
/// adapter would apply them in order, so both adapters refuse them up front.
pub fn check_update(update: &Update) -> Result<(), StoreError> {
    let mut fields = std::collections::HashSet::new();
    let mut indexes = std::collections::HashSet::new();
    let mut expiry = false;
    for change in &update.changes {
        let repeated = match change {
            Change::Set(field, _) | Change::Remove(field) | Change::Increment(field, _) => {
                if field.is_empty() {
                    return Err(StoreError::Invalid("an empty body field name".into()));
                }
                !fields.insert(field.as_str())
            }
            Change::SetIndexKey(index, _) => *index == Index::Table || !indexes.insert(*index),
            Change::SetExpiry(_) => std::mem::replace(&mut expiry, true),
        };
        if repeated {
            return Err(StoreError::Invalid(format!(
                "update of {:?} changes the same target twice (or the table key)",
                update.key
            )));
        }
    }
    Ok(())
}

/// Refuses a batch write that names a key twice: DynamoDB rejects duplicates within one request,
/// and the outcome of a put and a delete of the same key would depend on the order of chunks.
pub fn check_batch_write(puts: &[Item], deletes: &[Key]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::with_capacity(puts.len() + deletes.len());
    for key in puts.iter().map(|item| &item.key).chain(deletes) {
        if !seen.insert(key) {
            return Err(StoreError::DuplicateKey { key: key.clone() });
        }
    }
    Ok(())
}

/// Applies update changes to an item's parts. Shared by adapters that update in process.
pub fn apply_changes(item: &mut Item, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes {
        match change {
            Change::Set(field, value) => {
                item.body.insert(field.clone(), value.clone());
            }
            Change::Remove(field) => {
                item.body.remove(field);
            }
            Change::Increment(field, by) => {
                let current = match item.body.get(field) {
                    None | Some(Value::Null) => 0,
                    Some(value) => value.as_i64().ok_or_else(|| {
                        StoreError::Invalid(format!("cannot increment non-integer field `{field}`"))
                    })?,
                };
                let next = current.checked_add(*by).ok_or_else(|| {
                    StoreError::Invalid(format!("increment of `{field}` overflows"))
                })?;
                item.body.insert(field.clone(), Value::from(next));
            }
            Change::SetIndexKey(index, key) => item.index_keys.set(*index, key.clone()),
            Change::SetExpiry(at) => item.expires_at = *at,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_conditions() {
        assert!(SortKey::BeginsWith("A#".into()).matches("A#1"));
        assert!(!SortKey::BeginsWith("A#".into()).matches("B#1"));
        assert!(SortKey::Between("b".into(), "d".into()).matches("d"));
        assert!(!SortKey::Between("b".into(), "d".into()).matches("da"));
    }

    #[test]
    fn transactions_refuse_duplicates_and_oversize() {
        let put = |sk: &str| {
            Write::Put(Put {
                item: Item::new(Key::new("p", sk), Body::new()),
                condition: Condition::None,
            })
        };
        assert!(matches!(
            check_transaction(&[put("a"), put("a")], MAX_TRANSACTION_ITEMS),
            Err(StoreError::DuplicateKey { .. })
        ));
        let many: Vec<Write> = (0..101).map(|i| put(&i.to_string())).collect();
        assert!(matches!(
            check_transaction(&many, MAX_TRANSACTION_ITEMS),
            Err(StoreError::TooMany { .. })
        ));
        assert!(check_transaction(&many[..100], MAX_TRANSACTION_ITEMS).is_ok());
    }

    #[test]
    fn updates_refuse_repeated_targets() {
        let update = |changes: Vec<Change>| Update {
            key: Key::new("p", "s"),
            condition: Condition::None,
            changes,
        };
        assert!(
            check_update(&update(vec![
                Change::Set("a".into(), Value::from(1)),
                Change::Remove("b".into())
            ]))
            .is_ok()
        );
        assert!(
            check_update(&update(vec![
                Change::Set("a".into(), Value::from(1)),
                Change::Remove("a".into())
            ]))
            .is_err()
        );
        assert!(
            check_update(&update(vec![
                Change::SetExpiry(None),
                Change::SetExpiry(Some(1))
            ]))
            .is_err()
        );
        assert!(check_update(&update(vec![Change::SetIndexKey(Index::Table, None)])).is_err());
        assert!(check_update(&update(vec![Change::Set(String::new(), Value::Null)])).is_err());
    }

    #[test]
    fn increments_start_from_zero_and_refuse_text() {
        let mut item = Item::new(Key::new("p", "s"), Body::new());
        apply_changes(&mut item, &[Change::Increment("n".into(), 5)]).unwrap();
        apply_changes(&mut item, &[Change::Increment("n".into(), -2)]).unwrap();
        assert_eq!(item.body["n"], Value::from(3));
        item.body.insert("t".into(), Value::from("x"));
        assert!(apply_changes(&mut item, &[Change::Increment("t".into(), 1)]).is_err());
    }
}
