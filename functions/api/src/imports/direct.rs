//! Direct uploads (`crm_app::imports::flow::direct`): a link to put the file straight into the
//! blob store, then the upload recorded from the stored file. The upload page uses them when
//! the browser runs scripts (with a progress bar while the file travels); the multipart form
//! stays for the rest. API clients do the same with `upload-links` and `uploads/direct`.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use crm_app::Services;
use crm_app::imports::flow::direct::{self, UploadSlot};
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::error_page::ErrorFormat;
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use crm_web::ui::Chrome;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::api::{UploadDto, upload_dto};
use super::common::{kind_of, tenant_of, upload_problem};
use super::pages::upload_failed;
use crate::subscribers::CREATE;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    router
        .api(CREATE, routes!(api_upload_link))
        .api(CREATE, routes!(api_direct_upload))
        .page(
            Method::POST,
            "/imports/{kind}/upload-link",
            CREATE,
            post(page_upload_link),
        )
        .page(
            Method::POST,
            "/imports/{kind}/uploaded",
            CREATE,
            post(page_uploaded),
        )
}

/// The file about to be put.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadLinkRequest {
    pub file_name: String,
    /// Bytes; a file over the limit is refused before it travels.
    pub size: Option<u64>,
}

/// Where to put the file: `PUT` its bytes to `url` with `content_type` as the `Content-Type`
/// header, then post `key` to `/api/v1/imports/{kind}/uploads/direct`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UploadLinkDto {
    pub key: String,
    /// An S3 presigned URL on AWS; on the embedded platform a path on the API's own origin.
    pub url: String,
    pub method: &'static str,
    pub content_type: &'static str,
    pub expires_at: DateTime<Utc>,
}

impl From<UploadSlot> for UploadLinkDto {
    fn from(slot: UploadSlot) -> Self {
        Self {
            key: slot.key,
            url: slot.url,
            method: "PUT",
            content_type: slot.content_type,
            expires_at: slot.expires_at,
        }
    }
}

/// The file put through an upload link.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectUploadRequest {
    /// The `key` of the upload link.
    pub key: String,
    pub file_name: String,
}

async fn link(
    services: &Services,
    ctx: &RequestContext,
    lang: Lang,
    kind: &str,
    request: UploadLinkRequest,
) -> Result<UploadLinkDto, Problem> {
    kind_of(ctx, kind)?;
    let tenant = tenant_of(ctx)?;
    direct::reserve(services, &tenant, &request.file_name, request.size)
        .await
        .map(UploadLinkDto::from)
        .map_err(|e| upload_problem(e, lang))
}

/// A link to put a large file (up to 100 MB) straight into the file store, for files past what
/// a multipart request can carry through API Gateway (10 MB).
#[utoipa::path(
    post,
    path = "/api/v1/imports/{kind}/upload-links",
    tag = "imports",
    params(("kind" = String, Path, description = "`subscribers`, `service-links` or `readings`")),
    request_body = UploadLinkRequest,
    responses(
        (status = 201, description = "Where to put the file", body = UploadLinkDto),
        (status = 404, description = "No such import kind", body = Problem),
        (status = 422, description = "Empty or too large", body = Problem),
    )
)]
async fn api_upload_link(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(kind): Path<String>,
    Json(request): Json<UploadLinkRequest>,
) -> Result<Response, Problem> {
    let dto = link(&services, &context, lang, &kind, request).await?;
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// Records the file put through an upload link as an upload; answers how it reads, as a
/// multipart upload does. Posting the same key again answers the same upload.
#[utoipa::path(
    post,
    path = "/api/v1/imports/{kind}/uploads/direct",
    tag = "imports",
    params(("kind" = String, Path, description = "`subscribers`, `service-links` or `readings`")),
    request_body = DirectUploadRequest,
    responses(
        (status = 201, description = "Recorded; how it reads", body = UploadDto),
        (status = 404, description = "No such import kind, or not an upload key of this tenant", body = Problem),
        (status = 422, description = "The file is not in the store, is empty or too large", body = Problem),
    )
)]
async fn api_direct_upload(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(kind): Path<String>,
    Json(request): Json<DirectUploadRequest>,
) -> Result<Response, Problem> {
    let kind = kind_of(&context, &kind)?;
    let tenant = tenant_of(&context)?;
    let upload = direct::complete(
        &services,
        &tenant,
        &context.audit(),
        kind,
        &request.key,
        &request.file_name,
    )
    .await
    .map_err(|e| upload_problem(e, lang))?;
    let dto = upload_dto(&services, &upload, lang).await;
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// The page's script asks for a link (JSON in and out; CSRF in the header).
async fn page_upload_link(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    Path(kind): Path<String>,
    Json(request): Json<UploadLinkRequest>,
) -> Result<Json<UploadLinkDto>, Problem> {
    link(&services, &ctx, chrome.lang, &kind, request)
        .await
        .map(Json)
}

#[derive(Deserialize)]
struct UploadedForm {
    key: String,
    file_name: String,
}

/// The page's script says the file is in the store: on to the upload's card, or back to the
/// upload page with the reason.
async fn page_uploaded(
    State(services): State<Services>,
    ctx: RequestContext,
    chrome: Chrome,
    format: ErrorFormat,
    Path(kind): Path<String>,
    form: Result<Form<UploadedForm>, FormRejection>,
) -> Response {
    let lang = chrome.lang;
    let kind = match kind_of(&ctx, &kind) {
        Ok(kind) => kind,
        Err(problem) => return format.respond(problem),
    };
    let Ok(Form(form)) = form else {
        let problem = Problem::bad_request("invalid_form", "the form could not be read");
        return format.respond(problem);
    };
    let recorded = async {
        let tenant = tenant_of(&ctx)?;
        direct::complete(
            &services,
            &tenant,
            &ctx.audit(),
            kind,
            &form.key,
            &form.file_name,
        )
        .await
        .map_err(|e| upload_problem(e, lang))
    }
    .await;
    match recorded {
        Ok(upload) => Redirect::to(&format!("/imports/uploads/{}", upload.id)).into_response(),
        Err(problem) => upload_failed(&services, &ctx, chrome, format, kind, problem).await,
    }
}
