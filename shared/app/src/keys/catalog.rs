//! Keys of the service catalogue (services, tariff versions) and of service links.
//!
//! A service has its own partition holding the service, its tariff versions and its link
//! counter, so its whole tariff history is one query. Links live in the subscriber's partition
//! (`keys::subscriber_partition`) beside a guard item per (subscriber, service) that serialises
//! changes to that pair; GSI1 lists them by service.

use super::{Namespace, escape, subscriber_partition};
use crate::store::Key;

const SERVICE_SORT: &str = "SERVICE";
/// Sort key prefix of tariff versions in a service partition.
pub const TARIFF_SORT_PREFIX: &str = "TARIFF#";
const LINK_COUNT_SORT: &str = "LINK_COUNT";
/// Sort key prefix of link items (and their guards) in a subscriber partition.
pub const LINK_SORT_PREFIX: &str = "LINK#";

/// The partition of one service.
pub fn service_partition(namespace: &Namespace, service_id: &str) -> String {
    namespace.pk(&["SERVICE", service_id])
}

pub fn service(namespace: &Namespace, service_id: &str) -> Key {
    Key::new(service_partition(namespace, service_id), SERVICE_SORT)
}

pub fn tariff_version(namespace: &Namespace, service_id: &str, version_id: &str) -> Key {
    Key::new(
        service_partition(namespace, service_id),
        format!("{TARIFF_SORT_PREFIX}{version_id}"),
    )
}

/// How many links a service has had (counter, incremented with each link).
pub fn service_link_count(namespace: &Namespace, service_id: &str) -> Key {
    Key::new(service_partition(namespace, service_id), LINK_COUNT_SORT)
}

/// Sentinel making a service code unique in the tenant; its body names the service.
pub fn service_code(namespace: &Namespace, normalised_code: &str) -> Key {
    namespace.key(&["SERVICE_CODE", &escape(normalised_code)], "SERVICE_CODE")
}

fn state(archived: bool) -> &'static str {
    if archived { "ARCHIVED" } else { "ACTIVE" }
}

/// GSI1 and GSI2 partition: a tenant's active or archived services.
pub fn services_partition(namespace: &Namespace, archived: bool) -> String {
    namespace.pk(&["SERVICES", state(archived)])
}

/// GSI1 key: services by normalised name (sorting, prefix search).
pub fn services_by_name(namespace: &Namespace, archived: bool, name: &str, id: &str) -> Key {
    Key::new(
        services_partition(namespace, archived),
        format!("{}#{id}", escape(name)),
    )
}

/// GSI2 key: services by normalised code (unique, so the code alone sorts).
pub fn services_by_code(namespace: &Namespace, archived: bool, code: &str) -> Key {
    Key::new(services_partition(namespace, archived), escape(code))
}

/// A copy of the service kept in its partition for the by-kind listing (GSI3 is reserved for
/// enumerating a tenant's items, and a service item has only one key per index).
pub fn service_kind_entry(namespace: &Namespace, service_id: &str) -> Key {
    Key::new(service_partition(namespace, service_id), "KIND_ENTRY")
}

/// GSI1 partition of the kind entries: a tenant's services of one kind.
pub fn services_of_kind_partition(namespace: &Namespace, archived: bool, kind: &str) -> String {
    namespace.pk(&["SERVICES", state(archived), "KIND", kind])
}

/// GSI1 key of a kind entry: services of one kind by normalised name.
pub fn services_of_kind(
    namespace: &Namespace,
    archived: bool,
    kind: &str,
    name: &str,
    id: &str,
) -> Key {
    Key::new(
        services_of_kind_partition(namespace, archived, kind),
        format!("{}#{id}", escape(name)),
    )
}

/// Sort key prefix of one service's links (and its guard) in a subscriber partition.
pub fn link_sort_prefix(service_id: &str) -> String {
    format!("{LINK_SORT_PREFIX}{service_id}")
}

/// A link of a service to a subscriber, in the subscriber's partition.
pub fn service_link(
    namespace: &Namespace,
    subscriber_id: &str,
    service_id: &str,
    link_id: &str,
) -> Key {
    Key::new(
        subscriber_partition(namespace, subscriber_id),
        format!("{}#{link_id}", link_sort_prefix(service_id)),
    )
}

/// The guard of a (subscriber, service) pair: every change to the pair's links rewrites it
/// under a version condition, so two concurrent changes cannot both pass the overlap check.
pub fn service_link_guard(namespace: &Namespace, subscriber_id: &str, service_id: &str) -> Key {
    Key::new(
        subscriber_partition(namespace, subscriber_id),
        link_sort_prefix(service_id),
    )
}

/// GSI1 partition: the links of one service ("who has this service").
pub fn links_of_service_partition(namespace: &Namespace, service_id: &str) -> String {
    namespace.pk(&["SERVICE_LINKS", service_id])
}

/// GSI1 key of a link in its service's list, by subscriber.
pub fn links_of_service(
    namespace: &Namespace,
    service_id: &str,
    subscriber_id: &str,
    link_id: &str,
) -> Key {
    Key::new(
        links_of_service_partition(namespace, service_id),
        format!("{subscriber_id}#{link_id}"),
    )
}

#[cfg(test)]
mod tests {
    use crm_domain::TenantId;

    use super::*;

    #[test]
    fn shapes() {
        let ns = Namespace::tenant(&TenantId::parse("acme").unwrap());
        assert_eq!(service(&ns, "s1").pk, "T#acme#SERVICE#s1");
        assert_eq!(tariff_version(&ns, "s1", "v1").sk, "TARIFF#v1");
        let link = service_link(&ns, "u1", "s1", "l1");
        assert_eq!(
            (link.pk.as_str(), link.sk.as_str()),
            ("T#acme#SUB#u1", "LINK#s1#l1")
        );
        let guard = service_link_guard(&ns, "u1", "s1");
        assert!(link.sk.starts_with(&guard.sk));
        assert_eq!(
            services_by_name(&ns, false, "вода#1", "s1").sk,
            "вода%231#s1"
        );
        assert_eq!(
            services_of_kind_partition(&ns, true, "metered"),
            "T#acme#SERVICES#ARCHIVED#KIND#metered"
        );
        assert_eq!(service_code(&ns, "A#B").pk, "T#acme#SERVICE_CODE#A%23B");
    }
}
