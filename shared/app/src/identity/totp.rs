//! Turning the TOTP second factor on and off. Setting up shows a fresh secret; it is saved only
//! when the person proves their app has it by typing a current code. The secret travels
//! between the two steps in the form, signed, so showing the page writes nothing.

use crm_domain::auth::totp::{self, SECRET_BYTES, TotpSecret};

use super::accounts::{self, Account};
use super::credentials::verify_password;
use super::{IdentityError, Invalid, Realm, Refusal};
use crate::audit::Audit;

/// A secret offered for setup, and its signature binding it to the account.
#[derive(Clone, Debug)]
pub struct Offer {
    pub secret: String,
    pub signature: String,
    pub uri: String,
}

fn signed_text(account_id: &str, secret: &str) -> Vec<u8> {
    format!("{account_id}:{secret}").into_bytes()
}

/// A new secret for `account`, with the `otpauth://` URI an app scans (`issuer` names the
/// organisation in the app's list).
pub fn offer(realm: &Realm, account: &Account, issuer: &str) -> Offer {
    let mut bytes = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no secure random numbers: {e}"));
    let secret = TotpSecret::from_bytes(bytes).unwrap_or_else(|_| unreachable!());
    let text = secret.to_base32();
    offer_for(realm, account, issuer, &text)
}

/// The offer of a secret already shown (the form is shown again after a wrong code).
pub fn offer_for(realm: &Realm, account: &Account, issuer: &str, secret: &str) -> Offer {
    let signer = realm.services.signer.for_purpose("totp-setup");
    let uri = TotpSecret::from_base32(secret)
        .map(|s| totp::otpauth_uri(issuer, &account.email, &s))
        .unwrap_or_default();
    Offer {
        secret: secret.to_owned(),
        signature: signer.sign(&signed_text(&account.id, secret)),
        uri,
    }
}

/// Turns the second factor on once `code` matches the offered secret.
pub async fn enable(
    realm: &Realm,
    account_id: &str,
    secret: &str,
    signature: &str,
    code: &str,
    audit: &Audit,
) -> Result<(), IdentityError> {
    let (before, version) = accounts::get(&realm.db, account_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if before.totp_secret.is_some() {
        return Err(IdentityError::Refused(Refusal::TotpAlreadyEnabled));
    }
    let signer = realm.services.signer.for_purpose("totp-setup");
    let parsed = TotpSecret::from_base32(secret)
        .ok()
        .filter(|_| signer.verify(&signed_text(account_id, secret), signature));
    let Some(parsed) = parsed else {
        // Not a secret this page offered: start the setup again.
        return Err(IdentityError::Refused(Refusal::LinkInvalid));
    };
    let Some(step) = parsed.verify(code, realm.now().timestamp(), None) else {
        return Err(IdentityError::invalid("code", Invalid::WrongCode));
    };
    let mut after = before.clone();
    after.totp_secret = Some(parsed.to_base32());
    after.totp_last_step = Some(step);
    let writes =
        accounts::change_writes(realm, audit, "auth.totp_enable", &before, &after, version);
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::Conflict))
}

/// Turns the second factor off; the password confirms it.
pub async fn disable(
    realm: &Realm,
    account_id: &str,
    password: &str,
    audit: &Audit,
) -> Result<(), IdentityError> {
    let (before, version) = accounts::get(&realm.db, account_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if before.totp_secret.is_none() {
        return Err(IdentityError::Refused(Refusal::TotpNotEnabled));
    }
    if !verify_password(realm, &before, password).await {
        return Err(IdentityError::invalid("password", Invalid::WrongPassword));
    }
    let mut after = before.clone();
    after.totp_secret = None;
    after.totp_last_step = None;
    let writes =
        accounts::change_writes(realm, audit, "auth.totp_disable", &before, &after, version);
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::Conflict))
}
