//! Health and the start page.

use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::get;
use crm_app::Services;
use crm_web::access::{Access, AccessRouter};
use crm_web::health::HealthBody;
use crm_web::pages::Home;
use crm_web::ui::{Chrome, Page};
use utoipa_axum::routes;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(Access::Public, routes!(health))
        .page(Method::GET, "/", Access::Public, get(home))
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
