//! JSON API of estimated consumption (Decree 354 p. 59-61): a month's estimates
//! (`GET /api/v1/meters/estimates?month=YYYY-MM`), starting the estimation of a month for the
//! whole tenant (`POST /api/v1/meters/estimates/run`) and that job's progress
//! (`GET /api/v1/meters/estimates/jobs/{id}`).
//!
//! Reading needs `readings:read`; starting a run `readings:create` (it writes estimated
//! readings).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use crm_app::Services;
use crm_app::meters::estimates::{ListedEstimate, month_listing};
use crm_app::meters::estimation_job::{self, StartError};
use crm_app::meters::records::EstimateMethod;
use crm_app::progress::{self, JobStatus};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::period::BillingMonth;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::extract::{Json as JsonBody, Query};
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::estimates_texts::texts;
use crate::services_common::{lang, tenant_db, tenant_of};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let readings = |action| Access::Tenant(Permission::new(Resource::Readings, action));
    router
        .api(readings(Action::Read), routes!(list_estimates))
        .api(readings(Action::Create), routes!(run_estimation))
        .api(readings(Action::Read), routes!(estimation_job))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MethodBody {
    /// The average monthly consumption of recent months with real readings.
    Average,
    /// The norm of the service's tariff times the residents.
    Norm,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupersessionBody {
    /// The date of the real reading that covered the month.
    pub by_reading_on: NaiveDate,
    pub at: DateTime<Utc>,
    /// Real minus estimated consumption, per zone (decimal strings).
    pub difference: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateBody {
    pub subscriber_id: String,
    pub account_number: Option<String>,
    pub meter_id: String,
    pub serial: Option<String>,
    /// `YYYY-MM`.
    pub month: String,
    pub method: MethodBody,
    /// Per zone, after the multiplier (a norm estimate has one value); decimal strings.
    pub consumption: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// Set once a real reading has covered the month.
    pub superseded: Option<SupersessionBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EstimatePage {
    pub items: Vec<EstimateBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct EstimateParams {
    /// The billing month, `YYYY-MM`.
    pub month: Option<String>,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub fn estimate_body(listed: &ListedEstimate) -> EstimateBody {
    let e = &listed.estimate;
    let text = |v: &[rust_decimal::Decimal]| v.iter().map(|d| d.normalize().to_string()).collect();
    EstimateBody {
        subscriber_id: listed.subscriber_id.clone(),
        account_number: listed.account_number.clone(),
        meter_id: e.meter_id.clone(),
        serial: listed.serial.clone(),
        month: e.month.clone(),
        method: match e.method {
            EstimateMethod::Average => MethodBody::Average,
            EstimateMethod::Norm => MethodBody::Norm,
        },
        consumption: text(&e.consumption),
        created_at: e.created_at,
        superseded: e.superseded.as_ref().map(|s| SupersessionBody {
            by_reading_on: s.by_reading_on,
            at: s.at,
            difference: text(&s.difference),
        }),
    }
}

/// `month` as a billing month, or the field's problem.
#[expect(
    clippy::result_large_err,
    reason = "answered at once as the response; never propagated far"
)]
pub fn parse_month(raw: Option<&str>, lang: Lang) -> Result<BillingMonth, Problem> {
    BillingMonth::parse(raw.unwrap_or_default()).map_err(|_| {
        Problem::validation(vec![FieldError {
            field: "month".into(),
            message: texts(lang).bad_month.into(),
        }])
    })
}

/// A month's estimates, by subscriber and meter.
#[utoipa::path(
    get,
    path = "/api/v1/meters/estimates",
    tag = "meters",
    params(EstimateParams),
    responses(
        (status = 200, description = "One page of the month's estimates", body = EstimatePage),
        (status = 422, description = "No month, or not `YYYY-MM`", body = Problem),
    )
)]
async fn list_estimates(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Query(params): Query<EstimateParams>,
) -> Result<Json<EstimatePage>, Problem> {
    let month = parse_month(params.month.as_deref(), lang(&headers))?;
    let db = tenant_db(&services, &ctx)?;
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (found, next) =
        month_listing(&db, month, params.limit.unwrap_or(50), cursor.as_ref()).await?;
    Ok(Json(EstimatePage {
        items: found.iter().map(estimate_body).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RunInput {
    /// The billing month to estimate, `YYYY-MM`.
    pub month: Option<String>,
}

/// A job's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobBody {
    pub id: String,
    /// `readings_estimation`.
    pub kind: String,
    /// The month, `YYYY-MM`.
    pub label: Option<String>,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    pub finished: bool,
    /// Service links to look at, when known.
    pub total: Option<u64>,
    pub processed: u64,
    pub percent: Option<u8>,
    /// `links`, `covered`, `average`, `norm`, `unchanged`, `unavailable`, `no_meter`,
    /// `not_in_place`.
    pub counts: BTreeMap<String, u64>,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub fn job_body(status: &JobStatus, lang: Lang) -> JobBody {
    JobBody {
        id: status.id.clone(),
        kind: status.kind.clone(),
        label: status.label.clone(),
        state: status.state.as_str().to_owned(),
        finished: status.state.is_finished(),
        total: status.total,
        processed: status.processed,
        percent: status.percent(),
        counts: status.counts.clone(),
        message: status.message.as_ref().map(|m| match lang {
            Lang::Ru => m.ru.clone(),
            Lang::En => m.en.clone(),
        }),
        created_at: status.created_at,
        finished_at: status.finished_at,
    }
}

pub fn start_problem(error: StartError) -> Problem {
    match error {
        StartError::Store(e) => Problem::from(e),
        StartError::Queue(e) => {
            tracing::error!(error = %e, "the estimation job could not be queued");
            Problem::unavailable("the job queue is unavailable, try again shortly")
        }
    }
}

/// Estimates the month's missing readings for every subscriber with a metered service: the
/// average of recent months, then the norm (tenant settings `meter_estimation`). Safe to run
/// again: existing estimates are kept.
#[utoipa::path(
    post,
    path = "/api/v1/meters/estimates/run",
    tag = "meters",
    request_body = RunInput,
    responses(
        (status = 202, description = "The job is queued; poll its progress", body = JobBody),
        (status = 422, description = "No month, or not `YYYY-MM`", body = Problem),
    )
)]
async fn run_estimation(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    JsonBody(input): JsonBody<RunInput>,
) -> Result<(StatusCode, Json<JobBody>), Problem> {
    let lang = lang(&headers);
    let month = parse_month(input.month.as_deref(), lang)?;
    let tenant = tenant_of(&ctx)?;
    let status = estimation_job::start(&services, &tenant, &ctx.audit(), month)
        .await
        .map_err(start_problem)?;
    Ok((StatusCode::ACCEPTED, Json(job_body(&status, lang))))
}

/// The tenant's estimation job `id`, or not found.
pub async fn find_job(
    services: &Services,
    ctx: &RequestContext,
    id: &str,
) -> Result<JobStatus, Problem> {
    if !crm_app::catalog::is_valid_id(id) {
        return Err(Problem::not_found());
    }
    let db = tenant_db(services, ctx)?;
    match progress::get(&db, id).await? {
        Some((status, _)) if status.kind == estimation_job::KIND => Ok(status),
        _ => Err(Problem::not_found()),
    }
}

/// An estimation job's progress and counts.
#[utoipa::path(
    get,
    path = "/api/v1/meters/estimates/jobs/{id}",
    tag = "meters",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobBody),
        (status = 404, description = "No such estimation job", body = Problem),
    )
)]
async fn estimation_job(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<JobBody>, Problem> {
    let status = find_job(&services, &ctx, &id).await?;
    Ok(Json(job_body(&status, lang(&headers))))
}
