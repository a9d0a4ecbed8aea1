//! Platform staff: roles of the central part, separate from tenant roles.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CentralRole {
    /// Everything, including managing staff.
    Superadmin,
    /// Reads tenants and may enter a tenant's UI through an audited impersonation.
    Support,
    ReadOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CentralPermission {
    ReadTenants,
    ManageTenants,
    ManageDomains,
    ReadStaff,
    ManageStaff,
    ReadAudit,
    ExportAudit,
    Impersonate,
    ReadOutbox,
}

impl CentralPermission {
    pub const ALL: [CentralPermission; 9] = [
        CentralPermission::ReadTenants,
        CentralPermission::ManageTenants,
        CentralPermission::ManageDomains,
        CentralPermission::ReadStaff,
        CentralPermission::ManageStaff,
        CentralPermission::ReadAudit,
        CentralPermission::ExportAudit,
        CentralPermission::Impersonate,
        CentralPermission::ReadOutbox,
    ];
}

impl CentralRole {
    pub const ALL: [CentralRole; 3] = [
        CentralRole::Superadmin,
        CentralRole::Support,
        CentralRole::ReadOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CentralRole::Superadmin => "superadmin",
            CentralRole::Support => "support",
            CentralRole::ReadOnly => "read_only",
        }
    }

    pub fn parse(raw: &str) -> Option<CentralRole> {
        Self::ALL.into_iter().find(|role| role.as_str() == raw)
    }

    pub fn allows(self, permission: CentralPermission) -> bool {
        use CentralPermission as P;
        match self {
            CentralRole::Superadmin => true,
            CentralRole::Support => matches!(
                permission,
                P::ReadTenants | P::ReadStaff | P::ReadAudit | P::Impersonate | P::ReadOutbox
            ),
            CentralRole::ReadOnly => {
                matches!(permission, P::ReadTenants | P::ReadStaff | P::ReadAudit)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_superadmins_manage_and_only_support_impersonates_besides_them() {
        for permission in CentralPermission::ALL {
            assert!(CentralRole::Superadmin.allows(permission));
        }
        assert!(CentralRole::Support.allows(CentralPermission::Impersonate));
        assert!(!CentralRole::ReadOnly.allows(CentralPermission::Impersonate));
        assert!(!CentralRole::Support.allows(CentralPermission::ManageTenants));
    }
}
