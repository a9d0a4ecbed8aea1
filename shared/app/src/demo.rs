//! What `crm dev` puts in a fresh platform so there is something to sign in to: the platform's
//! superadmin and a demo tenant (`demo.<platform domain>`) with its administrator and the usual
//! utility services with their tariffs. Safe to run on every start: existing things are left as
//! they are.

use crm_domain::TenantId;

use crate::Services;
use crate::audit::Audit;
use crate::identity::seed::{SeedAccount, ensure_account};
use crate::identity::{IdentityError, Realm};
use crate::tenants::{self, TenantError, TenantInput};

pub const DEMO_TENANT: &str = "demo";

/// Sign-in details to print. These are development credentials for a local platform only.
#[derive(Clone, Debug)]
pub struct Login {
    pub url: String,
    pub email: String,
    pub password: &'static str,
}

#[derive(Clone, Debug)]
pub struct DevLogins {
    pub staff: Login,
    pub tenant_admin: Login,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo tenant: {0}")]
    Tenant(#[from] TenantError),
    #[error("demo account: {0}")]
    Account(#[from] IdentityError),
    #[error("demo services: {0}")]
    Catalog(#[from] crate::catalog::CatalogError),
}

const STAFF_PASSWORD: &str = "platform-admin-2026";
const TENANT_PASSWORD: &str = "demo-admin-2026";

/// Requisites that pass every check digit (ИНН, ОГРН, the account key with the БИК) without
/// belonging to a real organisation; the bank is Sberbank's Moscow branch.
fn demo_tenant() -> TenantInput {
    TenantInput {
        name: "ТСЖ «Демо»".into(),
        inn: "7709123453".into(),
        kpp: "770901001".into(),
        registration_number: "1027709123452".into(),
        legal_address: "101000, г. Москва, ул. Демонстрационная, д. 1".into(),
        bik: "044525225".into(),
        correspondent_account: "30101810400000000225".into(),
        settlement_account: "40703810603800012345".into(),
        email: "info@demo.example.ru".into(),
        phone: "+74951234567".into(),
        time_zone: "Europe/Moscow".into(),
        currency: "RUB".into(),
        locale: "ru".into(),
        tax_regime: "vat_exempt_utility_reseller".into(),
        max_subscribers: "100000".into(),
        max_users: "50".into(),
    }
}

/// Creates what is missing and returns the logins; `port` is where `crm dev` listens.
pub async fn seed_dev(services: &Services, port: u16) -> Result<DevLogins, SeedError> {
    let tenant = TenantId::parse(DEMO_TENANT).map_err(|_| TenantError::NotFound)?;
    let existing = tenants::get(&services.db, &tenant)
        .await
        .map_err(|e| SeedError::Account(IdentityError::from(e)))?;
    if existing.is_none() {
        tenants::create(
            services,
            &Audit::system("seed"),
            DEMO_TENANT,
            &demo_tenant(),
        )
        .await?;
    }
    let seed = Audit::system("seed");
    let catalog = crate::catalog::services::Context {
        audit: &seed,
        ids: services.ids.as_ref(),
        now: services.clock.now(),
    };
    crate::catalog::demo::usual_services(&services.db.tenant(&tenant), &catalog).await?;
    let domain = &services.platform_domain;
    // Fixed addresses: the platform domain may be `localhost`, which is no mail domain.
    let staff_email = "superadmin@crm.example.ru".to_owned();
    ensure_account(
        &Realm::central(services),
        &SeedAccount {
            email: &staff_email,
            name: "Администратор платформы",
            role: "superadmin",
            password: STAFF_PASSWORD,
        },
    )
    .await?;
    let tenant_email = "admin@demo.example.ru".to_owned();
    ensure_account(
        &Realm::tenant(services, &tenant),
        &SeedAccount {
            email: &tenant_email,
            name: "Администратор ТСЖ",
            role: "administrator",
            password: TENANT_PASSWORD,
        },
    )
    .await?;
    Ok(DevLogins {
        staff: Login {
            url: format!("http://{domain}:{port}/central/"),
            email: staff_email,
            password: STAFF_PASSWORD,
        },
        tenant_admin: Login {
            url: format!("http://{DEMO_TENANT}.{domain}:{port}/"),
            email: tenant_email,
            password: TENANT_PASSWORD,
        },
    })
}
