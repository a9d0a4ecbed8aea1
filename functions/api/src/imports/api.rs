//! `/api/v1/imports`: upload a file (multipart), see how it is read, change the choices, start a
//! dry run or an apply, follow the job and read its errors.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crm_app::Services;
use crm_app::imports::TextEncoding;
use crm_app::imports::flow::{self, Choices, ImportMode, ReportLine, Upload};
use crm_app::imports::mapping::{ColumnChoice, SavedMapping};
use crm_app::progress::JobView;
use crm_web::access::{AccessRouter, RequestContext};
use crm_web::i18n::Lang;
use crm_web::problem::Problem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::common::{
    BODY_LIMIT, find_job, find_upload, kind_of, receive, report_url, start_problem, store_upload,
    tenant_of, upload_problem,
};
use crate::subscribers::CREATE;

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    let (schemas, paths, upload) = routes!(api_upload);
    let upload = upload.layer(DefaultBodyLimit::max(BODY_LIMIT));
    router
        .api(CREATE, (schemas, paths, upload))
        .api(CREATE, routes!(api_get_upload))
        .api(CREATE, routes!(api_choose))
        .api(CREATE, routes!(api_start))
        .api(CREATE, routes!(api_job))
}

/// A column of the file and the field it feeds.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ColumnDto {
    pub header: String,
    /// The field's key, or `null` when the column is not read.
    pub field: Option<String>,
}

/// An upload and how its file reads with the current choices.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UploadDto {
    pub id: String,
    /// `subscribers`, `service-links` or `readings`.
    pub kind: String,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub revision: u32,
    /// `csv` or `xlsx`.
    pub format: Option<String>,
    /// Detected (or chosen) encoding of a CSV: `utf8` or `windows1251`.
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub header_row: Option<u64>,
    pub columns: Vec<ColumnDto>,
    /// Why the file cannot be imported as it is (missing columns, not a table).
    pub problems: Vec<String>,
    /// The first data rows.
    pub sample: Vec<Vec<String>>,
}

fn enum_code<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

pub(super) async fn upload_dto(services: &Services, upload: &Upload, lang: Lang) -> UploadDto {
    let mut dto = UploadDto {
        id: upload.id.clone(),
        kind: upload.kind.slug().to_owned(),
        file_name: upload.file_name.clone(),
        size: upload.size,
        sha256: upload.sha256.clone(),
        revision: upload.revision,
        format: upload.format.as_ref().and_then(enum_code),
        encoding: None,
        delimiter: None,
        header_row: None,
        columns: Vec::new(),
        problems: Vec::new(),
        sample: Vec::new(),
    };
    let message = |ru: String, en: String| match lang {
        Lang::Ru => ru,
        Lang::En => en,
    };
    match flow::uploads::preview(services, upload, 5).await {
        Ok(preview) => {
            dto.format = enum_code(&preview.detected.format);
            dto.encoding = preview.detected.encoding.as_ref().and_then(enum_code);
            dto.delimiter = preview.detected.delimiter.map(|d| (d as char).to_string());
            dto.header_row = Some(preview.header.number);
            let schema = upload.kind.schema();
            let mapping = preview.mapping.as_ref().ok().map(|(m, _)| m);
            dto.columns = preview
                .header
                .cells
                .iter()
                .enumerate()
                .map(|(i, header)| ColumnDto {
                    header: header.clone(),
                    field: mapping
                        .and_then(|m| m.field_of_column(i))
                        .map(|f| schema.fields[f].key.to_owned()),
                })
                .collect();
            let problems = match &preview.mapping {
                Ok((_, notes)) => notes.clone(),
                Err(problems) => problems.clone(),
            };
            dto.problems = problems
                .iter()
                .map(|p| message(p.message_ru(), p.message_en()))
                .collect();
            dto.sample = preview.sample.into_iter().map(|r| r.cells).collect();
        }
        Err(flow::PreviewError::File(e)) => {
            dto.problems.push(message(e.message_ru(), e.message_en()))
        }
        Err(flow::PreviewError::Blob(e)) => {
            tracing::error!(error = %e, upload_id = %upload.id, "an upload could not be read");
            dto.problems.push(message(
                "Файл сейчас недоступен, попробуйте позже".into(),
                "The file is unavailable now; try again later".into(),
            ));
        }
    }
    dto
}

/// Uploads a CSV (UTF-8 or Windows-1251, `;` `,` or tab) or XLSX file of `kind`
/// (`subscribers`, `service-links`, `readings`) as the multipart field `file`; answers how it reads.
#[utoipa::path(
    post,
    path = "/api/v1/imports/{kind}/uploads",
    tag = "imports",
    params(("kind" = String, Path, description = "`subscribers`, `service-links` or `readings`")),
    request_body(content_type = "multipart/form-data", description = "The field `file`"),
    responses(
        (status = 201, description = "Stored; how it reads", body = UploadDto),
        (status = 404, description = "No such import kind", body = Problem),
        (status = 422, description = "No file, or too large", body = Problem),
    )
)]
async fn api_upload(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(kind): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Problem> {
    let kind = kind_of(&context, &kind)?;
    let (name, sink) = receive(multipart, lang).await?;
    let upload = store_upload(&services, &context, kind, &name, sink, lang).await?;
    let dto = upload_dto(&services, &upload, lang).await;
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// An upload and how its file reads with the current choices.
#[utoipa::path(
    get,
    path = "/api/v1/imports/uploads/{id}",
    tag = "imports",
    params(("id" = String, Path, description = "Upload id")),
    responses(
        (status = 200, description = "The upload", body = UploadDto),
        (status = 404, description = "No such upload in this tenant", body = Problem),
    )
)]
async fn api_get_upload(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Json<UploadDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let upload = find_upload(&services, &tenant, &id).await?;
    Ok(Json(upload_dto(&services, &upload, lang).await))
}

/// How to read the file: overrides of what was detected, and the column mapping.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChoicesDto {
    /// `utf8` or `windows1251`; absent: detect.
    pub encoding: Option<String>,
    /// `;`, `,` or `tab`; absent: detect.
    pub delimiter: Option<String>,
    /// The XLSX sheet; absent: the first.
    pub sheet: Option<String>,
    /// The header's row number; absent: found automatically.
    pub header_row: Option<u64>,
    /// Field key (or `ignore`) by column header; remembered for the tenant's next file.
    pub columns: BTreeMap<String, String>,
}

pub(super) fn parse_choices(
    dto: &ChoicesDto,
    kind_fields: &[&str],
) -> Result<Choices, Vec<(String, String)>> {
    let mut wrong = Vec::new();
    let encoding = match dto.encoding.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("utf8") => Some(TextEncoding::Utf8),
        Some("windows1251") => Some(TextEncoding::Windows1251),
        Some(_) => {
            wrong.push(("encoding".to_owned(), "utf8 | windows1251".to_owned()));
            None
        }
    };
    let delimiter = match dto.delimiter.as_deref() {
        None | Some("") => None,
        Some("tab") | Some("\t") => Some(b'\t'),
        Some(";") => Some(b';'),
        Some(",") => Some(b','),
        Some(_) => {
            wrong.push(("delimiter".to_owned(), "; | , | tab".to_owned()));
            None
        }
    };
    let mut mapping = SavedMapping::default();
    for (header, field) in &dto.columns {
        match field.as_str() {
            "" | "ignore" => mapping.set(header, ColumnChoice::Ignore),
            key if kind_fields.contains(&key) => {
                mapping.set(header, ColumnChoice::Field(key.into()))
            }
            _ => wrong.push((format!("columns.{header}"), kind_fields.join(" | "))),
        }
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(Choices {
        encoding,
        delimiter,
        sheet: dto.sheet.clone().filter(|s| !s.trim().is_empty()),
        header_row: dto.header_row.filter(|&r| r > 0),
        mapping: (!mapping.columns.is_empty()).then_some(mapping),
    })
}

/// Saves how the file is read; the column mapping is remembered for the next file of the kind.
#[utoipa::path(
    put,
    path = "/api/v1/imports/uploads/{id}/choices",
    tag = "imports",
    params(("id" = String, Path, description = "Upload id")),
    request_body = ChoicesDto,
    responses(
        (status = 200, description = "How the file reads now", body = UploadDto),
        (status = 400, description = "An unknown encoding, delimiter or field", body = Problem),
        (status = 404, description = "No such upload in this tenant", body = Problem),
    )
)]
async fn api_choose(
    State(services): State<Services>,
    context: RequestContext,
    lang: Lang,
    Path(id): Path<String>,
    Json(dto): Json<ChoicesDto>,
) -> Result<Json<UploadDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let upload = find_upload(&services, &tenant, &id).await?;
    let keys: Vec<&str> = upload.kind.schema().fields.iter().map(|f| f.key).collect();
    let choices = parse_choices(&dto, &keys).map_err(|wrong| {
        Problem::bad_request("invalid_choice", "unknown value").field_errors(
            wrong
                .into_iter()
                .map(|(field, allowed)| crm_web::problem::FieldError {
                    field,
                    message: format!("one of {allowed}"),
                })
                .collect(),
        )
    })?;
    let upload = flow::uploads::choose(&services, &tenant, &context.audit(), &id, choices)
        .await
        .map_err(|e| upload_problem(e, lang))?;
    Ok(Json(upload_dto(&services, &upload, lang).await))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartDto {
    /// `dry_run`, `all_or_nothing` (the default of the UI) or `valid_rows`.
    pub mode: String,
}

/// An import job, its counts and its first errors.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportJobDto {
    #[schema(value_type = Object)]
    pub job: JobView,
    pub upload_id: Option<String>,
    /// The first 100 errors of the report (row, column, value, code, message, severity):
    /// rows refused.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<ReportLine>,
    /// The first 100 warnings of the report: rows stored (or, in a dry run, that would be)
    /// with flags for review.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<ReportLine>,
}

/// Starts a dry run or an apply of the upload as it reads now. The same start again (the
/// same upload, choices and mode) answers the job already there.
#[utoipa::path(
    post,
    path = "/api/v1/imports/uploads/{id}/jobs",
    tag = "imports",
    params(("id" = String, Path, description = "Upload id")),
    request_body = StartDto,
    responses(
        (status = 202, description = "Queued (or running, or done)", body = ImportJobDto),
        (status = 400, description = "Unknown mode", body = Problem),
        (status = 404, description = "No such upload in this tenant", body = Problem),
    )
)]
async fn api_start(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
    Json(dto): Json<StartDto>,
) -> Result<Response, Problem> {
    let tenant = tenant_of(&context)?;
    let mode = ImportMode::parse(&dto.mode).ok_or_else(|| {
        Problem::bad_request(
            "invalid_mode",
            "mode is dry_run, all_or_nothing or valid_rows",
        )
    })?;
    let status = flow::start(&services, &tenant, &context.audit(), &id, mode)
        .await
        .map_err(start_problem)?;
    let dto = ImportJobDto {
        job: JobView::new(&status, None),
        upload_id: Some(id),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    Ok((StatusCode::ACCEPTED, Json(dto)).into_response())
}

/// An import job's progress, counts, report link, first errors and first warnings.
#[utoipa::path(
    get,
    path = "/api/v1/imports/jobs/{id}",
    tag = "imports",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = ImportJobDto),
        (status = 404, description = "No such import job in this tenant", body = Problem),
    )
)]
async fn api_job(
    State(services): State<Services>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<ImportJobDto>, Problem> {
    let tenant = tenant_of(&context)?;
    let (status, _) = find_job(&services, &tenant, &id).await?;
    let lines = match status.report_key.as_deref() {
        Some(key) => flow::report_lines(&services, key, 100)
            .await
            .unwrap_or_default(),
        None => Default::default(),
    };
    Ok(Json(ImportJobDto {
        job: JobView::new(&status, report_url(&services, &status).await),
        upload_id: flow::jobs::upload_of_job(&status.id).map(str::to_owned),
        errors: lines.errors,
        warnings: lines.warnings,
    }))
}
