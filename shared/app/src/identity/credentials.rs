//! Changing one's own password (the current one confirms it); the account's other sessions end.

use super::accounts::{self, Account};
use super::password;
use super::{IdentityError, Invalid, Issue, Realm, sessions};
use crate::audit::Audit;

/// What a new password needs: the policy, and the same text typed twice.
pub fn check_new_password(new: &str, confirm: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    if let Err(rejected) = password::check_new(new) {
        issues.push(Issue {
            field: "password",
            problem: Invalid::Password(rejected),
        });
    } else if new != confirm {
        issues.push(Issue {
            field: "password_confirm",
            problem: Invalid::PasswordsDiffer,
        });
    }
    issues
}

/// Whether `password` is the account's, checked on a blocking thread.
pub async fn verify_password(realm: &Realm, account: &Account, password: &str) -> bool {
    let cost = realm.services.password_cost;
    let (given, hash) = (password.to_owned(), account.password_hash.clone());
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password::verify(&given, &hash),
        None => {
            password::verify_nothing(&given, cost);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Hashes on a blocking thread.
pub async fn hash_password(realm: &Realm, new: &str) -> String {
    let cost = realm.services.password_cost;
    let new = new.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&new, cost))
        .await
        .unwrap_or_else(|e| panic!("password hashing task failed: {e}"))
}

/// Sets a new password for a signed-in account; every other session of it ends.
pub async fn change_password(
    realm: &Realm,
    account_id: &str,
    current_session: &str,
    current: &str,
    new: &str,
    confirm: &str,
    audit: &Audit,
) -> Result<(), IdentityError> {
    let (before, version) = accounts::get(&realm.db, account_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let mut issues = Vec::new();
    if !verify_password(realm, &before, current).await {
        issues.push(Issue {
            field: "current_password",
            problem: Invalid::WrongPassword,
        });
    }
    issues.extend(check_new_password(new, confirm));
    if !issues.is_empty() {
        return Err(IdentityError::Invalid(issues));
    }
    let mut after = before.clone();
    after.password_hash = Some(hash_password(realm, new).await);
    let writes = accounts::change_writes(
        realm,
        audit,
        "auth.password_change",
        &before,
        &after,
        version,
    );
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, super::Refusal::Conflict))?;
    sessions::revoke_all(&realm.db, account_id, Some(current_session), realm.now()).await?;
    Ok(())
}
