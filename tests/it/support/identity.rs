//! Set-up shared by the identity tests: a platform with cheap password hashing (and, where time
//! matters, a clock the test moves), tenants with people in them, reading the outbox and the
//! audit log.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use crm_adapters::sqlite_store::SqliteStore;
use crm_app::Services;
use crm_app::audit::{AuditRecord, record_from_item};
use crm_app::clock::FixedClock;
use crm_app::identity::accounts::Account;
use crm_app::identity::password::HashCost;
use crm_app::keys::{self, Namespace};
use crm_app::mail::SentEmail;
use crm_app::store::{Db, Index, Query, SortKey};
use crm_domain::TenantId;
use tempfile::TempDir;

use super::embedded::Platform;
use super::http::Client;
use super::tenants;

pub const PASSWORD: &str = "correct horse battery";

/// The embedded platform with test-cost password hashing.
pub async fn platform() -> Platform {
    let mut platform = Platform::start().await;
    platform.services.password_cost = HashCost::FOR_TESTS;
    platform
}

/// The platform on a store and clock the test controls (sessions, tokens and lockouts expire
/// by this clock).
pub struct Timed {
    pub platform: Platform,
    pub clock: Arc<FixedClock>,
    _store_dir: TempDir,
}

pub async fn timed_platform() -> Timed {
    let mut platform = platform().await;
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("time"),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("store.sqlite3"))
        .expect("store")
        .with_clock(clock.clone());
    platform.services.db = Db::new(Arc::new(store), &platform.services.signer);
    platform.services.clock = clock.clone();
    Timed {
        platform,
        clock,
        _store_dir: dir,
    }
}

/// A tenant with one active account of `role` (password [`PASSWORD`]).
pub async fn tenant_with(services: &Services, id: &str, role: &str) -> (TenantId, Account) {
    let tenant = tenants::create_tenant(services, id).await;
    let account = person(services, &tenant, &format!("{role}@{id}.example.ru"), role).await;
    (tenant, account)
}

pub async fn person(services: &Services, tenant: &TenantId, email: &str, role: &str) -> Account {
    tenants::create_account(services, Some(tenant), email, role, PASSWORD).await
}

/// A browser signed in as `account` on its tenant's host (a session made directly).
pub async fn browser(platform: &Platform, tenant: &TenantId, account: Account) -> (Client, String) {
    let signed = tenants::sign_in(&platform.services, Some(tenant), account).await;
    let client = Client::new(platform.router(), &tenants::host(tenant)).with_cookie(&signed.cookie);
    (client, signed.csrf)
}

/// A browser signed in as staff on the platform host.
pub async fn staff_browser(
    platform: &Platform,
    role: &str,
    email: &str,
) -> (Client, String, Account) {
    let account = tenants::create_account(&platform.services, None, email, role, PASSWORD).await;
    let signed = tenants::sign_in(&platform.services, None, account).await;
    let client = Client::new(platform.router(), "localhost").with_cookie(&signed.cookie);
    (client, signed.csrf, signed.account)
}

/// Mail sent so far, newest first.
pub async fn outbox(services: &Services) -> Vec<SentEmail> {
    services
        .mailer
        .outbox(100)
        .await
        .expect("outbox")
        .expect("the embedded mailer keeps an outbox")
}

/// The path of the first link in `text` that contains `marker` (`/invite/`).
pub fn link_path(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} link in {text}"));
    let end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |n| start + n);
    text[start..end].to_owned()
}

/// The audit records of an entity in `namespace`, oldest first.
pub async fn audit_of(
    services: &Services,
    namespace: &Namespace,
    entity_type: &str,
    entity_id: &str,
) -> Vec<AuditRecord> {
    let pk = keys::audit_by_entity(namespace, entity_type, entity_id, "").pk;
    let db = match namespace {
        Namespace::Tenant(t) => services.db.tenant(t),
        Namespace::Central => services.db.central(),
    };
    let page = db
        .query(
            Query::new(Index::Gsi1, pk).sort(SortKey::Any).limit(1000),
            None,
        )
        .await
        .expect("audit query");
    page.items.iter().filter_map(record_from_item).collect()
}

/// The actions of those records.
pub async fn audit_actions(
    services: &Services,
    namespace: &Namespace,
    entity_type: &str,
    entity_id: &str,
) -> Vec<String> {
    audit_of(services, namespace, entity_type, entity_id)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect()
}
