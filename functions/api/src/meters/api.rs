//! `/api/v1/meters`: the registry (list, create, read, change, remove, replace, verification
//! due), readings (history, entry, correction, earlier versions) and consumption by month.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::meters::MeterStatus;
use crm_app::meters::input::{parse_date, parse_values};
use crm_app::meters::readings::{self, Entered};
use crm_app::meters::registry;
use crm_app::meters::replace::{Replacement, replace};
use crm_app::store::Cursor;
use crm_app::subscribers;
use crm_app::validation::Invalid;
use crm_domain::meter::{MeterKind, ReadingSource};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::extract::{Json, Query};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use utoipa_axum::routes;

use super::dto::{
    ConsumptionList, CorrectionBody, DueParams, ListParams, MeterBody, MeterDto, MeterList,
    MonthConsumption, MonthsParams, ReadingBody, ReadingDto, ReadingList, ReadingResult,
    RemoveBody, ReplaceBody, ReplaceResult,
};
use super::{
    CREATE, DELETE, READ, READINGS_CREATE, READINGS_READ, READINGS_UPDATE, UPDATE, problem,
};
use crate::subscribers::tenant_of;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(READ, routes!(list))
        .api(CREATE, routes!(create))
        .api(READ, routes!(verification_due))
        .api(READ, routes!(get_one))
        .api(UPDATE, routes!(patch))
        .api(DELETE, routes!(remove))
        .api(CREATE, routes!(replace_meter))
        .api(READ, routes!(subscriber_meters))
        .api(READINGS_READ, routes!(list_readings))
        .api(READINGS_CREATE, routes!(create_reading))
        .api(READINGS_UPDATE, routes!(correct_reading))
        .api(READINGS_READ, routes!(reading_versions))
        .api(READINGS_READ, routes!(consumption))
}

fn invalid(lang: Lang, invalid: &Invalid) -> Problem {
    super::invalid_problem(invalid, lang)
}

fn cursor(raw: Option<&str>) -> Option<Cursor> {
    raw.filter(|c| !c.is_empty()).map(Cursor::from_client)
}

/// The `kind` filter of a listing: absent or empty for every kind.
#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
fn kind_filter(raw: Option<&str>) -> Result<Option<MeterKind>, Problem> {
    match raw.map(str::trim).filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(code) => MeterKind::from_code(code).map(Some).ok_or_else(|| {
            let codes: Vec<&str> = MeterKind::ALL.iter().map(|k| k.code()).collect();
            Problem::bad_request(
                "invalid_filter",
                format!("kind: one of {}", codes.join(", ")),
            )
        }),
    }
}

fn bad_cursor(e: crm_app::store::StoreError) -> Problem {
    match e {
        crm_app::store::StoreError::InvalidCursor(_) => Problem::bad_request(
            "invalid_cursor",
            "the cursor is damaged or belongs elsewhere",
        ),
        other => Problem::from(other),
    }
}

/// The tenant's meters of one status, by kind then serial number; or of one kind, by serial.
#[utoipa::path(
    get,
    path = "/api/v1/meters",
    tag = "meters",
    params(ListParams),
    responses(
        (status = 200, description = "One page", body = MeterList),
        (status = 400, description = "Unknown status or kind, or a damaged cursor", body = Problem),
    )
)]
async fn list(
    State(services): State<Services>,
    context: RequestContext,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<MeterList>, Problem> {
    let tenant = tenant_of(&context)?;
    let status = match params.status.as_deref().unwrap_or("active") {
        "active" => MeterStatus::Active,
        "removed" => MeterStatus::Removed,
        _ => {
            return Err(Problem::bad_request(
                "invalid_filter",
                "status: active or removed",
            ));
        }
    };
    let kind = kind_filter(params.kind.as_deref())?;
    let (meters, next) = registry::list(
        &services.db.tenant(&tenant),
        status,
        kind,
        params.limit.unwrap_or(50).min(200),
        cursor(params.cursor.as_deref()).as_ref(),
    )
    .await
    .map_err(bad_cursor)?;
    Ok(axum::Json(MeterList::page(&meters, next)))
}

/// Active meters whose verification is due within `days` (or already expired), soonest first.
#[utoipa::path(
    get,
    path = "/api/v1/meters/verification-due",
    tag = "meters",
    params(DueParams),
    responses(
        (status = 200, description = "One page, by due date", body = MeterList),
        (status = 400, description = "Unknown kind or a damaged cursor", body = Problem),
    )
)]
async fn verification_due(
    State(services): State<Services>,
    context: RequestContext,
    Query(params): Query<DueParams>,
) -> Result<axum::Json<MeterList>, Problem> {
    let tenant = tenant_of(&context)?;
    let today = subscribers::today(&services, &tenant).await;
    let (from, until) = registry::due_range(
        today,
        params.days.unwrap_or(30).min(3660),
        params.expired.unwrap_or(false),
    );
    let kind = kind_filter(params.kind.as_deref())?;
    let (meters, next) = registry::verification_due(
        &services.db.tenant(&tenant),
        from,
        until,
        kind,
        params.limit.unwrap_or(50).min(200),
        cursor(params.cursor.as_deref()).as_ref(),
    )
    .await
    .map_err(bad_cursor)?;
    Ok(axum::Json(MeterList::page(&meters, next)))
}

/// Registers a meter on a subscriber's metered service.
#[utoipa::path(
    post,
    path = "/api/v1/meters",
    tag = "meters",
    request_body = MeterBody,
    responses(
        (status = 201, description = "Registered", body = MeterDto),
        (status = 409, description = "The serial number is taken (`serial_taken`)", body = Problem),
        (status = 422, description = "Invalid fields, each with its message", body = Problem),
    )
)]
async fn create(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Json(body): Json<MeterBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let meter = registry::create(&services, &tenant, &context.audit(), &body.input())
        .await
        .map_err(|e| problem(lang, e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MeterDto::new(&meter, Some(1))),
    )
        .into_response())
}

/// One meter, with the version to send back with changes.
#[utoipa::path(
    get,
    path = "/api/v1/meters/{id}",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id")),
    responses(
        (status = 200, description = "The meter", body = MeterDto),
        (status = 404, description = "No such meter in this tenant", body = Problem),
    )
)]
async fn get_one(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<axum::Json<MeterDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let (meter, version) = registry::get(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(axum::Json(MeterDto::new(&meter, Some(version))))
}

/// Changes the fields given. Kind, installation date, initial values and digits only while
/// the meter has no readings.
#[utoipa::path(
    patch,
    path = "/api/v1/meters/{id}",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id")),
    request_body = MeterBody,
    responses(
        (status = 200, description = "Saved", body = MeterDto),
        (status = 404, description = "No such meter", body = Problem),
        (status = 409, description = "Changed meanwhile, serial taken, or removed", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn patch(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<MeterBody>,
) -> Result<axum::Json<MeterDto>, Problem> {
    let tenant = tenant_of(&context)?;
    registry::update(
        &services,
        &tenant,
        &context.audit(),
        &id,
        body.version,
        &body.input(),
    )
    .await
    .map_err(|e| problem(lang, e))?;
    get_one(State(services), context, Path(id)).await
}

/// Removes a meter (status `removed`); its readings stay, none are accepted after the day.
#[utoipa::path(
    post,
    path = "/api/v1/meters/{id}/remove",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id")),
    request_body = RemoveBody,
    responses(
        (status = 200, description = "Removed", body = MeterDto),
        (status = 409, description = "Changed meanwhile or already removed", body = Problem),
        (status = 422, description = "A bad removal date", body = Problem),
    )
)]
async fn remove(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<RemoveBody>,
) -> Result<axum::Json<MeterDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let on = match body.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(parse_date(raw).map_err(|r| invalid(lang, &Invalid::field("on", r)))?),
        None => None,
    };
    registry::remove(&services, &tenant, &context.audit(), &id, body.version, on)
        .await
        .map_err(|e| problem(lang, e))?;
    get_one(State(services), context, Path(id)).await
}

/// Replaces a meter: the old one's final reading and removal, the new one's registration, in
/// one transaction.
#[utoipa::path(
    post,
    path = "/api/v1/meters/{id}/replace",
    tag = "meters",
    params(("id" = String, Path, description = "The meter being replaced")),
    request_body = ReplaceBody,
    responses(
        (status = 201, description = "Replaced", body = ReplaceResult),
        (status = 409, description = "Changed meanwhile, removed, or the new serial is taken", body = Problem),
        (status = 422, description = "Invalid fields (`final_<zone>` for a refused final reading)", body = Problem),
    )
)]
async fn replace_meter(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<ReplaceBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let replacement = Replacement {
        on: body.on.clone(),
        final_values: body.final_values.clone().unwrap_or_default(),
        new_meter: body.new_meter.input(),
    };
    let (old, new) = replace(
        &services,
        &tenant,
        &context.audit(),
        &id,
        body.version,
        &replacement,
    )
    .await
    .map_err(|e| problem(lang, e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ReplaceResult {
            old: MeterDto::new(&old, None),
            new: MeterDto::new(&new, Some(1)),
        }),
    )
        .into_response())
}

/// A subscriber's meters (all statuses).
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/{id}/meters",
    tag = "meters",
    params(("id" = String, Path, description = "Subscriber id")),
    responses(
        (status = 200, description = "The meters", body = MeterList),
        (status = 404, description = "No such subscriber", body = Problem),
    )
)]
async fn subscriber_meters(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<axum::Json<MeterList>, Problem> {
    let tenant = tenant_of(&context)?;
    let db = services.db.tenant(&tenant);
    if subscribers::get(&db, &id).await?.is_none() {
        return Err(Problem::not_found());
    }
    let meters = registry::of_subscriber(&db, &id).await?;
    Ok(axum::Json(MeterList {
        items: meters.iter().map(|m| MeterDto::new(m, None)).collect(),
        next: None,
    }))
}

/// A meter's readings, newest first, with consumption per period and zone.
#[utoipa::path(
    get,
    path = "/api/v1/meters/{id}/readings",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id")),
    responses(
        (status = 200, description = "The history", body = ReadingList),
        (status = 404, description = "No such meter", body = Problem),
    )
)]
async fn list_readings(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<ReadingList>, Problem> {
    let tenant = tenant_of(&context)?;
    let view = registry::view(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let rows = readings::history(&view.meter, &view.readings);
    Ok(axum::Json(ReadingList {
        items: rows
            .iter()
            .map(|r| ReadingDto::new(r, lang == Lang::Ru))
            .collect(),
    }))
}

#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
fn values(
    lang: Lang,
    raw: Option<&Vec<String>>,
    zones: usize,
) -> Result<Vec<rust_decimal::Decimal>, Problem> {
    let mut issues = Invalid::new();
    let raw = raw.cloned().unwrap_or_default();
    match parse_values(&mut issues, "values", &raw, zones) {
        Some(values) => Ok(values),
        None => {
            // The API names zones `values[n]`.
            let renamed = Invalid(
                issues
                    .0
                    .into_iter()
                    .map(|mut i| {
                        if let Some(n) = i.field.strip_prefix("values_") {
                            i.field = format!("values[{n}]");
                        }
                        i
                    })
                    .collect(),
            );
            Err(invalid(lang, &renamed))
        }
    }
}

/// Enters a reading. Validated like every reading: refused with a typed reason (422, `code`
/// names it: `reading_decreasing`, `reading_in_future`, ...), or stored with flags for review.
/// The same reading again answers 200 `unchanged`.
#[utoipa::path(
    post,
    path = "/api/v1/meters/{id}/readings",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id")),
    request_body = ReadingBody,
    responses(
        (status = 201, description = "Stored", body = ReadingResult),
        (status = 200, description = "Already stored with the same values", body = ReadingResult),
        (status = 404, description = "No such meter", body = Problem),
        (status = 422, description = "Refused, with the reason and the field", body = Problem),
    )
)]
async fn create_reading(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<ReadingBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let (meter, _) = registry::get(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let date = parse_date(&body.date).map_err(|r| invalid(lang, &Invalid::field("date", r)))?;
    let values = values(lang, body.values.as_ref(), meter.kind.value_count())?;
    let source = if matches!(context.audit().actor, crm_app::audit::Actor::ApiKey { .. }) {
        ReadingSource::Portal
    } else {
        ReadingSource::Operator
    };
    let entered = readings::enter(
        &services,
        &tenant,
        &context.audit(),
        &id,
        date,
        values,
        source,
    )
    .await
    .map_err(|e| problem(lang, e))?;
    Ok(entered_response(&entered, lang))
}

fn entered_response(entered: &Entered, lang: Lang) -> Response {
    let (status, outcome) = match entered {
        Entered::Stored(_) => (StatusCode::CREATED, "stored"),
        Entered::Unchanged(_) => (StatusCode::OK, "unchanged"),
    };
    (
        status,
        axum::Json(ReadingResult {
            outcome: outcome.to_owned(),
            reading: ReadingDto::record(entered.record(), lang == Lang::Ru),
        }),
    )
        .into_response()
}

#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
fn path_date(lang: Lang, raw: &str) -> Result<chrono::NaiveDate, Problem> {
    parse_date(raw).map_err(|r| invalid(lang, &Invalid::field("date", r)))
}

/// Corrects the reading of a date: the current version is kept, the new values (validated
/// against the other readings) become the next version. Audited.
#[utoipa::path(
    put,
    path = "/api/v1/meters/{id}/readings/{date}",
    tag = "meters",
    params(
        ("id" = String, Path, description = "Meter id"),
        ("date" = String, Path, description = "The reading's date, YYYY-MM-DD"),
    ),
    request_body = CorrectionBody,
    responses(
        (status = 201, description = "Corrected", body = ReadingResult),
        (status = 200, description = "The same values: nothing changed", body = ReadingResult),
        (status = 404, description = "No such meter or reading", body = Problem),
        (status = 409, description = "Corrected meanwhile (`version_mismatch`)", body = Problem),
        (status = 422, description = "Refused, with the reason", body = Problem),
    )
)]
async fn correct_reading(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path((id, date)): Path<(String, String)>,
    Json(body): Json<CorrectionBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let (meter, _) = registry::get(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let date = path_date(lang, &date)?;
    let values = values(lang, body.values.as_ref(), meter.kind.value_count())?;
    let entered = readings::correct(
        &services,
        &tenant,
        &context.audit(),
        &id,
        date,
        values,
        body.version_no,
        body.comment.as_deref(),
    )
    .await
    .map_err(|e| problem(lang, e))?;
    Ok(entered_response(&entered, lang))
}

/// Earlier versions of a corrected reading, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/meters/{id}/readings/{date}/versions",
    tag = "meters",
    params(
        ("id" = String, Path, description = "Meter id"),
        ("date" = String, Path, description = "The reading's date, YYYY-MM-DD"),
    ),
    responses(
        (status = 200, description = "The replaced versions", body = ReadingList),
        (status = 404, description = "No such meter", body = Problem),
    )
)]
async fn reading_versions(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path((id, date)): Path<(String, String)>,
) -> Result<axum::Json<ReadingList>, Problem> {
    let tenant = tenant_of(&context)?;
    let db = services.db.tenant(&tenant);
    let (meter, _) = registry::get(&db, &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let date = path_date(lang, &date)?;
    let versions = readings::versions(&db, &meter, date).await?;
    Ok(axum::Json(ReadingList {
        items: versions
            .iter()
            .map(|r| ReadingDto::record(r, lang == Lang::Ru))
            .collect(),
    }))
}

/// Consumption per zone of each of the last months (every reading's consumption counts in
/// the month it is dated in).
#[utoipa::path(
    get,
    path = "/api/v1/meters/{id}/consumption",
    tag = "meters",
    params(("id" = String, Path, description = "Meter id"), MonthsParams),
    responses(
        (status = 200, description = "Month by month, oldest first", body = ConsumptionList),
        (status = 404, description = "No such meter", body = Problem),
    )
)]
async fn consumption(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
    Query(params): Query<MonthsParams>,
) -> Result<axum::Json<ConsumptionList>, Problem> {
    let tenant = tenant_of(&context)?;
    let view = registry::view(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let today = subscribers::today(&services, &tenant).await;
    let (first, last) = readings::recent_months(today, params.months.unwrap_or(12).clamp(1, 60));
    let months = readings::by_month(&view.meter, &view.readings, first, last);
    Ok(axum::Json(ConsumptionList {
        meter_id: view.meter.id.clone(),
        months: months
            .into_iter()
            .map(|(month, values)| MonthConsumption {
                month: month.to_string(),
                consumption: values.iter().map(|v| v.normalize().to_string()).collect(),
            })
            .collect(),
    }))
}
