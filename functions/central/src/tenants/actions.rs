//! The forms on a tenant's card: status actions and domains. Each posts, then redirects back
//! to the card with a message; a form with invalid fields is shown again with its errors.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use crm_app::Services;
use crm_app::domains::{self, DomainError};
use crm_app::tenants::{self, TenantError};
use crm_app::validation::{Invalid, Reason};
use crm_domain::TenantId;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::Flash;
use crm_web::problem::Problem;
use crm_web::ui::Chrome;
use serde::Deserialize;

use super::api::export_url;
use super::pages::card_page;
use super::web::{
    card_path, domain_problem, field_errors, path_id, redirect, tenant_problem, texts, words,
};

/// Every field any card form posts.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct ActionForm {
    pub reason: String,
    pub close_reason: String,
    pub grace_days: String,
    pub confirm: Option<String>,
    pub purge_confirm: Option<String>,
    pub host: String,
}

/// What the handlers below share: the request's parts they all need.
pub struct Request {
    services: Services,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
}

impl Request {
    fn card(&self, id: &TenantId, tab: &str) -> String {
        match tab {
            "domains" => format!("{}?tab=domains", card_path(id)),
            _ => card_path(id),
        }
    }

    fn done(&self, id: &TenantId, tab: &str, message: String) -> Response {
        redirect(
            &self.services,
            &self.card(id, tab),
            Flash::success(message),
            &self.headers,
        )
    }

    fn refused(&self, id: &TenantId, tab: &str, reason: Option<Reason>) -> Response {
        let message = reason
            .map(|r| words(&r, self.chrome.lang))
            .unwrap_or_default();
        redirect(
            &self.services,
            &self.card(id, tab),
            Flash::error(message),
            &self.headers,
        )
    }

    /// The card again, with `invalid` beside the fields of the form that was sent.
    async fn invalid(self, id: &TenantId, tab: &'static str, invalid: &Invalid) -> Response {
        let errors = field_errors(invalid, self.chrome.lang);
        match card_page(
            &self.services,
            &self.ctx,
            self.chrome,
            id.as_str(),
            tab,
            &errors,
        )
        .await
        {
            Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
            Err(problem) => self.format.respond(problem),
        }
    }

    async fn tenant_outcome(
        self,
        id: &TenantId,
        result: Result<String, TenantError>,
        rename: &[(&str, &str)],
    ) -> Response {
        match result {
            Ok(message) => self.done(id, "profile", message),
            Err(TenantError::Invalid(mut invalid)) => {
                for issue in &mut invalid.0 {
                    if let Some((_, to)) = rename.iter().find(|(from, _)| *from == issue.field) {
                        (*to).clone_into(&mut issue.field);
                    }
                }
                self.invalid(id, "profile", &invalid).await
            }
            Err(e @ (TenantError::Store(_) | TenantError::Queue(_) | TenantError::NotFound)) => {
                self.format.respond(tenant_problem(e, self.chrome.lang))
            }
            Err(refusal) => self.refused(id, "profile", refusal.reason()),
        }
    }

    async fn domain_outcome(
        self,
        id: &TenantId,
        host: &str,
        result: Result<String, DomainError>,
    ) -> Response {
        match result {
            Ok(message) => self.done(id, "domains", message),
            Err(DomainError::Invalid(invalid)) => self.invalid(id, "domains", &invalid).await,
            Err(e @ (DomainError::Store(_) | DomainError::TenantNotFound)) => self
                .format
                .respond(domain_problem(e, host, self.chrome.lang)),
            Err(refusal) => {
                let reason = refusal.reason(host);
                self.refused(id, "domains", reason)
            }
        }
    }
}

type Posted = Result<Form<ActionForm>, FormRejection>;

/// The tenant and the posted form, or the answer when either cannot be read.
fn read(
    format: &ErrorFormat,
    raw_id: &str,
    form: Posted,
) -> Result<(TenantId, ActionForm), Box<Response>> {
    let id = path_id(raw_id).map_err(|unknown| Box::new(format.respond(unknown.into())))?;
    let Ok(Form(form)) = form else {
        return Err(Box::new(format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ))));
    };
    Ok((id, form))
}

macro_rules! request {
    ($services:expr, $ctx:expr, $chrome:expr, $format:expr, $headers:expr) => {
        Request {
            services: $services,
            ctx: $ctx,
            chrome: $chrome,
            format: $format,
            headers: $headers,
        }
    };
}

pub async fn suspend(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, form) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = tenants::suspend(&services, &ctx.audit(), &id, &form.reason)
        .await
        .map(|_| tt.suspended.to_owned());
    request!(services, ctx, chrome, format, headers)
        .tenant_outcome(&id, result, &[])
        .await
}

pub async fn reactivate(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, _) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = tenants::reactivate(&services, &ctx.audit(), &id)
        .await
        .map(|_| tt.reactivated.to_owned());
    request!(services, ctx, chrome, format, headers)
        .tenant_outcome(&id, result, &[])
        .await
}

pub async fn close(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, form) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let mut invalid = Invalid::new();
    let grace_days = match form.grace_days.trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => {
                invalid.add("grace_days", Reason::not_a_number());
                None
            }
        },
    };
    if form.confirm.is_none() {
        invalid.add("confirm", confirm_reason());
    }
    let result = if invalid.is_empty() {
        tenants::close(&services, &ctx.audit(), &id, &form.close_reason, grace_days)
            .await
            .map(|_| tt.closing.to_owned())
    } else {
        if form.close_reason.trim().is_empty() {
            invalid.add("reason", Reason::required());
        }
        Err(TenantError::Invalid(invalid))
    };
    request!(services, ctx, chrome, format, headers)
        .tenant_outcome(&id, result, &[("reason", "close_reason")])
        .await
}

pub async fn purge(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, form) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = if form.purge_confirm.is_none() {
        Err(TenantError::Invalid(Invalid::field(
            "purge_confirm",
            confirm_reason(),
        )))
    } else {
        tenants::request_purge(&services, &ctx.audit(), &id)
            .await
            .map(|_| tt.purge_started.to_owned())
    };
    request!(services, ctx, chrome, format, headers)
        .tenant_outcome(&id, result, &[])
        .await
}

pub async fn export(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, _) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = tenants::request_export(&services, &ctx.audit(), &id)
        .await
        .map(|_| tt.export_started.to_owned());
    request!(services, ctx, chrome, format, headers)
        .tenant_outcome(&id, result, &[])
        .await
}

/// The finished export, through a short-lived link.
pub async fn download(
    State(services): State<Services>,
    chrome: Chrome,
    format: ErrorFormat,
    Path(raw_id): Path<String>,
) -> Response {
    let id = match path_id(&raw_id) {
        Ok(id) => id,
        Err(unknown) => return format.respond(unknown.into()),
    };
    match export_url(&services, &id, chrome.lang).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(problem) => format.respond(problem),
    }
}

pub async fn add_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Posted,
) -> Response {
    let (id, form) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = domains::add_custom(&services, &ctx.audit(), &id, &form.host)
        .await
        .map(|d| (tt.d_added)(&d.host));
    request!(services, ctx, chrome, format, headers)
        .domain_outcome(&id, &form.host, result)
        .await
}

pub async fn verify_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path((raw_id, host)): Path<(String, String)>,
    form: Posted,
) -> Response {
    let (id, _) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = domains::verify(&services, &ctx.audit(), &id, &host)
        .await
        .map(|d| (tt.d_verified_flash)(&d.host));
    request!(services, ctx, chrome, format, headers)
        .domain_outcome(&id, &host, result)
        .await
}

pub async fn remove_domain(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path((raw_id, host)): Path<(String, String)>,
    form: Posted,
) -> Response {
    let (id, _) = match read(&format, &raw_id, form) {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let tt = texts(chrome.lang);
    let result = domains::remove(&services, &ctx.audit(), &id, &host)
        .await
        .map(|d| (tt.d_removed)(&d.host));
    request!(services, ctx, chrome, format, headers)
        .domain_outcome(&id, &host, result)
        .await
}

fn confirm_reason() -> Reason {
    Reason::new(
        "confirm_required",
        super::texts::RU.confirm_required,
        super::texts::EN.confirm_required,
    )
}
