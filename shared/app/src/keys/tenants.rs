//! Keys of the tenants registry and its domains (central namespace).

use crm_domain::TenantId;

use super::{Namespace, escape};
use crate::store::Key;

/// A tenant's record in the central registry.
pub fn tenant(id: &TenantId) -> Key {
    Namespace::Central.key(&["TENANT", id.as_str()], "PROFILE")
}

/// A registered host name (subdomain or custom domain); one item per host makes a host belong
/// to one tenant at most.
pub fn domain(host: &str) -> Key {
    Namespace::Central.key(&["DOMAIN", &escape(host)], "DOMAIN")
}
