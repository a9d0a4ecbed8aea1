//! Export of a filtered subscriber list to CSV (UTF-8 with BOM, `;`) or XLSX, page by page.
//!
//! Small lists (up to [`SYNC_LIMIT`] rows) are answered at once. Larger ones become a job on
//! the documents queue: it writes the file to the blob store and its status item gets a
//! download link; the UI polls the status. Cells that spreadsheets would take for formulas are
//! neutralised (CSV: a leading `'`; XLSX: every cell is written as a string or a number,
//! never a formula). Every export is audited.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::spreadsheet::{UTF8_BOM, csv_record};
use crm_domain::subscriber::{BillingMode, Party, SubscriberStatus};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Subscriber;
use super::search::{MAX_PAGE_SIZE, SearchError, SearchRequest, search};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::blobs::{BlobCategory, BlobError, blob_key};
use crate::jobs::{DocumentsJob, Envelope, enqueue};
use crate::keys;
use crate::queue::QueueError;
use crate::store::{Body, Condition, Item, Put, StoreError, Write};

/// Rows answered directly; more become a background job.
pub const SYNC_LIMIT: usize = 5_000;
/// How long a download link of a finished export works.
pub const LINK_TTL: Duration = Duration::from_secs(3600);
const ENTITY: &str = "subscriber_export";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> Option<ExportFormat> {
        match raw {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("writing the file: {0}")]
    File(String),
    #[error("no such export")]
    NotFound,
}

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        ExportError::File(e.to_string())
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::File(e.to_string())
    }
}

/// The column headings, in file order.
pub const COLUMNS: [&str; 24] = [
    "Лицевой счёт",
    "Абонент",
    "Тип",
    "ИНН",
    "КПП",
    "Телефоны",
    "Эл. почта",
    "Адрес",
    "Индекс",
    "Регион",
    "Город",
    "Улица",
    "Дом",
    "Корпус",
    "Квартира",
    "Площадь, м²",
    "Зарегистрировано",
    "Статус",
    "Статус с",
    "Причина",
    "Расчёты",
    "Метки",
    "Открыт",
    "Примечание",
];
/// Columns holding numbers (written as numbers in XLSX).
const NUMERIC: [usize; 2] = [15, 16];

fn status_label(status: SubscriberStatus) -> &'static str {
    match status {
        SubscriberStatus::Active => "Действует",
        SubscriberStatus::Suspended => "Приостановлен",
        SubscriberStatus::Closed => "Закрыт",
    }
}

/// One subscriber as the cells of a row (text as people read it: `54,3`, `01.03.2026`).
pub fn row(subscriber: &Subscriber) -> Vec<String> {
    let facts = &subscriber.facts;
    let a = &facts.address;
    let (kind, inn, kpp) = match &facts.party {
        Party::Person(_) => ("Физическое лицо", String::new(), String::new()),
        Party::Organisation { inn, kpp, .. } => (
            "Организация",
            inn.to_string(),
            kpp.as_ref().map(ToString::to_string).unwrap_or_default(),
        ),
    };
    let join = |items: Vec<String>| items.join(", ");
    let date = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    vec![
        subscriber.account_number.to_string(),
        subscriber.display_name(),
        kind.to_owned(),
        inn,
        kpp,
        join(facts.phones.iter().map(ToString::to_string).collect()),
        join(facts.emails.iter().map(ToString::to_string).collect()),
        a.line(),
        a.postcode.clone().unwrap_or_default(),
        a.region.clone().unwrap_or_default(),
        a.city.clone(),
        a.street.clone(),
        a.house.clone(),
        a.building.clone().unwrap_or_default(),
        a.flat.clone().unwrap_or_default(),
        facts
            .area
            .map(|area| area.value().normalize().to_string().replace('.', ","))
            .unwrap_or_default(),
        facts.residents.value().to_string(),
        status_label(subscriber.status.status).to_owned(),
        date(subscriber.status.since),
        subscriber.status.reason.clone().unwrap_or_default(),
        match facts.billing_mode {
            BillingMode::Postpaid => "Постоплата",
            BillingMode::Prepaid => "Предоплата",
        }
        .to_owned(),
        join(facts.tags.iter().map(ToString::to_string).collect()),
        date(facts.opened_on),
        facts.notes.clone().unwrap_or_default(),
    ]
}

/// Writes rows of an export as they come, to CSV or XLSX.
enum Sink {
    Csv(Box<dyn std::io::Write + Send>),
    Xlsx { workbook: Box<Workbook>, row: u32 },
}

impl Sink {
    fn csv(out: Box<dyn std::io::Write + Send>) -> Result<Sink, ExportError> {
        let mut sink = Sink::Csv(out);
        if let Sink::Csv(out) = &mut sink {
            out.write_all(UTF8_BOM.as_bytes())?;
            out.write_all(csv_record(&COLUMNS).as_bytes())?;
        }
        Ok(sink)
    }

    fn xlsx(constant_memory: bool) -> Result<Sink, ExportError> {
        let mut workbook = Workbook::new();
        let sheet = if constant_memory {
            workbook.add_worksheet_with_constant_memory()?
        } else {
            workbook.add_worksheet()
        };
        sheet.set_name("Абоненты")?;
        let bold = Format::new().set_bold();
        for (col, heading) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *heading, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sink::Xlsx {
            workbook: Box::new(workbook),
            row: 1,
        })
    }

    fn push(&mut self, cells: &[String]) -> Result<(), ExportError> {
        match self {
            Sink::Csv(out) => out.write_all(csv_record(cells).as_bytes())?,
            Sink::Xlsx { workbook, row } => {
                let sheet: &mut Worksheet = workbook.worksheet_from_index(0)?;
                for (col, cell) in cells.iter().enumerate() {
                    let number = NUMERIC
                        .contains(&col)
                        .then(|| cell.replace(',', ".").parse::<f64>().ok())
                        .flatten();
                    match number {
                        Some(number) => sheet.write_number(*row, col as u16, number)?,
                        None if cell.is_empty() => sheet,
                        // A string cell: never evaluated, whatever it starts with.
                        None => sheet.write_string(*row, col as u16, cell)?,
                    };
                }
                *row += 1;
            }
        }
        Ok(())
    }
}

/// Reads every page of `request`, calling `each` with each subscriber, up to `limit` of them.
/// Returns how many were read and whether the list ended within the limit.
async fn each_subscriber(
    services: &Services,
    tenant: &TenantId,
    request: &SearchRequest,
    limit: usize,
    mut each: impl FnMut(&Subscriber) -> Result<(), ExportError>,
) -> Result<(usize, bool), ExportError> {
    let mut request = request.clone();
    request.page_size = MAX_PAGE_SIZE;
    let mut cursor: Option<String> = None;
    let mut count = 0;
    loop {
        let page = search(services, tenant, &request, cursor.as_deref()).await?;
        for subscriber in &page.items {
            if count == limit {
                return Ok((count, false));
            }
            each(subscriber)?;
            count += 1;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((count, true)),
        }
    }
}

/// A finished file.
#[derive(Debug)]
pub struct ExportFile {
    pub bytes: Vec<u8>,
    pub rows: usize,
    pub file_name: String,
    pub format: ExportFormat,
}

#[derive(Debug)]
pub enum ExportOutcome {
    /// The whole list, here and now.
    Ready(ExportFile),
    /// Too long to answer at once: a job is making it; poll [`status`] with this id.
    Queued { export_id: String },
}

/// The state of a background export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    Queued,
    Running,
    Done,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportStatus {
    pub id: String,
    pub state: ExportState,
    pub format: ExportFormat,
    pub request: SearchRequest,
    pub rows: u64,
    #[serde(default)]
    pub blob_key: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
}

impl ExportStatus {
    fn item(&self, tenant: &TenantId) -> Item {
        let body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        let namespace = crate::keys::Namespace::tenant(tenant);
        Item::new(keys::subscriber_export(&namespace, &self.id), body)
    }

    pub fn file_name(&self) -> String {
        format!(
            "subscribers-{}.{}",
            self.created_at.format("%Y-%m-%d"),
            self.format.extension()
        )
    }
}

async fn file_name(services: &Services, tenant: &TenantId, format: ExportFormat) -> String {
    format!(
        "subscribers-{}.{}",
        super::today(services, tenant).await.format("%Y-%m-%d"),
        format.extension()
    )
}

fn audit_write(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    export_id: &str,
    format: ExportFormat,
    request: &SearchRequest,
    rows: Option<usize>,
) -> Write {
    let after = json!({
        "format": format,
        "filters": request,
        "rows": rows,
    });
    audit
        .record(
            &crate::keys::Namespace::tenant(tenant),
            services.ids.new_id(),
            services.clock.now(),
            &Change {
                action: "subscribers.export",
                entity_type: ENTITY,
                entity_id: export_id,
                before: None,
                after: Some(&after),
            },
        )
        .1
}

/// Exports the subscribers matching `request`: at once when they are few, else as a job.
pub async fn export(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    request: &SearchRequest,
    format: ExportFormat,
) -> Result<ExportOutcome, ExportError> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (count, complete) = each_subscriber(services, tenant, request, SYNC_LIMIT, |s| {
        rows.push(row(s));
        Ok(())
    })
    .await?;
    let export_id = services.ids.new_id();
    let db = services.db.tenant(tenant);
    if !complete {
        let status = ExportStatus {
            id: export_id.clone(),
            state: ExportState::Queued,
            format,
            request: request.clone(),
            rows: 0,
            blob_key: None,
            error: None,
            created_at: services.clock.now(),
            finished_at: None,
        };
        db.transact(vec![
            Write::Put(Put {
                item: status.item(tenant),
                condition: Condition::MustNotExist,
            }),
            audit_write(services, tenant, audit, &export_id, format, request, None),
        ])
        .await?;
        let envelope = Envelope::new(
            Some(tenant.clone()),
            format!("subscriber-export:{export_id}"),
            DocumentsJob::SubscriberExport {
                export_id: export_id.clone(),
            },
        );
        enqueue(services.queue.as_ref(), &envelope, Duration::ZERO).await?;
        return Ok(ExportOutcome::Queued { export_id });
    }
    let bytes = match format {
        ExportFormat::Csv => {
            let buffer = SharedBuffer::default();
            let mut sink = Sink::csv(Box::new(buffer.clone()))?;
            for cells in &rows {
                sink.push(cells)?;
            }
            drop(sink);
            buffer.take()
        }
        ExportFormat::Xlsx => {
            let mut sink = Sink::xlsx(false)?;
            for cells in &rows {
                sink.push(cells)?;
            }
            match sink {
                Sink::Xlsx { mut workbook, .. } => workbook.save_to_buffer()?,
                Sink::Csv(_) => Vec::new(),
            }
        }
    };
    db.transact(vec![audit_write(
        services,
        tenant,
        audit,
        &export_id,
        format,
        request,
        Some(count),
    )])
    .await?;
    Ok(ExportOutcome::Ready(ExportFile {
        bytes,
        rows: count,
        file_name: file_name(services, tenant, format).await,
        format,
    }))
}

/// A growable byte buffer that a boxed writer can fill and its owner read afterwards.
#[derive(Clone, Default)]
struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl std::io::Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A background export's status and, once it is done, a download link.
pub async fn status(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
) -> Result<Option<(ExportStatus, Option<String>)>, ExportError> {
    if !super::is_id(export_id) {
        return Ok(None);
    }
    let db = services.db.tenant(tenant);
    let Some(item) = db
        .get(&keys::subscriber_export(db.namespace(), export_id))
        .await?
    else {
        return Ok(None);
    };
    let status: ExportStatus = serde_json::from_value(Value::Object(item.body))
        .map_err(|e| StoreError::Backend(format!("unreadable export status: {e}")))?;
    let link = match (&status.state, &status.blob_key) {
        (ExportState::Done, Some(key)) => Some(services.blobs.presign_get(key, LINK_TTL).await?),
        _ => None,
    };
    Ok(Some((status, link)))
}

async fn save_status(
    services: &Services,
    tenant: &TenantId,
    status: &ExportStatus,
) -> Result<(), StoreError> {
    services
        .db
        .tenant(tenant)
        .put(Put {
            item: status.item(tenant),
            condition: Condition::MustExist,
        })
        .await
        .map(|_| ())
}

/// The documents worker's job: writes the whole list to a file in the blob store. Running it
/// again after it finished does nothing; after a crash it starts the file over.
pub async fn run_job(
    services: &Services,
    tenant: &TenantId,
    export_id: &str,
) -> Result<(), ExportError> {
    let Some((mut status, _)) = status(services, tenant, export_id).await? else {
        return Err(ExportError::NotFound);
    };
    if status.state == ExportState::Done {
        return Ok(());
    }
    status.state = ExportState::Running;
    save_status(services, tenant, &status).await?;
    let path = std::env::temp_dir().join(format!(
        "crm-export-{tenant}-{export_id}.{}",
        status.format.extension()
    ));
    let result = write_file(services, tenant, &status, &path).await;
    match result {
        Ok(rows) => {
            let name = format!("subscribers/{export_id}/{}", status.file_name());
            let key = blob_key(BlobCategory::Exports, tenant, &name)?;
            let uploaded = services
                .blobs
                .put_file(&key, &path, status.format.content_type())
                .await;
            let _ = std::fs::remove_file(&path);
            uploaded?;
            status.state = ExportState::Done;
            status.rows = rows as u64;
            status.blob_key = Some(key);
            status.finished_at = Some(services.clock.now());
            save_status(services, tenant, &status).await?;
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            status.state = ExportState::Failed;
            status.error = Some(e.to_string());
            status.finished_at = Some(services.clock.now());
            save_status(services, tenant, &status).await?;
            Err(e)
        }
    }
}

async fn write_file(
    services: &Services,
    tenant: &TenantId,
    status: &ExportStatus,
    path: &Path,
) -> Result<usize, ExportError> {
    match status.format {
        ExportFormat::Csv => {
            let file = std::io::BufWriter::new(std::fs::File::create(path)?);
            let mut sink = Sink::csv(Box::new(file))?;
            let (rows, _) = each_subscriber(services, tenant, &status.request, usize::MAX, |s| {
                sink.push(&row(s))
            })
            .await?;
            if let Sink::Csv(mut out) = sink {
                out.flush()?;
            }
            Ok(rows)
        }
        ExportFormat::Xlsx => {
            let mut sink = Sink::xlsx(true)?;
            let (rows, _) = each_subscriber(services, tenant, &status.request, usize::MAX, |s| {
                sink.push(&row(s))
            })
            .await?;
            if let Sink::Xlsx { mut workbook, .. } = sink {
                workbook.save(PathBuf::from(path))?;
            }
            Ok(rows)
        }
    }
}
