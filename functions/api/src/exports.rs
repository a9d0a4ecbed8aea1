//! Export of filtered subscriber lists: `/api/v1/subscribers/export` (CSV or XLSX, or a job for
//! long lists), `/api/v1/subscribers/exports/{id}` (a job's status and download link), and the
//! same for the UI under `/subscribers/export`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use crm_app::Services;
use crm_app::subscribers::export::{
    self, ExportError, ExportFile, ExportOutcome, ExportState, ExportStatus,
};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::subscribers::dto::SearchParams;
use crate::subscribers::texts::{SubscriberTexts, texts};
use crate::subscribers::{EXPORT, search_problem, tenant_of};
use crm_web::chrome::tenant_chrome;

pub const UI_EXPORT: &str = "/subscribers/export";
const UI_STATUS: &str = "/subscribers/exports";
const API_STATUS: &str = "/api/v1/subscribers/exports";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(EXPORT, routes!(api_export))
        .api(EXPORT, routes!(api_status))
        .page(Method::GET, UI_EXPORT, EXPORT, get(ui_export))
        .page(
            Method::GET,
            "/subscribers/exports/{id}",
            EXPORT,
            get(ui_status),
        )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
struct FormatParam {
    /// `csv` (UTF-8 with BOM, `;`) or `xlsx`.
    format: Option<String>,
}

fn export_problem(lang: Lang, error: ExportError) -> Problem {
    match error {
        ExportError::Search(e) => search_problem(lang, e),
        ExportError::Store(e) => Problem::from(e),
        ExportError::NotFound => Problem::not_found(),
        other => {
            tracing::error!(error = %other, "export failed");
            Problem::internal()
        }
    }
}

async fn run(
    services: &Services,
    context: &RequestContext,
    lang: Lang,
    raw: &str,
) -> Result<ExportOutcome, Problem> {
    let tenant = tenant_of(context)?;
    let s = texts(lang);
    let params: SearchParams = serde_urlencoded_params(raw)?;
    let format: FormatParam = serde_urlencoded_params(raw)?;
    let format = export::ExportFormat::parse(format.format.as_deref().unwrap_or("csv"))
        .ok_or_else(|| Problem::bad_request("invalid_format", "format is `csv` or `xlsx`"))?;
    let request = params.request(s.invalid_filter).map_err(|errors| {
        Problem::bad_request("invalid_filter", "unknown filter value").field_errors(errors)
    })?;
    export::export(services, &tenant, &context.audit(), &request, format)
        .await
        .map_err(|e| export_problem(lang, e))
}

/// Both parameter sets come from the same query string.
#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
fn serde_urlencoded_params<T: for<'de> Deserialize<'de>>(raw: &str) -> Result<T, Problem> {
    Query::<T>::try_from_uri(
        &format!("/?{raw}").parse().map_err(|_| {
            Problem::bad_request("invalid_query", "the query string could not be read")
        })?,
    )
    .map(|Query(value)| value)
    .map_err(|e| Problem::bad_request("invalid_query", e.body_text()))
}

fn file_response(file: ExportFile) -> Response {
    let mut response = (StatusCode::OK, file.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.format.content_type()),
    );
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert("x-export-rows", HeaderValue::from(file.rows));
    response
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExportQueued {
    pub export_id: String,
    /// Poll this for the state and, when done, the download link.
    pub status_url: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExportStatusDto {
    pub id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// `csv` or `xlsx`.
    pub format: String,
    pub rows: u64,
    /// A link to download the file, valid for an hour, once done.
    pub download_url: Option<String>,
    pub error: Option<String>,
}

impl ExportStatusDto {
    fn new(status: &ExportStatus, link: Option<String>) -> Self {
        Self {
            id: status.id.clone(),
            state: serde_json::to_value(status.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            format: status.format.extension().to_owned(),
            rows: status.rows,
            download_url: link,
            error: status.error.clone(),
        }
    }
}

/// The filtered list as a file: CSV (UTF-8 with BOM, `;`) or XLSX, formula cells neutralised.
/// Long lists answer 202 and are written by a job.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/export",
    tag = "subscribers",
    params(FormatParam, SearchParams),
    responses(
        (status = 200, description = "The file (`Content-Disposition: attachment`)", content_type = "text/csv"),
        (status = 202, description = "A job writes the file; poll its status", body = ExportQueued),
        (status = 400, description = "Unknown format or filter value", body = Problem),
    )
)]
async fn api_export(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    uri: axum::http::Uri,
) -> Result<Response, Problem> {
    match run(&services, &context, lang, uri.query().unwrap_or("")).await? {
        ExportOutcome::Ready(file) => Ok(file_response(file)),
        ExportOutcome::Queued { export_id } => Ok((
            StatusCode::ACCEPTED,
            axum::Json(ExportQueued {
                status_url: format!("{API_STATUS}/{export_id}"),
                export_id,
            }),
        )
            .into_response()),
    }
}

/// A background export's state and download link.
#[utoipa::path(
    get,
    path = "/api/v1/subscribers/exports/{id}",
    tag = "subscribers",
    params(("id" = String, Path, description = "Export id")),
    responses(
        (status = 200, description = "The state", body = ExportStatusDto),
        (status = 404, description = "No such export in this tenant", body = Problem),
    )
)]
async fn api_status(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<axum::Json<ExportStatusDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let (status, link) = export::status(&services, &tenant, &id)
        .await
        .map_err(|e| export_problem(lang, e))?
        .ok_or_else(Problem::not_found)?;
    Ok(axum::Json(ExportStatusDto::new(&status, link)))
}

async fn ui_export(
    State(services): State<Services>,
    context: RequestContext,
    format: ErrorFormat,
    lang: Lang,
    uri: axum::http::Uri,
) -> Response {
    match run(&services, &context, lang, uri.query().unwrap_or("")).await {
        Ok(ExportOutcome::Ready(file)) => file_response(file),
        Ok(ExportOutcome::Queued { export_id }) => {
            Redirect::to(&format!("{UI_STATUS}/{export_id}")).into_response()
        }
        Err(problem) => format.respond(problem),
    }
}

#[derive(Template)]
#[template(path = "subscribers/export.html")]
struct StatusContent {
    s: &'static SubscriberTexts,
    text: String,
    refresh: bool,
    failed: bool,
    download: Option<String>,
}

async fn ui_status(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    _query: Result<Query<()>, QueryRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let (status, link) = match export::status(&services, &tenant, &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(export_problem(lang, e)),
    };
    let text = match status.state {
        ExportState::Queued => s.export_queued.to_owned(),
        ExportState::Running => s.export_running.to_owned(),
        ExportState::Done => (s.export_done)(status.rows),
        ExportState::Failed => s.export_failed.to_owned(),
    };
    let chrome = tenant_chrome(chrome, &context, &services).await;
    let content = StatusContent {
        s,
        text,
        refresh: matches!(status.state, ExportState::Queued | ExportState::Running),
        failed: status.state == ExportState::Failed,
        download: link,
    };
    Page::new(chrome, s.export_title, content).into_response()
}
