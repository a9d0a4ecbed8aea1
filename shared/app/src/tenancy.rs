//! Which tenant a request is for, from its Host header: the platform's own domain (the central
//! part), a tenant's subdomain or verified custom domain (from the domains registry), or nothing
//! known. Answers are cached briefly per process; a domain change shows within the cache time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys;
use crate::store::{Db, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostTarget {
    /// The platform's own domain: the central part, and API calls authenticated by key.
    Platform,
    Tenant(TenantId),
    /// Not a platform domain and not a verified domain of any tenant.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainKind {
    /// `<slug>.<platform domain>`, created with the tenant, verified by construction.
    Subdomain,
    /// The tenant's own domain, verified by a DNS TXT record.
    Custom,
}

/// A registered host name. The item's key is the host, so a host belongs to one tenant at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRecord {
    pub host: String,
    pub tenant_id: TenantId,
    pub kind: DomainKind,
    pub verified: bool,
    /// The value the tenant publishes in a TXT record to prove the custom domain is theirs.
    #[serde(default)]
    pub verification_token: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
}

/// The host part of a Host header: lower-cased, without port or trailing dot.
pub fn normalise_host(header: &str) -> String {
    let header = header.trim();
    let host = if let Some(rest) = header.strip_prefix('[') {
        // IPv6 literal: [::1]:3000
        rest.split(']').next().unwrap_or(rest)
    } else {
        header.rsplit_once(':').map_or(header, |(host, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                host
            } else {
                header
            }
        })
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `host` is the platform itself: its domain, `admin.` under it, or a loopback address.
pub fn is_platform_host(platform_domain: &str, host: &str) -> bool {
    host == platform_domain
        || host.strip_prefix("admin.") == Some(platform_domain)
        || matches!(host, "127.0.0.1" | "::1" | "localhost")
}

pub async fn lookup_domain(db: &Db, host: &str) -> Result<Option<DomainRecord>, StoreError> {
    let Some(item) = db.central().get(&keys::domain(host)).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_value(Value::Object(item.body)).ok())
}

/// How long a host's answer is reused.
const CACHE_TTL: Duration = Duration::from_secs(30);

/// Host resolution with a small per-process cache.
#[derive(Debug, Default)]
pub struct HostResolver {
    cache: Mutex<HashMap<String, (HostTarget, Instant)>>,
}

impl HostResolver {
    pub async fn resolve(
        &self,
        db: &Db,
        platform_domain: &str,
        host_header: &str,
    ) -> Result<HostTarget, StoreError> {
        let host = normalise_host(host_header);
        if is_platform_host(platform_domain, &host) {
            return Ok(HostTarget::Platform);
        }
        if let Some(target) = self.cached(&host) {
            return Ok(target);
        }
        let target = match lookup_domain(db, &host).await? {
            Some(record) if record.verified => HostTarget::Tenant(record.tenant_id),
            _ => HostTarget::Unknown,
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(host, (target.clone(), Instant::now()));
        Ok(target)
    }

    fn cached(&self, host: &str) -> Option<HostTarget> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(host)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(target, _)| target.clone())
    }

    /// Forgets cached answers (after a domain is added, verified or removed in this process).
    pub fn forget(&self, host: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&normalise_host(host));
    }
}

/// The lifecycle state of a tenant, as stored in its record's `status` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    /// Users cannot sign in; data is kept.
    Suspended,
    /// Closed, within the grace period before the purge; users cannot sign in.
    Closing,
    Closed,
}

/// A tenant's status, `None` when there is no such tenant.
pub async fn tenant_status(db: &Db, tenant: &TenantId) -> Result<Option<TenantStatus>, StoreError> {
    let Some(item) = db.central().get(&keys::tenant(tenant)).await? else {
        return Ok(None);
    };
    Ok(item
        .body
        .get("status")
        .and_then(|status| serde_json::from_value(status.clone()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(normalise_host("Demo.LocalHost:3000"), "demo.localhost");
        assert_eq!(normalise_host("crm.example.com."), "crm.example.com");
        assert_eq!(normalise_host("[::1]:3000"), "::1");
        assert_eq!(normalise_host("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn platform_hosts() {
        assert!(is_platform_host("crm.example.com", "crm.example.com"));
        assert!(is_platform_host("crm.example.com", "admin.crm.example.com"));
        assert!(is_platform_host("crm.example.com", "127.0.0.1"));
        assert!(!is_platform_host("crm.example.com", "demo.crm.example.com"));
        assert!(!is_platform_host("crm.example.com", "evilcrm.example.com"));
    }
}
