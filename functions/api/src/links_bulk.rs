//! Bulk linking from a service's card, and a job's progress page that polls itself with htmx
//! every two seconds until the job is done.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::catalog::CatalogError;
use crm_app::catalog::bulk::{self, BulkRequest};
use crm_app::catalog::links::LinkDraft;
use crm_app::catalog::services::{self, Service};
use crm_app::jobs::status::{JobState, JobStatus};
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::format;
use crm_web::i18n::{Lang, Texts};
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors};

use crate::links_api::visible_job;
use crate::services_common::{
    FormData, form_data, form_errors, framed, inclusive_to_exclusive, problem, respond, tenant_db,
    tenant_of,
};
use crate::services_form::FormView;
use crate::services_pages::card_href;
use crate::services_texts::texts;

fn bulk_fields(t: &'static Texts, lang: Lang, form: &FormData, errors: &FieldErrors) -> Vec<Field> {
    let c = texts(lang);
    // Errors on single ids (`subscriber_ids[3]`) are shown on the list field.
    let ids_error = errors
        .iter()
        .find(|(field, _)| field.starts_with("subscriber_ids"))
        .map(|(_, message)| message.to_owned());
    let mut ids = Field::textarea(t, "subscriber_ids", c.bulk_ids)
        .value(form.text("subscriber_ids"))
        .required()
        .hint(c.bulk_ids_hint);
    ids.error = ids_error;
    vec![
        ids,
        Field::input(t, "date", "valid_from", c.field_link_from)
            .value(form.text("valid_from"))
            .required()
            .errors(errors),
        Field::input(t, "date", "valid_until", c.field_link_until)
            .value(form.text("valid_until"))
            .hint(c.field_link_until_hint)
            .errors(errors),
        Field::text(t, "individual_rate", c.field_individual_rate)
            .value(form.text("individual_rate"))
            .hint(c.field_individual_rate_hint)
            .errors(errors),
        Field::text(t, "individual_quantity", c.field_individual_quantity)
            .value(form.text("individual_quantity"))
            .errors(errors),
    ]
}

async fn bulk_form_page(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    service: &Service,
    form: &FormData,
    errors: &FieldErrors,
) -> Response {
    let (t, lang) = (chrome.t, chrome.lang);
    let c = texts(lang);
    let view = FormView {
        summary: ErrorSummary::new(t, errors),
        action: format!("/services/{}/bulk-link", service.id),
        csrf_token: crate::services_common::csrf_token(ctx),
        hint: None,
        fields: bulk_fields(t, lang, form, errors),
        submit: c.bulk_start,
        cancel_href: card_href(&service.id),
        cancel_label: c.cancel,
    };
    let title = format!("{}: {}", c.bulk_heading, service.name);
    let page = framed(services, ctx, chrome, title, view).await;
    if errors.is_empty() {
        page.into_response()
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    }
}

pub(crate) async fn bulk_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let db = tenant_db(&services, &ctx)?;
        let (service, _) = services::require(&db, &id)
            .await
            .map_err(|e| problem(e, chrome.lang))?;
        Ok(bulk_form_page(
            &services,
            &ctx,
            chrome,
            &service,
            &FormData::default(),
            &FieldErrors::new(),
        )
        .await)
    }
    .await;
    respond(&format, result)
}

pub(crate) async fn start_bulk(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let lang = chrome.lang;
        let db = tenant_db(&services, &ctx)?;
        let (service, _) = services::require(&db, &id)
            .await
            .map_err(|e| problem(e, lang))?;
        let ids = form
            .text("subscriber_ids")
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        let request = BulkRequest {
            service_id: id.clone(),
            subscriber_ids: ids,
            link: LinkDraft {
                valid_from: Some(form.text("valid_from")),
                valid_until: Some(Some(inclusive_to_exclusive(&form.text("valid_until")))),
                individual_rate: Some(Some(form.text("individual_rate"))),
                individual_quantity: Some(Some(form.text("individual_quantity"))),
            },
        };
        let tenant = tenant_of(&ctx)?;
        match bulk::start(&services, &tenant, &ctx.audit(), &request).await {
            Ok(status) => {
                Ok(axum::response::Redirect::to(&format!("/jobs/{}", status.id)).into_response())
            }
            Err(CatalogError::Invalid(issues)) => {
                let errors = form_errors(&issues, lang);
                Ok(bulk_form_page(&services, &ctx, chrome, &service, &form, &errors).await)
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}

#[derive(Template)]
#[template(path = "services/job_progress.html")]
struct ProgressView {
    state: &'static str,
    state_code: &'static str,
    badge: &'static str,
    finished: bool,
    poll_href: String,
    percent: u64,
    progress: String,
    counts: String,
    failures_heading: &'static str,
    col_row: &'static str,
    col_reason: &'static str,
    failures: Vec<(String, String)>,
}

impl askama::filters::HtmlSafe for ProgressView {}

#[derive(Template)]
#[template(path = "services/job.html")]
struct JobView {
    progress: ProgressView,
    back_href: Option<String>,
    back_label: &'static str,
}

fn progress_view(status: &JobStatus, lang: Lang) -> ProgressView {
    let c = texts(lang);
    let (state, state_code, badge) = match status.state {
        JobState::Queued => (c.job_queued, "queued", "bg-secondary-lt"),
        JobState::Running => (c.job_running, "running", "bg-blue-lt"),
        JobState::Done => (c.job_done, "done", "bg-green-lt"),
        JobState::Failed => (c.job_failed, "failed", "bg-red-lt"),
    };
    ProgressView {
        state,
        state_code,
        badge,
        finished: status.is_finished(),
        poll_href: format!("/jobs/{}/progress", status.id),
        percent: status.percent(),
        progress: (c.job_progress)(status.processed, status.total),
        counts: (c.job_counts)(status.succeeded, status.skipped, status.failed),
        failures_heading: c.job_failures,
        col_row: c.col_row,
        col_reason: c.col_reason,
        failures: status
            .failures
            .iter()
            .map(|f| {
                let reason = match (f.code.as_str(), f.detail.as_deref()) {
                    ("subscriber_not_found", _) => c.reason_subscriber_not_found.to_owned(),
                    ("link_overlap", Some(from)) => {
                        let from = chrono::NaiveDate::parse_from_str(from, "%Y-%m-%d")
                            .map(format::date)
                            .unwrap_or_else(|_| from.to_owned());
                        (c.reason_link_overlap)(&from)
                    }
                    _ => c.reason_other.to_owned(),
                };
                (f.row.clone(), reason)
            })
            .collect(),
    }
}

pub(crate) async fn job_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let c = texts(lang);
        let status = visible_job(&services, &ctx, &id).await?;
        let view = JobView {
            progress: progress_view(&status, lang),
            back_href: status
                .subject
                .as_deref()
                .filter(|_| status.kind == bulk::KIND)
                .map(card_href),
            back_label: c.back_to_service,
        };
        Ok(framed(&services, &ctx, chrome, c.job_title, view)
            .await
            .into_response())
    }
    .await;
    respond(&format, result)
}

/// The progress block alone, for htmx to swap in every two seconds.
pub(crate) async fn job_progress(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let status = visible_job(&services, &ctx, &id).await?;
        let view = progress_view(&status, chrome.lang);
        let html = view.render().map_err(|e| {
            tracing::error!(error = %e, "job progress did not render");
            crm_web::problem::Problem::internal()
        })?;
        Ok(axum::response::Html(html).into_response())
    }
    .await;
    respond(&format, result)
}
