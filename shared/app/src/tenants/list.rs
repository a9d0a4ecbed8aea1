//! Listing the tenants registry: every tenant or one status, by name or creation time, with a
//! name-prefix search. Each combination is one index partition (keys::tenants_partition).

use super::TenantStatus;
use super::record::{TenantSummary, status_name, summary_from_item};
use crate::keys::{self, TenantOrder};
use crate::store::{Cursor, Db, Index, Query, SortKey, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantQuery {
    pub status: Option<TenantStatus>,
    pub order: TenantOrder,
    pub descending: bool,
    /// Names starting with this (case and `ё` folded); searching sorts by name.
    pub name_prefix: Option<String>,
    pub limit: u32,
}

impl Default for TenantQuery {
    fn default() -> Self {
        Self {
            status: None,
            order: TenantOrder::Name,
            descending: false,
            name_prefix: None,
            limit: 25,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TenantPage {
    pub tenants: Vec<TenantSummary>,
    pub next: Option<Cursor>,
}

pub async fn list(
    db: &Db,
    query: &TenantQuery,
    cursor: Option<&Cursor>,
) -> Result<TenantPage, StoreError> {
    let prefix = query
        .name_prefix
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let order = if prefix.is_some() {
        TenantOrder::Name
    } else {
        query.order
    };
    let status = query.status.map(status_name);
    let index = match (status.is_some(), order) {
        (false, TenantOrder::Name) => Index::Gsi1,
        (false, TenantOrder::Created) => Index::Gsi2,
        (true, TenantOrder::Name) => Index::Gsi3,
        // The listing entry carries this one.
        (true, TenantOrder::Created) => Index::Gsi1,
    };
    let mut store_query =
        Query::new(index, keys::tenants_partition(status, order)).limit(query.limit.clamp(1, 200));
    if let Some(prefix) = prefix {
        store_query = store_query.sort(SortKey::BeginsWith(keys::tenant_name_prefix(prefix)));
    }
    if query.descending {
        store_query = store_query.backward();
    }
    let page = db.central().query(store_query, cursor).await?;
    let tenants = page
        .items
        .iter()
        .map(summary_from_item)
        .collect::<Result<_, _>>()?;
    Ok(TenantPage {
        tenants,
        next: page.next,
    })
}
