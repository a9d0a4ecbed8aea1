//! The logo: uploaded from the settings page (multipart; the CSRF token travels in the query,
//! as multipart bodies are not buffered for it), removed, and served to every visitor of the
//! tenant's host with headers that keep even a crafted SVG inert.

use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::settings::{self, SettingsError};
use crm_domain::logo::MAX_LOGO_BYTES;
use crm_web::access::RequestContext;
use crm_web::error_page::ErrorFormat;
use crm_web::flash::{Flash, FlashKeys};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::Chrome;

use super::settings_api::settings_problem;
use super::settings_page::{PATH, texts, with_logo_error};
use super::tenant_of;

pub async fn upload(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let tenant = match tenant_of(&ctx) {
        Ok(tenant) => tenant,
        Err(none) => return format.respond(none.into()),
    };
    let lang = chrome.lang;
    let bytes = match read_logo(multipart).await {
        Ok(bytes) => bytes,
        Err(problem) => return format.respond(problem),
    };
    match settings::upload_logo(&services, &ctx.audit(), &tenant, bytes).await {
        Ok(_) => FlashKeys::from_services(&services).redirect(
            &format!("{PATH}#branding"),
            &Flash::success(texts(lang).logo_saved),
            &headers,
        ),
        Err(SettingsError::Invalid(invalid)) => {
            let message = invalid
                .messages(lang == Lang::Ru)
                .into_iter()
                .map(|(_, message)| message)
                .next()
                .unwrap_or_default();
            match with_logo_error(&services, &ctx, &tenant, chrome, message).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(problem) => format.respond(problem),
            }
        }
        Err(other) => format.respond(settings_problem(other, lang)),
    }
}

/// The `logo` file of the form. A file over the limit is cut one byte past it, so the use
/// case refuses it as too large without the whole of it in memory.
async fn read_logo(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<axum::body::Bytes, Problem> {
    let bad = || Problem::bad_request("invalid_form", "the upload could not be read");
    let mut multipart = multipart.map_err(|_| bad())?;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| bad())? {
        if field.name() != Some("logo") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| bad())? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_LOGO_BYTES {
                bytes.truncate(MAX_LOGO_BYTES + 1);
                break;
            }
        }
        return Ok(bytes.into());
    }
    Ok(axum::body::Bytes::new())
}

pub async fn remove(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    headers: HeaderMap,
) -> Response {
    let tenant = match tenant_of(&ctx) {
        Ok(tenant) => tenant,
        Err(none) => return format.respond(none.into()),
    };
    let lang = chrome.lang;
    match settings::remove_logo(&services, &ctx.audit(), &tenant).await {
        Ok(()) => FlashKeys::from_services(&services).redirect(
            &format!("{PATH}#branding"),
            &Flash::success(texts(lang).logo_removed),
            &headers,
        ),
        Err(other) => format.respond(settings_problem(other, lang)),
    }
}

/// The logo of the host's tenant. Links carry `?v=<logo id>`, so each version can be cached
/// for a day; an SVG is sandboxed so it could not run anything even if opened on its own.
pub async fn serve(
    State(services): State<Services>,
    ctx: RequestContext,
    format: ErrorFormat,
) -> Response {
    let Some(tenant) = ctx.host_tenant().cloned() else {
        return format.respond(Problem::not_found());
    };
    let logo = match settings::logo(&services, &tenant).await {
        Ok(Some(logo)) => logo,
        Ok(None) => return format.respond(Problem::not_found()),
        Err(e) => return format.respond(settings_problem(e, Lang::default())),
    };
    let mut response = logo.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&logo.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
