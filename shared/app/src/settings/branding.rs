//! What the page frame shows of a tenant: its name, logo link and accent colour, from the
//! branding section with the registered name as the fallback.

use crm_domain::TenantId;
use serde_json::Value;

use super::store::load;
use crate::keys;
use crate::store::{Db, StoreError};

/// Where the tenant's host serves its logo (`?v=<logo id>` makes each upload a new URL).
pub const LOGO_PATH: &str = "/branding/logo";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branding {
    pub display_name: String,
    /// A path on the tenant's host.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub accent_colour: Option<String>,
}

/// The branding of `tenant` for its pages.
pub async fn branding(db: &Db, tenant: &TenantId) -> Result<Branding, StoreError> {
    let (settings, _) = load(db, tenant).await?;
    let section = settings.branding;
    let display_name = match section.display_name {
        Some(name) => name,
        None => registered_name(db, tenant)
            .await?
            .unwrap_or_else(|| tenant.to_string()),
    };
    Ok(Branding {
        display_name,
        logo_url: section
            .logo
            .map(|logo| format!("{LOGO_PATH}?v={}", logo.id)),
        accent_colour: section.accent_colour.map(|c| c.to_string()),
    })
}

async fn registered_name(db: &Db, tenant: &TenantId) -> Result<Option<String>, StoreError> {
    let item = db.central().get(&keys::tenant(tenant)).await?;
    Ok(item.and_then(|item| {
        item.body
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }))
}
