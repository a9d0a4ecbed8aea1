//! Every item of one tenant, through the all-items index (GSI3, `T#<tenant>#ALL#<shard>`),
//! without a table scan. The rule that makes this complete is in docs/data-model.md: every
//! item written in a tenant namespace carries that index key ([`findable`]).

use crm_domain::TenantId;

use crate::keys::{self, TENANT_ITEM_SHARDS};
use crate::store::{Cursor, Db, Index, Item, Query, StoreError, TenantDb};

/// Pages through a tenant's items, shard by shard.
pub struct TenantItems {
    db: TenantDb,
    tenant: TenantId,
    shard: u32,
    cursor: Option<Cursor>,
    page_size: u32,
}

impl TenantItems {
    pub fn new(db: &Db, tenant: &TenantId) -> Self {
        Self {
            db: db.tenant(tenant),
            tenant: tenant.clone(),
            shard: 0,
            cursor: None,
            page_size: 100,
        }
    }

    /// The next non-empty page, `None` when every shard has been read. Deleting the items of
    /// a page before asking for the next is fine: the cursor is a position, not an item.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
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
}
