//! Signing in: email and password, then the TOTP code when the account has a second factor,
//! with lockout and backoff after repeated failures. Every outcome that changes an account is
//! audited (`auth.login_failed`, `auth.locked`, `auth.login`); signing out is `auth.logout`.

use chrono::{DateTime, Duration, Utc};
use crm_domain::auth::lockout;
use crm_domain::auth::totp::TotpSecret;

use super::Realm;
use super::accounts::{self, Account, AccountStatus};
use super::password;
use super::sessions::{self, ClientInfo, Session};
use crate::audit::{Actor, Audit, Change};
use crate::keys;
use crate::store::{Condition, Delete, StoreError, Write};

/// How long a password-only session may wait for its second factor.
pub const SECOND_FACTOR_WINDOW: Duration = Duration::minutes(10);
/// Read-modify-write attempts when concurrent requests touch the same account.
const ATTEMPTS: usize = 5;

#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the session and the token for its cookie.
    Done {
        session: Session,
        token: String,
        account: Account,
    },
    /// The password was right; the session waits for the TOTP code.
    SecondFactorDue { session: Session, token: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown email, wrong password, disabled account: indistinguishable on purpose.
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the TOTP code is wrong")]
    WrongCode,
    #[error("sign-in locked until {0}")]
    Locked(DateTime<Utc>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who the audit log names for an account acting itself.
pub fn actor_of(realm: &Realm, account: &Account) -> Actor {
    match realm.tenant {
        Some(_) => Actor::User {
            id: account.id.clone(),
            name: account.name.clone(),
        },
        None => Actor::Staff {
            id: account.id.clone(),
            email: account.email.clone(),
        },
    }
}

/// The first step: email and password.
pub async fn with_password(
    realm: &Realm,
    email: &str,
    password: &str,
    client: &ClientInfo,
    audit: &Audit,
) -> Result<SignIn, SignInError> {
    let cost = realm.services.password_cost;
    let found = accounts::find_by_email(&realm.db, email).await?;
    let Some((account, _)) = found.filter(|(a, _)| a.status == AccountStatus::Active) else {
        spend_time(password.to_owned(), None, cost).await;
        return Err(SignInError::InvalidCredentials);
    };
    let now = realm.now();
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        return Err(SignInError::Locked(until));
    }
    if !spend_time(password.to_owned(), account.password_hash.clone(), cost).await {
        return Err(record_failure(realm, &account.id, audit).await?);
    }
    if account.totp_secret.is_some() {
        let (mut session, token) = sessions::prepare(&account.id, client, true, None, now);
        session.ends_at = Some(now + SECOND_FACTOR_WINDOW);
        realm
            .db
            .transact(vec![session.create_write(realm.namespace())])
            .await?;
        return Ok(SignIn::SecondFactorDue { session, token });
    }
    let (session, token) = sessions::prepare(&account.id, client, false, None, now);
    let writes = vec![session.create_write(realm.namespace())];
    let account = succeed(realm, &account.id, writes, None, audit).await?;
    Ok(SignIn::Done {
        session,
        token,
        account,
    })
}

/// The second step: the TOTP code for a pending session. The pending session is replaced by a
/// new one (a new token), so a token seen before this step is worthless after it.
pub async fn with_code(
    realm: &Realm,
    pending: &Session,
    code: &str,
    audit: &Audit,
) -> Result<SignIn, SignInError> {
    let now = realm.now();
    let Some((account, _)) = accounts::get(&realm.db, &pending.account_id).await? else {
        return Err(SignInError::InvalidCredentials);
    };
    if !pending.second_factor_pending || account.status != AccountStatus::Active {
        return Err(SignInError::InvalidCredentials);
    }
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        return Err(SignInError::Locked(until));
    }
    let secret = account
        .totp_secret
        .as_deref()
        .and_then(|s| TotpSecret::from_base32(s).ok());
    let step = secret.and_then(|s| s.verify(code, now.timestamp(), account.totp_last_step));
    let Some(step) = step else {
        return match record_failure(realm, &account.id, audit).await? {
            SignInError::InvalidCredentials => Err(SignInError::WrongCode),
            other => Err(other),
        };
    };
    let client = ClientInfo {
        ip: pending.client_ip.clone(),
        user_agent: pending.user_agent.clone(),
    };
    let (session, token) = sessions::prepare(&account.id, &client, false, None, now);
    let mut writes = vec![session.create_write(realm.namespace())];
    writes.push(Write::Delete(Delete {
        key: keys::session(realm.namespace(), &pending.id),
        condition: Condition::MustExist,
    }));
    let account = succeed(realm, &account.id, writes, Some(step), audit).await?;
    Ok(SignIn::Done {
        session,
        token,
        account,
    })
}

/// Ends a session, audited.
pub async fn sign_out(realm: &Realm, session: &Session, audit: &Audit) -> Result<(), StoreError> {
    let writes = vec![
        Write::Delete(Delete {
            key: keys::session(realm.namespace(), &session.id),
            condition: Condition::None,
        }),
        realm.audit_write(
            audit,
            &Change {
                action: "auth.logout",
                entity_type: "account",
                entity_id: &session.account_id,
                before: None,
                after: None,
            },
        ),
    ];
    realm.db.transact(writes).await
}

/// Verifies on a blocking thread (argon2 is deliberately slow); with no hash, spends the same
/// time and fails.
async fn spend_time(password: String, hash: Option<String>, cost: password::HashCost) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password::verify(&password, &hash),
        None => {
            password::verify_nothing(&password, cost);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Counts a failure, locking the account when the count calls for it; answers with what to
/// tell the person.
async fn record_failure(
    realm: &Realm,
    account_id: &str,
    audit: &Audit,
) -> Result<SignInError, StoreError> {
    for _ in 0..ATTEMPTS {
        let Some((before, version)) = accounts::get(&realm.db, account_id).await? else {
            return Ok(SignInError::InvalidCredentials);
        };
        let now = realm.now();
        let mut after = before.clone();
        after.failed_logins = before.failed_logins.saturating_add(1);
        let lock = lockout::lock_after(after.failed_logins).map(|d| now + d);
        after.locked_until = lock.or(before.locked_until);
        let action = if lock.is_some() {
            "auth.locked"
        } else {
            "auth.login_failed"
        };
        let audit = Audit {
            actor: Actor::Anonymous,
            ..audit.clone()
        };
        let writes = accounts::change_writes(realm, &audit, action, &before, &after, version);
        match realm.db.transact(writes).await {
            Ok(()) => {
                return Ok(match lock {
                    Some(until) => SignInError::Locked(until),
                    None => SignInError::InvalidCredentials,
                });
            }
            Err(StoreError::TransactionCancelled { .. } | StoreError::TransactionConflict) => {}
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::TransactionConflict)
}

/// Starts the session with `writes`, resets the failure count and records `auth.login`.
async fn succeed(
    realm: &Realm,
    account_id: &str,
    writes: Vec<Write>,
    totp_step: Option<i64>,
    audit: &Audit,
) -> Result<Account, SignInError> {
    for _ in 0..ATTEMPTS {
        let Some((before, version)) = accounts::get(&realm.db, account_id).await? else {
            return Err(SignInError::InvalidCredentials);
        };
        let mut after = before.clone();
        after.failed_logins = 0;
        after.locked_until = None;
        if totp_step.is_some() {
            after.totp_last_step = totp_step;
        }
        let audit = Audit {
            actor: actor_of(realm, &after),
            ..audit.clone()
        };
        let mut all = writes.clone();
        all.extend(accounts::change_writes(
            realm,
            &audit,
            "auth.login",
            &before,
            &after,
            version,
        ));
        match realm.db.transact(all).await {
            Ok(()) => return Ok(after),
            Err(StoreError::TransactionCancelled { failed }) => {
                // The pending session is gone: used by a concurrent request.
                if failed.contains(&1) && totp_step.is_some() {
                    return Err(SignInError::InvalidCredentials);
                }
            }
            Err(StoreError::TransactionConflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::TransactionConflict.into())
}

/// Ends one of the account's own sessions (from its sessions list), audited. `false` when the
/// account has no such live session.
pub async fn end_own_session(
    realm: &Realm,
    account_id: &str,
    session_id: &str,
    audit: &Audit,
) -> Result<bool, StoreError> {
    let now = realm.now();
    let owned = sessions::list(&realm.db, account_id, now)
        .await?
        .iter()
        .any(|s| s.id == session_id);
    if !owned {
        return Ok(false);
    }
    let writes = vec![
        Write::Delete(Delete {
            key: keys::session(realm.namespace(), session_id),
            condition: Condition::None,
        }),
        realm.audit_write(
            audit,
            &Change {
                action: "auth.session_revoke",
                entity_type: "account",
                entity_id: account_id,
                before: None,
                after: None,
            },
        ),
    ];
    realm.db.transact(writes).await?;
    Ok(true)
}

/// Ends every session of the account but `keep` ("sign out everywhere else"), audited once.
pub async fn end_other_sessions(
    realm: &Realm,
    account_id: &str,
    keep: &str,
    audit: &Audit,
) -> Result<usize, StoreError> {
    let ended = sessions::revoke_all(&realm.db, account_id, Some(keep), realm.now()).await?;
    if ended > 0 {
        let detail = serde_json::json!({ "sessions_ended": ended });
        realm
            .db
            .transact(vec![realm.audit_write(
                audit,
                &Change {
                    action: "auth.sessions_revoke_others",
                    entity_type: "account",
                    entity_id: account_id,
                    before: None,
                    after: Some(&detail),
                },
            )])
            .await?;
    }
    Ok(ended)
}
