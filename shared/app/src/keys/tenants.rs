//! Keys of the tenants registry, its listings and domains (central namespace), a tenant's
//! settings, and the index through which all of a tenant's items can be found.

use chrono::{DateTime, Utc};
use crm_domain::TenantId;

use super::{Namespace, escape};
use crate::store::Key;

/// A tenant's record in the central registry.
pub fn tenant(id: &TenantId) -> Key {
    Namespace::Central.key(&["TENANT", id.as_str()], "PROFILE")
}

/// A second item beside the record, a short summary that carries the index keys the record
/// has no room for (an item has one key per index).
pub fn tenant_listing_entry(id: &TenantId) -> Key {
    Namespace::Central.key(&["TENANT", id.as_str()], tenant_listing_entry_sort())
}

/// The sort key that tells a listing entry from the record in query results.
pub fn tenant_listing_entry_sort() -> &'static str {
    "LISTING"
}

/// How tenants are listed in the central part: every tenant or one status, by name or by
/// creation time. `status` is the snake_case name of the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantOrder {
    Name,
    Created,
}

/// The partition of a tenant listing.
pub fn tenants_partition(status: Option<&str>, order: TenantOrder) -> String {
    let order = match order {
        TenantOrder::Name => "NAME",
        TenantOrder::Created => "CREATED",
    };
    match status {
        Some(status) => Namespace::Central.pk(&["TENANTS", "STATUS", status, order]),
        None => Namespace::Central.pk(&["TENANTS", order]),
    }
}

/// The sort key of a tenant in a by-name listing: the name folded for search (see
/// [`name_search_key`]), then the id for uniqueness.
pub fn tenant_name_sort(name: &str, id: &TenantId) -> String {
    format!("{}#{id}", escape(&name_search_key(name)))
}

/// The sort key of a tenant in a by-creation listing.
pub fn tenant_created_sort(created_at: DateTime<Utc>, id: &TenantId) -> String {
    format!("{}#{id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// A name as prefix search compares it: lower case, `ё` as `е`, runs of spaces as one.
pub fn name_search_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

/// The sort-key prefix that finds names starting with `query`.
pub fn tenant_name_prefix(query: &str) -> String {
    escape(&name_search_key(query))
}

/// A registered host name (subdomain or custom domain); one item per host makes a host belong
/// to one tenant at most.
pub fn domain(host: &str) -> Key {
    Namespace::Central.key(&["DOMAIN", &escape(host)], "DOMAIN")
}

/// GSI1 partition listing one tenant's domains.
pub fn tenant_domains_partition(tenant: &TenantId) -> String {
    Namespace::Central.pk(&["TENANT", tenant.as_str(), "DOMAINS"])
}

/// GSI1 key of a domain in its tenant's list, by host.
pub fn tenant_domain_listing(tenant: &TenantId, host: &str) -> Key {
    Key::new(tenant_domains_partition(tenant), escape(host))
}

/// A tenant's settings (one item, a field per section).
pub fn settings(tenant: &TenantId) -> Key {
    settings_in(&Namespace::tenant(tenant))
}

/// The same item, from a tenant handle's namespace.
pub fn settings_in(namespace: &Namespace) -> Key {
    namespace.key(&["SETTINGS"], "SETTINGS")
}

/// Shards of the all-items index: a tenant's writes spread over this many index partitions,
/// so a billing run does not funnel every write into one. Never change it: items already
/// written keep the shard they were given (a purge reads every shard of the current count).
pub const TENANT_ITEM_SHARDS: u32 = 32;

/// The GSI3 partition of one shard of a tenant's items.
pub fn tenant_items_partition(tenant: &TenantId, shard: u32) -> String {
    Namespace::tenant(tenant).pk(&["ALL", &format!("{shard:02}")])
}

/// The GSI3 key every tenant item carries (docs/data-model.md, "Every tenant item is
/// findable"): shard by its partition key, sorted by its table key. `None` for keys outside
/// a tenant namespace.
pub fn tenant_item_index(namespace: &Namespace, table_key: &Key) -> Option<Key> {
    let Namespace::Tenant(tenant) = namespace else {
        return None;
    };
    if !namespace.owns(&table_key.pk) {
        return None;
    }
    let shard = fnv1a(table_key.pk.as_bytes()) % TENANT_ITEM_SHARDS;
    Some(Key::new(
        tenant_items_partition(tenant, shard),
        format!("{}|{}", table_key.pk, table_key.sk),
    ))
}

/// FNV-1a, 32 bits: stable across platforms and releases, unlike `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_index_is_stable_and_tenant_only() {
        let demo = TenantId::parse("demo").unwrap();
        let ns = Namespace::tenant(&demo);
        let key = ns.key(&["SUB", "42"], "PROFILE");
        let index = tenant_item_index(&ns, &key).unwrap();
        assert_eq!(index, tenant_item_index(&ns, &key).unwrap());
        assert!(index.pk.starts_with("T#demo#ALL#"));
        assert!(ns.owns(&index.pk));
        assert_eq!(index.sk, "T#demo#SUB#42|PROFILE");
        // Pinned to the published FNV-1a vectors: a change would strand written items.
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(tenant_item_index(&Namespace::Central, &tenant(&demo)), None);
        let other = TenantId::parse("other").unwrap();
        assert_eq!(tenant_item_index(&Namespace::tenant(&other), &key), None);
    }

    #[test]
    fn names_fold_for_search() {
        assert_eq!(
            name_search_key("  ТСЖ   «Рассвет» Ёлки"),
            "тсж «рассвет» елки"
        );
        let demo = TenantId::parse("demo").unwrap();
        assert!(tenant_name_sort("Водоканал #1", &demo).starts_with(&tenant_name_prefix("вод")));
        assert!(!tenant_name_sort("a#b", &demo)[..5].contains('#'));
    }
}
