//! What the tenant pages and API handlers share: texts, the central page frame, and how use
//! case errors become problems, field errors and flashes.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use crm_app::Services;
use crm_app::domains::DomainError;
use crm_app::tenants::TenantError;
use crm_app::validation::{Invalid, Reason};
use crm_domain::TenantId;
use crm_web::access::RequestContext;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};
use crm_web::ui::{Chrome, FieldErrors};

use super::texts::{EN, RU, TenantTexts};

pub const LIST_PATH: &str = "/central/tenants";

pub fn texts(lang: Lang) -> &'static TenantTexts {
    lang.pick(&RU, &EN)
}

pub fn card_path(id: &TenantId) -> String {
    format!("{LIST_PATH}/{id}")
}

/// The page frame for a signed-in staff member.
pub fn chrome(chrome: Chrome, ctx: &RequestContext) -> Chrome {
    crm_web::chrome::central_chrome(chrome, ctx)
}

pub fn words(reason: &Reason, lang: Lang) -> String {
    match lang {
        Lang::Ru => reason.ru.clone(),
        Lang::En => reason.en.clone(),
    }
}

pub fn field_errors(invalid: &Invalid, lang: Lang) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, message) in invalid.messages(lang == Lang::Ru) {
        errors.add(field, message);
    }
    errors
}

pub fn invalid_problem(invalid: &Invalid, lang: Lang) -> Problem {
    Problem::validation(
        invalid
            .messages(lang == Lang::Ru)
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect(),
    )
}

/// A use case refusal as a problem with its stable code and status.
fn refusal(status: StatusCode, code: &str, reason: Option<Reason>, lang: Lang) -> Problem {
    let problem = Problem::new(status, code, status.canonical_reason().unwrap_or("Error"));
    match reason {
        Some(reason) => problem.detail(words(&reason, lang)),
        None => problem,
    }
}

pub fn tenant_problem(error: TenantError, lang: Lang) -> Problem {
    let status = match &error {
        TenantError::Invalid(invalid) => return invalid_problem(invalid, lang),
        TenantError::NotFound => StatusCode::NOT_FOUND,
        TenantError::Store(_) => {
            let TenantError::Store(store) = error else {
                return Problem::internal();
            };
            return Problem::from(store);
        }
        TenantError::Queue(e) => {
            tracing::error!(error = %e, "queue failure");
            return Problem::unavailable("the job queue is unavailable, try again shortly");
        }
        TenantError::Conflict
        | TenantError::WrongStatus { .. }
        | TenantError::GraceNotOver { .. }
        | TenantError::GraceOver { .. }
        | TenantError::ExportNotReady => StatusCode::CONFLICT,
    };
    refusal(
        status,
        error.code().unwrap_or("conflict"),
        error.reason(),
        lang,
    )
}

pub fn domain_problem(error: DomainError, host: &str, lang: Lang) -> Problem {
    let status = match &error {
        DomainError::Invalid(invalid) => return invalid_problem(invalid, lang),
        DomainError::Store(_) => {
            let DomainError::Store(store) = error else {
                return Problem::internal();
            };
            return Problem::from(store);
        }
        DomainError::TenantNotFound | DomainError::NotFound => StatusCode::NOT_FOUND,
        DomainError::NotCustom | DomainError::TenantInactive => StatusCode::CONFLICT,
        DomainError::NotVerified(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::Dns(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    refusal(
        status,
        error.code().unwrap_or("conflict"),
        error.reason(host),
        lang,
    )
}

/// A path names a tenant id that cannot exist; answered like a missing tenant.
#[derive(Debug)]
pub struct NoSuchTenant;

impl From<NoSuchTenant> for Problem {
    fn from(_: NoSuchTenant) -> Self {
        Problem::not_found()
    }
}

/// A tenant id from a path.
pub fn path_id(raw: &str) -> Result<TenantId, NoSuchTenant> {
    TenantId::parse(raw).map_err(|_| NoSuchTenant)
}

/// POST-redirect-GET with a message.
pub fn redirect(services: &Services, to: &str, flash: Flash, headers: &HeaderMap) -> Response {
    FlashKeys::from_services(services).redirect(to, &flash, headers)
}
