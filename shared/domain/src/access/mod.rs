//! Who may do what: permissions as (resource, action) pairs, the built-in tenant roles as a
//! matrix over them, and the central (platform staff) roles.
//!
//! Routes name the one permission they need; a principal's permission set comes from its role
//! (built-in or custom) or, for API keys, from the key's scopes. The same check serves the UI
//! and the API.

mod central;
pub mod grants;
mod matrix;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use central::{CentralPermission, CentralRole};
pub use matrix::BuiltinRole;

/// Things in a tenant that permissions are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Tenant settings and branding.
    Settings,
    Users,
    Roles,
    ApiKeys,
    Audit,
    Subscribers,
    /// The service catalogue and tariffs.
    Services,
    Meters,
    Readings,
    Invoices,
    Payments,
    Reports,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    Export,
}

impl Resource {
    pub const ALL: [Resource; 12] = [
        Resource::Settings,
        Resource::Users,
        Resource::Roles,
        Resource::ApiKeys,
        Resource::Audit,
        Resource::Subscribers,
        Resource::Services,
        Resource::Meters,
        Resource::Readings,
        Resource::Invoices,
        Resource::Payments,
        Resource::Reports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Settings => "settings",
            Resource::Users => "users",
            Resource::Roles => "roles",
            Resource::ApiKeys => "api_keys",
            Resource::Audit => "audit",
            Resource::Subscribers => "subscribers",
            Resource::Services => "services",
            Resource::Meters => "meters",
            Resource::Readings => "readings",
            Resource::Invoices => "invoices",
            Resource::Payments => "payments",
            Resource::Reports => "reports",
        }
    }
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Export => "export",
        }
    }
}

/// One permission, written `resource:action` (`subscribers:read`) in API key scopes and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Permission {
    pub resource: Resource,
    pub action: Action,
}

impl Permission {
    pub const fn new(resource: Resource, action: Action) -> Self {
        Self { resource, action }
    }

    /// Every permission there is.
    pub fn all() -> impl Iterator<Item = Permission> {
        Resource::ALL.into_iter().flat_map(|resource| {
            Action::ALL
                .into_iter()
                .map(move |action| Permission::new(resource, action))
        })
    }

    pub fn parse(raw: &str) -> Result<Self, UnknownPermission> {
        Self::all()
            .find(|p| p.to_string() == raw)
            .ok_or_else(|| UnknownPermission(raw.to_owned()))
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource.as_str(), self.action.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission `{0}`; permissions look like `subscribers:read`")]
pub struct UnknownPermission(pub String);

impl UnknownPermission {
    pub fn code(&self) -> &'static str {
        "unknown_permission"
    }
}

impl TryFrom<String> for Permission {
    type Error = UnknownPermission;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Permission> for String {
    fn from(value: Permission) -> Self {
        value.to_string()
    }
}

/// A set of permissions (a role's, or an API key's scopes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn new(permissions: impl IntoIterator<Item = Permission>) -> Self {
        Self(permissions.into_iter().collect())
    }

    pub fn all() -> Self {
        Self::new(Permission::all())
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// Whether every permission of `other` is in this set: a principal may only hand out
    /// (to a custom role or an API key) what it holds itself.
    pub fn covers(&self, other: &PermissionSet) -> bool {
        other.0.is_subset(&self.0)
    }

    /// The permissions of this set that `other` lacks.
    pub fn difference(&self, other: &PermissionSet) -> PermissionSet {
        Self(self.0.difference(&other.0).copied().collect())
    }

    /// The permissions in both sets.
    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        Self(self.0.intersection(&other.0).copied().collect())
    }

    pub fn union(&self, other: &PermissionSet) -> PermissionSet {
        Self(self.0.union(&other.0).copied().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_as_text() {
        for permission in Permission::all() {
            assert_eq!(Permission::parse(&permission.to_string()), Ok(permission));
        }
        assert_eq!(Permission::all().count(), 60);
        assert!(Permission::parse("subscribers:fly").is_err());
        assert!(Permission::parse("Subscribers:read").is_err());
        let json =
            serde_json::to_string(&Permission::new(Resource::ApiKeys, Action::Create)).unwrap();
        assert_eq!(json, "\"api_keys:create\"");
    }

    #[test]
    fn covers_is_subset() {
        let read = PermissionSet::new([Permission::new(Resource::Users, Action::Read)]);
        assert!(PermissionSet::all().covers(&read));
        assert!(!read.covers(&PermissionSet::all()));
        assert!(read.covers(&PermissionSet::default()));
    }
}
