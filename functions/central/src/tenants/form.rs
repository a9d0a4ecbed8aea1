//! The create and edit forms of a tenant.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::tenants::{self, Limits, TenantError, TenantInput};
use crm_domain::tenant_profile::{Locale, TaxRegime, TimeZoneName};
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::Flash;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors, Page, SelectOption};
use serde::Deserialize;

use super::texts::TenantTexts;
use super::web::{
    LIST_PATH, card_path, chrome as central_chrome, field_errors, path_id, redirect,
    tenant_problem, texts, words,
};

pub struct FieldGroup {
    pub legend: &'static str,
    pub hint: Option<&'static str>,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "central/tenant_form.html")]
pub struct TenantForm {
    pub tt: &'static TenantTexts,
    pub action: String,
    pub submit: &'static str,
    pub cancel_href: String,
    pub csrf: String,
    pub version: Option<u64>,
    pub summary: ErrorSummary,
    pub groups: Vec<FieldGroup>,
}

/// What the form posts: the tenant's fields, plus the id (create) or version (edit).
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct TenantFormData {
    pub id: String,
    pub version: String,
    #[serde(flatten)]
    pub input: TenantInput,
}

enum Mode<'a> {
    Create,
    Edit { id: &'a str, version: u64 },
}

fn form_page(
    chrome: Chrome,
    ctx: &RequestContext,
    mode: &Mode<'_>,
    platform_domain: &str,
    data: &TenantFormData,
    errors: &FieldErrors,
    title: String,
) -> Page<TenantForm> {
    let (t, lang) = (chrome.t, chrome.lang);
    let tt = texts(lang);
    let chrome = central_chrome(chrome, ctx);
    let i = &data.input;
    let text = |name: &str, label: &'static str, value: &str| {
        Field::text(t, name, label).value(value).errors(errors)
    };
    let mut company = Vec::new();
    if matches!(mode, Mode::Create) {
        company.push(
            text("id", tt.f_id, &data.id)
                .required()
                .hint((tt.f_id_hint)(platform_domain)),
        );
    }
    company.push(text("name", tt.f_name, &i.name).required());
    let regimes = TaxRegime::ALL
        .iter()
        .map(|r| SelectOption::new(r.as_str(), (tt.regimes)(*r)))
        .collect();
    let locales = Locale::ALL
        .iter()
        .map(|l| SelectOption::new(l.as_str(), (tt.locales)(*l)))
        .collect();
    let groups = vec![
        FieldGroup {
            legend: tt.section_company,
            hint: None,
            fields: company,
        },
        FieldGroup {
            legend: tt.section_requisites,
            hint: None,
            fields: vec![
                text("inn", tt.f_inn, &i.inn).required(),
                text("kpp", tt.f_kpp, &i.kpp).hint(tt.f_kpp_hint),
                text(
                    "registration_number",
                    tt.f_registration_number,
                    &i.registration_number,
                )
                .required()
                .hint(tt.f_registration_hint),
                Field::textarea(t, "legal_address", tt.f_legal_address)
                    .value(&i.legal_address)
                    .required()
                    .errors(errors),
            ],
        },
        FieldGroup {
            legend: tt.section_bank,
            hint: Some(tt.bank_hint),
            fields: vec![
                text("bik", tt.f_bik, &i.bik),
                text(
                    "correspondent_account",
                    tt.f_correspondent_account,
                    &i.correspondent_account,
                ),
                text(
                    "settlement_account",
                    tt.f_settlement_account,
                    &i.settlement_account,
                ),
            ],
        },
        FieldGroup {
            legend: tt.section_contacts,
            hint: None,
            fields: vec![
                Field::email(t, "email", tt.f_email)
                    .value(&i.email)
                    .required()
                    .errors(errors),
                Field::input(t, "tel", "phone", tt.f_phone)
                    .value(&i.phone)
                    .autocomplete("tel")
                    .errors(errors),
            ],
        },
        FieldGroup {
            legend: tt.section_profile,
            hint: None,
            fields: vec![
                Field::select(t, "tax_regime", tt.f_tax_regime, regimes)
                    .value(&i.tax_regime)
                    .required()
                    .errors(errors),
                text("time_zone", tt.f_time_zone, &i.time_zone).hint(tt.f_time_zone_hint),
                text("currency", tt.f_currency, &i.currency),
                Field::select(t, "locale", tt.f_locale, locales)
                    .value(&i.locale)
                    .errors(errors),
            ],
        },
        FieldGroup {
            legend: tt.section_limits,
            hint: None,
            fields: vec![
                Field::input(t, "number", "max_subscribers", tt.f_max_subscribers)
                    .value(&i.max_subscribers)
                    .errors(errors),
                Field::input(t, "number", "max_users", tt.f_max_users)
                    .value(&i.max_users)
                    .errors(errors),
            ],
        },
    ];
    let (action, submit, cancel_href, version) = match mode {
        Mode::Create => (LIST_PATH.to_owned(), tt.create, LIST_PATH.to_owned(), None),
        Mode::Edit { id, version } => (
            format!("{LIST_PATH}/{id}/edit"),
            tt.save,
            format!("{LIST_PATH}/{id}"),
            Some(*version),
        ),
    };
    let content = TenantForm {
        tt,
        action,
        submit,
        cancel_href,
        csrf: chrome.csrf_token.clone(),
        version,
        summary: ErrorSummary::new(t, errors),
        groups,
    };
    Page::new(chrome, title, content)
}

fn blank() -> TenantFormData {
    let limits = Limits::default();
    TenantFormData {
        input: TenantInput {
            time_zone: TimeZoneName::DEFAULT.to_owned(),
            currency: "RUB".to_owned(),
            locale: "ru".to_owned(),
            max_subscribers: limits.max_subscribers.to_string(),
            max_users: limits.max_users.to_string(),
            ..TenantInput::default()
        },
        ..TenantFormData::default()
    }
}

pub async fn new_form(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
) -> Response {
    let title = texts(chrome.lang).new_title.to_owned();
    form_page(
        chrome,
        &ctx,
        &Mode::Create,
        &services.platform_domain,
        &blank(),
        &FieldErrors::new(),
        title,
    )
    .into_response()
}

pub async fn create(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    form: Result<Form<TenantFormData>, FormRejection>,
) -> Response {
    let Ok(Form(data)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let lang = chrome.lang;
    let tt = texts(lang);
    match tenants::create(&services, &ctx.audit(), &data.id, &data.input).await {
        Ok(record) => redirect(
            &services,
            &card_path(&record.id),
            Flash::success((tt.created)(&record.name)),
            &headers,
        ),
        Err(TenantError::Invalid(invalid)) => {
            let errors = field_errors(&invalid, lang);
            let page = form_page(
                chrome,
                &ctx,
                &Mode::Create,
                &services.platform_domain,
                &data,
                &errors,
                tt.new_title.to_owned(),
            );
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(other) => format.respond(tenant_problem(other, lang)),
    }
}

pub async fn edit_form(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(raw_id): Path<String>,
) -> Response {
    let record = match path_id(&raw_id) {
        Ok(id) => tenants::get(&services.db, &id).await,
        Err(unknown) => return format.respond(unknown.into()),
    };
    let record = match record {
        Ok(Some(record)) => record,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    };
    let title = (texts(chrome.lang).edit_title)(&record.name);
    let data = TenantFormData {
        input: TenantInput::from_record(&record),
        ..TenantFormData::default()
    };
    let mode = Mode::Edit {
        id: record.id.as_str(),
        version: record.version,
    };
    form_page(
        chrome,
        &ctx,
        &mode,
        &services.platform_domain,
        &data,
        &FieldErrors::new(),
        title,
    )
    .into_response()
}

pub async fn update(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    form: Result<Form<TenantFormData>, FormRejection>,
) -> Response {
    let Ok(Form(data)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let id = match path_id(&raw_id) {
        Ok(id) => id,
        Err(unknown) => return format.respond(unknown.into()),
    };
    let lang = chrome.lang;
    let tt = texts(lang);
    let version = data.version.trim().parse::<u64>().unwrap_or(0);
    let result = tenants::edit(&services, &ctx.audit(), &id, version, &data.input).await;
    let (errors, chrome) = match result {
        Ok(_) => {
            return redirect(
                &services,
                &card_path(&id),
                Flash::success(tt.saved),
                &headers,
            );
        }
        Err(TenantError::Invalid(invalid)) => (field_errors(&invalid, lang), chrome),
        Err(conflict @ TenantError::Conflict) => {
            let message = conflict
                .reason()
                .map(|r| words(&r, lang))
                .unwrap_or_default();
            (FieldErrors::new(), chrome.with_flash(Flash::error(message)))
        }
        Err(other) => return format.respond(tenant_problem(other, lang)),
    };
    let name = data.input.name.clone();
    let mode = Mode::Edit {
        id: id.as_str(),
        version,
    };
    let page = form_page(
        chrome,
        &ctx,
        &mode,
        &services.platform_domain,
        &data,
        &errors,
        (tt.edit_title)(&name),
    );
    let status = if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page).into_response()
}
