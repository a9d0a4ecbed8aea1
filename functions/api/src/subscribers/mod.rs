//! Subscribers: the JSON API (`/api/v1/subscribers`) and the operator pages (`/subscribers`).
//! Handlers are thin: they read the request, call `crm_app::subscribers`, and shape the answer.

mod api;
pub(crate) mod dto;
pub(crate) mod form;
pub(crate) mod history;
pub(crate) mod pages;
pub(crate) mod texts;

use crm_app::Services;
use crm_app::subscribers::SubscriberError;
use crm_app::subscribers::search::SearchError;
use crm_domain::TenantId;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::subscriber::Invalid;
use crm_web::access::{Access, AccessRouter, RequestContext};
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};
use crm_web::ui::FieldErrors;

pub(crate) const READ: Access =
    Access::Tenant(Permission::new(Resource::Subscribers, Action::Read));
pub(crate) const CREATE: Access =
    Access::Tenant(Permission::new(Resource::Subscribers, Action::Create));
pub(crate) const UPDATE: Access =
    Access::Tenant(Permission::new(Resource::Subscribers, Action::Update));
pub(crate) const EXPORT: Access =
    Access::Tenant(Permission::new(Resource::Subscribers, Action::Export));

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    form::routes(pages::routes(api::routes(router)))
}

/// The tenant the request acts in (the guard has checked the principal belongs to it).
#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
pub(crate) fn tenant_of(context: &RequestContext) -> Result<TenantId, Problem> {
    context
        .principal
        .as_ref()
        .and_then(|p| p.tenant())
        .cloned()
        .ok_or_else(Problem::not_found)
}

/// Validation codes as messages in `lang`, under the names `path` gives their fields.
pub(crate) fn field_errors(
    lang: Lang,
    invalid: &[Invalid],
    path: impl Fn(&str) -> String,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for i in invalid {
        errors.add(path(&i.field), texts::message(lang, i.code));
    }
    errors
}

/// How a refused subscriber change is answered.
pub(crate) fn problem(
    lang: Lang,
    error: SubscriberError,
    path: impl Fn(&str) -> String,
) -> Problem {
    let t = texts::texts(lang);
    match error {
        SubscriberError::Invalid(invalid) => field_errors(lang, &invalid, path).to_problem(),
        SubscriberError::NotFound => Problem::not_found(),
        SubscriberError::DuplicateAccountNumber => {
            let message = texts::message(lang, "account_number_taken");
            Problem::conflict("account_number_taken", message).field_errors(vec![FieldError {
                field: "account_number".into(),
                message: message.into(),
            }])
        }
        SubscriberError::VersionMismatch => {
            Problem::conflict("version_mismatch", t.version_conflict)
        }
        SubscriberError::TooManyChanges => Problem::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_changes",
            "Too many changes",
        )
        .detail(t.too_many_changes),
        SubscriberError::NumbersExhausted => {
            Problem::conflict("account_numbers_exhausted", t.numbers_exhausted)
        }
        SubscriberError::Store(e) => Problem::from(e),
    }
}

pub(crate) fn search_problem(lang: Lang, error: SearchError) -> Problem {
    match error {
        SearchError::InvalidCursor(_) => {
            Problem::bad_request("invalid_cursor", texts::texts(lang).bad_cursor)
        }
        SearchError::Store(e) => Problem::from(e),
    }
}
