//! `/central/api/v1/tenants`: the JSON API over the tenant use cases.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::domains;
use crm_app::keys::TenantOrder;
use crm_app::store::Cursor;
use crm_app::tenancy::TenantStatus;
use crm_app::tenants::{self, TenantInput, TenantQuery};
use crm_web::access::RequestContext;
use crm_web::extract::{self, Query};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;

use super::api_types::{
    AddDomainBody, CloseBody, DomainListView, DomainView, ExportLinkView, ListParams, SuspendBody,
    TenantBody, TenantListView, TenantView,
};
use super::web::{domain_problem, path_id, tenant_problem};

pub const BASE: &str = "/central/api/v1/tenants";

/// Status names as the API and the UI filter take them.
pub fn parse_status(raw: &str) -> Option<TenantStatus> {
    serde_json::from_value(serde_json::Value::from(raw)).ok()
}

/// A `status` filter that names no status.
#[derive(Debug)]
pub struct UnknownStatus;

impl From<UnknownStatus> for Problem {
    fn from(_: UnknownStatus) -> Self {
        Problem::bad_request(
            "invalid_query",
            "status is one of active, suspended, closing, closed",
        )
    }
}

/// The listing a query string asks for.
pub fn tenant_query(params: &ListParams) -> Result<TenantQuery, UnknownStatus> {
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(parse_status(raw).ok_or(UnknownStatus)?),
    };
    Ok(TenantQuery {
        status,
        order: match params.sort.as_deref() {
            Some("created") => TenantOrder::Created,
            _ => TenantOrder::Name,
        },
        descending: params.dir.as_deref() == Some("desc"),
        name_prefix: params.q.clone(),
        limit: params.limit.unwrap_or(25),
    })
}

/// Tenants, a page at a time.
#[utoipa::path(
    get,
    path = "/central/api/v1/tenants",
    tag = "tenants",
    params(ListParams),
    responses(
        (status = 200, description = "A page of tenants", body = TenantListView),
        (status = 400, description = "Bad status or cursor", body = Problem),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "The role may not read tenants", body = Problem),
    )
)]
pub async fn list_tenants(
    State(services): State<Services>,
    Query(params): Query<ListParams>,
) -> Result<Json<TenantListView>, Problem> {
    let query = tenant_query(&params)?;
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let page = tenants::list(&services.db, &query, cursor.as_ref()).await?;
    Ok(Json(TenantListView {
        items: page.tenants.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.as_str().to_owned()),
    }))
}

/// Registers a tenant and its subdomain.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants",
    tag = "tenants",
    request_body = TenantBody,
    responses(
        (status = 201, description = "Created", body = TenantView),
        (status = 422, description = "Invalid fields (`validation_failed`), a taken id or host included", body = Problem),
        (status = 403, description = "The role may not manage tenants", body = Problem),
    )
)]
pub async fn create_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    extract::Json(body): extract::Json<TenantBody>,
) -> Result<Response, Problem> {
    let lang = Lang::from_headers(&headers);
    let input = body.over(TenantInput::default());
    let id = body.id.clone().unwrap_or_default();
    let record = tenants::create(&services, &ctx.audit(), &id, &input)
        .await
        .map_err(|e| tenant_problem(e, lang))?;
    let location = format!("{BASE}/{}", record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(TenantView::from(&record)),
    )
        .into_response())
}

/// One tenant.
#[utoipa::path(
    get,
    path = "/central/api/v1/tenants/{id}",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 200, description = "The tenant", body = TenantView),
        (status = 404, description = "No such tenant", body = Problem),
    )
)]
pub async fn get_tenant(
    State(services): State<Services>,
    Path(id): Path<String>,
) -> Result<Json<TenantView>, Problem> {
    let id = path_id(&id)?;
    let record = tenants::get(&services.db, &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(Json(TenantView::from(&record)))
}

/// Changes the given fields of a tenant, against the `version` read.
#[utoipa::path(
    patch,
    path = "/central/api/v1/tenants/{id}",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    request_body = TenantBody,
    responses(
        (status = 200, description = "Changed", body = TenantView),
        (status = 404, description = "No such tenant", body = Problem),
        (status = 409, description = "Changed by someone else since `version` (`conflict`)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
pub async fn patch_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<TenantBody>,
) -> Result<Json<TenantView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    let current = tenants::get(&services.db, &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let Some(version) = body.version else {
        return Err(super::web::invalid_problem(
            &crm_app::validation::Invalid::field(
                "version",
                crm_app::validation::Reason::required(),
            ),
            lang,
        ));
    };
    if body.id.as_ref().is_some_and(|given| *given != id.as_str()) {
        return Err(Problem::bad_request(
            "id_immutable",
            "a tenant's id cannot change",
        ));
    }
    let input = body.over(TenantInput::from_record(&current));
    let record = tenants::edit(&services, &ctx.audit(), &id, version, &input)
        .await
        .map_err(|e| tenant_problem(e, lang))?;
    Ok(Json(TenantView::from(&record)))
}

/// Suspends an active tenant: its users and API keys stop working; data stays.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/suspend",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    request_body = SuspendBody,
    responses(
        (status = 200, description = "Suspended", body = TenantView),
        (status = 409, description = "Not active (`wrong_status`)", body = Problem),
        (status = 422, description = "No reason", body = Problem),
    )
)]
pub async fn suspend_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<SuspendBody>,
) -> Result<Json<TenantView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    tenants::suspend(&services, &ctx.audit(), &id, &body.reason)
        .await
        .map(|r| Json(TenantView::from(&r)))
        .map_err(|e| tenant_problem(e, lang))
}

/// Reactivates a suspended tenant, or a closing one within its grace period.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/reactivate",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 200, description = "Active again", body = TenantView),
        (status = 409, description = "Neither suspended nor closing within the grace period (`wrong_status`, `grace_over`)", body = Problem),
    )
)]
pub async fn reactivate_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<TenantView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    tenants::reactivate(&services, &ctx.audit(), &id)
        .await
        .map(|r| Json(TenantView::from(&r)))
        .map_err(|e| tenant_problem(e, lang))
}

/// Closes a tenant: users are locked out, its data is exported, and after the grace period
/// it may be purged.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/close",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    request_body = CloseBody,
    responses(
        (status = 200, description = "Closing; the export job is queued", body = TenantView),
        (status = 409, description = "Already closing or closed (`wrong_status`)", body = Problem),
        (status = 422, description = "No reason, or a grace period out of 1..=365", body = Problem),
    )
)]
pub async fn close_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<CloseBody>,
) -> Result<Json<TenantView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    tenants::close(&services, &ctx.audit(), &id, &body.reason, body.grace_days)
        .await
        .map(|r| Json(TenantView::from(&r)))
        .map_err(|e| tenant_problem(e, lang))
}

/// Queues the deletion of a closing tenant's data, once its grace period is over and its
/// export is ready. The documents worker deletes every item and marks it closed.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/purge",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 202, description = "Purge queued", body = TenantView),
        (status = 409, description = "Not closing, grace not over, or no export (`wrong_status`, `grace_not_over`, `export_not_ready`)", body = Problem),
    )
)]
pub async fn purge_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    let record = tenants::request_purge(&services, &ctx.audit(), &id)
        .await
        .map_err(|e| tenant_problem(e, lang))?;
    Ok((StatusCode::ACCEPTED, Json(TenantView::from(&record))).into_response())
}

/// Queues a new export of the tenant's data.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/export",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 202, description = "Export queued", body = TenantView),
        (status = 409, description = "Closed (`wrong_status`)", body = Problem),
    )
)]
pub async fn export_tenant(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    let record = tenants::request_export(&services, &ctx.audit(), &id)
        .await
        .map_err(|e| tenant_problem(e, lang))?;
    Ok((StatusCode::ACCEPTED, Json(TenantView::from(&record))).into_response())
}

/// How long a download link of an export works.
pub const EXPORT_LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// A short-lived download link of the tenant's latest finished export.
#[utoipa::path(
    get,
    path = "/central/api/v1/tenants/{id}/export",
    tag = "tenants",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 200, description = "A link to the JSON-lines file", body = ExportLinkView),
        (status = 404, description = "No such tenant", body = Problem),
        (status = 409, description = "No finished export (`export_not_ready`)", body = Problem),
    )
)]
pub async fn export_link(
    State(services): State<Services>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ExportLinkView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let url = export_url(&services, &path_id(&id)?, lang).await?;
    Ok(Json(ExportLinkView {
        url,
        expires_in_seconds: EXPORT_LINK_TTL.as_secs(),
    }))
}

/// The presigned link of a tenant's finished export.
pub async fn export_url(
    services: &Services,
    id: &crm_domain::TenantId,
    lang: Lang,
) -> Result<String, Problem> {
    let record = tenants::get(&services.db, id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let Some(key) = record.export.and_then(|e| e.blob_key) else {
        return Err(tenant_problem(tenants::TenantError::ExportNotReady, lang));
    };
    services
        .blobs
        .presign_get(&key, EXPORT_LINK_TTL)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not sign an export link");
            Problem::unavailable("the file store is unavailable, try again shortly")
        })
}

/// A tenant's subdomain and custom domains.
#[utoipa::path(
    get,
    path = "/central/api/v1/tenants/{id}/domains",
    tag = "domains",
    params(("id" = String, Path, description = "Tenant id")),
    responses(
        (status = 200, description = "The domains, by name", body = DomainListView),
        (status = 404, description = "No such tenant", body = Problem),
    )
)]
pub async fn list_domains(
    State(services): State<Services>,
    Path(id): Path<String>,
) -> Result<Json<DomainListView>, Problem> {
    let id = path_id(&id)?;
    if tenants::get(&services.db, &id).await?.is_none() {
        return Err(Problem::not_found());
    }
    let items = domains::list(&services.db, &id).await?;
    Ok(Json(DomainListView {
        items: items.iter().map(DomainView::from).collect(),
    }))
}

/// Adds a custom domain, unverified; the answer says which TXT record verifies it.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/domains",
    tag = "domains",
    params(("id" = String, Path, description = "Tenant id")),
    request_body = AddDomainBody,
    responses(
        (status = 201, description = "Added", body = DomainView),
        (status = 404, description = "No such tenant", body = Problem),
        (status = 409, description = "The tenant is closing or closed", body = Problem),
        (status = 422, description = "Invalid, under the platform domain, or taken (`validation_failed`)", body = Problem),
    )
)]
pub async fn add_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<AddDomainBody>,
) -> Result<Response, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    let record = domains::add_custom(&services, &ctx.audit(), &id, &body.host)
        .await
        .map_err(|e| domain_problem(e, &body.host, lang))?;
    Ok((StatusCode::CREATED, Json(DomainView::from(&record))).into_response())
}

/// Looks up the domain's TXT record now and marks it verified when it matches.
#[utoipa::path(
    post,
    path = "/central/api/v1/tenants/{id}/domains/{host}/verify",
    tag = "domains",
    params(
        ("id" = String, Path, description = "Tenant id"),
        ("host" = String, Path, description = "The domain"),
    ),
    responses(
        (status = 200, description = "Verified", body = DomainView),
        (status = 404, description = "The tenant has no such domain", body = Problem),
        (status = 422, description = "No matching TXT record (`txt_record_missing`, `txt_record_mismatch`)", body = Problem),
        (status = 503, description = "DNS did not answer (`dns_unavailable`)", body = Problem),
    )
)]
pub async fn verify_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, host)): Path<(String, String)>,
) -> Result<Json<DomainView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    domains::verify(&services, &ctx.audit(), &id, &host)
        .await
        .map(|d| Json(DomainView::from(&d)))
        .map_err(|e| domain_problem(e, &host, lang))
}

/// Removes a custom domain; the host stops opening the tenant.
#[utoipa::path(
    delete,
    path = "/central/api/v1/tenants/{id}/domains/{host}",
    tag = "domains",
    params(
        ("id" = String, Path, description = "Tenant id"),
        ("host" = String, Path, description = "The domain"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "The tenant has no such domain", body = Problem),
        (status = 409, description = "The platform subdomain (`subdomain_not_removable`)", body = Problem),
    )
)]
pub async fn remove_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, host)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let lang = Lang::from_headers(&headers);
    let id = path_id(&id)?;
    domains::remove(&services, &ctx.audit(), &id, &host)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| domain_problem(e, &host, lang))
}
