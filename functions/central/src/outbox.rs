//! The platform's outbox for staff: every mail the platform sent, where the mailer keeps it.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use crm_app::Services;
use crm_app::audit_log::zone::DEFAULT_ZONE;
use crm_app::mail::OutboxScope;
use crm_domain::access::CentralPermission;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::outbox::{self, OutboxSite};
use crm_web::ui::Chrome;

const READ: Access = Access::Central(CentralPermission::ReadOutbox);

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, "/central/outbox", READ, get(list))
        .page(Method::GET, "/central/outbox/{id}", READ, get(message))
}

fn site() -> OutboxSite {
    OutboxSite {
        scope: OutboxScope::All,
        base: "/central/outbox",
        zone: DEFAULT_ZONE,
    }
}

async fn list(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
) -> Response {
    let chrome = crm_web::chrome::central_chrome(chrome, &ctx);
    outbox::list(&services, chrome, &format, &site()).await
}

async fn message(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let chrome = crm_web::chrome::central_chrome(chrome, &ctx);
    outbox::message(&services, chrome, &format, &site(), &id).await
}
