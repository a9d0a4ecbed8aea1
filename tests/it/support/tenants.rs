//! Tenants, accounts and signed-in sessions made directly in the store, for tests of features
//! that need someone signed in. (Tests of the sign-in flows themselves go through the pages.)

use chrono::Utc;
use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::identity::accounts::{self, Account, AccountStatus};
use crm_app::identity::sessions::{self, ClientInfo};
use crm_app::keys;
use crm_app::store::{Body, Condition, Item, Put};
use crm_app::tenancy::{DomainKind, DomainRecord};
use crm_domain::TenantId;
use serde_json::json;

/// The host of a test tenant: `<id>.localhost`, as `crm dev` serves tenants.
pub fn host(tenant: &TenantId) -> String {
    format!("{tenant}.localhost")
}

/// Registers an active tenant with its subdomain. Only what access checks read is written;
/// tenant features create tenants through their own use case.
pub async fn create_tenant(services: &Services, id: &str) -> TenantId {
    let tenant = TenantId::parse(id).expect("tenant id");
    let central = services.db.central();
    let mut record = Body::new();
    record.insert("id".into(), json!(id));
    record.insert("name".into(), json!(format!("Test tenant {id}")));
    record.insert("status".into(), json!("active"));
    central
        .put(Put {
            item: Item::new(keys::tenant(&tenant), record),
            condition: Condition::None,
        })
        .await
        .expect("tenant record");
    let domain = DomainRecord {
        host: host(&tenant),
        tenant_id: tenant.clone(),
        kind: DomainKind::Subdomain,
        verified: true,
        verification_token: None,
        created_at: Utc::now(),
        verified_at: Some(Utc::now()),
    };
    let body = match serde_json::to_value(&domain).expect("json") {
        serde_json::Value::Object(map) => map,
        _ => Body::new(),
    };
    central
        .put(Put {
            item: Item::new(keys::domain(&domain.host), body),
            condition: Condition::None,
        })
        .await
        .expect("domain record");
    tenant
}

/// Creates an active account with `role` (a built-in role name, `custom:<id>`, or a central
/// role for staff when `tenant` is `None`) and `password`.
pub async fn create_account(
    services: &Services,
    tenant: Option<&TenantId>,
    email: &str,
    role: &str,
    password: &str,
) -> Account {
    let db = match tenant {
        Some(t) => services.db.tenant(t),
        None => services.db.central(),
    };
    let now = services.clock.now();
    let account = Account {
        id: services.ids.new_id(),
        email: accounts::normalise_email(email),
        name: format!("Test {role}"),
        role: role.to_owned(),
        status: AccountStatus::Active,
        password_hash: Some(crm_app::identity::password::hash(
            password,
            services.password_cost,
        )),
        totp_secret: None,
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
    };
    let writes = accounts::create_writes(
        db.namespace(),
        &account,
        &Audit::system("test"),
        services.ids.new_id(),
        now,
    );
    db.transact(writes).await.expect("account created");
    account
}

/// A signed-in browser: the `Cookie` header value and the session's CSRF token.
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
    pub account: Account,
}

/// Signs `account` in directly (a session in the store) on its tenant's host, or as staff.
pub async fn sign_in(services: &Services, tenant: Option<&TenantId>, account: Account) -> SignedIn {
    let db = match tenant {
        Some(t) => services.db.tenant(t),
        None => services.db.central(),
    };
    let (session, token) = sessions::create(
        &db,
        &account.id,
        &ClientInfo::default(),
        false,
        None,
        services.clock.now(),
    )
    .await
    .expect("session");
    let name = if tenant.is_some() {
        crm_web::access::SESSION_COOKIE
    } else {
        crm_web::access::STAFF_SESSION_COOKIE
    };
    SignedIn {
        cookie: format!("{name}={token}"),
        csrf: session.csrf_token,
        account,
    }
}
