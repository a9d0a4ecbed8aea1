//! The audit log for platform staff: the platform's own log and, chosen with `tenant`, any
//! tenant's. The work is in `crm_web::audit`; these resolve the choice and the access.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;
use crm_app::Services;
use crm_domain::access::CentralPermission;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::audit::api::AuditList;
use crm_web::audit::surface::TENANT_PARAM;
use crm_web::audit::texts::texts;
use crm_web::audit::{self, AuditQuery, ExportRefused, Surface, TenantParam};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, FieldErrors, Link};
use utoipa_axum::routes;

const READ: Access = Access::Central(CentralPermission::ReadAudit);
const EXPORT: Access = Access::Central(CentralPermission::ExportAudit);

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, "/central/audit", READ, get(page))
        .page(
            Method::GET,
            "/central/audit/export.csv",
            EXPORT,
            get(export_page),
        )
        .api(READ, routes!(api_list))
        .api(EXPORT, routes!(api_export))
}

type Params = (
    Result<Query<AuditQuery>, QueryRejection>,
    Result<Query<TenantParam>, QueryRejection>,
);

fn bad_query() -> Problem {
    Problem::bad_request("invalid_query", "the filter parameters could not be read")
}

fn read((query, tenant): Params) -> Option<(AuditQuery, TenantParam)> {
    match (query, tenant) {
        (Ok(Query(query)), Ok(Query(tenant))) => Some((query, tenant)),
        _ => None,
    }
}

/// The chosen log, or the problem with the `tenant` parameter as an API error.
async fn api_surface(services: &Services, tenant: &TenantParam) -> Result<Surface, Problem> {
    Surface::central(services, tenant.tenant.as_deref(), texts(Lang::En))
        .await?
        .map_err(|errors| errors.to_problem())
}

async fn page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<AuditQuery>, QueryRejection>,
    tenant: Result<Query<TenantParam>, QueryRejection>,
) -> Response {
    let Some((query, tenant)) = read((query, tenant)) else {
        return format.respond(bad_query());
    };
    let chrome = crm_web::chrome::central_chrome(chrome, &ctx);
    let raw = tenant.tenant.as_deref();
    let surface = match Surface::central(&services, raw, texts(chrome.lang)).await {
        Ok(Ok(surface)) => surface,
        Ok(Err(errors)) => return audit::page::bad_tenant(chrome, &query, raw, errors),
        Err(problem) => return format.respond(problem),
    };
    let can_export = ctx
        .principal
        .as_ref()
        .is_some_and(|p| p.allows_central(CentralPermission::ExportAudit));
    audit::page::list(
        &services, chrome, &format, &surface, &query, raw, can_export,
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
    tenant: Result<Query<TenantParam>, QueryRejection>,
) -> Response {
    let Some((query, tenant)) = read((query, tenant)) else {
        return format.respond(bad_query());
    };
    let raw = tenant.tenant.as_deref();
    let surface = match Surface::central(&services, raw, texts(chrome.lang)).await {
        Ok(Ok(surface)) => surface,
        Ok(Err(errors)) => {
            let list =
                query.link(Link::new("/central/audit").with(TENANT_PARAM, raw.unwrap_or("")));
            return back_to_list(&services, &headers, &list, &errors);
        }
        Err(problem) => return format.respond(problem),
    };
    match audit::export_csv(&services, &ctx.audit(), &surface, &query, chrome.lang).await {
        Ok(response) => response,
        Err(ExportRefused::Invalid(errors)) => {
            let list = query.link(surface.link(surface.list_path()));
            back_to_list(&services, &headers, &list, &errors)
        }
        Err(ExportRefused::Failed(problem)) => format.respond(problem),
    }
}

/// Back to the list, its first error as a warning.
fn back_to_list(
    services: &Services,
    headers: &HeaderMap,
    list: &Link,
    errors: &FieldErrors,
) -> Response {
    let message = errors.iter().next().map_or("", |(_, m)| m);
    FlashKeys::from_services(services).redirect(&list.href(), &Flash::warning(message), headers)
}

/// Audit records, newest first: the platform's own, or a tenant's with `tenant`.
#[utoipa::path(
    get,
    path = "/central/api/v1/audit",
    tag = "audit",
    params(AuditQuery, TenantParam),
    responses(
        (status = 200, description = "A page of records, newest first", body = AuditList),
        (status = 400, description = "`invalid_cursor`: a cursor not issued for this listing", body = Problem),
        (status = 403, description = "Needs a role that reads the audit log", body = Problem),
        (status = 422, description = "`validation_failed`: a filter or the tenant is wrong", body = Problem),
    )
)]
async fn api_list(
    State(services): State<Services>,
    query: Result<Query<AuditQuery>, QueryRejection>,
    tenant: Result<Query<TenantParam>, QueryRejection>,
) -> Result<Response, Problem> {
    let (query, tenant) = read((query, tenant)).ok_or_else(bad_query)?;
    let surface = api_surface(&services, &tenant).await?;
    audit::api::list(&services, &surface, &query).await
}

/// The same records as a CSV file (UTF-8 with BOM, `;`-separated, for Excel), streamed; at
/// most 366 days and 100,000 rows. Superadmins only; the export is itself audited.
#[utoipa::path(
    get,
    path = "/central/api/v1/audit/export.csv",
    tag = "audit",
    params(AuditQuery, TenantParam),
    responses(
        (status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        (status = 403, description = "Needs a role that exports the audit log", body = Problem),
        (status = 422, description = "`validation_failed`: a filter, the tenant or the period is wrong", body = Problem),
    )
)]
async fn api_export(
    State(services): State<Services>,
    ctx: RequestContext,
    lang: Lang,
    query: Result<Query<AuditQuery>, QueryRejection>,
    tenant: Result<Query<TenantParam>, QueryRejection>,
) -> Result<Response, Problem> {
    let (query, tenant) = read((query, tenant)).ok_or_else(bad_query)?;
    let surface = api_surface(&services, &tenant).await?;
    match audit::export_csv(&services, &ctx.audit(), &surface, &query, lang).await {
        Ok(response) => Ok(response),
        Err(ExportRefused::Invalid(errors)) => Err(errors.to_problem()),
        Err(ExportRefused::Failed(problem)) => Err(problem),
    }
}
