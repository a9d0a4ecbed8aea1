//! What identity refusals say to people: field messages for forms, problem+json for the API,
//! from the same use-case errors.

use crm_app::identity::password::{MAX_LENGTH, MIN_LENGTH, PasswordRejected};
use crm_app::identity::{IdentityError, Invalid, Refusal};
use crm_domain::access::PermissionSet;
use crm_domain::contact::EmailError;

use super::labels;
use crate::i18n::Lang;
use crate::problem::{FieldError, Problem};
use crate::ui::FieldErrors;

fn pick(lang: Lang, ru: String, en: String) -> String {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

fn permissions(set: &PermissionSet, lang: Lang) -> String {
    set.iter()
        .map(|p| labels::permission(p, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The message for an invalid field.
pub fn invalid(problem: &Invalid, lang: Lang) -> String {
    let (ru, en): (String, String) = match problem {
        Invalid::Required => ("Заполните это поле".into(), "Fill in this field".into()),
        Invalid::TooLong { max } => (
            format!("Не длиннее {max} символов"),
            format!("At most {max} characters"),
        ),
        Invalid::TooShort { min } => (
            format!("Не короче {min} символов"),
            format!("At least {min} characters"),
        ),
        Invalid::Email(EmailError::Empty) => (
            "Укажите адрес электронной почты".into(),
            "Enter an email address".into(),
        ),
        Invalid::Email(_) => (
            "Адрес электронной почты должен быть вида name@example.ru".into(),
            "The email address must look like name@example.com".into(),
        ),
        Invalid::Password(PasswordRejected::TooShort) => (
            format!("Пароль должен быть не короче {MIN_LENGTH} символов"),
            format!("The password needs at least {MIN_LENGTH} characters"),
        ),
        Invalid::Password(PasswordRejected::TooLong) => (
            format!("Пароль должен быть не длиннее {MAX_LENGTH} символов"),
            format!("The password may have at most {MAX_LENGTH} characters"),
        ),
        Invalid::Password(PasswordRejected::TooCommon) => (
            "Этот пароль слишком простой или распространённый".into(),
            "This password is too simple or too common".into(),
        ),
        Invalid::PasswordsDiffer => ("Пароли не совпадают".into(), "The passwords differ".into()),
        Invalid::WrongPassword => ("Неверный пароль".into(), "Wrong password".into()),
        Invalid::WrongCode => (
            "Код неверный или устарел".into(),
            "The code is wrong or out of date".into(),
        ),
        Invalid::UnknownRole => (
            "Выберите роль из списка".into(),
            "Choose a role from the list".into(),
        ),
        Invalid::UnknownPermission(raw) => (
            format!("Неизвестное право «{raw}»"),
            format!("Unknown permission “{raw}”"),
        ),
        Invalid::NotHeld(set) => (
            format!(
                "Можно выдавать и отнимать только права, которые есть у вас. Нет у вас: {}",
                permissions(set, Lang::Ru)
            ),
            format!(
                "You can grant or withdraw only permissions you hold. You lack: {}",
                permissions(set, Lang::En)
            ),
        ),
        Invalid::UnknownTenant => (
            "Нет активной организации с таким кодом".into(),
            "No active organisation has this code".into(),
        ),
    };
    pick(lang, ru, en)
}

/// The message for a refusal.
pub fn refusal(refusal: &Refusal, lang: Lang) -> String {
    let (ru, en): (String, String) = match refusal {
        Refusal::EmailTaken => (
            "Пользователь с таким адресом уже есть".into(),
            "A user with this address exists already".into(),
        ),
        Refusal::AlreadyInvited => (
            "Этот адрес уже приглашён. Чтобы отправить новое приглашение, отзовите прежнее".into(),
            "This address has been invited already. Revoke that invitation to send a new one"
                .into(),
        ),
        Refusal::LastAdministrator => (
            "Это последний администратор: сначала назначьте администратором кого-то ещё".into(),
            "This is the last administrator: make someone else an administrator first".into(),
        ),
        Refusal::RoleInUse(holders) => (
            format!(
                "Роль назначена: {}. Сначала смените им роль или отзовите приглашения",
                holders.join(", ")
            ),
            format!(
                "The role is held by: {}. Change their role or revoke the invitations first",
                holders.join(", ")
            ),
        ),
        Refusal::RoleNameTaken => (
            "Роль с таким названием уже есть".into(),
            "A role with this name exists already".into(),
        ),
        Refusal::OwnAccount => (
            "Нельзя отключить собственную учётную запись".into(),
            "You cannot disable your own account".into(),
        ),
        Refusal::LinkInvalid => (
            "Ссылка устарела, уже использована или скопирована не полностью".into(),
            "The link has expired, has been used or was copied incompletely".into(),
        ),
        Refusal::TotpAlreadyEnabled => (
            "Двухфакторная аутентификация уже включена".into(),
            "Two-factor authentication is on already".into(),
        ),
        Refusal::TotpNotEnabled => (
            "Двухфакторная аутентификация не включена".into(),
            "Two-factor authentication is not on".into(),
        ),
        Refusal::AccountDisabled => (
            "Учётная запись отключена".into(),
            "The account is disabled".into(),
        ),
        Refusal::UserLimitReached { max } => (
            format!(
                "Достигнут предел пользователей организации ({max}): отключите кого-то или отзовите приглашение, либо попросите оператора платформы поднять предел"
            ),
            format!(
                "The organisation's user limit ({max}) is reached: disable someone or revoke an invitation, or ask the platform operator to raise the limit"
            ),
        ),
        Refusal::Conflict => (
            "Запись изменилась, пока вы её редактировали. Обновите страницу и повторите".into(),
            "The record changed while you were editing it. Reload the page and try again".into(),
        ),
    };
    pick(lang, ru, en)
}

/// The form field a refusal is best shown next to, if any.
pub fn refusal_field(refusal: &Refusal) -> Option<&'static str> {
    match refusal {
        Refusal::EmailTaken | Refusal::AlreadyInvited | Refusal::UserLimitReached { .. } => {
            Some("email")
        }
        Refusal::RoleNameTaken => Some("name"),
        Refusal::LastAdministrator => Some("role"),
        _ => None,
    }
}

/// What a form shows for an error: field messages, or the message for the whole form (with
/// an unexpected failure answered as a problem).
pub enum FormError {
    Fields(FieldErrors),
    Message(String),
    Problem(Problem),
}

pub fn for_form(error: IdentityError, lang: Lang) -> FormError {
    match error {
        IdentityError::Invalid(issues) => {
            let mut errors = FieldErrors::new();
            for issue in issues {
                errors.add(issue.field, invalid(&issue.problem, lang));
            }
            FormError::Fields(errors)
        }
        IdentityError::Refused(r) => match refusal_field(&r) {
            Some(field) => {
                let mut errors = FieldErrors::new();
                errors.add(field, refusal(&r, lang));
                FormError::Fields(errors)
            }
            None => FormError::Message(refusal(&r, lang)),
        },
        other => FormError::Problem(problem(other, lang)),
    }
}

/// The API's answer: 422 with field errors, 409 for refusals (404 for dead links), 404, or the
/// store's own problem.
pub fn problem(error: IdentityError, lang: Lang) -> Problem {
    use axum::http::StatusCode;
    match error {
        IdentityError::Invalid(issues) => Problem::validation(
            issues
                .into_iter()
                .map(|issue| FieldError {
                    field: issue.field.to_owned(),
                    message: invalid(&issue.problem, lang),
                })
                .collect(),
        ),
        IdentityError::Refused(Refusal::LinkInvalid) => {
            Problem::new(StatusCode::NOT_FOUND, "link_invalid", "Link not valid")
                .detail(refusal(&Refusal::LinkInvalid, lang))
        }
        IdentityError::Refused(r) => Problem::conflict(r.code(), refusal(&r, lang)),
        IdentityError::NotFound => Problem::not_found(),
        IdentityError::Store(e) => Problem::from(e),
        IdentityError::Mail(e) => {
            tracing::warn!(error = %e, "mail not sent");
            Problem::unavailable("mail could not be sent, try again shortly")
        }
    }
}
