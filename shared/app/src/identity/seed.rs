//! Accounts `crm dev` makes so there is someone to sign in as: the platform's superadmin and a
//! demo tenant's administrator.

use super::accounts::{self, Account};
use super::credentials::hash_password;
use super::{IdentityError, Realm};
use crate::audit::Audit;

/// Who to create.
#[derive(Clone, Debug)]
pub struct SeedAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// A built-in tenant role or a central role.
    pub role: &'a str,
    pub password: &'a str,
}

/// Creates the account unless one with its email exists (then returns that one, untouched), so
/// running it on every start is harmless. Audited as done by `system:seed`.
pub async fn ensure_account(
    realm: &Realm,
    seed: &SeedAccount<'_>,
) -> Result<Account, IdentityError> {
    if let Some((account, _)) = accounts::find_by_email(&realm.db, seed.email).await? {
        return Ok(account);
    }
    let email = accounts::parse_email("email", seed.email)
        .map_err(|issue| IdentityError::Invalid(vec![issue]))?;
    let now = realm.now();
    let mut account = Account::new(
        realm.new_id(),
        &email,
        seed.name.to_owned(),
        seed.role.to_owned(),
        now,
    );
    account.password_hash = Some(hash_password(realm, seed.password).await);
    let writes = accounts::create_writes(
        realm.namespace(),
        &account,
        &Audit::system("seed"),
        realm.new_id(),
        now,
    );
    match realm.db.transact(writes).await {
        Ok(()) => Ok(account),
        // Created by a concurrent start: take that one.
        Err(_) => accounts::find_by_email(&realm.db, &email)
            .await?
            .map(|(account, _)| account)
            .ok_or(IdentityError::NotFound),
    }
}
