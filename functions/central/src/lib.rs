//! The central (platform operator) function: tenants, their settings and domains, central users.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use crm_app::Services;
use crm_web::health::HealthBody;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const OPENAPI_PATH: &str = "/central/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/central/api/v1/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM central API",
        description = "Platform administration: tenants, domains, central users. \
                       Errors are RFC 9457 problem+json with a stable `code`."
    ),
    tags((name = "platform", description = "Health and metadata"))
)]
struct CentralDoc;

pub fn router(services: Services) -> Router {
    let (routes, doc) = OpenApiRouter::with_openapi(CentralDoc::openapi())
        .routes(routes!(health))
        .split_for_parts();
    routes
        .with_state(services)
        .merge(crm_web::openapi::routes(&doc, OPENAPI_PATH, DOCS_PATH))
}

/// Whether the function can reach its store and queue.
#[utoipa::path(
    get,
    path = "/central/api/v1/health",
    tag = "platform",
    responses(
        (status = 200, description = "Store and queue answer", body = HealthBody),
        (status = 503, description = "A dependency is unreachable", body = HealthBody),
    )
)]
async fn health(state: State<Services>) -> impl IntoResponse {
    crm_web::health::handler(state).await
}
