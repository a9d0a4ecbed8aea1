//! The import pages: `/imports/{kind}` (upload), `/imports/uploads/{id}` (how the file reads,
//! column mapping, dry run or apply), `/imports/jobs/{id}` (progress, counts, the first errors and
//! warnings with their rows and columns, the report) and its progress card, polled by htmx.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::imports::flow::{self, ImportKind, ImportMode, ReportLine, ReportLines};
use crm_app::progress::{self, JobState, JobView};
use crm_web::access::AccessRouter;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, JobProgress};

use super::api::{ChoicesDto, UploadDto, parse_choices, upload_dto};
use super::common::{
    BODY_LIMIT, find_job, find_upload, kind_of, receive, report_url, start_problem, store_upload,
    tenant_of, upload_problem,
};
use crate::services_common::{csrf_token, framed};
use crate::subscribers::CREATE;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, "/imports/{kind}", CREATE, get(upload_page))
        .page(
            Method::POST,
            "/imports/{kind}",
            CREATE,
            post(upload).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .page(
            Method::GET,
            "/imports/uploads/{id}",
            CREATE,
            get(upload_card),
        )
        .page(Method::POST, "/imports/uploads/{id}", CREATE, post(start))
        .page(Method::GET, "/imports/jobs/{id}", CREATE, get(job_page))
        .page(
            Method::GET,
            "/imports/jobs/{id}/progress",
            CREATE,
            get(job_card),
        )
}

fn title(kind: ImportKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => kind.title_ru(),
        Lang::En => kind.title_en(),
    }
}

fn ru(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

#[derive(Template)]
#[template(path = "imports/upload.html")]
struct UploadView {
    lang_ru: bool,
    kind: &'static str,
    csrf: String,
    error: Option<String>,
    fields: Vec<(String, bool)>,
    jobs: Vec<(String, String, String, String)>,
}

async fn upload_view(
    services: &Services,
    ctx: &RequestContext,
    kind: ImportKind,
    lang: Lang,
    error: Option<String>,
) -> Result<UploadView, Problem> {
    let tenant = tenant_of(ctx)?;
    let db = services.db.tenant(&tenant);
    let (recent, _) = progress::list_recent_of_kind(&db, kind.job_kind(), 10, None)
        .await
        .map_err(Problem::from)?;
    let fields = kind
        .schema()
        .fields
        .iter()
        .map(|f| (ru(lang, f.label_ru, f.label_en).to_owned(), f.required))
        .collect();
    Ok(UploadView {
        lang_ru: lang == Lang::Ru,
        kind: kind.slug(),
        csrf: csrf_token(ctx),
        error,
        fields,
        jobs: recent
            .iter()
            .map(|job| {
                (
                    format!("/imports/jobs/{}", job.id),
                    job.label.clone().unwrap_or_default(),
                    job.created_at.format("%d.%m.%Y %H:%M").to_string(),
                    job.state.as_str().to_owned(),
                )
            })
            .collect(),
    })
}

async fn upload_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(kind): Path<String>,
) -> Response {
    let lang = chrome.lang;
    let result = async {
        let kind = kind_of(&ctx, &kind)?;
        let view = upload_view(&services, &ctx, kind, lang, None).await?;
        Ok(framed(&services, &ctx, chrome, title(kind, lang), view)
            .await
            .into_response())
    }
    .await;
    result.unwrap_or_else(|problem: Problem| format.respond(problem))
}

async fn upload(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(kind): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = chrome.lang;
    let kind = match kind_of(&ctx, &kind) {
        Ok(kind) => kind,
        Err(problem) => return format.respond(problem),
    };
    let received = async {
        let (name, sink) = receive(multipart, lang).await?;
        store_upload(&services, &ctx, kind, &name, sink, lang).await
    }
    .await;
    match received {
        Ok(upload) => Redirect::to(&format!("/imports/uploads/{}", upload.id)).into_response(),
        Err(problem) => upload_failed(&services, &ctx, chrome, format, kind, problem).await,
    }
}

/// The upload page again with the reason by the file field (a 422), or the problem's page.
pub(super) async fn upload_failed(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    kind: ImportKind,
    problem: Problem,
) -> Response {
    if problem.status != 422 {
        return format.respond(problem);
    }
    let lang = chrome.lang;
    let message = problem.detail.clone().unwrap_or_default();
    match upload_view(services, ctx, kind, lang, Some(message)).await {
        Ok(view) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            framed(services, ctx, chrome, title(kind, lang), view).await,
        )
            .into_response(),
        Err(problem) => format.respond(problem),
    }
}

/// A field a column may feed: key, label, selected.
type FieldOption = (String, String, bool);

#[derive(Template)]
#[template(path = "imports/mapping.html")]
struct MappingView {
    lang_ru: bool,
    csrf: String,
    upload: UploadDto,
    /// Per column: index, header, and the options (key, label, selected).
    columns: Vec<(usize, String, Vec<FieldOption>)>,
    encoding: String,
    delimiter: String,
    header_row: String,
    back_href: String,
}

async fn upload_card(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let lang = chrome.lang;
    let result = async {
        let tenant = tenant_of(&ctx)?;
        let upload = find_upload(&services, &tenant, &id).await?;
        let dto = upload_dto(&services, &upload, lang).await;
        let schema = upload.kind.schema();
        let columns = dto
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let mut options = vec![(
                    "ignore".to_owned(),
                    ru(lang, "— не загружать —", "— skip —").to_owned(),
                    column.field.is_none(),
                )];
                options.extend(schema.fields.iter().map(|f| {
                    (
                        f.key.to_owned(),
                        ru(lang, f.label_ru, f.label_en).to_owned(),
                        column.field.as_deref() == Some(f.key),
                    )
                }));
                (i, column.header.clone(), options)
            })
            .collect();
        let view = MappingView {
            lang_ru: lang == Lang::Ru,
            csrf: csrf_token(&ctx),
            encoding: dto.encoding.clone().unwrap_or_default(),
            delimiter: match dto.delimiter.as_deref() {
                Some("\t") => "tab".to_owned(),
                other => other.unwrap_or("").to_owned(),
            },
            header_row: dto.header_row.map(|r| r.to_string()).unwrap_or_default(),
            back_href: format!("/imports/{}", upload.kind.slug()),
            upload: dto,
            columns,
        };
        Ok(
            framed(&services, &ctx, chrome, title(upload.kind, lang), view)
                .await
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|problem: Problem| format.respond(problem))
}

/// The mapping form: choices, then the dry run or the apply they chose.
async fn start(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let result = async {
        let Form(form) =
            form.map_err(|_| Problem::bad_request("invalid_form", "the form could not be read"))?;
        let value = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let tenant = tenant_of(&ctx)?;
        let upload = find_upload(&services, &tenant, &id).await?;
        let mut dto = ChoicesDto {
            encoding: value("encoding"),
            delimiter: value("delimiter"),
            header_row: value("header_row").and_then(|r| r.parse().ok()),
            ..ChoicesDto::default()
        };
        for (name, field) in &form {
            if let Some(header) = name.strip_prefix("column:") {
                dto.columns.insert(header.to_owned(), field.clone());
            }
        }
        // The mapping form sends the choices; the job page's apply buttons send only the mode
        // and keep the choices the dry run used.
        if value("choices").is_some() {
            let keys: Vec<&str> = upload.kind.schema().fields.iter().map(|f| f.key).collect();
            let choices = parse_choices(&dto, &keys)
                .map_err(|_| Problem::bad_request("invalid_choice", "unknown value"))?;
            flow::uploads::choose(&services, &tenant, &ctx.audit(), &id, choices)
                .await
                .map_err(|e| upload_problem(e, lang))?;
        }
        let mode = value("mode")
            .as_deref()
            .and_then(ImportMode::parse)
            .unwrap_or(ImportMode::DryRun);
        let status = flow::start(&services, &tenant, &ctx.audit(), &id, mode)
            .await
            .map_err(start_problem)?;
        Ok(Redirect::to(&format!("/imports/jobs/{}", status.id)).into_response())
    }
    .await;
    result.unwrap_or_else(|problem: Problem| format.respond(problem))
}

#[derive(Template)]
#[template(path = "imports/job.html")]
struct JobPageView {
    lang_ru: bool,
    csrf: String,
    card: JobProgress,
    errors: Vec<ReportLine>,
    /// Rows accepted with flags for review.
    warnings: Vec<ReportLine>,
    dry_run: bool,
    upload_href: Option<String>,
    upload_id: Option<String>,
    /// A dry run that finished: the apply buttons are offered.
    can_apply: bool,
}

async fn card(
    services: &Services,
    status: &progress::JobStatus,
    kind: ImportKind,
    lang: Lang,
) -> JobProgress {
    let view = JobView::new(status, report_url(services, status).await);
    JobProgress::new(
        &view,
        lang,
        title(kind, lang),
        &format!("/imports/jobs/{}/progress", status.id),
    )
}

async fn job_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let lang = chrome.lang;
    let result = async {
        let tenant = tenant_of(&ctx)?;
        let (status, kind) = find_job(&services, &tenant, &id).await?;
        let lines = match status.report_key.as_deref() {
            Some(key) => flow::report_lines(&services, key, 50)
                .await
                .unwrap_or_default(),
            None => ReportLines::default(),
        };
        let upload_id = flow::jobs::upload_of_job(&status.id).map(str::to_owned);
        let dry_run = status.id.ends_with("-dry");
        let view = JobPageView {
            lang_ru: lang == Lang::Ru,
            csrf: csrf_token(&ctx),
            card: card(&services, &status, kind, lang).await,
            errors: lines.errors,
            warnings: lines.warnings,
            dry_run,
            upload_href: upload_id.as_ref().map(|u| format!("/imports/uploads/{u}")),
            can_apply: dry_run && status.state == JobState::Done,
            upload_id,
        };
        Ok(framed(&services, &ctx, chrome, title(kind, lang), view)
            .await
            .into_response())
    }
    .await;
    result.unwrap_or_else(|problem: Problem| format.respond(problem))
}

/// The progress card alone, which the job page polls. When the job has finished, a poll from
/// htmx reloads the whole page instead: the rows' errors and warnings and the apply buttons
/// are rendered with the page, and are there only now.
async fn job_card(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let tenant = tenant_of(&ctx)?;
        let (status, kind) = find_job(&services, &tenant, &id).await?;
        let card = card(&services, &status, kind, chrome.lang).await;
        let html = card.render().map_err(|e| {
            tracing::error!(error = %e, "import progress did not render");
            Problem::internal()
        })?;
        let mut response = axum::response::Html(html).into_response();
        if status.state.is_finished() && headers.contains_key("hx-request") {
            response
                .headers_mut()
                .insert("hx-refresh", HeaderValue::from_static("true"));
        }
        Ok(response)
    }
    .await;
    result.unwrap_or_else(|problem: Problem| format.respond(problem))
}
