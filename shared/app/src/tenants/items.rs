//! Every item of one tenant without a table scan: on DynamoDB through the all-items index
//! (GSI3, `T#<tenant>#ALL#<shard>`), which every item written in a tenant namespace carries
//! (docs/data-model.md); on the embedded store, which keeps items in key order, by the
//! tenant's key prefix (`Store::lists_tenant_items_by_index`).

use crm_domain::TenantId;

use crate::keys::{self, TENANT_ITEM_SHARDS};
use crate::store::{Cursor, Db, Index, Item, Key, Query, StoreError, TenantDb};

/// Pages through a tenant's items, shard by shard.
pub struct TenantItems {
    db: TenantDb,
    tenant: TenantId,
    shard: u32,
    cursor: Option<Cursor>,
    /// Where a listing by key prefix goes on from, and whether it has ended.
    after: Option<Key>,
    done: bool,
    page_size: u32,
}

impl TenantItems {
    pub fn new(db: &Db, tenant: &TenantId) -> Self {
        Self {
            db: db.tenant(tenant),
            tenant: tenant.clone(),
            shard: 0,
            cursor: None,
            after: None,
            done: false,
            page_size: 100,
        }
    }

    /// The next non-empty page, `None` when every shard has been read. Deleting the items of
    /// a page before asking for the next is fine: the cursor is a position, not an item.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        if !self.db.lists_items_by_index() {
            return self.next_by_prefix().await;
        }
        while self.shard < TENANT_ITEM_SHARDS {
            let query = Query::new(
                Index::Gsi3,
                keys::tenant_items_partition(&self.tenant, self.shard),
            )
            .limit(self.page_size);
            let page = self.db.query(query, self.cursor.as_ref()).await?;
            self.cursor = page.next;
            if self.cursor.is_none() {
                self.shard += 1;
            }
            if !page.items.is_empty() {
                return Ok(Some(page.items));
            }
        }
        Ok(None)
    }

    async fn next_by_prefix(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let items = self
            .db
            .items_after(self.after.as_ref(), self.page_size)
            .await?;
        self.done = items.len() < self.page_size as usize;
        match items.last() {
            Some(last) => {
                self.after = Some(last.key.clone());
                Ok(Some(items))
            }
            None => Ok(None),
        }
    }
}
