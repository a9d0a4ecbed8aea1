//! Link pages: a subscriber's services (attach, detach, history); the routes of bulk linking
//! and job progress (`links_bulk`).

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::catalog::links::{self, LinkDraft};
use crm_app::catalog::services::{self, ListQuery, Service};
use crm_app::catalog::{CatalogError, Issue, history, tariffs, today};
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::subscription::LinkState;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::{Lang, Texts};
use crm_web::ui::{Chrome, EmptyState, ErrorSummary, Field, FieldErrors, SelectOption};

use crate::links_bulk::{bulk_page, job_page, job_progress, start_bulk};
use crate::services_card::{link_state_label, period_text, terms_text};
use crate::services_common::{
    FormData, allows, change_context, form_data, form_errors, framed, inclusive_to_exclusive,
    problem, respond, tenant_db,
};
use crate::services_form::FormView;
use crate::services_history::HistoryView;
use crate::services_pages::card_href;
use crate::services_texts::{CatalogTexts, rates_text, texts};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let subscribers = |action| Access::Tenant(Permission::new(Resource::Subscribers, action));
    router
        .page(
            Method::GET,
            "/subscribers/{id}/services",
            subscribers(Action::Read),
            get(subscriber_page),
        )
        .page(
            Method::POST,
            "/subscribers/{id}/services",
            subscribers(Action::Update),
            post(attach),
        )
        .page(
            Method::POST,
            "/subscribers/{id}/services/{link}/detach",
            subscribers(Action::Update),
            post(detach),
        )
        .page(
            Method::GET,
            "/services/{id}/bulk-link",
            subscribers(Action::Update),
            get(bulk_page),
        )
        .page(
            Method::POST,
            "/services/{id}/bulk-link",
            subscribers(Action::Update),
            post(start_bulk),
        )
        // Any member; the job's status names who may see it (see `links_api::visible_job`).
        .page(
            Method::GET,
            "/jobs/{id}",
            Access::TenantMember,
            get(job_page),
        )
        .page(
            Method::GET,
            "/jobs/{id}/progress",
            Access::TenantMember,
            get(job_progress),
        )
}

// ---- a subscriber's services ----------------------------------------------------------------

struct LinkRow {
    id: String,
    service: String,
    service_href: Option<String>,
    period: String,
    state: &'static str,
    tariff: String,
    terms: String,
    detach_action: Option<String>,
}

#[derive(Template)]
#[template(path = "services/subscriber_services.html")]
struct SubscriberView {
    c: &'static CatalogTexts,
    csrf_token: String,
    today: String,
    rows: Vec<LinkRow>,
    empty: EmptyState,
    attach: Option<FormView>,
    history: HistoryView,
}

/// What the attach form shows.
#[derive(Debug, Default)]
struct AttachValues {
    service_id: String,
    valid_from: String,
    through: String,
    individual_rate: String,
    individual_quantity: String,
}

impl AttachValues {
    fn submitted(form: &FormData) -> Self {
        AttachValues {
            service_id: form.text("service_id"),
            valid_from: form.text("valid_from"),
            through: form.text("valid_until"),
            individual_rate: form.text("individual_rate"),
            individual_quantity: form.text("individual_quantity"),
        }
    }

    fn draft(&self) -> LinkDraft {
        LinkDraft {
            valid_from: Some(self.valid_from.clone()),
            valid_until: Some(Some(inclusive_to_exclusive(&self.through))),
            individual_rate: Some(Some(self.individual_rate.clone())),
            individual_quantity: Some(Some(self.individual_quantity.clone())),
        }
    }
}

fn attach_form(
    t: &'static Texts,
    lang: Lang,
    ctx: &RequestContext,
    subscriber_id: &str,
    offered: &[Service],
    values: &AttachValues,
    errors: &FieldErrors,
) -> FormView {
    let c = texts(lang);
    let options = offered
        .iter()
        .map(|s| SelectOption::new(&s.id, format!("{} ({})", s.name, s.code)))
        .collect();
    FormView {
        summary: ErrorSummary::new(t, errors),
        action: format!("/subscribers/{subscriber_id}/services"),
        csrf_token: crate::services_common::csrf_token(ctx),
        hint: None,
        fields: vec![
            Field::select(t, "service_id", c.field_service, options)
                .value(&values.service_id)
                .required()
                .errors(errors),
            Field::input(t, "date", "valid_from", c.field_link_from)
                .value(&values.valid_from)
                .required()
                .errors(errors),
            Field::input(t, "date", "valid_until", c.field_link_until)
                .value(&values.through)
                .hint(c.field_link_until_hint)
                .errors(errors),
            Field::text(t, "individual_rate", c.field_individual_rate)
                .value(&values.individual_rate)
                .hint(c.field_individual_rate_hint)
                .errors(errors),
            Field::text(t, "individual_quantity", c.field_individual_quantity)
                .value(&values.individual_quantity)
                .errors(errors),
        ],
        submit: c.attach,
        cancel_href: format!("/subscribers/{subscriber_id}/services"),
        cancel_label: c.cancel,
    }
}

async fn subscriber_view(
    services: &Services,
    ctx: &RequestContext,
    lang: Lang,
    t: &'static Texts,
    subscriber_id: &str,
    values: &AttachValues,
    errors: &FieldErrors,
) -> Result<SubscriberView, crm_web::problem::Problem> {
    let c = texts(lang);
    let db = tenant_db(services, ctx)?;
    let found = links::of_subscriber_with_services(&db, subscriber_id)
        .await
        .map_err(|e| problem(e, lang))?;
    let today = today(services.clock.now());
    let can_update = allows(ctx, Resource::Subscribers, Action::Update);
    let can_read_services = allows(ctx, Resource::Services, Action::Read);
    let mut rows = Vec::with_capacity(found.len());
    for (link, service) in &found {
        let state = link.period.state_on(today);
        let tariff = match service {
            Some(service) if state == LinkState::Active || state == LinkState::Upcoming => {
                let history = tariffs::history(&db, &service.id)
                    .await
                    .map_err(|e| problem(e, lang))?;
                history
                    .current(today.max(link.period.valid_from))
                    .map(|v| rates_text(&v.version, service.unit, lang))
                    .unwrap_or_else(|| "—".to_owned())
            }
            _ => "—".to_owned(),
        };
        rows.push(LinkRow {
            id: link.id.clone(),
            service: service.as_ref().map_or_else(
                || link.service_id.clone(),
                |s| format!("{} ({})", s.name, s.code),
            ),
            service_href: can_read_services.then(|| card_href(&link.service_id)),
            period: period_text(link.period.valid_from, link.period.valid_until, lang),
            state: link_state_label(state, lang),
            tariff,
            terms: terms_text(&link.terms, lang),
            detach_action: (can_update && matches!(state, LinkState::Active | LinkState::Upcoming))
                .then(|| format!("/subscribers/{subscriber_id}/services/{}/detach", link.id)),
        });
    }
    let attach = if can_update {
        let offered = services::list(
            &db,
            &ListQuery {
                limit: 200,
                ..ListQuery::default()
            },
            None,
        )
        .await?
        .services;
        Some(attach_form(
            t,
            lang,
            ctx,
            subscriber_id,
            &offered,
            values,
            errors,
        ))
    } else {
        None
    };
    let (records, _) = history::of_entity(&db, links::ENTITY, subscriber_id, 20, None).await?;
    let mut history = HistoryView::new(&records, None, lang);
    history.caption = c.subscriber_services_title;
    Ok(SubscriberView {
        c,
        csrf_token: crate::services_common::csrf_token(ctx),
        today: today.to_string(),
        rows,
        empty: EmptyState::new(c.no_services_title, c.no_services_text),
        attach,
        history,
    })
}

async fn subscriber_page(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let (t, lang) = (chrome.t, chrome.lang);
        let view = subscriber_view(
            &services,
            &ctx,
            lang,
            t,
            &id,
            &AttachValues::default(),
            &FieldErrors::new(),
        )
        .await?;
        let title = texts(lang).subscriber_services_title;
        Ok(framed(&services, &ctx, chrome, title, view)
            .await
            .into_response())
    }
    .await;
    respond(&format, result)
}

async fn attach(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let (t, lang) = (chrome.t, chrome.lang);
        let c = texts(lang);
        let values = AttachValues::submitted(&form);
        let db = tenant_db(&services, &ctx)?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        let outcome = if values.service_id.trim().is_empty() {
            Err(CatalogError::invalid(
                "service_id",
                crm_app::catalog::Fault::Required,
            ))
        } else {
            links::attach(&db, &cx, &id, &values.service_id, &values.draft()).await
        };
        match outcome {
            Ok(_) => Ok(FlashKeys::from_services(&services).redirect(
                &format!("/subscribers/{id}/services"),
                &Flash::success(c.attached),
                &headers,
            )),
            Err(CatalogError::Invalid(issues)) => {
                let errors = form_errors(&issues, lang);
                let view = subscriber_view(&services, &ctx, lang, t, &id, &values, &errors).await?;
                let page = framed(&services, &ctx, chrome, c.subscriber_services_title, view).await;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}

async fn detach(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path((id, link_id)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let form = form_data(form)?;
        let lang = chrome.lang;
        let c = texts(lang);
        let back = format!("/subscribers/{id}/services");
        let keys = FlashKeys::from_services(&services);
        let last_day = form.text("last_day");
        let until = if last_day.trim().is_empty() {
            None
        } else {
            match crm_app::catalog::input::date(&last_day) {
                Ok(day) => Some(day + chrono::Duration::days(1)),
                Err(fault) => {
                    let message = crate::services_texts::fault_message(&fault, lang);
                    return Ok(keys.redirect(&back, &Flash::error(message), &headers));
                }
            }
        };
        let db = tenant_db(&services, &ctx)?;
        let audit = ctx.audit();
        let cx = change_context(&services, &audit);
        match links::detach(&db, &cx, &id, &link_id, until).await {
            Ok(_) => Ok(keys.redirect(&back, &Flash::success(c.detached), &headers)),
            Err(CatalogError::Invalid(issues)) => {
                let message = issues
                    .first()
                    .map(|i: &Issue| crate::services_texts::fault_message(&i.fault, lang))
                    .unwrap_or_default();
                Ok(keys.redirect(&back, &Flash::error(message), &headers))
            }
            Err(other) => Err(problem(other, lang)),
        }
    }
    .await;
    respond(&format, result)
}
