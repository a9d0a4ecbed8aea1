//! `/meters/estimates?month=YYYY-MM`: the month's estimated consumption, a button that runs
//! the estimation for the whole tenant, and the job's progress card, which polls itself while
//! the job runs.

use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::Method;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use crm_app::Services;
use crm_app::meters::estimates::{ListedEstimate, month_listing};
use crm_app::meters::estimation_job;
use crm_app::meters::records::EstimateMethod;
use crm_app::progress::{JobStatus, JobView};
use crm_app::store::Cursor;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::period::BillingMonth;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Cell, Chrome, Column, DataTable, EmptyState, JobProgress, Link, Pager};
use serde::Deserialize;

use crate::estimates_api::{find_job, parse_month, start_problem};
use crate::estimates_texts::{EstimateTexts, texts};
use crate::services_common::{allows, csrf_token, framed, respond, tenant_db, tenant_of};

pub const PATH: &str = "/meters/estimates";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let readings = |action| Access::Tenant(Permission::new(Resource::Readings, action));
    router
        .page(Method::GET, PATH, readings(Action::Read), get(page))
        .page(
            Method::POST,
            "/meters/estimates/run",
            readings(Action::Create),
            post(run),
        )
        .page(
            Method::GET,
            "/meters/estimates/jobs/{id}/progress",
            readings(Action::Read),
            get(progress_card),
        )
}

#[derive(Template)]
#[template(path = "estimates/list.html")]
struct ListContent {
    e: &'static EstimateTexts,
    month: String,
    can_run: bool,
    csrf_token: String,
    progress: Option<JobProgress>,
    table: DataTable,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageParams {
    month: Option<String>,
    job: Option<String>,
    cursor: Option<String>,
}

/// The month before the current one: the month usually being billed.
fn last_month(services: &Services) -> BillingMonth {
    BillingMonth::of(crm_app::catalog::today(services.clock.now())).previous()
}

fn consumption_text(values: &[rust_decimal::Decimal], lang: Lang) -> String {
    values
        .iter()
        .map(|v| format::number(*v, 3, lang))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn row(listed: &ListedEstimate, e: &EstimateTexts, lang: Lang) -> Vec<Cell> {
    let estimate = &listed.estimate;
    let subscriber_href = format!("/subscribers/{}", listed.subscriber_id);
    let state = match &estimate.superseded {
        None => e.current.to_owned(),
        Some(s) => (e.superseded)(
            &format::date(s.by_reading_on),
            &consumption_text(&s.difference, lang),
        ),
    };
    vec![
        Cell::link(
            listed
                .account_number
                .clone()
                .unwrap_or_else(|| listed.subscriber_id.clone()),
            subscriber_href,
        ),
        Cell::text(listed.subscriber_name.clone().unwrap_or_default()),
        Cell::text(
            listed
                .serial
                .clone()
                .unwrap_or_else(|| estimate.meter_id.clone()),
        ),
        Cell::text(match estimate.method {
            EstimateMethod::Average => e.average,
            EstimateMethod::Norm => e.norm,
        }),
        Cell::number(consumption_text(&estimate.consumption, lang)),
        Cell::text(state),
    ]
}

/// The progress card of `status`, its counts worded for people.
fn card(status: &JobStatus, lang: Lang) -> JobProgress {
    let e = texts(lang);
    let refresh = format!("/meters/estimates/jobs/{}/progress", status.id);
    let title = format!(
        "{}: {}",
        e.job_title,
        status.label.clone().unwrap_or_default()
    );
    let mut card = JobProgress::new(&JobView::new(status, None), lang, title, &refresh);
    for (label, _) in &mut card.counts {
        if let Some((_, worded)) = e.counts.iter().find(|(name, _)| name == label) {
            *label = (*worded).to_owned();
        }
    }
    card
}

async fn page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    query: Result<Query<PageParams>, QueryRejection>,
) -> Response {
    let result = async {
        let lang = chrome.lang;
        let e = texts(lang);
        let params = query.map(|Query(q)| q).unwrap_or_default();
        let month = match params.month.as_deref().filter(|m| !m.is_empty()) {
            Some(raw) => parse_month(Some(raw), lang)?,
            None => last_month(&services),
        };
        let db = tenant_db(&services, &ctx)?;
        let progress = match params.job.as_deref() {
            Some(id) => Some(card(&find_job(&services, &ctx, id).await?, lang)),
            None => None,
        };
        let cursor = params
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Cursor::from_client);
        let (found, next) = month_listing(&db, month, 50, cursor.as_ref()).await?;
        let base = Link::new(PATH).with("month", month.to_string());
        let mut pager = Pager::new(chrome.t);
        if cursor.is_some() {
            pager = pager.prev(&base, None);
        }
        if let Some(next) = &next {
            pager = pager.next(&base, next.as_str());
        }
        let columns = [
            Column::new("account", e.col_account),
            Column::new("subscriber", e.col_subscriber),
            Column::new("meter", e.col_meter),
            Column::new("method", e.col_method),
            Column::new("consumption", e.col_consumption).numeric(),
            Column::new("state", e.col_state),
        ];
        let table = DataTable::new(chrome.t, e.caption, &base, &columns, None)
            .rows(found.iter().map(|l| row(l, e, lang)).collect())
            .empty(EmptyState::new(e.none_title, e.none_text))
            .pager(pager);
        let content = ListContent {
            e,
            month: month.to_string(),
            can_run: allows(&ctx, Resource::Readings, Action::Create),
            csrf_token: csrf_token(&ctx),
            progress,
            table,
        };
        let title = format!("{} · {}", e.title, month_title(month, lang));
        Ok(framed(&services, &ctx, chrome, title, content)
            .await
            .into_response())
    }
    .await;
    respond(&format, result)
}

fn month_title(month: BillingMonth, lang: Lang) -> String {
    const RU: [&str; 12] = [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let day = month.first_day();
    let names = lang.pick(&RU, &EN);
    format!("{} {}", names[day.month0() as usize], day.year())
}

async fn run(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let Ok(Form(pairs)) = form else {
            return Err(Problem::bad_request(
                "invalid_form",
                "the form could not be read",
            ));
        };
        let raw = pairs
            .iter()
            .find(|(name, _)| name == "month")
            .map(|(_, value)| value.as_str());
        let month = parse_month(raw, chrome.lang)?;
        let tenant = tenant_of(&ctx)?;
        let status = estimation_job::start(&services, &tenant, &ctx.audit(), month)
            .await
            .map_err(start_problem)?;
        Ok(Redirect::to(&format!("{PATH}?month={month}&job={}", status.id)).into_response())
    }
    .await;
    respond(&format, result)
}

/// The card alone, for htmx to swap in every two seconds.
async fn progress_card(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let status = find_job(&services, &ctx, &id).await?;
        let html = card(&status, chrome.lang).render().map_err(|e| {
            tracing::error!(error = %e, "estimation progress did not render");
            Problem::internal()
        })?;
        Ok(Html(html).into_response())
    }
    .await;
    respond(&format, result)
}
