//! What the catalogue's handlers (services, tariffs, links; API and pages) share: the tenant's
//! store handle, the change context, and catalogue errors as problems or form errors.

use axum::http::HeaderMap;
use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::catalog::services::Context;
use crm_app::catalog::{CatalogError, Issue};
use crm_app::store::TenantDb;
use crm_domain::access::{Action, Permission, Resource};
use crm_web::access::RequestContext;
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};
use crm_web::ui::FieldErrors;

use crate::services_texts::fault_message;

/// A request that acts in no tenant (the guard lets none reach these routes; answered 404).
#[derive(Debug)]
pub struct NoTenant;

impl From<NoTenant> for Problem {
    fn from(_: NoTenant) -> Self {
        Problem::not_found()
    }
}

/// The store handle of the tenant the request acts in (the guard has checked the principal
/// belongs to it).
pub fn tenant_db(services: &Services, ctx: &RequestContext) -> Result<TenantDb, NoTenant> {
    Ok(services.db.tenant(&tenant_of(ctx)?))
}

/// The tenant the request acts in.
pub fn tenant_of(ctx: &RequestContext) -> Result<crm_domain::TenantId, NoTenant> {
    ctx.principal
        .as_ref()
        .and_then(|p| p.tenant())
        .or(ctx.host_tenant())
        .cloned()
        .ok_or(NoTenant)
}

pub fn change_context<'a>(services: &'a Services, audit: &'a Audit) -> Context<'a> {
    Context {
        audit,
        ids: services.ids.as_ref(),
        now: services.clock.now(),
    }
}

/// The language messages are written in: the `lang` cookie, `Accept-Language`, else Russian.
pub fn lang(headers: &HeaderMap) -> Lang {
    Lang::from_headers(headers)
}

pub fn field_errors(issues: &[Issue], lang: Lang) -> Vec<FieldError> {
    issues
        .iter()
        .map(|issue| FieldError {
            field: issue.field.clone(),
            message: fault_message(&issue.fault, lang),
        })
        .collect()
}

pub fn form_errors(issues: &[Issue], lang: Lang) -> FieldErrors {
    field_errors(issues, lang).into()
}

/// The API's answer to a catalogue error.
pub fn problem(error: CatalogError, lang: Lang) -> Problem {
    match error {
        CatalogError::NotFound => Problem::not_found(),
        CatalogError::Invalid(issues) => Problem::validation(field_errors(&issues, lang)),
        CatalogError::Store(error) => Problem::from(error),
    }
}

pub fn allows(ctx: &RequestContext, resource: Resource, action: Action) -> bool {
    ctx.principal
        .as_ref()
        .is_some_and(|p| p.allows(Permission::new(resource, action)))
}

/// A submitted form as name/value pairs, in order (repeated names kept).
#[derive(Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// An inclusive last day as typed in a form, as the exclusive end the use cases take:
/// `30.06.2026` -> `2026-07-01`. Text that is no date passes through for the use case to
/// report; empty stays empty.
pub fn inclusive_to_exclusive(raw: &str) -> String {
    match crm_app::catalog::input::date(raw) {
        Ok(day) => (day + chrono::Duration::days(1)).to_string(),
        Err(_) => raw.trim().to_owned(),
    }
}

/// The inclusive last day of an exclusive end, for forms (`YYYY-MM-DD`, as date inputs take).
pub fn exclusive_to_inclusive(end: Option<chrono::NaiveDate>) -> String {
    end.map(|d| (d - chrono::Duration::days(1)).to_string())
        .unwrap_or_default()
}

/// An error page or problem for a failed page handler.
pub fn respond(
    format: &crm_web::error_page::ErrorFormat,
    result: Result<axum::response::Response, Problem>,
) -> axum::response::Response {
    result.unwrap_or_else(|problem| format.respond(problem))
}

/// The frame of a signed-in catalogue page.
pub async fn framed<C: askama::Template>(
    services: &Services,
    ctx: &RequestContext,
    chrome: crm_web::ui::Chrome,
    title: impl Into<String>,
    content: C,
) -> crm_web::ui::Page<C> {
    let chrome = crate::layout::page_chrome(services, ctx, chrome).await;
    crm_web::ui::Page::new(chrome, title, content)
}

/// A body that is not a form (answered 400).
#[derive(Debug)]
pub struct BadForm;

impl From<BadForm> for Problem {
    fn from(_: BadForm) -> Self {
        Problem::bad_request("invalid_form", "the form could not be read")
    }
}

/// The submitted form.
pub fn form_data(
    form: Result<
        axum::extract::Form<Vec<(String, String)>>,
        axum::extract::rejection::FormRejection,
    >,
) -> Result<FormData, BadForm> {
    form.map(|axum::extract::Form(pairs)| FormData(pairs))
        .map_err(|_| BadForm)
}

/// The session's CSRF token, for the forms a page renders.
pub fn csrf_token(ctx: &RequestContext) -> String {
    ctx.principal
        .as_ref()
        .and_then(|p| p.session())
        .map(|s| s.csrf_token.clone())
        .unwrap_or_default()
}
