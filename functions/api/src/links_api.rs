//! JSON API of service links: a subscriber's services (`/api/v1/subscribers/{id}/services`),
//! who has a service (`/api/v1/services/{id}/links`), bulk linking
//! (`/api/v1/service-links/bulk`) and the status of background jobs (`/api/v1/jobs/{id}`).
//!
//! Attaching, changing and detaching need `subscribers:update` (they change a subscriber);
//! reading needs `subscribers:read`. Dates are `YYYY-MM-DD`, `valid_until` exclusive.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use crm_app::Services;
use crm_app::catalog::bulk::{self, BulkRequest};
use crm_app::catalog::links::{self, Link, LinkDraft};
use crm_app::catalog::services::Service;
use crm_app::catalog::{CatalogError, is_valid_id, today};
use crm_app::jobs::status::{self, JobState, JobStatus, RowFailure};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::subscription::LinkState;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::{Json as JsonBody, Query};
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::services_api::{PageParams, double_option};
use crate::services_common::{change_context, lang, problem, tenant_db, tenant_of};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let subscribers = |action| Access::Tenant(Permission::new(Resource::Subscribers, action));
    router
        .api(subscribers(Action::Read), routes!(subscriber_services))
        .api(subscribers(Action::Update), routes!(attach))
        .api(subscribers(Action::Update), routes!(patch_link))
        .api(subscribers(Action::Update), routes!(detach))
        .api(subscribers(Action::Read), routes!(service_links))
        .api(subscribers(Action::Update), routes!(start_bulk))
        // Any member of the tenant; the status names the permission it needs (see `job`).
        .api(Access::TenantMember, routes!(job))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkStateBody {
    Upcoming,
    Active,
    Ended,
    Cancelled,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkBody {
    pub id: String,
    pub subscriber_id: String,
    pub service_id: String,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub valid_from: NaiveDate,
    /// Exclusive; `null` while open-ended; equal to `valid_from` when cancelled.
    pub valid_until: Option<NaiveDate>,
    /// Today, in the tenant's time zone.
    pub state: LinkStateBody,
    /// A flat rate instead of the service's tariff.
    pub individual_rate: Option<String>,
    /// An agreed quantity instead of the service's rule.
    pub individual_quantity: Option<String>,
    /// The bulk job that made the link.
    pub bulk_job: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn link_body(link: &Link, service: Option<&Service>, today: NaiveDate) -> LinkBody {
    let state = match link.period.state_on(today) {
        LinkState::Upcoming => LinkStateBody::Upcoming,
        LinkState::Active => LinkStateBody::Active,
        LinkState::Ended => LinkStateBody::Ended,
        LinkState::Cancelled => LinkStateBody::Cancelled,
    };
    let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
    LinkBody {
        id: link.id.clone(),
        subscriber_id: link.subscriber_id.clone(),
        service_id: link.service_id.clone(),
        service_code: service.map(|s| s.code.to_string()),
        service_name: service.map(|s| s.name.clone()),
        valid_from: link.period.valid_from,
        valid_until: link.period.valid_until,
        state,
        individual_rate: text(link.terms.individual_rate),
        individual_quantity: text(link.terms.individual_quantity),
        bulk_job: link.bulk_job.clone(),
        created_at: link.created_at,
        updated_at: link.updated_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkList {
    pub items: Vec<LinkBody>,
}

/// A new link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LinkInput {
    pub service_id: Option<String>,
    pub valid_from: Option<String>,
    /// Exclusive; absent for an open-ended link.
    pub valid_until: Option<String>,
    pub individual_rate: Option<String>,
    pub individual_quantity: Option<String>,
}

impl LinkInput {
    fn draft(&self) -> LinkDraft {
        LinkDraft {
            valid_from: Some(self.valid_from.clone().unwrap_or_default()),
            valid_until: Some(self.valid_until.clone()),
            individual_rate: Some(self.individual_rate.clone()),
            individual_quantity: Some(self.individual_quantity.clone()),
        }
    }
}

/// A change: absent fields stay; `null` clears `valid_until` (open-ended) or a term.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LinkPatch {
    pub valid_from: Option<String>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub individual_rate: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub individual_quantity: Option<Option<String>>,
}

/// The services linked to a subscriber, all periods.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/{id}/services",
    tag = "service links",
    params(("id" = String, Path, description = "Subscriber id")),
    responses(
        (status = 200, description = "Every link of the subscriber", body = LinkList),
        (status = 404, description = "No such subscriber", body = Problem),
    )
)]
async fn subscriber_services(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<LinkList>, Problem> {
    let db = tenant_db(&services, &ctx)?;
    let found = links::of_subscriber_with_services(&db, &id)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    let today = today(services.clock.now());
    Ok(Json(LinkList {
        items: found
            .iter()
            .map(|(link, service)| link_body(link, service.as_ref(), today))
            .collect(),
    }))
}

/// Links a service to the subscriber. Refused when the subscriber already has the service on
/// any of these days.
#[utoipa::path(
    post,
    path = "/api/v1/subscribers/{id}/services",
    tag = "service links",
    params(("id" = String, Path, description = "Subscriber id")),
    request_body = LinkInput,
    responses(
        (status = 201, description = "Linked", body = LinkBody),
        (status = 404, description = "No such subscriber", body = Problem),
        (status = 422, description = "Invalid fields, an unknown or archived service, or an overlapping link", body = Problem),
    )
)]
async fn attach(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<LinkInput>,
) -> Result<Response, Problem> {
    let lang = lang(&headers);
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let service_id = input.service_id.clone().unwrap_or_default();
    let link = links::attach(&db, &cx, &id, &service_id, &input.draft())
        .await
        .map_err(|e| problem(e, lang))?;
    let service = crm_app::catalog::services::get(&db, &link.service_id).await?;
    let body = link_body(&link, service.as_ref().map(|(s, _)| s), today(cx.now));
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Changes a link's dates or individual terms.
#[utoipa::path(
    patch,
    path = "/api/v1/subscribers/{id}/services/{link}",
    tag = "service links",
    params(
        ("id" = String, Path, description = "Subscriber id"),
        ("link" = String, Path, description = "Link id"),
    ),
    request_body = LinkPatch,
    responses(
        (status = 200, description = "Changed", body = LinkBody),
        (status = 404, description = "No such subscriber or link", body = Problem),
        (status = 422, description = "Invalid fields or an overlapping link", body = Problem),
    )
)]
async fn patch_link(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, link_id)): Path<(String, String)>,
    JsonBody(patch): JsonBody<LinkPatch>,
) -> Result<Json<LinkBody>, Problem> {
    let lang = lang(&headers);
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let draft = LinkDraft {
        valid_from: patch.valid_from,
        valid_until: patch.valid_until,
        individual_rate: patch.individual_rate,
        individual_quantity: patch.individual_quantity,
    };
    let link = links::change(&db, &cx, &id, &link_id, &draft)
        .await
        .map_err(|e| problem(e, lang))?;
    let service = crm_app::catalog::services::get(&db, &link.service_id).await?;
    Ok(Json(link_body(
        &link,
        service.as_ref().map(|(s, _)| s),
        today(cx.now),
    )))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DetachParams {
    /// The first day without the service (exclusive end); default today. A link that has not
    /// started by then is cancelled.
    pub valid_until: Option<String>,
}

/// Detaches a service: sets the link's end. Nothing is deleted; the link stays in the history.
#[utoipa::path(
    delete,
    path = "/api/v1/subscribers/{id}/services/{link}",
    tag = "service links",
    params(
        ("id" = String, Path, description = "Subscriber id"),
        ("link" = String, Path, description = "Link id"),
        DetachParams,
    ),
    responses(
        (status = 200, description = "The ended link", body = LinkBody),
        (status = 404, description = "No such subscriber or link", body = Problem),
        (status = 422, description = "A malformed date", body = Problem),
    )
)]
async fn detach(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, link_id)): Path<(String, String)>,
    Query(params): Query<DetachParams>,
) -> Result<Json<LinkBody>, Problem> {
    let lang = lang(&headers);
    let until = crm_app::catalog::input::optional_date(params.valid_until.as_deref())
        .map_err(|fault| problem(CatalogError::invalid("valid_until", fault), lang))?;
    let db = tenant_db(&services, &ctx)?;
    let audit = ctx.audit();
    let cx = change_context(&services, &audit);
    let link = links::detach(&db, &cx, &id, &link_id, until)
        .await
        .map_err(|e| problem(e, lang))?;
    let service = crm_app::catalog::services::get(&db, &link.service_id).await?;
    Ok(Json(link_body(
        &link,
        service.as_ref().map(|(s, _)| s),
        today(cx.now),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkPage {
    pub items: Vec<LinkBody>,
    pub next_cursor: Option<String>,
}

/// Who has this service: its links, by subscriber.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/links",
    tag = "service links",
    params(("id" = String, Path, description = "Service id"), PageParams),
    responses(
        (status = 200, description = "One page of links", body = LinkPage),
        (status = 404, description = "No such service", body = Problem),
    )
)]
async fn service_links(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<LinkPage>, Problem> {
    let lang = lang(&headers);
    let db = tenant_db(&services, &ctx)?;
    let (service, _) = crm_app::catalog::services::require(&db, &id)
        .await
        .map_err(|e| problem(e, lang))?;
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (found, next) = links::of_service(&db, &id, params.limit.unwrap_or(50), cursor.as_ref())
        .await
        .map_err(|e| problem(e, lang))?;
    let today = today(services.clock.now());
    Ok(Json(LinkPage {
        items: found
            .iter()
            .map(|l| link_body(l, Some(&service), today))
            .collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}

/// A bulk link: one service, one period and terms, many subscribers.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BulkInput {
    pub service_id: Option<String>,
    /// 1 to 5000 subscriber ids; repeats count once. Resolve a filter or a building to ids
    /// first.
    pub subscriber_ids: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub individual_rate: Option<String>,
    pub individual_quantity: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateBody {
    Queued,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowFailureBody {
    /// The subscriber id (or file row) the failure is about.
    pub row: String,
    /// `subscriber_not_found`, `link_overlap` (detail: the start of the link already there).
    pub code: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobBody {
    pub id: String,
    /// `bulk_link`, ...
    pub kind: String,
    pub state: JobStateBody,
    pub total: u64,
    pub processed: u64,
    pub succeeded: u64,
    /// Rows that needed nothing (already done by an earlier delivery).
    pub skipped: u64,
    pub failed: u64,
    pub percent: u64,
    /// The first 1000 failed rows.
    pub failures: Vec<RowFailureBody>,
    /// Why the job as a whole failed.
    pub error: Option<String>,
    /// What the job works on (a service id for bulk links).
    pub subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn job_body(status: &JobStatus) -> JobBody {
    JobBody {
        id: status.id.clone(),
        kind: status.kind.clone(),
        state: match status.state {
            JobState::Queued => JobStateBody::Queued,
            JobState::Running => JobStateBody::Running,
            JobState::Done => JobStateBody::Done,
            JobState::Failed => JobStateBody::Failed,
        },
        total: status.total,
        processed: status.processed,
        succeeded: status.succeeded,
        skipped: status.skipped,
        failed: status.failed,
        percent: status.percent(),
        failures: status
            .failures
            .iter()
            .map(|f: &RowFailure| RowFailureBody {
                row: f.row.clone(),
                code: f.code.clone(),
                detail: f.detail.clone(),
            })
            .collect(),
        error: status.error.clone(),
        subject: status.subject.clone(),
        created_at: status.created_at,
        updated_at: status.updated_at,
    }
}

/// Starts linking a service to many subscribers in the background; poll `/api/v1/jobs/{id}`.
#[utoipa::path(
    post,
    path = "/api/v1/service-links/bulk",
    tag = "service links",
    request_body = BulkInput,
    responses(
        (status = 202, description = "Queued; the body is the job's status", body = JobBody),
        (status = 422, description = "Invalid fields, an unknown or archived service, too many ids", body = Problem),
        (status = 503, description = "The job queue is unavailable", body = Problem),
    )
)]
async fn start_bulk(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    JsonBody(input): JsonBody<BulkInput>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&ctx)?;
    let request = BulkRequest {
        service_id: input.service_id.unwrap_or_default(),
        subscriber_ids: input.subscriber_ids,
        link: LinkDraft {
            valid_from: Some(input.valid_from.unwrap_or_default()),
            valid_until: Some(input.valid_until),
            individual_rate: Some(input.individual_rate),
            individual_quantity: Some(input.individual_quantity),
        },
    };
    let status = bulk::start(&services, &tenant, &ctx.audit(), &request)
        .await
        .map_err(|e| problem(e, lang(&headers)))?;
    Ok((StatusCode::ACCEPTED, Json(job_body(&status))).into_response())
}

/// A background job's status: progress, counts and failed rows. Visible to members holding
/// the permission the job's work needs (for bulk links, `subscribers:read`).
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job's status", body = JobBody),
        (status = 404, description = "No such job (or not visible to the caller)", body = Problem),
    )
)]
async fn job(
    State(services): State<Services>,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<JobBody>, Problem> {
    Ok(Json(job_body(&visible_job(&services, &ctx, &id).await?)))
}

/// The job's status if the caller may see it; 404 otherwise (its existence is not revealed).
pub async fn visible_job(
    services: &Services,
    ctx: &RequestContext,
    id: &str,
) -> Result<JobStatus, Problem> {
    if !is_valid_id(id) {
        return Err(Problem::not_found());
    }
    let db = tenant_db(services, ctx)?;
    let (status, _) = status::get(&db, id).await?.ok_or_else(Problem::not_found)?;
    let allowed = ctx
        .principal
        .as_ref()
        .is_some_and(|p| p.allows(status.visible_with));
    if !allowed {
        return Err(Problem::not_found());
    }
    Ok(status)
}
