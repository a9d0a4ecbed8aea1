//! What the API and the pages share: receiving the multipart upload as a stream, and turning
//! flow errors into problems.

use axum::extract::multipart::{Multipart, MultipartRejection};
use crm_app::Services;
use crm_app::imports::flow::{self, ImportKind, StartError, Upload, UploadError, UploadSink};
use crm_app::progress::{self, JobStatus};
use crm_domain::TenantId;
use crm_domain::access::{Action, Resource};
use crm_web::access::RequestContext;
use crm_web::i18n::Lang;
use crm_web::problem::{FieldError, Problem};

use crate::services_common::allows;
pub(crate) use crate::subscribers::tenant_of;

/// Uploads bigger than this are cut off by the server before any handler runs; the sink
/// refuses anything past [`flow::MAX_UPLOAD_BYTES`] with a field message first.
pub const BODY_LIMIT: usize = flow::MAX_UPLOAD_BYTES as usize + 64 * 1024;

#[expect(
    clippy::result_large_err,
    reason = "Problem is the one error of every handler; it is built once per failed request"
)]
pub fn kind_of(ctx: &RequestContext, slug: &str) -> Result<ImportKind, Problem> {
    let kind = ImportKind::parse(slug).ok_or_else(Problem::not_found)?;
    // The routes need `subscribers:create` (one permission per route); a kind that writes
    // something else needs that permission too, before any file is received.
    let own = match kind {
        ImportKind::Readings => Some((Resource::Readings, Action::Create)),
        ImportKind::Subscribers | ImportKind::ServiceLinks => None,
    };
    match own {
        Some((resource, action)) if !allows(ctx, resource, action) => Err(Problem::forbidden()),
        _ => Ok(kind),
    }
}

fn field_problem(code: &str, ru: &str, en: &str, lang: Lang) -> Problem {
    let message = match lang {
        Lang::Ru => ru,
        Lang::En => en,
    };
    Problem::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        code,
        "The file cannot be imported",
    )
    .detail(message)
    .field_errors(vec![FieldError {
        field: "file".into(),
        message: message.into(),
    }])
}

pub fn upload_problem(error: UploadError, lang: Lang) -> Problem {
    match error {
        UploadError::NoFile => {
            field_problem("file_missing", "Выберите файл", "Choose a file", lang)
        }
        UploadError::TooLarge { limit_bytes } => {
            let mb = limit_bytes / (1024 * 1024);
            field_problem(
                "file_too_large",
                &format!("Файл больше {mb} МБ. Разделите его на части."),
                &format!("The file is larger than {mb} MB. Split it into parts."),
                lang,
            )
        }
        UploadError::NotReceived => field_problem(
            "file_not_received",
            "Файл не дошёл до хранилища. Загрузите его снова.",
            "The file did not reach the file store. Upload it again.",
            lang,
        ),
        UploadError::NotFound => Problem::not_found(),
        UploadError::VersionMismatch => Problem::conflict(
            "version_mismatch",
            match lang {
                Lang::Ru => "Настройки загрузки изменили в другом окне; откройте её заново",
                Lang::En => "The import was changed elsewhere; open it again",
            },
        ),
        UploadError::Store(e) => Problem::from(e),
        other => {
            tracing::error!(error = %other, "storing an upload failed");
            Problem::internal()
        }
    }
}

pub fn start_problem(error: StartError) -> Problem {
    match error {
        StartError::NotFound => Problem::not_found(),
        StartError::Store(e) => Problem::from(e),
        StartError::Queue(e) => {
            tracing::error!(error = %e, "sending an import job failed");
            Problem::internal()
        }
    }
}

/// Streams the multipart field `file` into a sink; returns it with the file's name.
pub async fn receive(
    multipart: Result<Multipart, MultipartRejection>,
    lang: Lang,
) -> Result<(String, UploadSink), Problem> {
    let bad = || Problem::bad_request("invalid_form", "the upload could not be read");
    let mut multipart = multipart.map_err(|_| bad())?;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| bad())? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let mut sink = UploadSink::new(flow::MAX_UPLOAD_BYTES).map_err(|e| {
            tracing::error!(error = %e, "no temporary file for an upload");
            Problem::internal()
        })?;
        while let Some(chunk) = field.chunk().await.map_err(|_| bad())? {
            sink.write(&chunk).map_err(|e| upload_problem(e, lang))?;
        }
        return Ok((name, sink));
    }
    Err(upload_problem(UploadError::NoFile, lang))
}

pub async fn store_upload(
    services: &Services,
    ctx: &RequestContext,
    kind: ImportKind,
    name: &str,
    sink: UploadSink,
    lang: Lang,
) -> Result<Upload, Problem> {
    let tenant = tenant_of(ctx)?;
    flow::uploads::create(services, &tenant, &ctx.audit(), kind, name, sink)
        .await
        .map_err(|e| upload_problem(e, lang))
}

pub async fn find_upload(
    services: &Services,
    tenant: &TenantId,
    id: &str,
) -> Result<Upload, Problem> {
    let db = services.db.tenant(tenant);
    flow::uploads::get(&db, id)
        .await
        .map_err(Problem::from)?
        .map(|(upload, _)| upload)
        .ok_or_else(Problem::not_found)
}

/// An import job of the tenant (other kinds of job answer 404 here).
pub async fn find_job(
    services: &Services,
    tenant: &TenantId,
    id: &str,
) -> Result<(JobStatus, ImportKind), Problem> {
    if !crm_app::subscribers::is_id(id) {
        return Err(Problem::not_found());
    }
    let db = services.db.tenant(tenant);
    let (status, _) = progress::get(&db, id)
        .await
        .map_err(Problem::from)?
        .ok_or_else(Problem::not_found)?;
    let kind = ImportKind::from_job_kind(&status.kind).ok_or_else(Problem::not_found)?;
    Ok((status, kind))
}

/// A link to the job's error report, valid for an hour.
pub async fn report_url(services: &Services, status: &JobStatus) -> Option<String> {
    let key = status.report_key.as_deref()?;
    match services
        .blobs
        .presign_get(key, std::time::Duration::from_secs(3600))
        .await
    {
        Ok(url) => Some(url),
        Err(e) => {
            tracing::warn!(error = %e, job_id = %status.id, "no link to an import report");
            None
        }
    }
}
