//! CSV export of an audit listing, streamed: the body is produced page by page as the client
//! reads it, never held whole in memory. At most [`MAX_DAYS`] days and [`MAX_ROWS`] rows; a
//! longer export ends with a row saying where it stopped. Taking the export is itself audited
//! before the first byte goes out.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::Duration;
use chrono_tz::Tz;
use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::audit_log::{AuditFilter, AuditLog, MAX_PAGE, csv, record_export};
use crm_app::store::{Cursor, StoreError};

use super::surface::Surface;
use super::texts::{AuditTexts, texts};
use super::view::RecordView;
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::ui::FieldErrors;

/// The longest period one export covers.
pub const MAX_DAYS: u64 = 366;
/// Rows after which an export stops.
pub const MAX_ROWS: usize = 100_000;

/// Refuses a period longer than [`MAX_DAYS`] (an open end counts up to now).
pub fn check_range(
    filter: &AuditFilter,
    now: chrono::DateTime<chrono::Utc>,
    a: &AuditTexts,
) -> Result<(), FieldErrors> {
    let Some(since) = filter.since else {
        // Without a start the listing's own window (a year) applies.
        return Ok(());
    };
    let until = filter.until.unwrap_or(now);
    let days = i64::try_from(MAX_DAYS).unwrap_or(i64::MAX);
    if until - since > Duration::days(days) {
        let mut errors = FieldErrors::new();
        errors.add("from", (a.export_range_too_long)(MAX_DAYS));
        return Err(errors);
    }
    Ok(())
}

fn header(a: &AuditTexts) -> String {
    csv::row([
        a.col_time,
        a.col_time_utc,
        a.col_actor,
        a.col_actor_id,
        a.col_reason,
        a.col_action,
        a.col_action_code,
        a.col_entity_type,
        a.col_entity_id,
        a.col_changes,
        a.col_request,
        a.col_ip,
    ])
}

fn line(view: &RecordView) -> String {
    csv::row([
        view.time_seconds.as_str(),
        &view.time_utc,
        &view.actor,
        &view.actor_id,
        view.impersonation_reason.as_deref().unwrap_or(""),
        &view.action_label,
        &view.action,
        &view.entity_type,
        &view.entity_id,
        &view.changes_text(),
        &view.request_id,
        &view.client_ip,
    ])
}

/// What the stream carries from one page to the next.
struct Exporter {
    log: AuditLog,
    filter: AuditFilter,
    lang: Lang,
    zone: Tz,
    rows: usize,
}

enum Step {
    Start(Exporter),
    Next(Exporter, Cursor),
    Done,
}

impl Exporter {
    /// The next chunk of the file and what follows it.
    async fn step(mut self, cursor: Option<Cursor>) -> Result<(Bytes, Step), StoreError> {
        let a = texts(self.lang);
        let page = self
            .log
            .page(&self.filter, cursor.as_ref(), MAX_PAGE)
            .await?;
        let mut chunk = String::new();
        for record in &page.records {
            if self.rows == MAX_ROWS {
                chunk.push_str(&csv::row([(a.export_truncated)(MAX_ROWS)]));
                return Ok((Bytes::from(chunk), Step::Done));
            }
            chunk.push_str(&line(&RecordView::new(record, self.lang, a, self.zone)));
            self.rows += 1;
        }
        let next = match page.next {
            Some(next) => Step::Next(self, next),
            None => Step::Done,
        };
        Ok((Bytes::from(chunk), next))
    }
}

/// The file's name: `audit-<log>-<yyyy-mm-dd>.csv`.
fn file_name(surface: &Surface, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("audit-{}-{}.csv", surface.subject(), now.format("%Y-%m-%d"))
}

/// Audits the export, then answers with the streamed file.
pub async fn respond(
    services: &Services,
    audit: &Audit,
    surface: &Surface,
    filter: AuditFilter,
    lang: Lang,
    zone: Tz,
) -> Result<Response, Problem> {
    let now = services.clock.now();
    record_export(
        &surface.audit_db(services),
        audit,
        &surface.subject(),
        &filter,
        "csv",
        services.clock.as_ref(),
        services.ids.as_ref(),
    )
    .await?;
    let exporter = Exporter {
        log: AuditLog::new(surface.read_db(services), &services.signer, now),
        filter,
        lang,
        zone,
        rows: 0,
    };
    let first = format!("{}{}", csv::BOM, header(texts(lang)));
    let rows = futures::stream::unfold(Step::Start(exporter), |step| async move {
        let (exporter, cursor) = match step {
            Step::Start(exporter) => (exporter, None),
            Step::Next(exporter, cursor) => (exporter, Some(cursor)),
            Step::Done => return None,
        };
        match exporter.step(cursor).await {
            Ok((chunk, next)) => Some((Ok::<Bytes, std::io::Error>(chunk), next)),
            Err(e) => {
                // The status line is gone already: cutting the body short is how the client
                // learns of the failure.
                tracing::error!(error = %e, "audit export failed mid-stream");
                Some((
                    Err(std::io::Error::other("audit export failed")),
                    Step::Done,
                ))
            }
        }
    });
    let body = futures::StreamExt::chain(
        futures::stream::once(async move { Ok(Bytes::from(first)) }),
        rows,
    );
    let disposition = format!("attachment; filename=\"{}\"", file_name(surface, now));
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
