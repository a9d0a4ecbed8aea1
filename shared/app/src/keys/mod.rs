//! Every storage key is built here, and nowhere else.
//!
//! Tenant items live under partitions that start with `T#<tenant>#`; platform-wide (central)
//! items under `C#`. A [`Namespace`] builds keys only inside its own prefix, and the scoped store
//! handle refuses any key outside it, so use-case code cannot reach another tenant's data.

use crm_domain::TenantId;

use crate::store::Key;

mod audit;
mod catalog;
mod identity;
mod imports;
mod jobs;
mod meters;
mod progress;
mod subscribers;
mod tenants;

pub use audit::*;
pub use catalog::*;
pub use identity::*;
pub use imports::*;
pub use jobs::*;
pub use meters::*;
pub use progress::*;
pub use subscribers::*;
pub use tenants::*;

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
