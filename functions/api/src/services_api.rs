//! JSON API of the service catalogue: `/api/v1/services` (list, create), one service (read,
//! change, archive, restore) and its change history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::catalog::history;
use crm_app::catalog::input::unit_code;
use crm_app::catalog::services::{
    self, ENTITY, ListQuery, Service, ServiceDraft, SortBy, SupplierDraft,
};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::service::ServiceKind;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::{Json as JsonBody, Query};
use crm_web::problem::Problem;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::services_common::{change_context, lang, problem, tenant_db};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let services = |action| Access::Tenant(Permission::new(Resource::Services, action));
    router
        .api(services(Action::Read), routes!(list_services))
        .api(services(Action::Create), routes!(create_service))
        .api(services(Action::Read), routes!(get_service))
        .api(services(Action::Update), routes!(patch_service))
        .api(services(Action::Delete), routes!(archive_service))
        .api(services(Action::Update), routes!(restore_service))
        .api(services(Action::Read), routes!(service_history))
}

/// A JSON field that may be absent (keep), `null` (clear) or a value.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierBody {
    pub name: String,
    /// ИНН: 10 digits (organisation) or 12 (individual), check digits verified.
    pub inn: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBody {
    pub id: String,
    pub name: String,
    pub code: String,
    /// `fixed`, `per_area`, `per_resident`, `metered`, `norm_per_resident`, `norm_per_area`,
    /// `tiered`, `two_zone`, `three_zone`.
    pub kind: String,
    /// `cubic_metre`, `kilowatt_hour`, `gigacalorie`, `square_metre`, `person`, `month`, `piece`.
    pub unit: String,
    /// As bills write it: `м³`.
    pub unit_symbol: String,
    /// `vat_general` (20% until 2025, 22% from 2026-01-01), `vat_reduced` (10%), `vat_zero`,
    /// `exempt`.
    pub tax_category: String,
    /// Decimal places quantities keep, 0..=6.
    pub rounding: u32,
    /// Shown as a line on the bill.
    pub on_bill: bool,
    /// The company the service is charged on behalf of, if not the tenant itself.
    pub supplier: Option<SupplierBody>,
    pub description: String,
    /// Archived services keep their history but take no new links.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Service> for ServiceBody {
    fn from(s: &Service) -> Self {
        Self {
            id: s.id.clone(),
            name: s.name.clone(),
            code: s.code.to_string(),
            kind: s.kind.code().to_owned(),
            unit: unit_code(s.unit).to_owned(),
            unit_symbol: s.unit.symbol().to_owned(),
            tax_category: s.tax_category.code().to_owned(),
            rounding: s.rounding,
            on_bill: s.on_bill,
            supplier: s.supplier.as_ref().map(|sup| SupplierBody {
                name: sup.name.clone(),
                inn: sup.inn.to_string(),
            }),
            description: s.description.clone(),
            archived: s.archived,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new service. `name`, `code`, `kind` and `tax_category` are required; `unit` defaults to
/// the kind's usual one, `rounding` to 3, `on_bill` to true.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceInput {
    pub name: Option<String>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub tax_category: Option<String>,
    pub rounding: Option<u32>,
    pub on_bill: Option<bool>,
    pub supplier: Option<SupplierBody>,
    pub description: Option<String>,
}

/// A change: absent fields stay as they are; `supplier: null` removes the supplier.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServicePatch {
    pub name: Option<String>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub tax_category: Option<String>,
    pub rounding: Option<u32>,
    pub on_bill: Option<bool>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<SupplierBody>)]
    pub supplier: Option<Option<SupplierBody>>,
    pub description: Option<String>,
}

fn supplier_draft(body: SupplierBody) -> SupplierDraft {
    SupplierDraft {
        name: body.name,
        inn: body.inn,
    }
}

impl From<ServiceInput> for ServiceDraft {
    fn from(input: ServiceInput) -> Self {
        ServiceDraft {
            name: Some(input.name.unwrap_or_default()),
            code: Some(input.code.unwrap_or_default()),
            kind: Some(input.kind.unwrap_or_default()),
            unit: input.unit,
            tax_category: Some(input.tax_category.unwrap_or_default()),
            rounding: input.rounding.map(|r| r.to_string()),
            on_bill: input.on_bill,
            supplier: input.supplier.map(|s| Some(supplier_draft(s))),
            description: input.description,
        }
    }
}

impl From<ServicePatch> for ServiceDraft {
    fn from(patch: ServicePatch) -> Self {
        ServiceDraft {
            name: patch.name,
            code: patch.code,
            kind: patch.kind,
            unit: patch.unit,
            tax_category: patch.tax_category,
            rounding: patch.rounding.map(|r| r.to_string()),
            on_bill: patch.on_bill,
            supplier: patch.supplier.map(|s| s.map(supplier_draft)),
            description: patch.description,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ServiceListParams {
    /// Only services of this kind (see `ServiceBody.kind`).
    pub kind: Option<String>,
    /// Archived services instead of active ones.
    pub archived: Option<bool>,
    /// Name prefix, any case, `ё` = `е`.
    pub q: Option<String>,
    /// `name` (default) or `code`; lists filtered by kind or name are in name order.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    pub items: Vec<ServiceBody>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// A list parameter out of its values, with what is wrong (answered 400 `invalid_query`).
#[derive(Debug)]
pub struct BadParameter(String);

impl From<BadParameter> for Problem {
    fn from(bad: BadParameter) -> Self {
        Problem::bad_request("invalid_query", bad.0)
    }
}

/// The list query the parameters describe.
pub fn list_query(params: &ServiceListParams) -> Result<ListQuery, BadParameter> {
    let kind = match params.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(code) => Some(
            ServiceKind::from_code(code)
                .ok_or_else(|| BadParameter(format!("unknown service kind `{code}`")))?,
        ),
        None => None,
    };
    let sort = match params.sort.as_deref() {
        None | Some("" | "name") => SortBy::Name,
        Some("code") => SortBy::Code,
        Some(other) => {
            return Err(BadParameter(format!(
                "cannot sort by `{other}`; use `name` or `code`"
            )));
        }
    };
    let descending = match params.dir.as_deref() {
        None | Some("" | "asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(BadParameter(format!(
                "`dir` is `asc` or `desc`, not `{other}`"
            )));
        }
    };
    Ok(ListQuery {
        archived: params.archived.unwrap_or(false),
        kind,
        name_prefix: params.q.clone(),
        sort,
        descending,
        limit: params.limit.unwrap_or(50),
    })
}

/// The tenant's services, one page.
#[utoipa::path(
    get,
    path = "/api/v1/services",
    tag = "services",
    params(ServiceListParams),
    responses(
        (status = 200, description = "One page of services", body = ServiceList),
        (status = 400, description = "Bad parameters or cursor", body = Problem),
    )
)]
async fn list_services(
    State(services): State<Services>,
    ctx: RequestContext,
    Query(params): Query<ServiceListParams>,
) -> Result<Json<ServiceList>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let query = list_query(&params)?;
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let page = services::list(&db, &query, cursor.as_ref()).await?;
    Ok(Json(ServiceList {
        items: page.services.iter().map(ServiceBody::from).collect(),
        next_cursor: page.next.map(|c| c.as_str().to_owned()),
    }))
}

/// Creates a service.
#[utoipa::path(
    post,
    path = "/api/v1/services",
    tag = "services",
    request_body = ServiceInput,
    responses(
        (status = 201, description = "Created", body = ServiceBody),
        (status = 422, description = "Invalid fields (`validation_failed`, one error per field) or a malformed body (`invalid_json`)", body = Problem),
    )
)]
async fn create_service(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    JsonBody(input): JsonBody<ServiceInput>,
) -> Result<Response, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let service = services::create(&db, &cx, &input.into())
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    let location = format!("/api/v1/services/{}", service.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ServiceBody::from(&service)),
    )
        .into_response())
}

/// One service.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}",
    tag = "services",
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = ServiceBody),
        (status = 404, description = "No such service in this tenant", body = Problem),
    )
)]
async fn get_service(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ServiceBody>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let (service, _) = services::require(&db, &id)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok(Json(ServiceBody::from(&service)))
}

/// Changes a service. The kind changes only while its tariff versions fit the new kind.
#[utoipa::path(
    patch,
    path = "/api/v1/services/{id}",
    tag = "services",
    params(("id" = String, Path, description = "Service id")),
    request_body = ServicePatch,
    responses(
        (status = 200, description = "The changed service", body = ServiceBody),
        (status = 404, description = "No such service", body = Problem),
        (status = 409, description = "Changed by someone else meanwhile", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn patch_service(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<ServicePatch>,
) -> Result<Json<ServiceBody>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let service = services::update(&db, &cx, &id, &patch.into())
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok(Json(ServiceBody::from(&service)))
}

/// Archives a service (services are never deleted: links and invoices refer to them). An
/// archived service takes no new links; its links, tariffs and code stay.
#[utoipa::path(
    delete,
    path = "/api/v1/services/{id}",
    tag = "services",
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "The archived service", body = ServiceBody),
        (status = 404, description = "No such service", body = Problem),
    )
)]
async fn archive_service(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ServiceBody>, Problem> {
    set_archived(services, ctx, headers, id, true).await
}

/// Restores an archived service.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/restore",
    tag = "services",
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "The restored service", body = ServiceBody),
        (status = 404, description = "No such service", body = Problem),
    )
)]
async fn restore_service(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ServiceBody>, Problem> {
    set_archived(services, ctx, headers, id, false).await
}

async fn set_archived(
    services: Services,
    ctx: RequestContext,
    headers: HeaderMap,
    id: String,
    archived: bool,
) -> Result<Json<ServiceBody>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let service = services::set_archived(&db, &cx, &id, archived)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok(Json(ServiceBody::from(&service)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who: a user's name, an API key's name, `system: <process>`.
    pub actor: String,
    /// `service.create`, `service.update`, `tariff.add`, `tariff.update`, `tariff.delete`, ...
    pub action: String,
    pub changes: Vec<FieldChangeBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeBody {
    /// Dotted path: `name`, `tariff.2026-07-01.rate`.
    pub field: String,
    #[schema(value_type = Option<Object>)]
    pub old: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub new: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1..=200 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Changes of the service and its tariff versions, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/history",
    tag = "services",
    params(("id" = String, Path, description = "Service id"), PageParams),
    responses(
        (status = 200, description = "One page of changes", body = HistoryPage),
        (status = 404, description = "No such service", body = Problem),
    )
)]
async fn service_history(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<HistoryPage>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    services::require(&db, &id)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (records, next) = history::of_entity(
        &db,
        ENTITY,
        &id,
        params.limit.unwrap_or(50),
        cursor.as_ref(),
    )
    .await?;
    Ok(Json(HistoryPage {
        items: records
            .into_iter()
            .map(|r| HistoryEntry {
                at: r.at,
                actor: r.actor.label(),
                action: r.action,
                changes: r
                    .changes
                    .into_iter()
                    .map(|c| FieldChangeBody {
                        field: c.field,
                        old: c.old,
                        new: c.new,
                    })
                    .collect(),
            })
            .collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
