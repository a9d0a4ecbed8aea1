//! The tenant-facing function: the JSON API under `/api/v1` and the operator UI.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use crm_app::Services;
use crm_web::flash::FlashKeys;
use crm_web::health::HealthBody;
use crm_web::pages::Home;
use crm_web::ui::{Chrome, Page};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/api/v1/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM tenant API",
        description = "Subscribers, services, meters, invoices and payments of one provider company. \
                       Errors are RFC 9457 problem+json with a stable `code`."
    ),
    tags((name = "platform", description = "Health and metadata"))
)]
struct ApiDoc;

/// The function's routes. `crm_web::serve::finish` adds the shared layers.
pub fn router(services: Services) -> Router {
    let (routes, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .split_for_parts();
    let flash_keys = FlashKeys::from_services(&services);
    // Operator UI pages: they read and clear flash messages.
    let ui = Router::new()
        .route("/", get(home))
        .merge(crm_web::gallery::router(flash_keys.clone()))
        .merge(crm_web::i18n::router())
        .layer(axum::middleware::from_fn_with_state(
            flash_keys,
            crm_web::flash::middleware,
        ));
    let blob_route = services.local_blob_links.clone().map(|links| {
        crm_web::blob_route::router(services.blobs.clone(), links, services.clock.clone())
    });
    let mut router = routes
        .with_state(services)
        .merge(ui)
        .merge(crm_web::openapi::routes(&doc, OPENAPI_PATH, DOCS_PATH))
        .merge(crm_web::assets::router());
    if let Some(blob_route) = blob_route {
        router = router.merge(blob_route);
    }
    router
}

/// Whether the function can reach its store and queue.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "platform",
    responses(
        (status = 200, description = "Store and queue answer", body = HealthBody),
        (status = 503, description = "A dependency is unreachable", body = HealthBody),
    )
)]
async fn health(state: State<Services>) -> impl IntoResponse {
    crm_web::health::handler(state).await
}

/// The start page until the dashboard replaces it: where the API reference and health are.
async fn home(chrome: Chrome) -> Page<Home> {
    let nav = crm_web::gallery::demo_nav(
        chrome.t,
        chrome
            .lang
            .pick(&crm_web::gallery::RU, &crm_web::gallery::EN),
    );
    crm_web::pages::home(chrome.with_nav(nav))
}
