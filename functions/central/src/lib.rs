//! The central (platform operator) function: tenants, their settings and domains, platform
//! staff, the global audit log. Served under `/central` on the platform's own host.
//!
//! Every route is added through `AccessRouter` with the access it requires; feature modules
//! each contribute a `routes` function. [`route_table`] lists them all for the access tests.

mod audit;
mod auth;
mod home;
mod impersonation;
mod outbox;
mod platform;
mod staff;
mod tenants;

use axum::Router;
use crm_app::Services;
use crm_web::access::context::{self, ContextState};
use crm_web::access::{AccessRouter, RouteAccess};
use crm_web::flash::FlashKeys;
use utoipa::OpenApi;

pub const OPENAPI_PATH: &str = "/central/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/central/api/v1/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM central API",
        description = "Platform administration: tenants, domains, platform staff. \
                       Errors are RFC 9457 problem+json with a stable `code`."
    ),
    tags(
        (name = "platform", description = "Health and metadata"),
        (name = "staff", description = "Platform staff and impersonation")
    )
)]
struct CentralDoc;

fn routes() -> AccessRouter<Services> {
    let routes = AccessRouter::new(CentralDoc::openapi());
    let routes = platform::routes(routes);
    let routes = audit::routes(routes);
    let routes = outbox::routes(routes);
    let routes = home::routes(routes);
    let routes = auth::routes(routes);
    let routes = staff::routes(routes);
    let routes = impersonation::routes(routes);
    tenants::routes(routes)
}

/// The routes and the access each requires.
pub fn route_table() -> Vec<RouteAccess> {
    routes().split().2
}

pub fn router(services: Services) -> Router {
    let (guarded, doc, _) = routes().split();
    let flash_keys = FlashKeys::from_services(&services);
    guarded
        .with_state(services.clone())
        .layer(axum::middleware::from_fn_with_state(
            flash_keys,
            crm_web::flash::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            ContextState::new(services),
            context::middleware,
        ))
        .merge(crm_web::openapi::routes(&doc, OPENAPI_PATH, DOCS_PATH))
}
