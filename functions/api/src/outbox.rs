//! The tenant's outbox: mail the platform sent for this tenant (invitations, resets), where the
//! mailer keeps it. Whoever reads an invitation link can claim that account, so reading the
//! outbox takes the right to create users (administrators), not merely to list them.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use crm_app::Services;
use crm_app::audit_log::time_zone;
use crm_app::keys::Namespace;
use crm_app::mail::OutboxScope;
use crm_domain::access::{Action, Permission, Resource};
use crm_web::access::{Access, AccessRouter, Principal, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::outbox::{self, OutboxSite};
use crm_web::problem::Problem;
use crm_web::ui::Chrome;

const READ: Access = Access::Tenant(Permission::new(Resource::Users, Action::Create));

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router.page(Method::GET, "/outbox", READ, get(list)).page(
        Method::GET,
        "/outbox/{id}",
        READ,
        get(message),
    )
}

async fn site(services: &Services, ctx: &RequestContext) -> Result<OutboxSite, Problem> {
    let tenant = ctx
        .principal
        .as_ref()
        .and_then(Principal::tenant)
        .cloned()
        .ok_or_else(Problem::forbidden)?;
    let zone = time_zone(&services.db, &Namespace::tenant(&tenant)).await?;
    Ok(OutboxSite {
        scope: OutboxScope::Tenant(tenant),
        base: "/outbox",
        zone,
    })
}

async fn list(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
) -> Response {
    match site(&services, &ctx).await {
        Ok(site) => {
            let chrome = crm_web::chrome::tenant_chrome(chrome, &ctx, &services).await;
            outbox::list(&services, chrome, &format, &site).await
        }
        Err(problem) => format.respond(problem),
    }
}

async fn message(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    match site(&services, &ctx).await {
        Ok(site) => {
            let chrome = crm_web::chrome::tenant_chrome(chrome, &ctx, &services).await;
            outbox::message(&services, chrome, &format, &site, &id).await
        }
        Err(problem) => format.respond(problem),
    }
}
