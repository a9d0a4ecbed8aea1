//! `/api/v1/settings`: read all sections, replace one, upload or remove the logo.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Datelike;
use crm_app::Services;
use crm_app::settings::{self, Fields, SectionName, SettingsError, TenantSettings};
use crm_app::validation::Invalid;
use crm_web::access::RequestContext;
use crm_web::extract;
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tenant_of;

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    pub branding: BrandingView,
    pub invoice_numbering: NumberingView,
    pub account_numbering: AccountNumberingBody,
    pub payments: PaymentsBody,
    pub meter_readings: MeterReadingsBody,
    pub meter_validation: MeterValidationBody,
    pub meter_estimation: MeterEstimationBody,
    pub notifications: NotificationsBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrandingView {
    pub display_name: Option<String>,
    #[schema(example = "#206bc4")]
    pub accent_colour: Option<String>,
    /// Path of the logo on the tenant's host, when one was uploaded.
    pub logo_url: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberingView {
    #[schema(example = "ЖКХ")]
    pub prefix: String,
    pub include_year: bool,
    #[schema(example = 6)]
    pub counter_width: u8,
    #[schema(example = 1)]
    pub start_value: u64,
    /// The first number of the current year under this pattern.
    #[schema(example = "ЖКХ-2026-000001")]
    pub preview: String,
}

/// `PUT /api/v1/settings/branding`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BrandingBody {
    /// 1..=100 characters; null or empty for the registered name.
    pub display_name: Option<String>,
    /// `#rrggbb`; null or empty for the default.
    pub accent_colour: Option<String>,
}

/// `PUT /api/v1/settings/invoice_numbering`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberingBody {
    /// Up to 10 letters, digits, `-`, `/`.
    pub prefix: String,
    pub include_year: bool,
    /// 1..=10.
    pub counter_width: u8,
    /// At least 1.
    pub start_value: u64,
}

/// `PUT /api/v1/settings/payments`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentsBody {
    /// Day of the month, 1..=28.
    pub due_day: u8,
}

/// `PUT /api/v1/settings/meter_readings`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeterReadingsBody {
    /// 1..=31, not after `to_day`.
    pub from_day: u8,
    pub to_day: u8,
}

/// `PUT /api/v1/settings/meter_validation`: when an accepted reading is flagged for review.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeterValidationBody {
    /// A monthly consumption above this multiple of the recent average is flagged (decimal).
    #[schema(example = "10")]
    pub average_factor: String,
    /// Months the average is taken over, 1..=36.
    pub average_months: u32,
    /// Monthly cap per zone by meter kind (`cap_cold_water`, `cap_hot_water`,
    /// `cap_electricity`, `cap_electricity_two_zone`, `cap_electricity_three_zone`, `cap_heat`,
    /// `cap_gas`); on input, a missing one keeps the kind's default.
    pub caps: std::collections::BTreeMap<String, String>,
}

/// `PUT /api/v1/settings/account_numbering`: generated personal-account numbers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountNumberingBody {
    /// Letters, digits, `-` and `/` before the counter (`ЛС-`); may be empty.
    #[schema(example = "ЛС-")]
    pub account_prefix: String,
    /// Digits of the zero-padded counter, 1..=12.
    pub account_width: u32,
}

/// `PUT /api/v1/settings/meter_estimation`: estimating missing readings (Decree 354 p. 59-60).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeterEstimationBody {
    /// Months of real readings the average is taken over, 1..=36 (default 6).
    pub average_months: u32,
    /// Periods in a row estimated by the average before the norm applies, 0..=12 (default 3).
    pub max_average_periods: u32,
}

/// `PUT /api/v1/settings/notifications`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationsBody {
    /// Display name of the e-mail sender, up to 64 characters.
    pub email_from_name: Option<String>,
    /// 1..=11 Latin letters and digits.
    pub sms_sender: Option<String>,
}

/// One section's new value; which one the path says.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(
    dead_code,
    reason = "documents the accepted bodies; handlers read the JSON object"
)]
pub enum SectionBody {
    Branding(BrandingBody),
    InvoiceNumbering(NumberingBody),
    Payments(PaymentsBody),
    MeterReadings(MeterReadingsBody),
    MeterValidation(MeterValidationBody),
    MeterEstimation(MeterEstimationBody),
    AccountNumbering(AccountNumberingBody),
    Notifications(NotificationsBody),
}

pub fn view(settings: &TenantSettings, year: i32) -> SettingsView {
    let b = &settings.branding;
    let n = &settings.invoice_numbering;
    SettingsView {
        branding: BrandingView {
            display_name: b.display_name.clone(),
            accent_colour: b.accent_colour.as_ref().map(ToString::to_string),
            logo_url: b
                .logo
                .as_ref()
                .map(|logo| format!("{}?v={}", settings::LOGO_PATH, logo.id)),
        },
        invoice_numbering: NumberingView {
            prefix: n.prefix().to_owned(),
            include_year: n.include_year(),
            counter_width: n.counter_width(),
            start_value: n.start_value(),
            preview: n.preview(year),
        },
        payments: PaymentsBody {
            due_day: settings.payments.due_day.day(),
        },
        meter_readings: MeterReadingsBody {
            from_day: settings.meter_readings.from_day(),
            to_day: settings.meter_readings.to_day(),
        },
        meter_validation: MeterValidationBody {
            average_factor: settings
                .meter_validation
                .average_factor
                .normalize()
                .to_string(),
            average_months: settings.meter_validation.average_months,
            caps: crm_domain::meter::MeterKind::ALL
                .iter()
                .map(|k| {
                    (
                        settings::cap_field(*k),
                        settings.meter_validation.cap(*k).normalize().to_string(),
                    )
                })
                .collect(),
        },
        account_numbering: AccountNumberingBody {
            account_prefix: settings.account_numbering.prefix.clone(),
            account_width: settings.account_numbering.width,
        },
        meter_estimation: MeterEstimationBody {
            average_months: settings.meter_estimation.average_months,
            max_average_periods: settings.meter_estimation.max_average_periods,
        },
        notifications: NotificationsBody {
            email_from_name: settings.notifications.email_from_name.clone(),
            sms_sender: settings
                .notifications
                .sms_sender
                .as_ref()
                .map(ToString::to_string),
        },
    }
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

pub fn settings_problem(error: SettingsError, lang: Lang) -> Problem {
    match error {
        SettingsError::Invalid(invalid) => invalid_problem(&invalid, lang),
        SettingsError::Conflict => Problem::conflict(
            "conflict",
            lang.pick(
                super::settings_texts::RU.conflict,
                super::settings_texts::EN.conflict,
            )
            .to_owned(),
        ),
        SettingsError::Store(e) => Problem::from(e),
        SettingsError::Blob(e) => {
            tracing::error!(error = %e, "blob store failure");
            Problem::unavailable("the file store is unavailable, try again shortly")
        }
    }
}

/// Every settings section; unset ones show their defaults.
#[utoipa::path(
    get,
    path = "/api/v1/settings",
    tag = "settings",
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        (status = 401, description = "No valid session or API key", body = Problem),
        (status = 403, description = "No `settings:read`", body = Problem),
    )
)]
pub async fn get_settings(
    State(services): State<Services>,
    ctx: RequestContext,
) -> Result<Json<SettingsView>, Problem> {
    let tenant = tenant_of(&ctx)?;
    let (settings, _) = settings::load(&services.db, &tenant).await?;
    Ok(Json(view(&settings, services.clock.now().year())))
}

/// Replaces one section: `branding`, `invoice_numbering`, `payments`, `meter_readings`,
/// `account_numbering`, `meter_validation`, `meter_estimation` or `notifications` (`meter_validation` takes
/// `average_factor`, `average_months` and `cap_<kind>` fields). The change is audited with its field-by-field difference.
#[utoipa::path(
    put,
    path = "/api/v1/settings/{section}",
    tag = "settings",
    params(("section" = String, Path, description = "branding, invoice_numbering, account_numbering, payments, meter_readings, meter_validation, meter_estimation, notifications")),
    request_body = SectionBody,
    responses(
        (status = 200, description = "Saved; all settings", body = SettingsView),
        (status = 404, description = "No such section", body = Problem),
        (status = 409, description = "Saved by someone else meanwhile (`conflict`)", body = Problem),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = Problem),
        (status = 403, description = "No `settings:update`", body = Problem),
    )
)]
pub async fn put_section(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(section): Path<String>,
    extract::Json(body): extract::Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<SettingsView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let tenant = tenant_of(&ctx)?;
    let name = SectionName::parse(&section).ok_or_else(Problem::not_found)?;
    let settings = settings::save_named(
        &services,
        &ctx.audit(),
        &tenant,
        name,
        &Fields::from_json(&body),
    )
    .await
    .map_err(|e| settings_problem(e, lang))?;
    Ok(Json(view(&settings, services.clock.now().year())))
}

/// Uploads the logo as the raw request body; its type is read from its first bytes.
#[utoipa::path(
    put,
    path = "/api/v1/settings/branding/logo",
    tag = "settings",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "PNG, JPEG or SVG, at most 512 KiB"),
    responses(
        (status = 200, description = "Uploaded; all settings", body = SettingsView),
        (status = 422, description = "Too big, not an image, or an SVG with scripts (`validation_failed`, field `logo`)", body = Problem),
    )
)]
pub async fn put_logo(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SettingsView>, Problem> {
    let lang = Lang::from_headers(&headers);
    let tenant = tenant_of(&ctx)?;
    settings::upload_logo(&services, &ctx.audit(), &tenant, body)
        .await
        .map_err(|e| settings_problem(e, lang))?;
    let (settings, _) = settings::load(&services.db, &tenant).await?;
    Ok(Json(view(&settings, services.clock.now().year())))
}

/// Removes the logo.
#[utoipa::path(
    delete,
    path = "/api/v1/settings/branding/logo",
    tag = "settings",
    responses(
        (status = 204, description = "Removed (or there was none)"),
    )
)]
pub async fn delete_logo(
    State(services): State<Services>,
    ctx: RequestContext,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    let lang = Lang::from_headers(&headers);
    let tenant = tenant_of(&ctx)?;
    settings::remove_logo(&services, &ctx.audit(), &tenant)
        .await
        .map_err(|e| settings_problem(e, lang))?;
    Ok(StatusCode::NO_CONTENT)
}
