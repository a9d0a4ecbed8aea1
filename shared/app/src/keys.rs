//! Every storage key is built here, and nowhere else.
//!
//! Tenant items live under partitions that start with `T#<tenant>#`; platform-wide (central)
//! items under `C#`. A [`Namespace`] builds keys only inside its own prefix, and the scoped store
//! handle refuses any key outside it, so use-case code cannot reach another tenant's data.

use chrono::{DateTime, Utc};
use crm_domain::TenantId;

use crate::store::Key;

const TENANT_PREFIX: &str = "T#";
const CENTRAL_PREFIX: &str = "C#";
const SEPARATOR: char = '#';

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Namespace {
    Tenant(TenantId),
    Central,
}

impl Namespace {
    pub fn tenant(id: &TenantId) -> Self {
        Namespace::Tenant(id.clone())
    }

    fn prefix(&self) -> String {
        match self {
            Namespace::Tenant(id) => format!("{TENANT_PREFIX}{id}{SEPARATOR}"),
            Namespace::Central => CENTRAL_PREFIX.to_owned(),
        }
    }

    /// Whether a partition key lies inside this namespace.
    pub fn owns(&self, pk: &str) -> bool {
        pk.strip_prefix(self.prefix().as_str())
            .is_some_and(|rest| !rest.is_empty())
    }

    /// A partition key inside this namespace: the prefix, then `parts` joined by `#`.
    /// Parts must not contain `#`; [`escape`] user-supplied text first.
    pub fn pk(&self, parts: &[&str]) -> String {
        let mut pk = self.prefix();
        pk.push_str(&parts.join("#"));
        pk
    }

    pub fn key(&self, pk_parts: &[&str], sk: impl Into<String>) -> Key {
        Key::new(self.pk(pk_parts), sk)
    }
}

/// Makes free text safe to embed in a key part: `#` and `%` are percent-escaped, so the text
/// can neither end a part early nor forge another entity's prefix.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            other => out.push(other),
        }
    }
    out
}

/// Audit records of a namespace, one partition per day (UTC), newest last.
pub fn audit_by_day(namespace: &Namespace, at: DateTime<Utc>, id: &str) -> Key {
    namespace.key(&["AUDIT", &audit_day(at)], audit_sort(at, id))
}

/// The partition key of one day's audit records.
pub fn audit_day_partition(namespace: &Namespace, day: chrono::NaiveDate) -> String {
    namespace.pk(&["AUDIT", &day.format("%Y-%m-%d").to_string()])
}

fn audit_day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Sort key of audit records: time (sortable text), then id for uniqueness.
pub fn audit_sort(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// GSI1 key: an entity's audit history (the change timeline of a card).
pub fn audit_by_entity(
    namespace: &Namespace,
    entity_type: &str,
    entity_id: &str,
    sort: &str,
) -> Key {
    namespace.key(
        &["AUDIT_ENTITY", &escape(entity_type), &escape(entity_id)],
        sort,
    )
}

/// GSI2 key: everything one actor did.
pub fn audit_by_actor(namespace: &Namespace, actor_id: &str, sort: &str) -> Key {
    namespace.key(&["AUDIT_ACTOR", &escape(actor_id)], sort)
}

/// A tenant's record in the central registry.
pub fn tenant(id: &TenantId) -> Key {
    Namespace::Central.key(&["TENANT", id.as_str()], "PROFILE")
}

/// A registered host name (subdomain or custom domain); one item per host makes a host belong
/// to one tenant at most.
pub fn domain(host: &str) -> Key {
    Namespace::Central.key(&["DOMAIN", &escape(host)], "DOMAIN")
}

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

/// A reserved central key read by health checks: its absence proves the store answered.
pub fn health_probe() -> Key {
    Namespace::Central.key(&["HEALTH"], "PROBE")
}

/// The last time the local scheduler fired a schedule, so a restart neither repeats nor skips it.
pub fn schedule_state(schedule: &str) -> Key {
    Namespace::Central.key(&["SCHEDULE", schedule], "STATE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str) -> Namespace {
        Namespace::tenant(&TenantId::parse(id).unwrap())
    }

    #[test]
    fn tenant_keys_stay_inside_the_tenant() {
        let demo = tenant("demo");
        let pk = demo.pk(&["SUB", "42"]);
        assert_eq!(pk, "T#demo#SUB#42");
        assert!(demo.owns(&pk));
        assert!(!tenant("demo2").owns(&pk));
        assert!(!tenant("dem").owns(&pk));
        assert!(!Namespace::Central.owns(&pk));
        assert!(!demo.owns("T#demo#"));
    }

    #[test]
    fn escaping_prevents_forged_parts() {
        assert_eq!(escape("a#b%c"), "a%23b%25c");
        assert!(!escape("x#T#other").contains('#'));
    }
}
