//! A tenant's settings on its own host: the `/settings` page (a form per section, logo upload)
//! and `/api/v1/settings`, over `crm_app::settings`. The tenant is always the principal's, so
//! no route names one. `/branding/logo` serves the logo to every visitor of the host.

use axum::http::Method;
use axum::routing::{get, post};
use crm_app::Services;
use crm_domain::TenantId;
use crm_domain::access::{Action, Permission, Resource};
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::problem::Problem;
use utoipa_axum::routes;

// The files sit beside this one (`settings_*.rs`), so the feature is one `mod` in lib.rs.
#[path = "settings_api.rs"]
mod settings_api;
#[path = "settings_logo.rs"]
mod settings_logo;
#[path = "settings_page.rs"]
mod settings_page;
#[path = "settings_texts.rs"]
mod settings_texts;

pub const READ: Permission = Permission::new(Resource::Settings, Action::Read);
pub const UPDATE: Permission = Permission::new(Resource::Settings, Action::Update);

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let read = Access::Tenant(READ);
    let update = Access::Tenant(UPDATE);
    router
        .api(read, routes!(settings_api::get_settings))
        .api(update, routes!(settings_api::put_section))
        .api(update, routes!(settings_api::put_logo))
        .api(update, routes!(settings_api::delete_logo))
        .page(
            Method::GET,
            settings_page::PATH,
            read,
            get(settings_page::show),
        )
        .page(
            Method::POST,
            "/settings/logo",
            update,
            post(settings_logo::upload),
        )
        .page(
            Method::POST,
            "/settings/logo/remove",
            update,
            post(settings_logo::remove),
        )
        .page(
            Method::POST,
            "/settings/{section}",
            update,
            post(settings_page::save),
        )
        .page(
            Method::GET,
            crm_app::settings::LOGO_PATH,
            Access::Public,
            get(settings_logo::serve),
        )
}

/// A request without a tenant's principal (the guard lets none through; kept for safety).
#[derive(Debug)]
pub struct NoTenant;

impl From<NoTenant> for Problem {
    fn from(_: NoTenant) -> Self {
        Problem::forbidden()
    }
}

/// The tenant the request acts for: its signed-in user's or API key's (the guard has matched
/// it with the host).
pub fn tenant_of(ctx: &RequestContext) -> Result<TenantId, NoTenant> {
    ctx.principal
        .as_ref()
        .and_then(|p| p.tenant())
        .cloned()
        .ok_or(NoTenant)
}
