//! The tenant-facing function: the JSON API under `/api/v1` and the operator UI, served on the
//! tenant's host.
//!
//! Every route is added through `AccessRouter` with the access it requires; feature modules
//! each contribute a `routes` function. [`route_table`] lists them all for the access tests.

mod acting;
mod api_keys;
mod audit;
mod auth;
mod buildings;
mod dashboard;
mod estimates_api;
mod estimates_pages;
mod estimates_texts;
mod exports;
mod imports;
mod layout;
mod links_api;
mod links_bulk;
mod links_pages;
mod meters;
mod outbox;
mod platform;
mod roles;
mod services_api;
mod services_card;
mod services_common;
mod services_form;
mod services_history;
mod services_pages;
mod services_texts;
mod sessions;
mod settings;
mod subscribers;
mod tariffs_api;
mod tariffs_pages;
mod users;

use axum::Router;
use crm_app::Services;
use crm_web::access::context::{self, ContextState};
use crm_web::access::{AccessRouter, RouteAccess};
use crm_web::flash::FlashKeys;
use utoipa::OpenApi;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/api/v1/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM tenant API",
        description = "Subscribers, services, meters, invoices and payments of one provider company. \
                       Authenticate with `Authorization: Bearer <API key>`. \
                       Errors are RFC 9457 problem+json with a stable `code`."
    ),
    tags(
        (name = "platform", description = "Health and metadata"),
        (name = "identity", description = "The caller, users, invitations, roles, API keys, sessions"),
        (name = "services", description = "The service catalogue"),
        (name = "tariffs", description = "Effective-dated tariff versions of a service"),
        (name = "service links", description = "Services linked to subscribers, single and in bulk"),
        (name = "jobs", description = "Background jobs' progress"),
        (name = "subscribers", description = "Personal accounts: search, filters, changes, status, history, export"),
        (name = "buildings", description = "Buildings that group subscribers' premises"),
        (name = "meters", description = "Meters, their readings (validated, versioned), replacement, verification dates, consumption, estimates of missing readings"),
        (name = "imports", description = "Imports from CSV and XLSX files: upload, mapping, dry run, apply, report")
    )
)]
struct ApiDoc;

/// Every feature's routes, each with its access.
fn routes() -> AccessRouter<Services> {
    let routes = AccessRouter::new(ApiDoc::openapi());
    let routes = platform::routes(routes);
    let routes = audit::routes(routes);
    let routes = outbox::routes(routes);
    let routes = dashboard::routes(routes);
    let routes = auth::routes(routes);
    let routes = sessions::routes(routes);
    let routes = users::routes(routes);
    let routes = roles::routes(routes);
    let routes = api_keys::routes(routes);
    let routes = settings::routes(routes);
    let routes = services_api::routes(routes);
    let routes = services_pages::routes(routes);
    let routes = tariffs_api::routes(routes);
    let routes = tariffs_pages::routes(routes);
    let routes = links_api::routes(routes);
    let routes = links_pages::routes(routes);
    let routes = subscribers::routes(routes);
    let routes = buildings::routes(routes);
    let routes = meters::routes(routes);
    let routes = estimates_api::routes(routes);
    let routes = estimates_pages::routes(routes);
    let routes = imports::routes(routes);
    exports::routes(routes)
}

/// The routes and the access each requires.
pub fn route_table() -> Vec<RouteAccess> {
    routes().split().2
}

/// The function's router. `crm_web::serve::finish` adds the shared outer layers.
pub fn router(services: Services) -> Router {
    let (guarded, doc, _) = routes().split();
    let flash_keys = FlashKeys::from_services(&services);
    let guarded = guarded
        .with_state(services.clone())
        .merge(crm_web::gallery::router(flash_keys.clone()))
        .layer(axum::middleware::from_fn_with_state(
            flash_keys,
            crm_web::flash::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            ContextState::new(services.clone()),
            context::middleware,
        ));
    // Static and public documents need no context: no store reads for them.
    let mut router = guarded
        .merge(crm_web::i18n::router())
        .merge(crm_web::openapi::routes(&doc, OPENAPI_PATH, DOCS_PATH))
        .merge(crm_web::assets::router());
    if let Some(links) = services.local_blob_links.clone() {
        router = router.merge(crm_web::blob_route::router(
            services.blobs.clone(),
            links,
            services.clock.clone(),
        ));
    }
    router
}
