//! What identity use cases refuse, with stable codes. Texts for people live in the web layer,
//! keyed by these variants, so one refusal reads the same in the API and on a form.

use crm_domain::access::PermissionSet;
use crm_domain::contact::EmailError;

use super::password::PasswordRejected;
use crate::mail::MailError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such record in this realm (also what another tenant's ids get).
    #[error("not found")]
    NotFound,
    /// Input that fails validation, field by field; nothing was saved.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Issue>),
    /// Valid input that the current state does not allow.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("mail not sent: {0}")]
    Mail(#[from] MailError),
}

impl IdentityError {
    pub fn invalid(field: &'static str, problem: Invalid) -> Self {
        IdentityError::Invalid(vec![Issue { field, problem }])
    }

    /// Turns a cancelled transaction into a refusal when its condition failed (a race lost,
    /// a token used twice), keeping other store errors as they are.
    pub fn or_refusal(error: StoreError, refusal: Refusal) -> Self {
        match error {
            StoreError::TransactionCancelled { .. } | StoreError::ConditionFailed { .. } => {
                IdentityError::Refused(refusal)
            }
            other => IdentityError::Store(other),
        }
    }
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The field's name in forms and JSON bodies.
    pub field: &'static str,
    pub problem: Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Required,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    Email(EmailError),
    Password(PasswordRejected),
    /// The confirmation differs from the new password.
    PasswordsDiffer,
    /// The current password given to confirm a change is wrong.
    WrongPassword,
    /// A TOTP code that is not the current one.
    WrongCode,
    UnknownRole,
    UnknownPermission(String),
    /// Granting (or withdrawing) these needs permissions the actor does not hold.
    NotHeld(PermissionSet),
    UnknownTenant,
}

impl Invalid {
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Required => "required",
            Invalid::TooLong { .. } => "too_long",
            Invalid::TooShort { .. } => "too_short",
            Invalid::Email(e) => e.code(),
            Invalid::Password(p) => p.code(),
            Invalid::PasswordsDiffer => "passwords_differ",
            Invalid::WrongPassword => "wrong_password",
            Invalid::WrongCode => "wrong_code",
            Invalid::UnknownRole => "unknown_role",
            Invalid::UnknownPermission(_) => "unknown_permission",
            Invalid::NotHeld(_) => "permission_not_held",
            Invalid::UnknownTenant => "unknown_tenant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An account with this email exists in the realm.
    EmailTaken,
    /// A pending invitation for this email exists.
    AlreadyInvited,
    /// The change would leave the tenant (or the platform) without an active administrator.
    LastAdministrator,
    /// The role is given to these people (their names).
    RoleInUse(Vec<String>),
    RoleNameTaken,
    /// People cannot disable themselves.
    OwnAccount,
    /// An invitation, reset or handoff link that is unknown, expired or already used.
    LinkInvalid,
    /// The second factor is already on (or already off).
    TotpAlreadyEnabled,
    TotpNotEnabled,
    /// The account to act on is disabled.
    AccountDisabled,
    /// The record changed since it was read; reload and try again.
    Conflict,
    /// The tenant's user limit (active people plus pending invitations) is reached.
    UserLimitReached {
        max: u32,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::EmailTaken => "email_taken",
            Refusal::AlreadyInvited => "already_invited",
            Refusal::LastAdministrator => "last_administrator",
            Refusal::RoleInUse(_) => "role_in_use",
            Refusal::RoleNameTaken => "role_name_taken",
            Refusal::OwnAccount => "own_account",
            Refusal::LinkInvalid => "link_invalid",
            Refusal::TotpAlreadyEnabled => "totp_already_enabled",
            Refusal::TotpNotEnabled => "totp_not_enabled",
            Refusal::AccountDisabled => "account_disabled",
            Refusal::Conflict => "conflict",
            Refusal::UserLimitReached { .. } => "user_limit_reached",
        }
    }
}
