//! The tenant-facing function: the JSON API under `/api/v1` and the operator UI.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use crm_app::Services;
use crm_web::health::HealthBody;
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
    let mut router = routes
        .route("/", get(home))
        .with_state(services.clone())
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

/// The start page until the operator UI lands: where to find the API and its health.
async fn home() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>CRM</title></head><body>",
        "<h1>CRM для поставщиков коммунальных услуг</h1>",
        "<ul><li><a href=\"/api/v1/docs\">Справочник API</a></li>",
        "<li><a href=\"/api/v1/health\">Состояние</a></li>",
        "<li><a href=\"/central/api/v1/docs\">API центральной части</a></li></ul>",
        "</body></html>"
    ))
}
