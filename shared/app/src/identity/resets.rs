//! Password resets: a link by mail, valid for an hour and once, that sets a new password and
//! ends every session of the account. Asking answers the same whether or not the email has an
//! account, so the form does not tell who has one.
//!
//! An account has at most one pending reset (a new request replaces it). The link carries
//! `<account id>.<secret>`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::accounts::{self, Account, AccountStatus};
use super::credentials::{check_new_password, hash_password};
use super::login::actor_of;
use super::secrets::{constant_time_eq, new_token, token_hash};
use super::{IdentityError, Letter, Realm, Refusal, links, sessions};
use crate::audit::{Actor, Audit, Change};
use crate::keys;
use crate::mail::Email;
use crate::store::{Body, Condition, Delete, Item, Put, StoreError, Write};

pub const TTL: Duration = Duration::hours(1);
/// A second request within this time sends no second mail (a mailbox is not a target).
const RESEND_AFTER: Duration = Duration::minutes(1);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PasswordReset {
    account_id: String,
    token_hash: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// The link a reset mail carries.
pub fn reset_url(realm: &Realm, token: &str) -> String {
    format!(
        "{}{}/password/reset/{token}",
        links::base_url(realm),
        links::path_prefix(realm)
    )
}

async fn pending(
    realm: &Realm,
    account_id: &str,
) -> Result<Option<(PasswordReset, u64)>, StoreError> {
    let item = realm
        .db
        .get(&keys::password_reset(realm.namespace(), account_id))
        .await?;
    Ok(item
        .and_then(|item| {
            serde_json::from_value::<PasswordReset>(Value::Object(item.body))
                .ok()
                .map(|reset| (reset, item.version))
        })
        .filter(|(reset, _)| reset.expires_at > realm.now()))
}

/// Sends a reset link to `email` if it belongs to an active account. Always `Ok` for unknown
/// emails; mail failures are logged, not reported, for the same reason.
pub async fn request(
    realm: &Realm,
    email: &str,
    audit: &Audit,
    letter: impl FnOnce(&str) -> Letter,
) -> Result<(), StoreError> {
    let Some((account, _)) = accounts::find_by_email(&realm.db, email).await? else {
        return Ok(());
    };
    if account.status != AccountStatus::Active {
        return Ok(());
    }
    let now = realm.now();
    if pending(realm, &account.id)
        .await?
        .is_some_and(|(reset, _)| now - reset.created_at < RESEND_AFTER)
    {
        return Ok(());
    }
    let secret = new_token();
    let reset = PasswordReset {
        account_id: account.id.clone(),
        token_hash: token_hash(&secret),
        created_at: now,
        expires_at: now + TTL,
    };
    let body: Body = match serde_json::to_value(&reset) {
        Ok(Value::Object(map)) => map,
        _ => Body::new(),
    };
    let audit = Audit {
        actor: Actor::Anonymous,
        ..audit.clone()
    };
    let writes = vec![
        Write::Put(Put {
            item: Item::new(keys::password_reset(realm.namespace(), &account.id), body)
                .expiring_at(reset.expires_at.timestamp()),
            condition: Condition::None,
        }),
        realm.audit_write(
            &audit,
            &Change {
                action: "auth.reset_request",
                entity_type: "account",
                entity_id: &account.id,
                before: None,
                after: None,
            },
        ),
    ];
    realm.db.transact(writes).await?;
    let letter = letter(&reset_url(realm, &format!("{}.{secret}", account.id)));
    let sent = realm
        .services
        .mailer
        .send(&Email {
            tenant_id: realm.tenant.clone(),
            to: account.email.clone(),
            subject: letter.subject,
            text: letter.text,
            html: None,
            category: "password_reset".into(),
        })
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, account_id = %account.id, "password reset mail not sent");
    }
    Ok(())
}

/// The account a reset link is for, while the link is valid.
pub async fn check(realm: &Realm, token: &str) -> Result<Account, IdentityError> {
    find(realm, token).await.map(|(account, _, _)| account)
}

async fn find(realm: &Realm, token: &str) -> Result<(Account, u64, u64), IdentityError> {
    let invalid = || IdentityError::Refused(Refusal::LinkInvalid);
    let (account_id, secret) = token.split_once('.').ok_or_else(invalid)?;
    if account_id.is_empty()
        || account_id.len() > 64
        || !account_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(invalid());
    }
    let (reset, reset_version) = pending(realm, account_id).await?.ok_or_else(invalid)?;
    if !constant_time_eq(&reset.token_hash, &token_hash(secret)) {
        return Err(invalid());
    }
    let (account, version) = accounts::get(&realm.db, account_id)
        .await?
        .filter(|(a, _)| a.status == AccountStatus::Active)
        .ok_or_else(invalid)?;
    Ok((account, version, reset_version))
}

/// Sets the new password, uses up the link and ends every session of the account. Clears a
/// lockout too: whoever reads the mailbox is the owner.
pub async fn complete(
    realm: &Realm,
    token: &str,
    password: &str,
    confirm: &str,
    audit: &Audit,
) -> Result<Account, IdentityError> {
    let (before, version, reset_version) = find(realm, token).await?;
    let issues = check_new_password(password, confirm);
    if !issues.is_empty() {
        return Err(IdentityError::Invalid(issues));
    }
    let mut after = before.clone();
    after.password_hash = Some(hash_password(realm, password).await);
    after.failed_logins = 0;
    after.locked_until = None;
    let audit = Audit {
        actor: actor_of(realm, &before),
        ..audit.clone()
    };
    let mut writes = vec![Write::Delete(Delete {
        key: keys::password_reset(realm.namespace(), &before.id),
        condition: Condition::VersionEquals(reset_version),
    })];
    writes.extend(accounts::change_writes(
        realm,
        &audit,
        "auth.password_reset",
        &before,
        &after,
        version,
    ));
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::LinkInvalid))?;
    sessions::revoke_all(&realm.db, &after.id, None, realm.now()).await?;
    Ok(after)
}
