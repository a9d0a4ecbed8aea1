//! `/settings`: every section as its own form; saving one redirects back with a message, or
//! shows the page again with that form's errors.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use crm_app::Services;
use crm_app::settings::{self, Fields, Section, SectionName, SettingsError, TenantSettings};
use crm_domain::TenantId;
use crm_domain::invoice_number::InvoiceNumbering;
use crm_domain::tenant_settings::ReadingWindow;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::{Chrome, ErrorSummary, Field, FieldErrors, Page};

use super::settings_api::settings_problem;
use super::settings_texts::{EN, RU, SettingsTexts};
use super::{UPDATE, tenant_of};

pub const PATH: &str = "/settings";

pub fn texts(lang: Lang) -> &'static SettingsTexts {
    lang.pick(&RU, &EN)
}

/// One section's form.
pub struct SectionForm {
    pub name: &'static str,
    pub heading: &'static str,
    pub summary: ErrorSummary,
    pub fields: Vec<Field>,
    /// Shown under the fields (the numbering preview).
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/page.html")]
pub struct SettingsPage {
    pub st: &'static SettingsTexts,
    pub can_update: bool,
    pub csrf: String,
    pub sections: Vec<SectionForm>,
    pub logo_url: Option<String>,
    pub logo_error: Option<String>,
}

/// The frame of a tenant page (navigation, the signed-in user, the tenant's branding).
pub async fn tenant_chrome(services: &Services, ctx: &RequestContext, chrome: Chrome) -> Chrome {
    crm_web::chrome::tenant_chrome(chrome, ctx, services).await
}

fn section_form<S: Section>(
    heading: &'static str,
    fields: Vec<Field>,
    errors: Option<&FieldErrors>,
    t: &'static crm_web::i18n::Texts,
) -> SectionForm {
    let empty = FieldErrors::new();
    let errors = errors.unwrap_or(&empty);
    SectionForm {
        name: S::NAME.as_str(),
        heading,
        summary: ErrorSummary::new(t, errors),
        fields: fields.into_iter().map(|f| f.errors(errors)).collect(),
        note: None,
    }
}

/// The page, with `submitted` (a section's posted fields and their errors) shown in place of
/// the saved values of that section.
async fn page(
    services: &Services,
    ctx: &RequestContext,
    chrome: Chrome,
    saved: &TenantSettings,
    submitted: Option<(SectionName, &Fields, &FieldErrors)>,
) -> Page<SettingsPage> {
    let (t, lang) = (chrome.t, chrome.lang);
    let st = texts(lang);
    let values = |name: SectionName, saved: Fields| match submitted {
        Some((section, fields, _)) if section == name => fields.clone(),
        _ => saved,
    };
    let errors_of = |name: SectionName| match submitted {
        Some((section, _, errors)) if section == name => Some(errors),
        _ => None,
    };
    let b = values(SectionName::Branding, saved.branding.to_fields());
    let colour = match b.get("accent_colour") {
        "" => crm_web::ui::Accent::default().hex(),
        hex => hex.to_owned(),
    };
    let n = values(
        SectionName::InvoiceNumbering,
        saved.invoice_numbering.to_fields(),
    );
    let p = values(SectionName::Payments, saved.payments.to_fields());
    let m = values(SectionName::MeterReadings, saved.meter_readings.to_fields());
    let est = values(
        SectionName::MeterEstimation,
        saved.meter_estimation.to_fields(),
    );
    let o = values(SectionName::Notifications, saved.notifications.to_fields());
    let acc = values(
        SectionName::AccountNumbering,
        saved.account_numbering.to_fields(),
    );
    let mut account_numbering = section_form::<settings::AccountNumberingSection>(
        st.h_account_numbering,
        vec![
            Field::text(t, "account_prefix", st.prefix)
                .value(acc.get("account_prefix"))
                .hint(st.account_prefix_hint),
            Field::input(t, "number", "account_width", st.account_width)
                .value(acc.get("account_width")),
        ],
        errors_of(SectionName::AccountNumbering),
        t,
    );
    account_numbering.note = Some((st.account_preview)(
        &saved
            .account_numbering
            .pattern()
            .format(1)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
    ));
    let v = values(
        SectionName::MeterValidation,
        saved.meter_validation.to_fields(),
    );
    let mut validation_fields = vec![
        Field::text(
            t,
            "average_factor",
            lang.pick(
                "Во сколько раз выше среднего — на проверку",
                "Flag above this multiple of the average",
            ),
        )
        .value(v.get("average_factor")),
        Field::input(
            t,
            "number",
            "average_months",
            lang.pick("Среднее за месяцев", "Average over months"),
        )
        .value(v.get("average_months")),
    ];
    for kind in crm_domain::meter::MeterKind::ALL {
        let name = settings::cap_field(kind);
        validation_fields.push(
            Field::text(
                t,
                &name,
                crm_app::meters::reasons::kind_name(kind, lang == crm_web::i18n::Lang::Ru),
            )
            .value(v.get(&name))
            .hint(lang.pick("Предел расхода в месяц на зону", "Monthly cap per zone")),
        );
    }
    let number = |name: &str, label: &'static str, value: &str| {
        Field::input(t, "number", name, label).value(value)
    };
    let mut numbering = section_form::<InvoiceNumbering>(
        st.h_numbering,
        vec![
            Field::text(t, "prefix", st.prefix)
                .value(n.get("prefix"))
                .hint(st.prefix_hint),
            Field::checkbox(t, "include_year", st.include_year, n.flag("include_year")),
            number("counter_width", st.counter_width, n.get("counter_width")),
            number("start_value", st.start_value, n.get("start_value")).hint(st.start_value_hint),
        ],
        errors_of(SectionName::InvoiceNumbering),
        t,
    );
    numbering.note = Some((st.preview)(
        &saved.invoice_numbering.preview(services.clock.now().year()),
    ));
    let sections = vec![
        section_form::<settings::BrandingSection>(
            st.h_branding,
            vec![
                Field::text(t, "display_name", st.display_name)
                    .value(b.get("display_name"))
                    .hint(st.display_name_hint),
                Field::input(t, "color", "accent_colour", st.accent_colour)
                    .value(colour)
                    .hint(st.accent_hint),
            ],
            errors_of(SectionName::Branding),
            t,
        ),
        numbering,
        account_numbering,
        section_form::<settings::PaymentsSection>(
            st.h_payments,
            vec![number("due_day", st.due_day, p.get("due_day")).hint(st.due_day_hint)],
            errors_of(SectionName::Payments),
            t,
        ),
        section_form::<ReadingWindow>(
            st.h_readings,
            vec![
                number("from_day", st.from_day, m.get("from_day")),
                number("to_day", st.to_day, m.get("to_day")).hint(st.window_hint),
            ],
            errors_of(SectionName::MeterReadings),
            t,
        ),
        section_form::<settings::MeterValidationSection>(
            lang.pick("Проверка показаний", "Reading checks"),
            validation_fields,
            errors_of(SectionName::MeterValidation),
            t,
        ),
        section_form::<settings::MeterEstimationSection>(
            st.h_estimation,
            vec![
                number(
                    "average_months",
                    st.average_months,
                    est.get("average_months"),
                )
                .hint(st.average_months_hint),
                number(
                    "max_average_periods",
                    st.max_average_periods,
                    est.get("max_average_periods"),
                )
                .hint(st.max_average_periods_hint),
            ],
            errors_of(SectionName::MeterEstimation),
            t,
        ),
        section_form::<settings::NotificationsSection>(
            st.h_notifications,
            vec![
                Field::text(t, "email_from_name", st.email_from_name)
                    .value(o.get("email_from_name"))
                    .hint(st.email_from_hint),
                Field::text(t, "sms_sender", st.sms_sender)
                    .value(o.get("sms_sender"))
                    .hint(st.sms_sender_hint),
            ],
            errors_of(SectionName::Notifications),
            t,
        ),
    ];
    let can_update = ctx.principal.as_ref().is_some_and(|p| p.allows(UPDATE));
    let chrome = tenant_chrome(services, ctx, chrome).await;
    let content = SettingsPage {
        st,
        can_update,
        csrf: chrome.csrf_token.clone(),
        sections,
        logo_url: saved
            .branding
            .logo
            .as_ref()
            .map(|logo| format!("{}?v={}", settings::LOGO_PATH, logo.id)),
        logo_error: None,
    };
    Page::new(chrome, st.title, content)
}

pub async fn show(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
) -> Response {
    let tenant = match tenant_of(&ctx) {
        Ok(tenant) => tenant,
        Err(none) => return format.respond(none.into()),
    };
    match settings::load(&services.db, &tenant).await {
        Ok((saved, _)) => page(&services, &ctx, chrome, &saved, None)
            .await
            .into_response(),
        Err(e) => format.respond(Problem::from(e)),
    }
}

/// The page with the logo form's error, for a refused upload.
pub async fn with_logo_error(
    services: &Services,
    ctx: &RequestContext,
    tenant: &TenantId,
    chrome: Chrome,
    message: String,
) -> Result<Page<SettingsPage>, Problem> {
    let (saved, _) = settings::load(&services.db, tenant).await?;
    let mut page = page(services, ctx, chrome, &saved, None).await;
    page.content.logo_error = Some(message);
    Ok(page)
}

pub async fn save(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    Path(section): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Some(name) = SectionName::parse(&section) else {
        return format.respond(Problem::not_found());
    };
    let Ok(Form(pairs)) = form else {
        return format.respond(Problem::bad_request(
            "invalid_form",
            "the form could not be read",
        ));
    };
    let tenant = match tenant_of(&ctx) {
        Ok(tenant) => tenant,
        Err(none) => return format.respond(none.into()),
    };
    let lang = chrome.lang;
    let fields = Fields(pairs.into_iter().filter(|(k, _)| k != "_csrf").collect());
    let result = settings::save_named(&services, &ctx.audit(), &tenant, name, &fields).await;
    match result {
        Ok(_) => FlashKeys::from_services(&services).redirect(
            &format!("{PATH}#{}", name.as_str()),
            &Flash::success(texts(lang).saved),
            &headers,
        ),
        Err(SettingsError::Invalid(invalid)) => {
            let mut errors = FieldErrors::new();
            for (field, message) in invalid.messages(lang == Lang::Ru) {
                errors.add(field, message);
            }
            let saved = match settings::load(&services.db, &tenant).await {
                Ok((saved, _)) => saved,
                Err(e) => return format.respond(Problem::from(e)),
            };
            let page = page(
                &services,
                &ctx,
                chrome,
                &saved,
                Some((name, &fields, &errors)),
            )
            .await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(SettingsError::Conflict) => FlashKeys::from_services(&services).redirect(
            PATH,
            &Flash::error(texts(lang).conflict),
            &headers,
        ),
        Err(other) => format.respond(settings_problem(other, lang)),
    }
}
