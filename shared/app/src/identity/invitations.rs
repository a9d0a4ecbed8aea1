//! Invitations: someone allowed to add people names an email and a role; the person gets a
//! link by mail, valid for a week and once, sets their name and password, and has an account.
//! One pending invitation per email; an email that already has an account is refused.
//!
//! The link carries `<invitation id>.<secret>`: the id finds the record with one read, the
//! secret is compared by hash.

use chrono::{DateTime, Duration, Utc};
use crm_domain::access::PermissionSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::accounts::{self, Account};
use super::credentials::{check_new_password, hash_password};
use super::login::actor_of;
use super::secrets::{constant_time_eq, new_token, token_hash};
use super::{IdentityError, Issue, Letter, Realm, Refusal, links, roles};
use crate::audit::{Audit, Change};
use crate::keys;
use crate::mail::{Email, MailError};
use crate::store::{Body, Condition, Delete, Index, Item, Put, Query, SortKey, StoreError, Write};

pub const TTL: Duration = Duration::days(7);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: String,
    pub token_hash: String,
    /// Who invited, as the audit log names them.
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    fn to_item(&self, realm: &Realm) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        let ns = realm.namespace();
        Item::new(keys::invitation(ns, &self.id), body)
            .with_index(
                Index::Gsi1,
                keys::invitation_listing(ns, self.created_at, &self.id),
            )
            .expiring_at(self.expires_at.timestamp())
    }

    fn from_item(item: &Item) -> Option<Invitation> {
        item.decode().ok()
    }

    /// The record as the audit log shows it (without the token's hash).
    fn audited(&self) -> Value {
        serde_json::json!({"email": self.email, "role": self.role, "expires_at": self.expires_at})
    }
}

/// The outcome of an invitation: the record, and whether its mail went out.
#[derive(Debug)]
pub struct Invited {
    pub invitation: Invitation,
    pub mail: Result<(), MailError>,
}

/// The link an invitation mail carries.
pub fn accept_url(realm: &Realm, token: &str) -> String {
    format!(
        "{}{}/invite/{token}",
        links::base_url(realm),
        links::path_prefix(realm)
    )
}

/// Invites `email` with `role` (checked against what `actor` may hand out) and mails the link;
/// `letter` writes the mail around it.
pub async fn invite(
    realm: &Realm,
    actor: &PermissionSet,
    email: &str,
    role: &str,
    audit: &Audit,
    letter: impl FnOnce(&str) -> Letter,
) -> Result<Invited, IdentityError> {
    let mut issues = Vec::new();
    let email = accounts::parse_email("email", email)
        .map_err(|i| issues.push(i))
        .ok();
    if role.trim().is_empty() {
        issues.push(Issue {
            field: "role",
            problem: super::Invalid::Required,
        });
    } else if let Err(issue) = roles::check_assignment(realm, actor, None, role).await {
        issues.push(issue);
    }
    let Some(email) = email.filter(|_| issues.is_empty()) else {
        return Err(IdentityError::Invalid(issues));
    };
    if accounts::find_by_email(&realm.db, &email).await?.is_some() {
        return Err(IdentityError::Refused(Refusal::EmailTaken));
    }
    check_user_limit(realm).await?;
    let now = realm.now();
    let id = realm.new_id();
    let secret = new_token();
    let invitation = Invitation {
        id: id.clone(),
        email: email.clone(),
        role: role.to_owned(),
        token_hash: token_hash(&secret),
        invited_by: audit.actor.label(),
        created_at: now,
        expires_at: now + TTL,
    };
    let ns = realm.namespace();
    let mut sentinel = Body::new();
    sentinel.insert("invitation_id".into(), Value::from(id.clone()));
    let after = invitation.audited();
    let writes = vec![
        Write::Put(Put {
            item: invitation.to_item(realm),
            condition: Condition::MustNotExist,
        }),
        Write::Put(Put {
            item: Item::new(keys::invitation_email(ns, &email), sentinel)
                .expiring_at(invitation.expires_at.timestamp()),
            condition: Condition::MustNotExist,
        }),
        Write::Check {
            key: keys::account_email(ns, &email),
            condition: Condition::MustNotExist,
        },
        realm.audit_write(
            audit,
            &Change {
                action: "invitation.create",
                entity_type: "invitation",
                entity_id: &id,
                before: None,
                after: Some(&after),
            },
        ),
    ];
    realm.db.transact(writes).await.map_err(|e| match e {
        StoreError::TransactionCancelled { failed } if failed.contains(&1) => {
            IdentityError::Refused(Refusal::AlreadyInvited)
        }
        StoreError::TransactionCancelled { failed } if failed.contains(&2) => {
            IdentityError::Refused(Refusal::EmailTaken)
        }
        other => IdentityError::Store(other),
    })?;
    let letter = letter(&accept_url(realm, &format!("{id}.{secret}")));
    let mail = realm
        .services
        .mailer
        .send(&Email {
            tenant_id: realm.tenant.clone(),
            to: email,
            subject: letter.subject,
            text: letter.text,
            html: None,
            category: "invitation".into(),
        })
        .await
        .map(|_| ());
    if let Err(e) = &mail {
        tracing::warn!(error = %e, invitation_id = %id, "invitation mail not sent");
    }
    Ok(Invited { invitation, mail })
}

/// Refuses a new invitation when the tenant's active people and pending invitations already
/// fill its user limit (set by the platform operator on the tenant). Both lists are bounded by
/// that limit, so counting them reads a few index pages at most. Staff (the central realm) have
/// no limit.
async fn check_user_limit(realm: &Realm) -> Result<(), IdentityError> {
    let Some(tenant) = &realm.tenant else {
        return Ok(());
    };
    let max = crate::tenants::limits(&realm.services.db, tenant)
        .await?
        .max_users;
    let active = accounts::list_all(&realm.db)
        .await?
        .iter()
        .filter(|(account, _)| account.status == accounts::AccountStatus::Active)
        .count();
    let now = realm.now();
    let pending = list(realm)
        .await?
        .iter()
        .filter(|invitation| invitation.expires_at > now)
        .count();
    if active + pending >= max as usize {
        return Err(IdentityError::Refused(Refusal::UserLimitReached { max }));
    }
    Ok(())
}

/// Pending invitations, newest first.
pub async fn list(realm: &Realm) -> Result<Vec<Invitation>, StoreError> {
    let query = Query::new(Index::Gsi1, keys::invitations_partition(realm.namespace()))
        .sort(SortKey::Any)
        .backward()
        .limit(1000);
    let now = realm.now();
    let page = realm.db.query(query, None).await?;
    Ok(page
        .items
        .iter()
        .filter_map(Invitation::from_item)
        .filter(|invitation| invitation.expires_at > now)
        .collect())
}

async fn get_item(realm: &Realm, id: &str) -> Result<Option<(Invitation, u64)>, StoreError> {
    Ok(realm
        .db
        .get(&keys::invitation(realm.namespace(), id))
        .await?
        .and_then(|item| Invitation::from_item(&item).map(|i| (i, item.version)))
        .filter(|(invitation, _)| invitation.expires_at > realm.now()))
}

/// Withdraws a pending invitation; its link stops working.
pub async fn revoke(realm: &Realm, id: &str, audit: &Audit) -> Result<(), IdentityError> {
    let (invitation, version) = get_item(realm, id).await?.ok_or(IdentityError::NotFound)?;
    let before = invitation.audited();
    let ns = realm.namespace();
    let writes = vec![
        Write::Delete(Delete {
            key: keys::invitation(ns, id),
            condition: Condition::VersionEquals(version),
        }),
        Write::Delete(Delete {
            key: keys::invitation_email(ns, &invitation.email),
            condition: Condition::None,
        }),
        realm.audit_write(
            audit,
            &Change {
                action: "invitation.revoke",
                entity_type: "invitation",
                entity_id: id,
                before: Some(&before),
                after: None,
            },
        ),
    ];
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::Conflict))
}

/// The pending invitation a link stands for.
pub async fn find(realm: &Realm, token: &str) -> Result<(Invitation, u64), IdentityError> {
    let invalid = || IdentityError::Refused(Refusal::LinkInvalid);
    let (id, secret) = token.split_once('.').ok_or_else(invalid)?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    let (invitation, version) = get_item(realm, id).await?.ok_or_else(invalid)?;
    if !constant_time_eq(&invitation.token_hash, &token_hash(secret)) {
        return Err(invalid());
    }
    Ok((invitation, version))
}

/// Accepts an invitation: creates the account and uses up the link, in one transaction, so a
/// link works once.
pub async fn accept(
    realm: &Realm,
    token: &str,
    name: &str,
    password: &str,
    confirm: &str,
    audit: &Audit,
) -> Result<Account, IdentityError> {
    let (invitation, version) = find(realm, token).await?;
    let mut issues = Vec::new();
    let name = accounts::parse_name("name", name)
        .map_err(|i| issues.push(i))
        .ok();
    issues.extend(check_new_password(password, confirm));
    let Some(name) = name.filter(|_| issues.is_empty()) else {
        return Err(IdentityError::Invalid(issues));
    };
    let now = realm.now();
    let mut account = Account::new(
        realm.new_id(),
        &invitation.email,
        name,
        invitation.role.clone(),
        now,
    );
    account.password_hash = Some(hash_password(realm, password).await);
    let audit = Audit {
        actor: actor_of(realm, &account),
        ..audit.clone()
    };
    let ns = realm.namespace();
    let mut writes = vec![
        Write::Delete(Delete {
            key: keys::invitation(ns, &invitation.id),
            condition: Condition::VersionEquals(version),
        }),
        Write::Delete(Delete {
            key: keys::invitation_email(ns, &invitation.email),
            condition: Condition::None,
        }),
    ];
    // account (2), its email sentinel (3), the audit record (4)
    writes.extend(accounts::create_writes(
        ns,
        &account,
        &audit,
        realm.new_id(),
        now,
    ));
    realm.db.transact(writes).await.map_err(|e| match e {
        StoreError::TransactionCancelled { failed } if failed.contains(&3) => {
            IdentityError::Refused(Refusal::EmailTaken)
        }
        other => IdentityError::or_refusal(other, Refusal::LinkInvalid),
    })?;
    Ok(account)
}
