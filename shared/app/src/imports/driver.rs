//! Running an import: rows from the file, through the mapping, into a [`RowHandler`], with
//! per-row errors to the report and progress to the job's record.
//!
//! # Modes and what they guarantee
//!
//! - [`Mode::DryRun`] parses and checks every row and writes nothing (the handler's `apply` is
//!   never called). The report and counts say what an apply would do.
//! - [`Mode::Apply`] with [`ApplyPolicy::ValidRowsOnly`] makes one pass: each batch is parsed,
//!   checked, and its valid rows applied; invalid rows are reported and skipped.
//! - [`Mode::Apply`] with [`ApplyPolicy::AllOrNothing`] cannot be one transaction (the store
//!   takes 100 writes per transaction, a file has 100,000 rows). It makes two passes over the
//!   spooled file: a validating pass that writes nothing, and only when it found no invalid row,
//!   an applying pass. The guarantee: **no row is written unless every row of the file passed
//!   validation**. Once the applying pass has started, it is finished rather than undone:
//!   handlers write idempotently, keyed by the natural key (account number, meter + date), so
//!   when a run dies mid-apply, the redelivered job sees the phase `applying` in its progress
//!   record, skips the validation gate, and applies the file again from the top. Rows already
//!   written come out `unchanged`; nothing is duplicated. A row that validated but fails when
//!   applied (the data changed between the passes, for example an account closed by an
//!   operator in the meantime) is reported with its reason, and the import ends with those rows
//!   counted as `invalid`: the rest of the file is applied. That window is the only way an
//!   all-or-nothing import ends partly applied, and the report names every such row.
//!
//! # Warnings
//!
//! A handler may accept a row and still remark on it ([`Entry::warn`]: a reading far above the
//! usual, stored and flagged for review). Such a row counts as valid and, once more, as
//! `flagged`; its remarks go to the report as warnings, beside the errors. The validating pass
//! of an all-or-nothing import reports errors only: its applying pass reports the warnings, so
//! they are listed once (and a resumed apply, which skips validation, still lists them).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::errors::{FileError, RowError};
use super::head::read_head;
use super::mapping::{MappedRow, Mapping, MappingProblem, SavedMapping, Schema, resolve};
use super::options::Detected;
use super::report::ErrorReport;
use super::stream::{DEFAULT_BATCH_ROWS, RowStream, Spooled};
use crate::clock::Clock;
use crate::progress::{Control, JobRun, RunError};

/// The phases an import's progress record shows.
pub const PHASE_VALIDATING: &str = "validating";
pub const PHASE_APPLYING: &str = "applying";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    DryRun,
    Apply(ApplyPolicy),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyPolicy {
    AllOrNothing,
    ValidRowsOnly,
}

/// What applying one row did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Created,
    Updated,
    /// The store already held exactly this (a re-run, or the same file twice).
    Unchanged,
}

/// One parsed row on its way through a batch.
#[derive(Debug)]
pub struct Entry<R> {
    pub row: u64,
    pub record: R,
    pub errors: Vec<RowError>,
    /// Remarks on a row that is accepted all the same (reported as warnings).
    pub warnings: Vec<RowError>,
    pub applied: Option<Applied>,
}

impl<R> Entry<R> {
    pub fn reject(&mut self, error: RowError) {
        self.errors.push(error);
    }

    /// Accepts the row with a remark for people to review.
    pub fn warn(&mut self, warning: RowError) {
        self.warnings.push(warning.as_warning());
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A failure of the handler as a whole (the store is down): the job should be retried.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl From<crate::store::StoreError> for HandlerError {
    fn from(error: crate::store::StoreError) -> Self {
        HandlerError(error.to_string())
    }
}

/// What a concrete import (subscribers, readings) supplies.
#[async_trait]
pub trait RowHandler: Send {
    type Record: Send;

    /// Called before each pass over the file (an all-or-nothing import makes two), to reset
    /// state such as the keys seen so far (duplicates within the file).
    fn start_pass(&mut self) {}

    /// Turns a mapped row into a typed record, or says why not. Pure: no I/O.
    fn parse(&mut self, row: &MappedRow<'_>) -> Result<Self::Record, Vec<RowError>>;

    /// Checks a batch of parsed rows against the store (unknown account, closed meter) and
    /// rejects rows with [`Entry::reject`]. Reads only: it runs in dry runs too.
    async fn check(&mut self, batch: &mut [Entry<Self::Record>]) -> Result<(), HandlerError> {
        let _ = batch;
        Ok(())
    }

    /// Writes a batch of valid rows, idempotently by natural key, and sets each entry's
    /// `applied` (or rejects it). Never called in a dry run.
    async fn apply(&mut self, batch: &mut [Entry<Self::Record>]) -> Result<(), HandlerError>;

    /// Whether [`Self::apply`] checks each row itself exactly as [`Self::check`] would, so a
    /// pass that applies skips `check` instead of reading everything twice (the readings
    /// intake validates while it writes).
    fn apply_checks(&self) -> bool {
        false
    }
}

/// Row counts of an import, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Data rows read (blank rows and the header excluded).
    pub read: u64,
    pub valid: u64,
    pub invalid: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Valid rows accepted with warnings (flagged for review); counted among `valid` too.
    pub flagged: u64,
}

impl Counts {
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        [
            ("read", self.read),
            ("valid", self.valid),
            ("invalid", self.invalid),
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
            ("flagged", self.flagged),
        ]
        .into_iter()
        // Most imports never warn: their counts stay as they were, without a row of zeros.
        .filter(|(name, count)| *name != "flagged" || *count > 0)
        .map(|(name, count)| (name.to_owned(), count))
        .collect()
    }
}

/// How an import ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A dry run: every row checked, nothing written.
    Checked,
    /// Rows were applied (all of them, or the valid ones).
    Applied,
    /// All-or-nothing with invalid rows: nothing was written.
    Rejected,
    /// Cancelled by a user; with `ValidRowsOnly`, rows before the stop were applied.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub verdict: Verdict,
    pub counts: Counts,
    pub detected: Detected,
    pub header_row: u64,
    /// Columns that feed no field (reported, not fatal).
    pub unused_columns: Vec<String>,
    /// Mapping remarks that did not stop the import.
    pub mapping_notes: Vec<MappingProblem>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    /// The header cannot be mapped: the user must fix the mapping or the file.
    #[error("the columns cannot be mapped")]
    Mapping(Vec<MappingProblem>),
    /// The store or another dependency failed: retry the job.
    #[error("import handler failed: {0}")]
    Handler(#[from] HandlerError),
    #[error("writing the error report failed: {0}")]
    Report(#[from] std::io::Error),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// The file and how to read it.
pub struct ImportInput<'a> {
    pub file: &'a Spooled,
    pub schema: Schema,
    /// The mapping the user confirmed or saved; automatic matching fills the rest.
    pub mapping: Option<&'a SavedMapping>,
    pub mode: Mode,
    /// The header's row number when the user gave it; found automatically otherwise.
    pub header_row: Option<u64>,
    pub batch_rows: usize,
}

impl<'a> ImportInput<'a> {
    pub fn new(file: &'a Spooled, schema: Schema, mode: Mode) -> Self {
        Self {
            file,
            schema,
            mapping: None,
            mode,
            header_row: None,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }
}

/// Reports progress when there is a job run; a plain call (tests, small synchronous imports)
/// has none.
pub struct Tracker<'a> {
    pub run: Option<&'a mut JobRun>,
    pub clock: &'a dyn Clock,
}

impl Tracker<'_> {
    async fn phase(&mut self, phase: &str, total: Option<u64>) -> Result<Control, RunError> {
        match self.run.as_deref_mut() {
            Some(run) => run.start_phase(self.clock, phase, total).await,
            None => Ok(Control::Continue),
        }
    }

    async fn progress(&mut self, processed: u64, counts: &Counts) -> Result<Control, RunError> {
        match self.run.as_deref_mut() {
            Some(run) => {
                run.progress(self.clock, processed, &counts.to_map(), None)
                    .await
            }
            None => Ok(Control::Continue),
        }
    }

    fn resuming_apply(&self) -> bool {
        self.run.as_deref().is_some_and(|run| {
            run.status().phase.as_deref() == Some(PHASE_APPLYING)
                && run.status().state == crate::progress::JobState::Running
        })
    }
}

/// Runs an import over `input.file` with `handler`; row errors go to `report`.
pub async fn run_import<H: RowHandler>(
    input: ImportInput<'_>,
    handler: &mut H,
    report: &mut ErrorReport,
    mut tracker: Tracker<'_>,
) -> Result<Summary, ImportError> {
    match input.mode {
        Mode::DryRun => {
            tracker.phase(PHASE_VALIDATING, None).await?;
            pass(&input, handler, report, &mut tracker, Pass::Check).await
        }
        Mode::Apply(ApplyPolicy::ValidRowsOnly) => {
            tracker.phase(PHASE_APPLYING, None).await?;
            pass(&input, handler, report, &mut tracker, Pass::Apply).await
        }
        Mode::Apply(ApplyPolicy::AllOrNothing) => {
            if !tracker.resuming_apply() {
                tracker.phase(PHASE_VALIDATING, None).await?;
                // Without invalid rows this pass reports nothing, so the report stays free
                // for the applying pass.
                let checked = pass(&input, handler, report, &mut tracker, Pass::Gate).await?;
                if checked.verdict == Verdict::Cancelled {
                    return Ok(checked);
                }
                if checked.counts.invalid > 0 {
                    return Ok(Summary {
                        verdict: Verdict::Rejected,
                        ..checked
                    });
                }
                if tracker
                    .phase(PHASE_APPLYING, Some(checked.counts.read))
                    .await?
                    == Control::Cancel
                {
                    // Cancelled between the passes: nothing was written.
                    return Ok(Summary {
                        verdict: Verdict::Cancelled,
                        ..checked
                    });
                }
            }
            pass(&input, handler, report, &mut tracker, Pass::Apply).await
        }
    }
}

/// What a pass over the file does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// A dry run: check, report errors and warnings.
    Check,
    /// The validating pass of all-or-nothing: check, report errors (the applying pass reports
    /// the warnings).
    Gate,
    /// Check and apply, report errors and warnings.
    Apply,
}

/// One pass over the file: header, mapping, then every data row.
async fn pass<H: RowHandler>(
    input: &ImportInput<'_>,
    handler: &mut H,
    report: &mut ErrorReport,
    tracker: &mut Tracker<'_>,
    kind: Pass,
) -> Result<Summary, ImportError> {
    let apply = kind == Pass::Apply;
    let report_warnings = kind != Pass::Gate;
    handler.start_pass();
    let mut stream = input.file.open(input.batch_rows).await?;
    let (mapping, notes, mut pending) = header_and_mapping(&mut stream, input).await?;
    let mut counts = Counts::default();
    let mut verdict = if apply {
        Verdict::Applied
    } else {
        Verdict::Checked
    };
    loop {
        let rows = if pending.is_empty() {
            match stream.next_batch().await? {
                Some(rows) => rows,
                None => break,
            }
        } else {
            std::mem::take(&mut pending)
        };
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            counts.read += 1;
            if let Some(problem) = row.problem {
                counts.invalid += 1;
                report.add(&problem.to_error(row.number, Some(&mapping.header)))?;
                continue;
            }
            match handler.parse(&mapping.row(row)) {
                Ok(record) => entries.push(Entry {
                    row: row.number,
                    record,
                    errors: Vec::new(),
                    warnings: Vec::new(),
                    applied: None,
                }),
                Err(errors) => {
                    counts.invalid += 1;
                    for error in &errors {
                        report.add(error)?;
                    }
                }
            }
        }
        drop(rows);
        let checked_by_apply = apply && handler.apply_checks();
        if !entries.is_empty() && !checked_by_apply {
            handler.check(&mut entries).await?;
        }
        let (mut valid, invalid): (Vec<_>, Vec<_>) = entries.into_iter().partition(Entry::is_valid);
        for entry in &invalid {
            counts.invalid += 1;
            for error in &entry.errors {
                report.add(error)?;
            }
        }
        if apply && !valid.is_empty() {
            handler.apply(&mut valid).await?;
        }
        for entry in &valid {
            if !entry.is_valid() {
                counts.invalid += 1;
                for error in &entry.errors {
                    report.add(error)?;
                }
                continue;
            }
            counts.valid += 1;
            if !entry.warnings.is_empty() {
                counts.flagged += 1;
                if report_warnings {
                    for warning in &entry.warnings {
                        report.add(warning)?;
                    }
                }
            }
            match entry.applied {
                Some(Applied::Created) => counts.created += 1,
                Some(Applied::Updated) => counts.updated += 1,
                Some(Applied::Unchanged) => counts.unchanged += 1,
                None => {}
            }
        }
        if tracker.progress(counts.read, &counts).await? == Control::Cancel {
            verdict = Verdict::Cancelled;
            break;
        }
    }
    Ok(Summary {
        verdict,
        counts,
        detected: stream.detected(),
        header_row: mapping.header_row,
        unused_columns: mapping.unused.iter().map(|(_, h)| h.clone()).collect(),
        mapping_notes: notes,
    })
}

/// Finds the header and maps it. Returns the rows after the header read while looking.
async fn header_and_mapping(
    stream: &mut RowStream,
    input: &ImportInput<'_>,
) -> Result<(Mapping, Vec<MappingProblem>, Vec<super::read::SourceRow>), ImportError> {
    let head = read_head(stream, &input.schema, input.mapping, input.header_row).await?;
    let (mapping, notes) =
        resolve(input.schema, &head.header, input.mapping).map_err(ImportError::Mapping)?;
    Ok((mapping, notes, head.rest))
}
