//! The import framework: files in, typed rows out, errors reported per row, progress shown.
//!
//! Concrete imports (subscribers, meter readings) supply a [`Schema`] (their fields with Russian
//! and English aliases) and a [`RowHandler`] (parse a row, check a batch against the store,
//! apply a batch idempotently); the framework does the rest:
//!
//! - [`read`]: CSV (UTF-8 with or without BOM, Windows-1251, mixed; `;` `,` tab detected) and
//!   XLSX (first or named sheet, date cells, numbers) as rows, streaming, limits enforced;
//! - [`stream`]: the upload spooled from the blob store, parsed on a blocking thread, handed
//!   over in bounded batches;
//! - [`mapping`]: header found and matched to fields, a saved mapping per tenant and kind;
//! - [`driver`]: dry run, apply valid rows, or all-or-nothing (see its docs for the guarantee);
//! - [`report`]: the per-row error report (CSV for Excel, formulas neutralised) in the blob
//!   store; [`values`]: decimals with a comma, dates in Russian formats;
//! - progress goes to the job's record ([`crate::progress`]), which the UI polls.
//!
//! A worker's handler, in outline:
//!
//! ```no_run
//! use async_trait::async_trait;
//! use crm_app::imports::*;
//! use crm_app::progress::{self, Claim, Outcome};
//!
//! const FIELDS: &[FieldSpec] = &[
//!     FieldSpec { key: "account", label_ru: "Лицевой счёт", label_en: "Account",
//!                 required: true, aliases: &["ЛС", "л/с", "account number"] },
//!     FieldSpec { key: "name", label_ru: "ФИО", label_en: "Name", required: true, aliases: &[] },
//! ];
//! const SUBSCRIBERS: Schema = Schema { kind: "subscribers", fields: FIELDS };
//!
//! struct Subscribers; // holds the TenantDb, the accounts seen in this file, ...
//! struct Row { account: String, name: String }
//!
//! #[async_trait]
//! impl RowHandler for Subscribers {
//!     type Record = Row;
//!     fn parse(&mut self, row: &MappedRow<'_>) -> Result<Row, Vec<RowError>> {
//!         let account = row.required("account").map_err(|e| vec![e])?;
//!         let name = row.required("name").map_err(|e| vec![e])?;
//!         Ok(Row { account: account.into(), name: name.into() })
//!     }
//!     async fn apply(&mut self, batch: &mut [Entry<Row>]) -> Result<(), HandlerError> {
//!         for entry in batch {
//!             // create or update by account number, conditionally; then:
//!             entry.applied = Some(Applied::Created);
//!         }
//!         Ok(())
//!     }
//! }
//!
//! async fn handle(services: &crm_app::Services, tenant: &crm_domain::TenantId,
//!                 job_id: &str, upload_key: &str) -> Result<(), ImportError> {
//!     let db = services.db.tenant(tenant);
//!     let clock = services.clock.as_ref();
//!     let run_id = services.ids.new_id();
//!     let Claim::Run(mut run) =
//!         progress::claim(&db, clock, &run_id, job_id, progress::run::DEFAULT_LEASE).await
//!             .map_err(|e| ImportError::Handler(e.into()))?
//!     else {
//!         return Ok(()); // finished already (a replay), busy elsewhere, or gone
//!     };
//!     let file = Spooled::from_blob(services.blobs.as_ref(), upload_key, ReadOptions::default())
//!         .await.map_err(|e| ImportError::Handler(HandlerError(e.to_string())))?;
//!     let saved = load_mapping(&db, SUBSCRIBERS.kind).await
//!         .map_err(|e| ImportError::Handler(e.into()))?;
//!     let mut input = ImportInput::new(&file, SUBSCRIBERS, Mode::Apply(ApplyPolicy::AllOrNothing));
//!     input.mapping = saved.as_ref();
//!     let mut report = ErrorReport::new(ReportLang::Ru)?;
//!     let summary = run_import(input, &mut Subscribers, &mut report,
//!                              Tracker { run: Some(&mut run), clock }).await?;
//!     let report_key = report.upload(services.blobs.as_ref(), tenant, job_id).await
//!         .map_err(|e| ImportError::Handler(HandlerError(e.to_string())))?;
//!     let outcome = match summary.verdict {
//!         Verdict::Cancelled => Outcome::Cancelled,
//!         _ => Outcome::Done { message: None },
//!     };
//!     run.finish(clock, outcome, report_key).await?;
//!     Ok(())
//! }
//! ```

mod csv;
pub mod detect;
pub mod driver;
pub mod errors;
pub mod flow;
pub mod head;
pub mod mapping;
pub mod options;
pub mod read;
#[cfg(test)]
mod read_tests;
pub mod report;
pub mod saved;
pub mod stream;
mod text;
pub mod values;
pub mod xlsx;

pub use driver::{
    Applied, ApplyPolicy, Counts, Entry, HandlerError, ImportError, ImportInput, Mode, RowHandler,
    Summary, Tracker, Verdict, run_import,
};
pub use errors::{FileError, RowError, Severity};
pub use head::{Preview, preview};
pub use mapping::{FieldSpec, MappedRow, Mapping, MappingProblem, SavedMapping, Schema};
pub use options::{Detected, FileFormat, Limits, ReadOptions, SheetChoice, TextEncoding};
pub use read::{RowProblem, RowReader, SourceRow};
pub use report::{ErrorReport, ReportLang};
pub use saved::{load_mapping, save_mapping};
pub use stream::{RowStream, SpoolError, Spooled};
