//! The handles use cases hold: [`Db`] for the whole store, and the scoped handles that can
//! touch only one tenant's (or the central) namespace.

use std::sync::Arc;

use super::{
    Cursor, CursorSigner, Delete, Index, Item, JsonItem, Key, Put, Query, Store, StoreError,
    Update, Write,
};
use crate::keys::{self, Namespace};
use crate::signing::Signer;
use crm_domain::TenantId;

#[derive(Clone)]
pub struct Db {
    store: Arc<dyn Store>,
    cursors: CursorSigner,
}

impl Db {
    pub fn new(store: Arc<dyn Store>, signer: &Signer) -> Self {
        Self {
            store,
            cursors: CursorSigner::new(signer),
        }
    }

    /// A handle that reads and writes only `tenant`'s items.
    pub fn tenant(&self, tenant: &TenantId) -> TenantDb {
        self.scoped(Namespace::tenant(tenant))
    }

    /// A handle for platform-wide items (tenants registry, domains, central users).
    pub fn central(&self) -> CentralDb {
        self.scoped(Namespace::Central)
    }

    fn scoped(&self, namespace: Namespace) -> ScopedDb {
        ScopedDb {
            store: self.store.clone(),
            cursors: self.cursors.clone(),
            namespace,
        }
    }

    /// The unscoped port, for platform work that spans namespaces (health, tenant purge).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// One page of results and, when more may follow, the cursor for the next one.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// A [`Page`] of [`JsonItem`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPage {
    pub items: Vec<JsonItem>,
    pub next: Option<Cursor>,
}

pub type TenantDb = ScopedDb;
pub type CentralDb = ScopedDb;

/// A store handle confined to one namespace: every key it is given, in the table and in the
/// indexes, must lie inside that namespace, or the call fails with [`StoreError::ForeignKey`]
/// before reaching the store.
#[derive(Clone)]
pub struct ScopedDb {
    store: Arc<dyn Store>,
    cursors: CursorSigner,
    namespace: Namespace,
}

impl ScopedDb {
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    pub async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.check_pk(&key.pk)?;
        self.store.get(key).await
    }

    pub async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        for key in keys {
            self.check_pk(&key.pk)?;
        }
        self.store.batch_get(keys).await
    }

    /// [`Self::batch_get`] with the bodies as JSON text ([`Store::query_json`]).
    pub async fn batch_get_json(&self, keys: &[Key]) -> Result<Vec<JsonItem>, StoreError> {
        for key in keys {
            self.check_pk(&key.pk)?;
        }
        self.store.batch_get_json(keys).await
    }

    pub async fn put(&self, mut put: Put) -> Result<u64, StoreError> {
        self.check_item(&put.item)?;
        self.make_findable(&mut put.item);
        self.store.put(put).await
    }

    pub async fn update(&self, mut update: Update) -> Result<Item, StoreError> {
        self.check_update(&update)?;
        self.make_update_findable(&mut update);
        self.store.update(update).await
    }

    pub async fn delete(&self, delete: Delete) -> Result<(), StoreError> {
        self.check_pk(&delete.key.pk)?;
        self.store.delete(delete).await
    }

    pub async fn transact(&self, mut writes: Vec<Write>) -> Result<(), StoreError> {
        for write in &mut writes {
            match write {
                Write::Put(put) => {
                    self.check_item(&put.item)?;
                    self.make_findable(&mut put.item);
                }
                Write::Update(update) => {
                    self.check_update(update)?;
                    self.make_update_findable(update);
                }
                Write::Delete(Delete { key, .. }) | Write::Check { key, .. } => {
                    self.check_pk(&key.pk)?
                }
            }
        }
        self.store.transact(writes).await
    }

    /// See [`Store::transaction_limit`].
    pub fn transaction_limit(&self) -> usize {
        self.store.transaction_limit()
    }

    pub async fn batch_write(
        &self,
        mut puts: Vec<Item>,
        deletes: Vec<Key>,
    ) -> Result<(), StoreError> {
        for item in &mut puts {
            self.check_item(item)?;
            self.make_findable(item);
        }
        for key in &deletes {
            self.check_pk(&key.pk)?;
        }
        self.store.batch_write(puts, deletes).await
    }

    /// Runs `query` from the position in `cursor` (which must have been issued for this same
    /// index and partition).
    pub async fn query(
        &self,
        mut query: Query,
        cursor: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.start_query(&mut query, cursor)?;
        let raw = self.store.query(&query).await?;
        let next = raw.last.map(|last| self.cursors.encode(&query, last));
        Ok(Page {
            items: raw.items,
            next,
        })
    }

    /// [`Self::query`] with the bodies as JSON text ([`Store::query_json`]).
    pub async fn query_json(
        &self,
        mut query: Query,
        cursor: Option<&Cursor>,
    ) -> Result<JsonPage, StoreError> {
        self.start_query(&mut query, cursor)?;
        let raw = self.store.query_json(&query).await?;
        let next = raw.last.map(|last| self.cursors.encode(&query, last));
        Ok(JsonPage {
            items: raw.items,
            next,
        })
    }

    /// Whether this namespace's items are listed through the all-items index (GSI3) or by
    /// [`Self::items_after`] ([`Store::lists_tenant_items_by_index`]).
    pub fn lists_items_by_index(&self) -> bool {
        self.store.lists_tenant_items_by_index()
    }

    /// Up to `limit` items of this namespace after `after`, in table-key order, on a store that
    /// does not list them through the all-items index.
    pub async fn items_after(
        &self,
        after: Option<&Key>,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        if let Some(after) = after {
            self.check_pk(&after.pk)?;
        }
        self.store
            .items_by_prefix(&self.namespace.pk(&[]), after, limit)
            .await
    }

    /// Checks the query's partition and puts the cursor's position into it.
    fn start_query(&self, query: &mut Query, cursor: Option<&Cursor>) -> Result<(), StoreError> {
        self.check_pk(&query.pk)?;
        query.start_after = match cursor {
            Some(cursor) => {
                let last = self.cursors.decode(query, cursor)?;
                self.check_pk(&last.table_key.pk)?;
                Some(last)
            }
            None => None,
        };
        Ok(())
    }

    /// Every tenant item carries the GSI3 key that lets the platform enumerate a tenant's items
    /// without a scan (export, purge; docs/data-model.md), on a store that lists them that way.
    /// Set here, so no feature can forget it.
    fn make_findable(&self, item: &mut Item) {
        if !self.store.lists_tenant_items_by_index() {
            return;
        }
        if let Some(key) = keys::tenant_item_index(&self.namespace, &item.key) {
            item.index_keys.set(Index::Gsi3, Some(key));
        }
    }

    /// An update may create the item (upsert), so it sets the same key.
    fn make_update_findable(&self, update: &mut Update) {
        if !self.store.lists_tenant_items_by_index() {
            return;
        }
        let Some(key) = keys::tenant_item_index(&self.namespace, &update.key) else {
            return;
        };
        update
            .changes
            .push(super::Change::SetIndexKey(Index::Gsi3, Some(key)));
    }

    fn check_pk(&self, pk: &str) -> Result<(), StoreError> {
        if self.namespace.owns(pk) {
            Ok(())
        } else {
            Err(StoreError::ForeignKey { key: pk.to_owned() })
        }
    }

    fn check_item(&self, item: &Item) -> Result<(), StoreError> {
        self.check_pk(&item.key.pk)?;
        // GSI3 enumerates a tenant's items; an item read back carries exactly that key.
        // (Built only when the item carries a GSI3 key: most do not, and bulk writes are many.)
        if let Some(given) = item.index_keys.get(Index::Gsi3)
            && keys::tenant_item_index(&self.namespace, &item.key).is_some_and(|r| *given != r)
        {
            return Err(StoreError::Invalid(
                "GSI3 is reserved in tenant namespaces for enumerating a tenant's items".into(),
            ));
        }
        for (_, key) in item.index_keys.iter() {
            if let Some(key) = key {
                self.check_pk(&key.pk)?;
            }
        }
        Ok(())
    }

    fn check_update(&self, update: &Update) -> Result<(), StoreError> {
        self.check_pk(&update.key.pk)?;
        if keys::tenant_item_index(&self.namespace, &update.key).is_some()
            && update
                .changes
                .iter()
                .any(|c| matches!(c, super::Change::SetIndexKey(Index::Gsi3, _)))
        {
            return Err(StoreError::Invalid(
                "GSI3 is reserved in tenant namespaces for enumerating a tenant's items".into(),
            ));
        }
        for change in &update.changes {
            if let super::Change::SetIndexKey(_, Some(key)) = change {
                self.check_pk(&key.pk)?;
            }
        }
        Ok(())
    }
}
