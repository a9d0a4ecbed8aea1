//! Administering a realm's people (a tenant's users, or the platform's staff): listing with
//! search, sorting and pages, changing roles, disabling and enabling. A realm never loses its
//! last active administrator, and nobody acts on someone holding more than they do.

use crm_domain::access::PermissionSet;
use crm_domain::access::grants;

use super::accounts::{self, Account, AccountStatus};
use super::{IdentityError, Invalid, Issue, Realm, Refusal, roles, sessions};
use crate::audit::Audit;
use crate::store::{Condition, Write};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Name,
    Email,
    Role,
    Status,
    Created,
}

impl SortBy {
    pub const ALL: [(SortBy, &'static str); 5] = [
        (SortBy::Name, "name"),
        (SortBy::Email, "email"),
        (SortBy::Role, "role"),
        (SortBy::Status, "status"),
        (SortBy::Created, "created"),
    ];

    pub fn parse(raw: &str) -> Option<SortBy> {
        Self::ALL
            .iter()
            .find(|(_, key)| *key == raw)
            .map(|(s, _)| *s)
    }

    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("name", |(_, key)| key)
    }
}

#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Matched against names and emails, case-insensitively.
    pub search: String,
    pub sort: SortBy,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Clone, Debug)]
pub struct ListPage {
    pub accounts: Vec<Account>,
    pub total: usize,
    /// The offset of the next page, when there is one.
    pub next_offset: Option<usize>,
}

/// A page of the realm's people. They are few (a tenant's user limit), so the list is read
/// whole from its index partition and sorted here, in any order asked.
pub async fn list(realm: &Realm, query: &ListQuery) -> Result<ListPage, IdentityError> {
    let needle = query.search.trim().to_lowercase();
    let mut all: Vec<Account> = accounts::list_all(&realm.db)
        .await?
        .into_iter()
        .map(|(account, _)| account)
        .filter(|a| {
            needle.is_empty()
                || a.name.to_lowercase().contains(&needle)
                || a.email.contains(&needle)
        })
        .collect();
    all.sort_by(|a, b| {
        let order = match query.sort {
            SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            SortBy::Email => a.email.cmp(&b.email),
            SortBy::Role => a.role.cmp(&b.role),
            SortBy::Status => status_rank(a.status).cmp(&status_rank(b.status)),
            SortBy::Created => a.created_at.cmp(&b.created_at),
        }
        .then_with(|| a.id.cmp(&b.id));
        if query.descending {
            order.reverse()
        } else {
            order
        }
    });
    let total = all.len();
    let limit = query.limit.clamp(1, 200);
    let accounts: Vec<Account> = all.into_iter().skip(query.offset).take(limit).collect();
    let next_offset = (query.offset + limit < total).then_some(query.offset + limit);
    Ok(ListPage {
        accounts,
        total,
        next_offset,
    })
}

fn status_rank(status: AccountStatus) -> u8 {
    match status {
        AccountStatus::Active => 0,
        AccountStatus::Disabled => 1,
    }
}

pub async fn get(realm: &Realm, id: &str) -> Result<Account, IdentityError> {
    accounts::get(&realm.db, id)
        .await?
        .map(|(account, _)| account)
        .ok_or(IdentityError::NotFound)
}

fn is_active_admin(realm: &Realm, account: &Account) -> bool {
    account.status == AccountStatus::Active && roles::is_admin_role(realm, &account.role)
}

/// A check that another active administrator exists and stays unchanged while `target` stops
/// being one. Two administrators demoting each other at once each depend on the other staying,
/// so one of the two transactions fails.
async fn another_admin_stays(realm: &Realm, target: &Account) -> Result<Write, IdentityError> {
    let witness = accounts::list_all(&realm.db)
        .await?
        .into_iter()
        .find(|(a, _)| a.id != target.id && is_active_admin(realm, a));
    match witness {
        Some((admin, version)) => Ok(Write::Check {
            key: accounts::key(realm.namespace(), &admin.id),
            condition: Condition::VersionEquals(version),
        }),
        None => Err(IdentityError::Refused(Refusal::LastAdministrator)),
    }
}

/// Whether the actor may act on `target`: it must hold everything the target's role grants
/// (tenants; staff routes are for superadmins only).
async fn check_may_act_on(
    realm: &Realm,
    actor: &PermissionSet,
    target: &Account,
) -> Result<(), IdentityError> {
    if realm.tenant.is_none() {
        return Ok(());
    }
    let held = roles::permissions_of(&realm.db, &target.role).await?;
    grants::check_assignment(actor, &held, &held).map_err(|grants::NotHeld(missing)| {
        IdentityError::invalid("role", Invalid::NotHeld(missing))
    })
}

async fn commit(
    realm: &Realm,
    audit: &Audit,
    action: &str,
    before: &Account,
    after: &Account,
    version: u64,
    witness: Option<Write>,
) -> Result<(), IdentityError> {
    let mut writes = accounts::change_writes(realm, audit, action, before, after, version);
    writes.extend(witness);
    realm.db.transact(writes).await.map_err(|e| match e {
        crate::store::StoreError::TransactionCancelled { failed } if failed.contains(&2) => {
            IdentityError::Refused(Refusal::LastAdministrator)
        }
        other => IdentityError::or_refusal(other, Refusal::Conflict),
    })
}

/// Gives `id` the role `role`.
pub async fn change_role(
    realm: &Realm,
    actor: &PermissionSet,
    id: &str,
    role: &str,
    audit: &Audit,
) -> Result<Account, IdentityError> {
    let (before, version) = accounts::get(&realm.db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let role = role.trim();
    if role.is_empty() {
        return Err(IdentityError::Invalid(vec![Issue {
            field: "role",
            problem: Invalid::Required,
        }]));
    }
    roles::check_assignment(realm, actor, Some(&before.role), role)
        .await
        .map_err(|issue| IdentityError::Invalid(vec![issue]))?;
    if before.role == role {
        return Ok(before);
    }
    let mut after = before.clone();
    after.role = role.to_owned();
    let witness = if is_active_admin(realm, &before) && !is_active_admin(realm, &after) {
        Some(another_admin_stays(realm, &before).await?)
    } else {
        None
    };
    commit(
        realm,
        audit,
        "account.role_change",
        &before,
        &after,
        version,
        witness,
    )
    .await?;
    Ok(after)
}

/// Disables or enables `id`. Disabling ends the account's sessions; nobody disables themselves.
pub async fn set_status(
    realm: &Realm,
    actor: &PermissionSet,
    actor_id: Option<&str>,
    id: &str,
    status: AccountStatus,
    audit: &Audit,
) -> Result<Account, IdentityError> {
    let (before, version) = accounts::get(&realm.db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if status == AccountStatus::Disabled && actor_id == Some(id) {
        return Err(IdentityError::Refused(Refusal::OwnAccount));
    }
    check_may_act_on(realm, actor, &before).await?;
    if before.status == status {
        return Ok(before);
    }
    let mut after = before.clone();
    after.status = status;
    let witness = if is_active_admin(realm, &before) && !is_active_admin(realm, &after) {
        Some(another_admin_stays(realm, &before).await?)
    } else {
        None
    };
    let action = match status {
        AccountStatus::Disabled => "account.disable",
        AccountStatus::Active => "account.enable",
    };
    commit(realm, audit, action, &before, &after, version, witness).await?;
    if status == AccountStatus::Disabled {
        sessions::revoke_all(&realm.db, id, None, realm.now()).await?;
    }
    Ok(after)
}
