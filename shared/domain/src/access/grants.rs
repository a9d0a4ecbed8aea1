//! Who may hand out which permissions. A principal may only grant what it holds: to a custom
//! role, to an API key, or by giving a person a role. Whatever it does not hold it may not take
//! away either, so a manager cannot quietly strip an administrator's role of billing rights.

use super::PermissionSet;

/// A change of grants refused: the permissions involved that the actor does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("only permissions one holds may be granted or withdrawn")]
pub struct NotHeld(pub PermissionSet);

/// A set of grants changing from `current` to `requested` (a new custom role or API key has an
/// empty `current`): every permission added or removed must be one the actor holds.
pub fn check_change(
    actor: &PermissionSet,
    current: &PermissionSet,
    requested: &PermissionSet,
) -> Result<(), NotHeld> {
    let added = requested.difference(current);
    let removed = current.difference(requested);
    let not_held = added.union(&removed).difference(actor);
    if not_held.is_empty() {
        Ok(())
    } else {
        Err(NotHeld(not_held))
    }
}

/// What a form asks for when it shows the permissions the actor does not hold as read-only: the
/// submitted ones the actor holds, and the current ones it does not, unchanged.
pub fn from_form(
    actor: &PermissionSet,
    current: &PermissionSet,
    submitted: &PermissionSet,
) -> PermissionSet {
    submitted
        .intersection(actor)
        .union(&current.difference(actor))
}

/// Giving someone the role with `to` instead of the one with `from`: the actor must hold both,
/// so nobody hands out more than they have or demotes someone above them.
pub fn check_assignment(
    actor: &PermissionSet,
    from: &PermissionSet,
    to: &PermissionSet,
) -> Result<(), NotHeld> {
    let not_held = from.union(to).difference(actor);
    if not_held.is_empty() {
        Ok(())
    } else {
        Err(NotHeld(not_held))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Action, BuiltinRole, Permission, Resource};
    use super::*;

    fn set(permissions: &[(Resource, Action)]) -> PermissionSet {
        PermissionSet::new(permissions.iter().map(|(r, a)| Permission::new(*r, *a)))
    }

    #[test]
    fn one_may_add_and_remove_only_what_one_holds() {
        let manager = BuiltinRole::Manager.permissions();
        let none = PermissionSet::default();
        let read_subscribers = set(&[(Resource::Subscribers, Action::Read)]);
        assert!(check_change(&manager, &none, &read_subscribers).is_ok());
        let delete_invoices = set(&[(Resource::Invoices, Action::Delete)]);
        assert_eq!(
            check_change(&manager, &none, &delete_invoices),
            Err(NotHeld(delete_invoices.clone()))
        );
        // the role already has it: keeping it is fine, removing it is not
        assert!(check_change(&manager, &delete_invoices, &delete_invoices).is_ok());
        assert_eq!(
            check_change(&manager, &delete_invoices, &none),
            Err(NotHeld(delete_invoices.clone()))
        );
    }

    #[test]
    fn forms_keep_what_the_actor_cannot_touch() {
        let actor = set(&[(Resource::Subscribers, Action::Read)]);
        let current = set(&[(Resource::Invoices, Action::Delete)]);
        let submitted = set(&[
            (Resource::Subscribers, Action::Read),
            (Resource::Payments, Action::Create),
        ]);
        let requested = from_form(&actor, &current, &submitted);
        assert_eq!(
            requested,
            set(&[
                (Resource::Subscribers, Action::Read),
                (Resource::Invoices, Action::Delete)
            ])
        );
        assert!(check_change(&actor, &current, &requested).is_ok());
    }

    #[test]
    fn assignments_need_both_roles_covered() {
        let admin = BuiltinRole::Administrator.permissions();
        let manager = BuiltinRole::Manager.permissions();
        let viewer = BuiltinRole::Viewer.permissions();
        assert!(check_assignment(&admin, &viewer, &manager).is_ok());
        assert!(
            check_assignment(&manager, &viewer, &admin).is_err(),
            "promote above oneself"
        );
        assert!(
            check_assignment(&manager, &admin, &viewer).is_err(),
            "demote someone above"
        );
        let accountant = BuiltinRole::Accountant.permissions();
        let Err(NotHeld(missing)) = check_assignment(&manager, &viewer, &accountant) else {
            panic!("a manager does not hold every accountant permission");
        };
        assert!(missing.allows(Permission::new(Resource::Invoices, Action::Create)));
    }
}
