//! Creating and editing subscribers in the UI (inline field errors, person or organisation,
//! several phones and e-mails), and the status change forms of the card.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use crm_app::Services;
use crm_app::buildings;
use crm_app::subscribers::{self, NewSubscriber, SubscriberError};
use crm_domain::subscriber::{MAX_EMAILS, MAX_PHONES, StatusChange, SubscriberInput, parse_date};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::{Lang, Texts};
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors, Page, SelectOption};

use super::pages::{LIST, card_href};
use super::texts::{SubscriberTexts, message, status_label, texts};
use super::{CREATE, UPDATE, field_errors, tenant_of};
use crm_web::chrome::tenant_chrome;

pub const NEW: &str = "/subscribers/new";

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .page(Method::GET, NEW, CREATE, get(new_form))
        .page(Method::POST, LIST, CREATE, post(create))
        .page(
            Method::GET,
            "/subscribers/{id}/edit",
            UPDATE,
            get(edit_form),
        )
        .page(Method::POST, "/subscribers/{id}", UPDATE, post(save))
        .page(
            Method::POST,
            "/subscribers/{id}/status",
            UPDATE,
            post(change_status),
        )
}

#[derive(Template)]
#[template(path = "subscribers/form.html")]
struct FormContent {
    s: &'static SubscriberTexts,
    summary: ErrorSummary,
    action: String,
    csrf: String,
    version: Option<u64>,
    person: bool,
    kind_error: Option<String>,
    account: Option<Field>,
    person_fields: Vec<Field>,
    organisation_fields: Vec<Field>,
    contact_fields: Vec<Field>,
    premises_fields: Vec<Field>,
    account_fields: Vec<Field>,
    cancel_href: String,
}

/// What the form holds: the typed input, and on creation the typed account number.
#[derive(Default)]
struct Submitted {
    input: SubscriberInput,
    account_number: String,
    version: Option<u64>,
}

impl Submitted {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Submitted::default();
        let mut phones: Vec<(usize, String)> = Vec::new();
        let mut emails: Vec<(usize, String)> = Vec::new();
        let index = |key: &str, list: &str| -> Option<usize> {
            key.strip_prefix(list)?
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse()
                .ok()
        };
        for (key, value) in pairs {
            let input = &mut form.input;
            match key.as_str() {
                "account_number" => form.account_number = value,
                "version" => form.version = value.trim().parse().ok(),
                "kind" => input.kind = value,
                "surname" => input.surname = value,
                "name" => input.name = value,
                "patronymic" => input.patronymic = value,
                "organisation_name" => input.organisation_name = value,
                "inn" => input.inn = value,
                "kpp" => input.kpp = value,
                "postcode" => input.postcode = value,
                "region" => input.region = value,
                "city" => input.city = value,
                "street" => input.street = value,
                "house" => input.house = value,
                "building" => input.building = value,
                "flat" => input.flat = value,
                "area" => input.area = value,
                "residents" => input.residents = value,
                "billing_mode" => input.billing_mode = value,
                "tags" => input.tags = value.split(',').map(str::to_owned).collect(),
                "notes" => input.notes = value,
                "opened_on" => input.opened_on = value,
                "building_id" => input.building_id = value,
                other => {
                    if let Some(i) = index(other, "phones") {
                        phones.push((i, value));
                    } else if let Some(i) = index(other, "emails") {
                        emails.push((i, value));
                    }
                }
            }
        }
        phones.sort();
        emails.sort();
        form.input.phones = phones.into_iter().map(|(_, v)| v).collect();
        form.input.emails = emails.into_iter().map(|(_, v)| v).collect();
        form
    }
}

/// The form's name of an input field (tags are one text box).
fn form_field(field: &str) -> String {
    if field.starts_with("tags[") {
        "tags".to_owned()
    } else {
        field.to_owned()
    }
}

fn display_date(raw: &str) -> String {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(crm_web::format::date)
        .unwrap_or_else(|_| raw.to_owned())
}

struct FormParts<'a> {
    t: &'static Texts,
    s: &'static SubscriberTexts,
    form: &'a Submitted,
    errors: &'a FieldErrors,
    creating: bool,
    action: String,
    csrf: String,
    buildings: Vec<SelectOption>,
    cancel_href: String,
}

fn form_content(parts: FormParts<'_>) -> FormContent {
    let FormParts {
        t,
        s,
        form,
        errors,
        creating,
        action,
        csrf,
        buildings,
        cancel_href,
    } = parts;
    let input = &form.input;
    let text = |name: &str, label: &'static str, value: &str| {
        Field::text(t, name, label).value(value).errors(errors)
    };
    let phones = input.phones.len().clamp(2, MAX_PHONES - 1) + 1;
    let emails = input.emails.len().clamp(1, MAX_EMAILS - 1) + 1;
    let contact_fields = (0..phones)
        .map(|i| {
            Field::input(
                t,
                "tel",
                &format!("phones[{i}]"),
                format!("{} {}", s.phone_n, i + 1),
            )
            .value(input.phones.get(i).map_or("", String::as_str))
            .autocomplete("tel")
            .errors(errors)
        })
        .chain((0..emails).map(|i| {
            Field::email(
                t,
                &format!("emails[{i}]"),
                format!("{} {}", s.email_n, i + 1),
            )
            .value(input.emails.get(i).map_or("", String::as_str))
            .errors(errors)
        }))
        .collect();
    let modes = vec![
        SelectOption::new("postpaid", s.mode_postpaid),
        SelectOption::new("prepaid", s.mode_prepaid),
    ];
    let mode = if input.billing_mode.is_empty() {
        "postpaid"
    } else {
        input.billing_mode.as_str()
    };
    FormContent {
        s,
        summary: ErrorSummary::new(t, errors),
        action,
        csrf,
        version: form.version,
        person: input.kind != "organisation",
        kind_error: errors.get("kind").map(str::to_owned),
        account: creating.then(|| {
            text("account_number", s.account_number, &form.account_number)
                .hint(s.account_number_hint)
        }),
        person_fields: vec![
            text("surname", s.surname, &input.surname).autocomplete("family-name"),
            text("name", s.first_name, &input.name).autocomplete("given-name"),
            text("patronymic", s.patronymic, &input.patronymic).autocomplete("additional-name"),
        ],
        organisation_fields: vec![
            text(
                "organisation_name",
                s.organisation_name,
                &input.organisation_name,
            )
            .autocomplete("organization"),
            text("inn", s.inn, &input.inn),
            text("kpp", s.kpp, &input.kpp),
        ],
        contact_fields,
        premises_fields: vec![
            Field::select(t, "building_id", s.building, buildings)
                .value(&input.building_id)
                .hint(s.building_hint)
                .errors(errors),
            text("postcode", s.postcode, &input.postcode).autocomplete("postal-code"),
            text("region", s.region, &input.region),
            text("city", s.city, &input.city),
            text("street", s.street, &input.street),
            text("house", s.house, &input.house),
            text("building", s.building_part, &input.building),
            text("flat", s.flat, &input.flat),
            Field::text(t, "area", s.area)
                .value(&input.area)
                .errors(errors),
            Field::input(t, "number", "residents", s.residents)
                .value(&input.residents)
                .errors(errors),
        ],
        account_fields: vec![
            Field::select(t, "billing_mode", s.billing_mode, modes)
                .value(mode)
                .required()
                .errors(errors),
            text("tags", s.tags, &input.tags.join(", ")).hint(s.tags_hint),
            text("opened_on", s.opened_on, &display_date(&input.opened_on)).hint(s.opened_on_hint),
            Field::textarea(t, "notes", s.notes)
                .value(&input.notes)
                .errors(errors),
        ],
        cancel_href,
    }
}

async fn building_options(
    services: &Services,
    tenant: &crm_domain::TenantId,
) -> Result<Vec<SelectOption>, Problem> {
    let (list, _) = buildings::list(&services.db.tenant(tenant), None, 500).await?;
    Ok(list
        .iter()
        .map(|b| SelectOption::new(b.id.clone(), b.title()))
        .collect())
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page")]
async fn render(
    services: &Services,
    context: &RequestContext,
    chrome: Chrome,
    form: &Submitted,
    errors: &FieldErrors,
    creating: bool,
    action: String,
    cancel_href: String,
) -> Response {
    let s = texts(chrome.lang);
    let Ok(tenant) = tenant_of(context) else {
        return Problem::not_found().into_response();
    };
    let buildings = match building_options(services, &tenant).await {
        Ok(options) => options,
        Err(problem) => return problem.into_response(),
    };
    let chrome = tenant_chrome(chrome, context, services).await;
    let content = form_content(FormParts {
        t: chrome.t,
        s,
        form,
        errors,
        creating,
        action,
        csrf: chrome.csrf_token.clone(),
        buildings,
        cancel_href,
    });
    let title = if creating { s.new_title } else { s.edit_title };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Page::new(chrome, title, content)).into_response()
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct NewParams {
    building_id: Option<String>,
}

async fn new_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    params: Result<axum::extract::Query<NewParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let mut form = Submitted::default();
    if let Ok(axum::extract::Query(params)) = params {
        form.input.building_id = params.building_id.unwrap_or_default();
    }
    render(
        &services,
        &context,
        chrome,
        &form,
        &FieldErrors::new(),
        true,
        LIST.to_owned(),
        LIST.to_owned(),
    )
    .await
}

fn refused(lang: Lang, error: &SubscriberError) -> Option<String> {
    let s = texts(lang);
    match error {
        SubscriberError::VersionMismatch => Some(s.version_conflict.to_owned()),
        SubscriberError::TooManyChanges => Some(s.too_many_changes.to_owned()),
        SubscriberError::NumbersExhausted => Some(s.numbers_exhausted.to_owned()),
        _ => None,
    }
}

async fn create(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let Ok(Form(pairs)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let form = Submitted::from_pairs(pairs);
    let new = NewSubscriber {
        account_number: Some(form.account_number.clone()),
        input: form.input.clone(),
    };
    let mut errors = FieldErrors::new();
    let mut chrome = chrome;
    match subscribers::create(&services, &tenant, &context.audit(), &new).await {
        Ok(subscriber) => {
            let flash = Flash::success((texts(lang).created)(subscriber.account_number.as_str()));
            return FlashKeys::from_services(&services).redirect(
                &card_href(&subscriber.id),
                &flash,
                &headers,
            );
        }
        Err(SubscriberError::Invalid(invalid)) => {
            errors = field_errors(lang, &invalid, form_field);
        }
        Err(SubscriberError::DuplicateAccountNumber) => {
            errors.add("account_number", message(lang, "account_number_taken"));
        }
        Err(e) => match refused(lang, &e) {
            Some(text) => chrome = chrome.with_flash(Flash::error(text)),
            None => return format.respond(super::problem(lang, e, str::to_owned)),
        },
    }
    render(
        &services,
        &context,
        chrome,
        &form,
        &errors,
        true,
        LIST.to_owned(),
        LIST.to_owned(),
    )
    .await
    .into_response()
    .with_status_if(StatusCode::UNPROCESSABLE_ENTITY)
}

/// Sets the status of a rendered page that had a refusal to show.
trait WithStatus {
    fn with_status_if(self, status: StatusCode) -> Response;
}

impl WithStatus for Response {
    fn with_status_if(mut self, status: StatusCode) -> Response {
        if self.status() == StatusCode::OK {
            *self.status_mut() = status;
        }
        self
    }
}

async fn edit_form(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(id): Path<String>,
) -> Response {
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let (subscriber, version) = match subscribers::get(&services.db.tenant(&tenant), &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    };
    let form = Submitted {
        input: subscriber.facts.to_input(),
        account_number: subscriber.account_number.to_string(),
        version: Some(version),
    };
    render(
        &services,
        &context,
        chrome,
        &form,
        &FieldErrors::new(),
        false,
        card_href(&id),
        card_href(&id),
    )
    .await
}

async fn save(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let Ok(Form(pairs)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    let mut form = Submitted::from_pairs(pairs);
    let result = subscribers::update(
        &services,
        &tenant,
        &context.audit(),
        &id,
        form.version,
        &form.input,
    )
    .await;
    let mut chrome = chrome;
    let errors = match result {
        Ok((_, changed)) => {
            let flash = if changed {
                Flash::success(s.saved)
            } else {
                Flash::info(s.nothing_changed)
            };
            return FlashKeys::from_services(&services).redirect(&card_href(&id), &flash, &headers);
        }
        Err(SubscriberError::Invalid(invalid)) => field_errors(lang, &invalid, form_field),
        Err(SubscriberError::NotFound) => return format.respond(Problem::not_found()),
        Err(e) => match refused(lang, &e) {
            Some(text) => {
                chrome = chrome.with_flash(Flash::error(text));
                // The next save goes over what is there now, which the person has been told.
                if let Ok(Some((_, version))) =
                    subscribers::get(&services.db.tenant(&tenant), &id).await
                {
                    form.version = Some(version);
                }
                FieldErrors::new()
            }
            None => return format.respond(super::problem(lang, e, str::to_owned)),
        },
    };
    render(
        &services,
        &context,
        chrome,
        &form,
        &errors,
        false,
        card_href(&id),
        card_href(&id),
    )
    .await
    .with_status_if(StatusCode::UNPROCESSABLE_ENTITY)
}

async fn change_status(
    State(services): State<Services>,
    context: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let s = texts(lang);
    let Ok(Form(pairs)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&context) {
        Ok(tenant) => tenant,
        Err(problem) => return format.respond(problem),
    };
    match subscribers::get(&services.db.tenant(&tenant), &id).await {
        Ok(Some(_)) => {}
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(Problem::from(e)),
    }
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let change = match value("action").as_str() {
        "close" => StatusChange::Close,
        "reopen" => StatusChange::Reopen,
        "suspend" => StatusChange::Suspend,
        _ => return format.respond(Problem::bad_request("invalid_form", "unknown action")),
    };
    let keys = FlashKeys::from_services(&services);
    let back = card_href(&id);
    let date = value("date");
    let on = if date.is_empty() {
        None
    } else {
        match parse_date(&date) {
            Some(on) => Some(on),
            None => {
                return keys.redirect(
                    &back,
                    &Flash::error(message(lang, "date_invalid")),
                    &headers,
                );
            }
        }
    };
    let reason = value("reason");
    let result = subscribers::change_status(
        &services,
        &tenant,
        &context.audit(),
        &id,
        value("version").parse().ok(),
        change,
        on,
        Some(reason.as_str()).filter(|r| !r.is_empty()),
    )
    .await;
    let flash = match result {
        Ok(subscriber) => Flash::success((s.status_changed)(status_label(
            s,
            subscriber.status.status,
        ))),
        Err(SubscriberError::Invalid(invalid)) => Flash::error(
            invalid
                .first()
                .map_or(s.invalid_filter, |i| message(lang, i.code)),
        ),
        Err(SubscriberError::NotFound) => return format.respond(Problem::not_found()),
        Err(e) => match refused(lang, &e) {
            Some(text) => Flash::error(text),
            None => return format.respond(super::problem(lang, e, str::to_owned)),
        },
    };
    keys.redirect(&back, &flash, &headers)
}
