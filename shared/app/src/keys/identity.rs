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
