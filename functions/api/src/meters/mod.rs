//! Meters and readings: the JSON API (`/api/v1/meters`, `/api/v1/subscribers/{id}/meters`)
//! and the operator pages (`/meters`). Handlers read the request, call `crm_app::meters`, and
//! shape the answer; every refusal carries its typed reason in Russian or English.

mod api;
pub(crate) mod chart;
pub(crate) mod dto;
pub(crate) mod pages;
mod reading_form;

use axum::http::StatusCode;
use crm_app::Services;
use crm_app::meters::MeterError;
use crm_app::meters::reasons;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::meter::Rejection;
use crm_web::access::{Access, AccessRouter};
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};

pub(crate) const READ: Access = Access::Tenant(Permission::new(Resource::Meters, Action::Read));
pub(crate) const CREATE: Access = Access::Tenant(Permission::new(Resource::Meters, Action::Create));
pub(crate) const UPDATE: Access = Access::Tenant(Permission::new(Resource::Meters, Action::Update));
pub(crate) const DELETE: Access = Access::Tenant(Permission::new(Resource::Meters, Action::Delete));
pub(crate) const READINGS_READ: Access =
    Access::Tenant(Permission::new(Resource::Readings, Action::Read));
pub(crate) const READINGS_CREATE: Access =
    Access::Tenant(Permission::new(Resource::Readings, Action::Create));
pub(crate) const READINGS_UPDATE: Access =
    Access::Tenant(Permission::new(Resource::Readings, Action::Update));

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    reading_form::routes(pages::routes(api::routes(router)))
}

/// The field a rejection is about: the date, or one zone's value.
pub(crate) fn rejection_field(rejection: &Rejection, api: bool) -> String {
    let zone = match rejection {
        Rejection::Negative { zone }
        | Rejection::TooManyDigits { zone, .. }
        | Rejection::Decreasing { zone, .. }
        | Rejection::ConflictsWithLater { zone, .. } => Some(*zone),
        Rejection::WrongZoneCount { .. } => Some(0),
        Rejection::BeforeInstallation { .. }
        | Rejection::InFuture
        | Rejection::MeterRemoved { .. }
        | Rejection::DuplicateDifferent { .. } => None,
    };
    match (zone, api) {
        (Some(z), true) => format!("values[{z}]"),
        (Some(z), false) => format!("value_{z}"),
        (None, _) => "date".to_owned(),
    }
}

fn text(lang: Lang, reason: &crm_app::validation::Reason) -> String {
    if lang == Lang::Ru {
        reason.ru.clone()
    } else {
        reason.en.clone()
    }
}

/// A refused reading as a problem: 422 with the rejection's code and the field it is about.
pub(crate) fn rejection_problem(lang: Lang, rejection: &Rejection) -> Problem {
    let reason = reasons::rejection(rejection);
    let message = text(lang, &reason);
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        rejection.code(),
        "Reading refused",
    )
    .detail(message.clone())
    .field_errors(vec![FieldError {
        field: rejection_field(rejection, true),
        message,
    }])
}

/// Refused fields as 422 `validation_failed`, each with its message in `lang`.
pub(crate) fn invalid_problem(invalid: &crm_app::validation::Invalid, lang: Lang) -> Problem {
    Problem::validation(
        invalid
            .messages(lang == Lang::Ru)
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect(),
    )
}

/// How a refused meter change is answered.
pub(crate) fn problem(lang: Lang, error: MeterError) -> Problem {
    let ru = lang == Lang::Ru;
    match error {
        MeterError::Invalid(invalid) => invalid_problem(&invalid, lang),
        MeterError::NotFound => Problem::not_found(),
        MeterError::SerialTaken => {
            let message = if ru {
                "Счётчик с таким заводским номером уже есть"
            } else {
                "A meter with this serial number exists"
            };
            Problem::conflict("serial_taken", message).field_errors(vec![FieldError {
                field: "serial".into(),
                message: message.into(),
            }])
        }
        MeterError::VersionMismatch => Problem::conflict(
            "version_mismatch",
            if ru {
                "Счётчик изменён кем-то другим; откройте его снова"
            } else {
                "The meter was changed by someone else; reload it"
            },
        ),
        MeterError::Removed => Problem::conflict(
            "meter_removed",
            if ru {
                "Счётчик снят; изменить его нельзя"
            } else {
                "The meter is removed and cannot change"
            },
        ),
        MeterError::Rejected(rejection) => rejection_problem(lang, &rejection),
        MeterError::Store(e) => Problem::from(e),
    }
}
