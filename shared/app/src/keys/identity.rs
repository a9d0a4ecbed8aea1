//! Keys of accounts, sessions, roles and API keys.

use chrono::{DateTime, Utc};

use super::{Namespace, escape};
use crate::store::Key;

/// An account (tenant user or platform staff) by id.
pub fn account(namespace: &Namespace, id: &str) -> Key {
    namespace.key(&["ACCOUNT", id], "ACCOUNT")
}

/// GSI1 key listing a namespace's accounts by name.
pub fn account_listing(namespace: &Namespace, name: &str, id: &str) -> Key {
    namespace.key(
        &["ACCOUNTS"],
        format!("{}#{id}", escape(&name.to_lowercase())),
    )
}

/// Sentinel making an email unique among a namespace's accounts.
pub fn account_email(namespace: &Namespace, normalised_email: &str) -> Key {
    namespace.key(&["ACCOUNT_EMAIL", &escape(normalised_email)], "EMAIL")
}

/// A session by the hash of its token.
pub fn session(namespace: &Namespace, token_hash: &str) -> Key {
    namespace.key(&["SESSION", token_hash], "SESSION")
}

/// GSI1 partition of an account's sessions.
pub fn account_sessions_partition(namespace: &Namespace, account_id: &str) -> String {
    namespace.pk(&["ACCOUNT", account_id, "SESSIONS"])
}

/// GSI1 key of a session in its account's list, oldest first.
pub fn account_sessions(
    namespace: &Namespace,
    account_id: &str,
    created_at: DateTime<Utc>,
    id: &str,
) -> Key {
    Key::new(
        account_sessions_partition(namespace, account_id),
        format!("{}#{id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
    )
}

/// A tenant's custom role.
pub fn custom_role(namespace: &Namespace, id: &str) -> Key {
    namespace.key(&["ROLE", id], "ROLE")
}

/// An API key by id.
pub fn api_key(namespace: &Namespace, id: &str) -> Key {
    namespace.key(&["API_KEY", id], "API_KEY")
}

/// GSI1 key listing a tenant's API keys by creation time.
pub fn api_key_listing(namespace: &Namespace, created_at: DateTime<Utc>, id: &str) -> Key {
    namespace.key(
        &["API_KEYS"],
        format!("{}#{id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
    )
}

/// GSI1 partition listing a namespace's accounts by name.
pub fn accounts_partition(namespace: &Namespace) -> String {
    namespace.pk(&["ACCOUNTS"])
}

/// GSI1 partition listing a tenant's custom roles by name.
pub fn custom_roles_partition(namespace: &Namespace) -> String {
    namespace.pk(&["ROLES"])
}

/// GSI1 key of a custom role in its tenant's list.
pub fn custom_role_listing(namespace: &Namespace, name: &str, id: &str) -> Key {
    Key::new(
        custom_roles_partition(namespace),
        format!("{}#{id}", escape(&name.to_lowercase())),
    )
}

/// Sentinel making a custom role's name unique in its tenant (compared case-insensitively).
pub fn custom_role_name(namespace: &Namespace, lower_name: &str) -> Key {
    namespace.key(&["ROLE_NAME", &escape(lower_name)], "NAME")
}

/// GSI1 partition of a tenant's API keys.
pub fn api_keys_partition(namespace: &Namespace) -> String {
    namespace.pk(&["API_KEYS"])
}

/// A pending invitation by id.
pub fn invitation(namespace: &Namespace, id: &str) -> Key {
    namespace.key(&["INVITATION", id], "INVITATION")
}

/// GSI1 partition listing a namespace's pending invitations by time.
pub fn invitations_partition(namespace: &Namespace) -> String {
    namespace.pk(&["INVITATIONS"])
}

/// GSI1 key of an invitation in its list.
pub fn invitation_listing(namespace: &Namespace, created_at: DateTime<Utc>, id: &str) -> Key {
    Key::new(
        invitations_partition(namespace),
        format!("{}#{id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
    )
}

/// Sentinel allowing one pending invitation per email in a namespace.
pub fn invitation_email(namespace: &Namespace, normalised_email: &str) -> Key {
    namespace.key(&["INVITATION_EMAIL", &escape(normalised_email)], "EMAIL")
}

/// An account's pending password reset (one at a time; a new request replaces it).
pub fn password_reset(namespace: &Namespace, account_id: &str) -> Key {
    namespace.key(&["ACCOUNT", account_id], "PASSWORD_RESET")
}

/// A one-time impersonation handoff, in the tenant entered.
pub fn impersonation_handoff(namespace: &Namespace, id: &str) -> Key {
    namespace.key(&["IMPERSONATION_HANDOFF", id], "HANDOFF")
}

/// An impersonation as the central part records it.
pub fn impersonation(id: &str) -> Key {
    Namespace::Central.key(&["IMPERSONATION", id], "IMPERSONATION")
}

/// GSI1 partition of impersonations, newest last.
pub fn impersonations_partition() -> String {
    Namespace::Central.pk(&["IMPERSONATIONS"])
}

/// GSI1 key of an impersonation in the central list.
pub fn impersonation_listing(started_at: DateTime<Utc>, id: &str) -> Key {
    Key::new(
        impersonations_partition(),
        format!("{}#{id}", started_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
    )
}
