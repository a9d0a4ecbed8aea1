//! Dry runs and applies of an upload as background jobs.
//!
//! Starting one creates its progress record and sends [`ImportJob`] to the imports worker
//! (`meter-import`, whose queue is the platform's imports queue). The job's id is made of the
//! upload, the revision of its choices and the mode, so starting the same thing twice (a double
//! click, a retried request) finds the record there and sends nothing. Running claims the record
//! with a lease (`crate::progress`): a redelivered message of a finished job does nothing, and a
//! delivery whose run died half-way resumes it; the row handlers write idempotently by natural
//! key, so rows already applied come out `unchanged`.

use crm_domain::TenantId;
use serde::{Deserialize, Serialize};

use super::kinds::ImportKind;
use super::uploads::{self, Choices, Upload};
use crate::Services;
use crate::audit::{Actor, Audit};
use crate::imports::report::severity_of_cell;
use crate::imports::{
    ApplyPolicy, ErrorReport, FileError, ImportError, ImportInput, Mode, ReportLang, RowHandler,
    Severity, SpoolError, Spooled, Summary, Tracker, Verdict, run_import,
};
use crate::jobs::{Envelope, JobError, MeterImportJob, enqueue};
use crate::progress::{self, Claim, JobRun, JobStatus, Message, NewJob, Outcome, RunError};
use crate::store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check every row, write nothing.
    DryRun,
    /// Write every row, or none when any row is invalid (the default).
    AllOrNothing,
    /// Write the valid rows, report the others.
    ValidRows,
}

impl ImportMode {
    pub fn parse(raw: &str) -> Option<ImportMode> {
        match raw {
            "dry_run" => Some(ImportMode::DryRun),
            "all_or_nothing" => Some(ImportMode::AllOrNothing),
            "valid_rows" => Some(ImportMode::ValidRows),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::DryRun => "dry_run",
            ImportMode::AllOrNothing => "all_or_nothing",
            ImportMode::ValidRows => "valid_rows",
        }
    }

    fn driver_mode(self) -> Mode {
        match self {
            ImportMode::DryRun => Mode::DryRun,
            ImportMode::AllOrNothing => Mode::Apply(ApplyPolicy::AllOrNothing),
            ImportMode::ValidRows => Mode::Apply(ApplyPolicy::ValidRowsOnly),
        }
    }
}

/// The job message: everything the run needs, so a replay reads the same file the same way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportJob {
    pub job_id: String,
    pub upload_id: String,
    pub kind: ImportKind,
    pub blob_key: String,
    pub format: Option<crate::imports::FileFormat>,
    pub choices: Choices,
    pub mode: ImportMode,
    /// Who started it: the records its changes write name them.
    pub actor: Actor,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no such upload")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
}

/// The id of the job running `upload` (at its current choices) in `mode`.
pub fn job_id(upload: &Upload, mode: ImportMode) -> String {
    let mode = match mode {
        ImportMode::DryRun => "dry",
        ImportMode::AllOrNothing => "all",
        ImportMode::ValidRows => "valid",
    };
    format!("{}-r{}-{mode}", upload.id, upload.revision)
}

/// Starts a dry run or an apply of upload `upload_id`; the same start again returns the job
/// already there.
pub async fn start(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    upload_id: &str,
    mode: ImportMode,
) -> Result<JobStatus, StartError> {
    let db = services.db.tenant(tenant);
    let (upload, _) = uploads::get(&db, upload_id)
        .await?
        .ok_or(StartError::NotFound)?;
    let id = job_id(&upload, mode);
    let mut new = NewJob::new(&id, upload.kind.job_kind());
    new.label = Some(upload.file_name.clone());
    new.created_by = Some(audit.actor.id());
    let (status, created) = progress::create(&db, new, services.clock.now()).await?;
    if created {
        let job = ImportJob {
            job_id: id.clone(),
            upload_id: upload.id.clone(),
            kind: upload.kind,
            blob_key: upload.blob_key.clone(),
            format: upload.format,
            choices: upload.choices.clone(),
            mode,
            actor: audit.actor.clone(),
        };
        let envelope = Envelope::new(
            Some(tenant.clone()),
            format!("import:{id}"),
            MeterImportJob::Import(Box::new(job)),
        );
        enqueue(
            services.queue.as_ref(),
            &envelope,
            std::time::Duration::ZERO,
        )
        .await?;
    }
    Ok(status)
}

/// The upload a job belongs to (the job page links back to it).
pub fn upload_of_job(job_id: &str) -> Option<&str> {
    job_id.split_once("-r").map(|(upload, _)| upload)
}

/// The worker's handler of [`ImportJob`].
pub async fn run(services: &Services, tenant: &TenantId, job: &ImportJob) -> Result<(), JobError> {
    let db = services.db.tenant(tenant);
    let clock = services.clock.as_ref();
    let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
    let run_id = services.ids.new_id();
    let lease = progress::run::DEFAULT_LEASE;
    let mut run = match progress::claim(&db, clock, &run_id, &job.job_id, lease)
        .await
        .map_err(|e| retry(&e))?
    {
        Claim::Run(run) => run,
        Claim::Finished(_) => return Ok(()),
        Claim::Busy(_) => return Err(JobError::Retry("another delivery runs this import".into())),
        Claim::Missing => {
            return Err(JobError::Poison(format!(
                "import job {} has no progress record",
                job.job_id
            )));
        }
    };
    let options = job.choices.read_options(job.format);
    let file = match Spooled::from_blob(services.blobs.as_ref(), &job.blob_key, options).await {
        Ok(file) => file,
        Err(SpoolError::File(e)) => return fail(run, services, file_message(&e)).await,
        Err(SpoolError::Missing(_)) => {
            let message = Message::new("Файл загрузки не найден", "The uploaded file is gone");
            return fail(run, services, message).await;
        }
        Err(e) => return Err(retry(&e)),
    };
    let audit = Audit {
        actor: job.actor.clone(),
        request_id: None,
        client_ip: None,
    };
    let mut input = ImportInput::new(&file, job.kind.schema(), job.mode.driver_mode());
    input.mapping = job.choices.mapping.as_ref();
    input.header_row = job.choices.header_row;
    input.batch_rows = job.kind.batch_rows();
    let mut report = ErrorReport::new(ReportLang::Ru).map_err(|e| retry(&e))?;
    let tracker = Tracker {
        run: Some(&mut run),
        clock,
    };
    let result = match job.kind {
        ImportKind::Subscribers => {
            let mut handler =
                crate::subscribers::import::SubscriberImport::new(services, tenant, &audit).await;
            execute(input, &mut handler, &mut report, tracker).await
        }
        ImportKind::ServiceLinks => {
            let mut handler = crate::catalog::import::LinkImport::new(services, tenant, &audit);
            execute(input, &mut handler, &mut report, tracker).await
        }
        ImportKind::Readings => {
            let mut handler =
                crate::meters::import::ReadingImport::new(services, tenant, &audit, &job.job_id)
                    .await
                    .map_err(|e| retry(&e))?;
            execute(input, &mut handler, &mut report, tracker).await
        }
    };
    match result {
        Ok(summary) => {
            let key = report
                .upload(services.blobs.as_ref(), tenant, &job.job_id)
                .await
                .map_err(|e| retry(&e))?;
            let outcome = match summary.verdict {
                Verdict::Cancelled => Outcome::Cancelled,
                verdict => Outcome::Done {
                    message: Some(summary_message(verdict, &summary)),
                },
            };
            finish(run, services, outcome, key).await
        }
        Err(ImportError::File(e)) => fail(run, services, file_message(&e)).await,
        Err(ImportError::Mapping(problems)) => {
            let ru: Vec<String> = problems.iter().map(|p| p.message_ru()).collect();
            let en: Vec<String> = problems.iter().map(|p| p.message_en()).collect();
            fail(run, services, Message::new(ru.join("; "), en.join("; "))).await
        }
        // Another delivery took over: it finishes the job.
        Err(ImportError::Run(RunError::Lost)) => Ok(()),
        Err(other) => Err(retry(&other)),
    }
}

async fn execute<H: RowHandler>(
    input: ImportInput<'_>,
    handler: &mut H,
    report: &mut ErrorReport,
    tracker: Tracker<'_>,
) -> Result<Summary, ImportError> {
    run_import(input, handler, report, tracker).await
}

fn file_message(error: &FileError) -> Message {
    Message::new(error.message_ru(), error.message_en())
}

fn summary_message(verdict: Verdict, summary: &Summary) -> Message {
    let c = &summary.counts;
    let message = match verdict {
        Verdict::Checked if c.invalid == 0 => Message::new(
            format!(
                "Проверка пройдена: {} строк без ошибок. Можно загружать.",
                c.valid
            ),
            format!(
                "Check passed: {} rows without errors. Ready to apply.",
                c.valid
            ),
        ),
        Verdict::Checked => Message::new(
            format!(
                "Проверка: {} строк без ошибок, {} с ошибками. Ничего не записано.",
                c.valid, c.invalid
            ),
            format!(
                "Check: {} rows without errors, {} with errors. Nothing was written.",
                c.valid, c.invalid
            ),
        ),
        Verdict::Rejected => Message::new(
            format!(
                "Ничего не загружено: {} строк с ошибками. Исправьте их или выберите «загрузить строки без ошибок».",
                c.invalid
            ),
            format!(
                "Nothing was applied: {} rows have errors. Fix them or choose \"apply the valid rows\".",
                c.invalid
            ),
        ),
        _ => Message::new(
            format!(
                "Загружено: создано {}, обновлено {}, без изменений {}, с ошибками {}.",
                c.created, c.updated, c.unchanged, c.invalid
            ),
            format!(
                "Applied: {} created, {} updated, {} unchanged, {} with errors.",
                c.created, c.updated, c.unchanged, c.invalid
            ),
        ),
    };
    match (verdict, c.flagged) {
        // Nothing was written: the flags of rows that were not stored would only confuse.
        (Verdict::Rejected, _) | (_, 0) => message,
        (Verdict::Checked, flagged) => Message::new(
            format!(
                "{} Из строк без ошибок {flagged} будут приняты с отметками для проверки (см. предупреждения).",
                message.ru
            ),
            format!(
                "{} Of the rows without errors, {flagged} would be stored with flags for review (see the warnings).",
                message.en
            ),
        ),
        (_, flagged) => Message::new(
            format!(
                "{} Принято с отметками для проверки: {flagged} (см. предупреждения).",
                message.ru
            ),
            format!(
                "{} Stored with flags for review: {flagged} (see the warnings).",
                message.en
            ),
        ),
    }
}

async fn fail(run: JobRun, services: &Services, message: Message) -> Result<(), JobError> {
    finish(run, services, Outcome::Failed { message }, None).await
}

async fn finish(
    run: JobRun,
    services: &Services,
    outcome: Outcome,
    report_key: Option<String>,
) -> Result<(), JobError> {
    match run
        .finish(services.clock.as_ref(), outcome, report_key)
        .await
    {
        Ok(_) | Err(RunError::Lost) => Ok(()),
        Err(RunError::Store(e)) => Err(JobError::Retry(e.to_string())),
    }
}

/// One line of a job's row report, for the page that shows the first of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportLine {
    pub row: String,
    pub column: String,
    pub value: String,
    pub code: String,
    pub message: String,
    /// `error` (the row was refused) or `warning` (accepted, flagged for review).
    pub severity: Severity,
}

/// The first lines of a job's report, the errors apart from the warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReportLines {
    pub errors: Vec<ReportLine>,
    pub warnings: Vec<ReportLine>,
}

/// Report lines read at most to find the first of each severity: a page shows a few, and a
/// report of 100,000 errors must not be read whole to find that it holds no warning.
const REPORT_SCAN_LINES: usize = 10_000;

/// The first `limit` errors and the first `limit` warnings of the report at `key` (read back
/// with the import reader itself).
pub async fn report_lines(
    services: &Services,
    key: &str,
    limit: usize,
) -> Result<ReportLines, JobError> {
    let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
    let options = crate::imports::ReadOptions {
        delimiter: Some(b';'),
        format: Some(crate::imports::FileFormat::Csv),
        ..Default::default()
    };
    let file = match Spooled::from_blob(services.blobs.as_ref(), key, options).await {
        Ok(file) => file,
        Err(SpoolError::Missing(_)) => return Ok(ReportLines::default()),
        Err(e) => return Err(retry(&e)),
    };
    let mut stream = file.open(1_000).await.map_err(|e| retry(&e))?;
    let cell = |cells: &[String], i: usize| cells.get(i).cloned().unwrap_or_default();
    let mut lines = ReportLines::default();
    let mut scanned = 0;
    while lines.errors.len() < limit || lines.warnings.len() < limit {
        let Some(rows) = stream.next_batch().await.map_err(|e| retry(&e))? else {
            break;
        };
        for row in &rows {
            scanned += 1;
            // The first line is the header.
            if scanned == 1 {
                continue;
            }
            let severity = severity_of_cell(&cell(&row.cells, 5));
            let list = match severity {
                Severity::Error => &mut lines.errors,
                Severity::Warning => &mut lines.warnings,
            };
            if list.len() < limit {
                list.push(ReportLine {
                    row: cell(&row.cells, 0),
                    column: cell(&row.cells, 1),
                    value: cell(&row.cells, 2),
                    code: cell(&row.cells, 3),
                    message: cell(&row.cells, 4),
                    severity,
                });
            }
        }
        if scanned >= REPORT_SCAN_LINES {
            break;
        }
    }
    // A batch reports its unparsable rows before the ones the store refused: in row order
    // they read as the file does. (A line without a row, the report's last "and more", last.)
    for list in [&mut lines.errors, &mut lines.warnings] {
        list.sort_by_key(|line| line.row.parse::<u64>().unwrap_or(u64::MAX));
    }
    Ok(lines)
}
