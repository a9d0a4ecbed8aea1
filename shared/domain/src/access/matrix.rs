//! The built-in tenant roles as one readable matrix. Each cell lists the actions a role has on
//! a resource: R read, C create, U update, D delete, E export.

use serde::{Deserialize, Serialize};

use super::{Action, Permission, PermissionSet, Resource};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinRole {
    Administrator,
    Manager,
    Operator,
    Accountant,
    Viewer,
}

//                         administrator manager  operator accountant viewer
#[rustfmt::skip]
const MATRIX: &[(Resource, [&str; 5])] = &[
    (Resource::Settings,    ["RU",    "R",     "",     "R",     ""]),
    (Resource::Users,       ["RCUD",  "R",     "",     "",      ""]),
    (Resource::Roles,       ["RCUD",  "R",     "",     "",      ""]),
    (Resource::ApiKeys,     ["RCUD",  "",      "",     "",      ""]),
    (Resource::Audit,       ["RE",    "R",     "",     "R",     ""]),
    (Resource::Subscribers, ["RCUDE", "RCUE",  "RCU",  "RE",    "R"]),
    (Resource::Services,    ["RCUDE", "RCUDE", "R",    "RE",    "R"]),
    (Resource::Meters,      ["RCUDE", "RCUDE", "RCU",  "R",     "R"]),
    (Resource::Readings,    ["RCUDE", "RCUDE", "RCU",  "R",     "R"]),
    (Resource::Invoices,    ["RCUDE", "RE",    "R",    "RCUDE", "R"]),
    (Resource::Payments,    ["RCUDE", "R",     "RC",   "RCUDE", "R"]),
    (Resource::Reports,     ["RE",    "RE",    "R",    "RE",    "R"]),
];

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 5] = [
        BuiltinRole::Administrator,
        BuiltinRole::Manager,
        BuiltinRole::Operator,
        BuiltinRole::Accountant,
        BuiltinRole::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BuiltinRole::Administrator => "administrator",
            BuiltinRole::Manager => "manager",
            BuiltinRole::Operator => "operator",
            BuiltinRole::Accountant => "accountant",
            BuiltinRole::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Option<BuiltinRole> {
        Self::ALL.into_iter().find(|role| role.as_str() == raw)
    }

    fn column(self) -> usize {
        match self {
            BuiltinRole::Administrator => 0,
            BuiltinRole::Manager => 1,
            BuiltinRole::Operator => 2,
            BuiltinRole::Accountant => 3,
            BuiltinRole::Viewer => 4,
        }
    }

    pub fn permissions(self) -> PermissionSet {
        PermissionSet::new(MATRIX.iter().flat_map(|(resource, cells)| {
            cells[self.column()].chars().filter_map(move |letter| {
                let action = match letter {
                    'R' => Action::Read,
                    'C' => Action::Create,
                    'U' => Action::Update,
                    'D' => Action::Delete,
                    'E' => Action::Export,
                    _ => return None,
                };
                Some(Permission::new(*resource, action))
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_covers_every_resource_with_known_letters() {
        for resource in Resource::ALL {
            let row = MATRIX.iter().find(|(r, _)| *r == resource);
            assert!(row.is_some(), "{resource:?} missing from the matrix");
        }
        for (resource, cells) in MATRIX {
            for cell in cells {
                assert!(
                    cell.chars().all(|c| "RCUDE".contains(c)),
                    "{resource:?}: {cell}"
                );
            }
        }
    }

    #[test]
    fn administrator_holds_every_permission_except_none_missing() {
        let admin = BuiltinRole::Administrator.permissions();
        for role in BuiltinRole::ALL {
            assert!(
                admin.covers(&role.permissions()),
                "{role:?} exceeds the administrator"
            );
        }
        assert!(admin.allows(Permission::new(Resource::ApiKeys, Action::Create)));
    }

    #[test]
    fn viewers_only_read() {
        let viewer = BuiltinRole::Viewer.permissions();
        assert!(viewer.iter().all(|p| p.action == Action::Read));
        assert!(!viewer.allows(Permission::new(Resource::Users, Action::Read)));
    }

    #[test]
    fn accountants_handle_money_but_not_people() {
        let accountant = BuiltinRole::Accountant.permissions();
        assert!(accountant.allows(Permission::new(Resource::Payments, Action::Create)));
        assert!(!accountant.allows(Permission::new(Resource::Users, Action::Create)));
        assert!(!accountant.allows(Permission::new(Resource::Subscribers, Action::Update)));
    }
}
