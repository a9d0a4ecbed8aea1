//! Health.

use axum::extract::State;
use axum::response::IntoResponse;
use crm_app::Services;
use crm_web::access::{Access, AccessRouter};
use crm_web::health::HealthBody;
use utoipa_axum::routes;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router.api(Access::Public, routes!(health))
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
