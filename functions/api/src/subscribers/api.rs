//! `/api/v1/subscribers`: search and filter, create, read, change, close/reopen/suspend,
//! history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::store::Cursor;
use crm_app::subscribers::{self, NewSubscriber, history::history, search::search};
use crm_domain::subscriber::{StatusChange, SubscriberInput, parse_date};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::extract::{Json, Query};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::dto::{
    HistoryEntry, HistoryPage, SearchParams, StatusBody, SubscriberBody, SubscriberDto,
    SubscriberList, api_path,
};
use super::texts::{message, texts};
use super::{CREATE, READ, UPDATE, problem, search_problem, tenant_of};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(READ, routes!(list))
        .api(CREATE, routes!(create))
        .api(READ, routes!(get_one))
        .api(UPDATE, routes!(patch))
        .api(UPDATE, routes!(close))
        .api(UPDATE, routes!(reopen))
        .api(UPDATE, routes!(suspend))
        .api(READ, routes!(get_history))
}

/// Finds subscribers: text search on word starts, filters, order, pages.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers",
    tag = "subscribers",
    params(SearchParams),
    responses(
        (status = 200, description = "One page of matches", body = SubscriberList),
        (status = 400, description = "An unknown filter value or a damaged cursor", body = Problem),
    )
)]
async fn list(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Query(params): Query<SearchParams>,
) -> Result<axum::Json<SubscriberList>, Problem> {
    let tenant = tenant_of(&context)?;
    let request = params
        .request(texts(lang).invalid_filter)
        .map_err(|errors| {
            Problem::bad_request("invalid_filter", "unknown filter value").field_errors(errors)
        })?;
    let page = search(&services, &tenant, &request, params.cursor.as_deref())
        .await
        .map_err(|e| search_problem(lang, e))?;
    Ok(axum::Json(SubscriberList {
        items: page
            .items
            .iter()
            .map(|s| SubscriberDto::new(s, None))
            .collect(),
        next: page.next,
        prev: page.prev,
        partial: page.partial,
    }))
}

async fn current(
    services: &Services,
    context: &RequestContext,
    id: &str,
) -> Result<SubscriberDto, Problem> {
    let tenant = tenant_of(context)?;
    let (subscriber, version) = subscribers::get(&services.db.tenant(&tenant), id)
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(SubscriberDto::new(&subscriber, Some(version)))
}

/// Creates a subscriber (a person or an organisation) with a typed or generated number.
#[utoipa::path(
    post,
    path = "/api/v1/subscribers",
    tag = "subscribers",
    request_body = SubscriberBody,
    responses(
        (status = 201, description = "Created", body = SubscriberDto),
        (status = 409, description = "The account number is taken", body = Problem),
        (status = 422, description = "Invalid fields, each with its message", body = Problem),
    )
)]
async fn create(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Json(body): Json<SubscriberBody>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let account_number = body.account_number.clone();
    let new = NewSubscriber {
        account_number,
        input: body.overlay(SubscriberInput::default()),
    };
    let subscriber = subscribers::create(&services, &tenant, &context.audit(), &new)
        .await
        .map_err(|e| problem(lang, e, api_path))?;
    let dto = current(&services, &context, &subscriber.id).await?;
    Ok((StatusCode::CREATED, axum::Json(dto)).into_response())
}

/// One subscriber, with the version to send back with changes.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/{id}",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id")),
    responses(
        (status = 200, description = "The subscriber", body = SubscriberDto),
        (status = 404, description = "No such subscriber in this tenant", body = Problem),
    )
)]
async fn get_one(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    Ok(axum::Json(current(&services, &context, &id).await?))
}

/// Changes the fields given (the account number and status have their own ways).
#[utoipa::path(
    patch,
    path = "/api/v1/subscribers/{id}",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id")),
    request_body = SubscriberBody,
    responses(
        (status = 200, description = "Saved", body = SubscriberDto),
        (status = 404, description = "No such subscriber", body = Problem),
        (status = 409, description = "Changed meanwhile (`version_mismatch`)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn patch(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<SubscriberBody>,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    let tenant = tenant_of(&context)?;
    if body.account_number.is_some() {
        return Err(Problem::validation(vec![crm_web::problem::FieldError {
            field: "account_number".into(),
            message: message(lang, "account_number_immutable").into(),
        }]));
    }
    let db = services.db.tenant(&tenant);
    let (subscriber, _) = subscribers::get(&db, &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let version = body.version;
    let input = body.overlay(subscriber.facts.to_input());
    subscribers::update(&services, &tenant, &context.audit(), &id, version, &input)
        .await
        .map_err(|e| problem(lang, e, api_path))?;
    Ok(axum::Json(current(&services, &context, &id).await?))
}

async fn change(
    services: Services,
    context: RequestContext,
    lang: Lang,
    id: String,
    body: StatusBody,
    change: StatusChange,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let on = match body
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(raw) => Some(parse_date(raw).ok_or_else(|| {
            Problem::validation(vec![crm_web::problem::FieldError {
                field: "date".into(),
                message: message(lang, "date_invalid").into(),
            }])
        })?),
    };
    subscribers::change_status(
        &services,
        &tenant,
        &context.audit(),
        &id,
        body.version,
        change,
        on,
        body.reason.as_deref(),
    )
    .await
    .map_err(|e| problem(lang, e, str::to_owned))?;
    Ok(axum::Json(current(&services, &context, &id).await?))
}

/// Closes the account from a date (default today).
#[utoipa::path(
    post,
    path = "/api/v1/subscribers/{id}/close",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "Closed", body = SubscriberDto),
        (status = 404, description = "No such subscriber", body = Problem),
        (status = 422, description = "Not allowed from the current status, or a bad date", body = Problem),
    )
)]
async fn close(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    change(services, context, lang, id, body, StatusChange::Close).await
}

/// Makes a closed or suspended account active again from a date (default today).
#[utoipa::path(
    post,
    path = "/api/v1/subscribers/{id}/reopen",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "Active again", body = SubscriberDto),
        (status = 404, description = "No such subscriber", body = Problem),
        (status = 422, description = "Not allowed from the current status, or a bad date", body = Problem),
    )
)]
async fn reopen(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    change(services, context, lang, id, body, StatusChange::Reopen).await
}

/// Suspends an active account from a date (default today).
#[utoipa::path(
    post,
    path = "/api/v1/subscribers/{id}/suspend",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "Suspended", body = SubscriberDto),
        (status = 404, description = "No such subscriber", body = Problem),
        (status = 422, description = "Not allowed from the current status, or a bad date", body = Problem),
    )
)]
async fn suspend(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> Result<axum::Json<SubscriberDto>, Problem> {
    change(services, context, lang, id, body, StatusChange::Suspend).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
struct HistoryParams {
    /// `next` of an earlier page.
    cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
}

/// Who changed what and when, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/{id}/history",
    tag = "subscribers",
    params(("id" = String, Path, description = "Subscriber id"), HistoryParams),
    responses(
        (status = 200, description = "Changes, newest first", body = HistoryPage),
        (status = 404, description = "No such subscriber", body = Problem),
    )
)]
async fn get_history(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<axum::Json<HistoryPage>, Problem> {
    let tenant = tenant_of(&context)?;
    subscribers::get(&services.db.tenant(&tenant), &id)
        .await?
        .ok_or_else(Problem::not_found)?;
    let cursor = params
        .cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::from_client);
    let (records, next) = history(
        &services,
        &tenant,
        &id,
        cursor.as_ref(),
        params.limit.unwrap_or(50),
    )
    .await?;
    Ok(axum::Json(HistoryPage {
        items: records.iter().map(HistoryEntry::from).collect(),
        next: next.map(|c| c.as_str().to_owned()),
    }))
}
