//! The tenant's audit log: the page, one entity's history, the CSV export, and the same under
//! the JSON API. The work is in `crm_web::audit`; these name the tenant and the access.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;
use crm_app::Services;
use crm_domain::access::{Action, Permission, Resource};
use crm_web::access::{Access, AccessRouter, Principal, RequestContext};
use crm_web::audit::api::AuditList;
use crm_web::audit::{self, AuditQuery, ExportRefused, Surface};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::Chrome;
use utoipa_axum::routes;

const READ: Permission = Permission::new(Resource::Audit, Action::Read);
const EXPORT: Permission = Permission::new(Resource::Audit, Action::Export);

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, "/audit", Access::Tenant(READ), get(page))
        .page(
            Method::GET,
            "/audit/export.csv",
            Access::Tenant(EXPORT),
            get(export_page),
        )
        .page(
            Method::GET,
            "/audit/entity/{entity_type}/{entity_id}",
            Access::Tenant(READ),
            get(entity),
        )
        .api(Access::Tenant(READ), routes!(api_list))
        .api(Access::Tenant(EXPORT), routes!(api_export))
}

/// The principal's tenant: the guard admits only a user or key of the host's tenant here.
fn surface(ctx: &RequestContext) -> Option<Surface> {
    ctx.principal
        .as_ref()
        .and_then(Principal::tenant)
        .cloned()
        .map(Surface::Tenant)
}

fn bad_query() -> Problem {
    Problem::bad_request("invalid_query", "the filter parameters could not be read")
}

async fn page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let (Ok(Query(query)), Some(surface)) = (query, surface(&ctx)) else {
        return format.respond(bad_query());
    };
    let can_export = ctx.principal.as_ref().is_some_and(|p| p.allows(EXPORT));
    let chrome = crm_web::chrome::tenant_chrome(chrome, &ctx, &services).await;
    audit::page::list(
        &services, chrome, &format, &surface, &query, None, can_export,
    )
    .await
}

async fn entity(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path((entity_type, entity_id)): Path<(String, String)>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let (Ok(Query(query)), Some(surface)) = (query, surface(&ctx)) else {
        return format.respond(bad_query());
    };
    let chrome = crm_web::chrome::tenant_chrome(chrome, &ctx, &services).await;
    audit::entity::page(
        &services,
        chrome,
        &format,
        &surface,
        &entity_type,
        &entity_id,
        query.cursor(),
    )
    .await
}

async fn export_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let (Ok(Query(query)), Some(surface)) = (query, surface(&ctx)) else {
        return format.respond(bad_query());
    };
    match audit::export_csv(&services, &ctx.audit(), &surface, &query, chrome.lang).await {
        Ok(response) => response,
        Err(ExportRefused::Invalid(errors)) => {
            // Back to the list with the reason: the filters there are the same.
            let message = errors.iter().next().map_or("", |(_, m)| m);
            let back = query.link(surface.link(surface.list_path())).href();
            FlashKeys::from_services(&services).redirect(&back, &Flash::warning(message), &headers)
        }
        Err(ExportRefused::Failed(problem)) => format.respond(problem),
    }
}

/// The tenant's audit records, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of records, newest first", body = AuditList),
        (status = 400, description = "`invalid_cursor`: a cursor not issued for this listing", body = Problem),
        (status = 403, description = "Needs `audit:read`", body = Problem),
        (status = 422, description = "`validation_failed`: a filter is malformed", body = Problem),
    )
)]
async fn api_list(
    State(services): State<Services>,
    ctx: RequestContext,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Ok(Query(query)) = query else {
        return Err(bad_query());
    };
    let surface = surface(&ctx).ok_or_else(Problem::forbidden)?;
    audit::api::list(&services, &surface, &query).await
}

/// The tenant's audit records as a CSV file (UTF-8 with BOM, `;`-separated, for Excel),
/// streamed; at most 366 days and 100,000 rows. The header row is in the language of
/// `Accept-Language` (Russian by default). The export is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export.csv",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        (status = 403, description = "Needs `audit:export`", body = Problem),
        (status = 422, description = "`validation_failed`: a filter is malformed or the period too long", body = Problem),
    )
)]
async fn api_export(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Ok(Query(query)) = query else {
        return Err(bad_query());
    };
    let surface = surface(&ctx).ok_or_else(Problem::forbidden)?;
    match audit::export_csv(&services, &ctx.audit(), &surface, &query, lang).await {
        Ok(response) => Ok(response),
        Err(ExportRefused::Invalid(errors)) => Err(errors.to_problem()),
        Err(ExportRefused::Failed(problem)) => Err(problem),
    }
}
