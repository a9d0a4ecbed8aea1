//! Batch intake of readings: what an import (or any bulk source) hands over, many rows at a
//! time. The rows go through in slices, as a pipeline: while one slice's accepted readings are
//! written, the next slice's meters are resolved (batch gets of their serial or account-number
//! sentinels, [`resolve`]), its subscribers' partitions read (one query each, not one per row)
//! and its rows validated by the domain's `validate` against the history as it stands,
//! including the rows accepted before them in the same call. Accepted readings are written in
//! transactions as large as the store allows, with one audit record each, every reading on
//! "must not exist" ([`write`]). So a row given twice changes nothing (an equal reading is
//! `Unchanged`, a different one refused), a bad row never blocks the others, and nothing is
//! half-written.

mod resolve;
mod write;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::meter::{Flag, Outcome, Reading, ReadingSource, Rejection, validate};
use rust_decimal::Decimal;

use self::resolve::{Partition, Target, load_partitions, targets};
use self::write::{Conflict, Pending, Writer};
use super::Thresholds;
use super::estimates::supersession_writes_with;
use super::reasons;
use super::records::{EstimateRecord, MeterStatus, ReadingRecord};
use crate::Services;
use crate::audit::Audit;
use crate::store::{ScopedDb, StoreError, Write};
use crate::subscribers;
use crate::validation::Reason;

/// How a row names its meter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeterRef {
    Serial(String),
    /// The subscriber's account number: its only active meter.
    Account(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct IntakeRow {
    /// The row's number in its file, for reports.
    pub line: u64,
    pub meter: MeterRef,
    pub date: NaiveDate,
    /// One value per zone, in the meter's zone order.
    pub values: Vec<Decimal>,
}

/// Why a row was not stored.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    UnknownSerial,
    UnknownAccount,
    /// The account has no active meter.
    NoActiveMeter,
    /// The account has several active meters: the row must name the serial.
    AmbiguousAccount {
        meters: usize,
    },
    Rejected(Rejection),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownSerial => "reading_unknown_serial",
            Refusal::UnknownAccount => "reading_unknown_account",
            Refusal::NoActiveMeter => "reading_no_active_meter",
            Refusal::AmbiguousAccount { .. } => "reading_ambiguous_account",
            Refusal::Rejected(r) => r.code(),
        }
    }

    pub fn reason(&self) -> Reason {
        match self {
            Refusal::UnknownSerial => Reason::new(
                self.code(),
                "Счётчика с таким заводским номером нет",
                "No meter has this serial number",
            ),
            Refusal::UnknownAccount => Reason::new(
                self.code(),
                "Лицевого счёта с таким номером нет",
                "No subscriber has this account number",
            ),
            Refusal::NoActiveMeter => Reason::new(
                self.code(),
                "У абонента нет действующего счётчика",
                "The subscriber has no active meter",
            ),
            Refusal::AmbiguousAccount { meters } => Reason::new(
                self.code(),
                format!("У абонента {meters} счётчика: укажите заводской номер"),
                format!("The subscriber has {meters} meters: give the serial number"),
            ),
            Refusal::Rejected(r) => reasons::rejection(r),
        }
    }
}

/// What happened to one row.
#[derive(Clone, Debug, PartialEq)]
pub enum RowOutcome {
    Stored {
        meter_id: String,
        flags: Vec<Flag>,
    },
    /// Already stored with the same values.
    Unchanged {
        meter_id: String,
    },
    Refused(Refusal),
}

/// Counts of a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub stored: usize,
    pub flagged: usize,
    pub unchanged: usize,
    pub refused: usize,
}

impl Summary {
    pub fn of(outcomes: &[RowOutcome]) -> Self {
        let mut s = Summary::default();
        for outcome in outcomes {
            match outcome {
                RowOutcome::Stored { flags, .. } => {
                    s.stored += 1;
                    if !flags.is_empty() {
                        s.flagged += 1;
                    }
                }
                RowOutcome::Unchanged { .. } => s.unchanged += 1,
                RowOutcome::Refused(_) => s.refused += 1,
            }
        }
        s
    }
}

/// What a batch needs besides its rows; load once per file.
pub struct Intake {
    db: ScopedDb,
    writer: Writer,
    thresholds: Thresholds,
    today: NaiveDate,
}

/// Rows per step of the pipeline: one slice is written while the next is read and validated.
/// Large enough that a slice's reads and its one transaction amortise their fixed costs, small
/// enough that the first write starts early.
const SLICE_ROWS: usize = 1_000;

type WriteTask = tokio::task::JoinHandle<Result<Vec<Conflict>, StoreError>>;

impl Intake {
    pub async fn new(
        services: &Services,
        tenant: &TenantId,
        audit: &Audit,
        source: ReadingSource,
        batch_id: &str,
    ) -> Result<Self, StoreError> {
        let db = services.db.tenant(tenant);
        Ok(Self {
            writer: Writer {
                services: services.clone(),
                db: db.clone(),
                audit: audit.clone(),
                source,
                batch_id: batch_id.to_owned(),
            },
            db,
            thresholds: Thresholds::load(services, tenant).await?,
            today: subscribers::today(services, tenant).await,
        })
    }

    /// Validates and stores `rows`; one outcome per row, in order. Give a few thousand rows at
    /// a time: each call reads each subscriber partition it touches once.
    pub async fn run(&self, rows: &[IntakeRow]) -> Result<Vec<RowOutcome>, StoreError> {
        self.pipeline(rows, true).await
    }

    /// Validates `rows` exactly as [`Self::run`] does and writes nothing: what a dry run
    /// reports. `Stored` here means "would be stored". Rows are checked against the history
    /// as stored plus the rows accepted earlier in the same call.
    pub async fn check(&self, rows: &[IntakeRow]) -> Result<Vec<RowOutcome>, StoreError> {
        self.pipeline(rows, false).await
    }

    async fn pipeline(
        &self,
        rows: &[IntakeRow],
        write: bool,
    ) -> Result<Vec<RowOutcome>, StoreError> {
        let mut partitions: HashMap<String, Partition> = HashMap::new();
        let mut outcomes: Vec<RowOutcome> = Vec::with_capacity(rows.len());
        let mut in_flight: Option<WriteTask> = None;
        for start in (0..rows.len()).step_by(SLICE_ROWS) {
            let slice = &rows[start..(start + SLICE_ROWS).min(rows.len())];
            let targets = targets(&self.db, slice).await?;
            let subscribers = targets.iter().flatten().map(|t| t.subscriber_id.as_str());
            load_partitions(&self.db, &mut partitions, subscribers).await?;
            let mut pending = Vec::new();
            for (offset, (row, target)) in slice.iter().zip(&targets).enumerate() {
                let outcome = self.row(&mut partitions, target, start + offset, row, &mut pending);
                outcomes.push(outcome);
            }
            if let Some(task) = in_flight.take() {
                let conflicts = finish(task).await?;
                if !conflicts.is_empty() {
                    let stale = settle(conflicts, &mut outcomes, &mut partitions);
                    self.revalidate(
                        start,
                        slice,
                        &targets,
                        &stale,
                        &mut partitions,
                        &mut outcomes,
                        &mut pending,
                    )
                    .await?;
                }
                // Everything before this slice is stored now: keep only this slice's
                // partitions (its readings are not written yet), so memory holds two slices'
                // histories whatever the batch. A later row of another subscriber reads its
                // partition again, from the store, complete.
                let current: HashSet<&str> = targets
                    .iter()
                    .flatten()
                    .map(|t| t.subscriber_id.as_str())
                    .collect();
                partitions.retain(|subscriber, _| current.contains(subscriber.as_str()));
            }
            if write && !pending.is_empty() {
                supersede(&mut pending, &mut partitions, self.db.namespace());
                in_flight = Some(tokio::spawn(self.writer.clone().write(pending)));
            }
        }
        if let Some(task) = in_flight {
            let conflicts = finish(task).await?;
            settle(conflicts, &mut outcomes, &mut partitions);
        }
        Ok(outcomes)
    }

    /// Validates again the rows of this slice that belong to `stale` subscribers, whose
    /// partitions changed under the previous slice's writes: they are read again, and the rows'
    /// earlier outcomes and pending writes replaced.
    #[expect(
        clippy::too_many_arguments,
        reason = "the pipeline's state, passed explicitly"
    )]
    async fn revalidate(
        &self,
        start: usize,
        slice: &[IntakeRow],
        targets: &[Result<Target, Refusal>],
        stale: &HashSet<String>,
        partitions: &mut HashMap<String, Partition>,
        outcomes: &mut [RowOutcome],
        pending: &mut Vec<Pending>,
    ) -> Result<(), StoreError> {
        let affected = |target: &Result<Target, Refusal>| {
            target
                .as_ref()
                .is_ok_and(|t| stale.contains(&t.subscriber_id))
        };
        if !targets.iter().any(affected) {
            return Ok(());
        }
        pending.retain(|p| !stale.contains(&p.subscriber_id));
        let subscribers = stale.iter().map(String::as_str);
        load_partitions(&self.db, partitions, subscribers).await?;
        let mut redone = Vec::new();
        for (offset, (row, target)) in slice.iter().zip(targets).enumerate() {
            if affected(target) {
                outcomes[start + offset] =
                    self.row(partitions, target, start + offset, row, &mut redone);
            }
        }
        pending.extend(redone);
        pending.sort_by_key(|p| p.row);
        Ok(())
    }

    /// Validates one row against its meter's history; an accepted reading joins the history
    /// (so later rows of the same meter see it) and the pending writes.
    fn row(
        &self,
        partitions: &mut HashMap<String, Partition>,
        target: &Result<Target, Refusal>,
        n: usize,
        row: &IntakeRow,
        pending: &mut Vec<Pending>,
    ) -> RowOutcome {
        let target = match target {
            Ok(target) => target,
            Err(refusal) => return RowOutcome::Refused(refusal.clone()),
        };
        let partition = partitions.entry(target.subscriber_id.clone()).or_default();
        let meter = match &target.meter_id {
            Some(id) => partition.meters.iter().find(|(m, _)| m.id == *id),
            None => {
                let active: Vec<_> = partition
                    .meters
                    .iter()
                    .filter(|(m, _)| m.status == MeterStatus::Active)
                    .collect();
                match active.len() {
                    0 => return RowOutcome::Refused(Refusal::NoActiveMeter),
                    1 => active.first().copied(),
                    meters => return RowOutcome::Refused(Refusal::AmbiguousAccount { meters }),
                }
            }
        };
        let Some((meter, _)) = meter else {
            return RowOutcome::Refused(Refusal::UnknownSerial);
        };
        let history = partition.readings.entry(meter.id.clone()).or_default();
        let domain: Vec<Reading> = history.iter().map(ReadingRecord::reading).collect();
        let new = Reading {
            date: row.date,
            values: row.values.clone(),
            source: self.writer.source,
        };
        match validate(
            &meter.spec(),
            &domain,
            &new,
            self.today,
            &self.thresholds.policy(meter.kind),
        ) {
            Err(rejection) => RowOutcome::Refused(Refusal::Rejected(rejection)),
            Ok(Outcome::Unchanged) => RowOutcome::Unchanged {
                meter_id: meter.id.clone(),
            },
            Ok(Outcome::Accepted { advance, flags }) => {
                let record = ReadingRecord {
                    meter_id: meter.id.clone(),
                    date: row.date,
                    values: new.values,
                    source: self.writer.source,
                    version_no: 1,
                    advance,
                    flags: flags.clone(),
                    entered_by: format!("import:{}", self.writer.batch_id),
                    entered_at: self.writer.services.clock.now(),
                };
                let at = history.partition_point(|r| r.date < row.date);
                history.insert(at, record.clone());
                pending.push(Pending {
                    row: n,
                    subscriber_id: target.subscriber_id.clone(),
                    record,
                    extra: Vec::new(),
                });
                RowOutcome::Stored {
                    meter_id: meter.id.clone(),
                    flags,
                }
            }
        }
    }
}

async fn finish(task: WriteTask) -> Result<Vec<Conflict>, StoreError> {
    task.await
        .map_err(|e| StoreError::Backend(format!("intake write: {e}")))?
}

/// Puts the conflicts' outcomes in place and forgets the partitions they touched (they changed
/// under us); returns those subscribers.
fn settle(
    conflicts: Vec<Conflict>,
    outcomes: &mut [RowOutcome],
    partitions: &mut HashMap<String, Partition>,
) -> HashSet<String> {
    let mut stale = HashSet::new();
    for conflict in conflicts {
        outcomes[conflict.row] = conflict.outcome;
        partitions.remove(&conflict.subscriber_id);
        stale.insert(conflict.subscriber_id);
    }
    stale
}

/// Adds to each pending reading the supersession of the estimates it covers, and marks those
/// estimates superseded in memory, so a later reading of the same call does not supersede them
/// again.
fn supersede(
    pending: &mut [Pending],
    partitions: &mut HashMap<String, Partition>,
    ns: &crate::keys::Namespace,
) {
    for p in pending {
        let Some(partition) = partitions.get_mut(&p.subscriber_id) else {
            continue;
        };
        let Some((meter, _)) = partition
            .meters
            .iter()
            .find(|(m, _)| m.id == p.record.meter_id)
        else {
            continue;
        };
        let Some(estimates) = partition.estimates.get_mut(&meter.id) else {
            continue;
        };
        let history = partition
            .readings
            .get(&meter.id)
            .map_or(&[][..], Vec::as_slice);
        p.extra = supersession_writes_with(
            ns,
            meter,
            history,
            &p.record,
            estimates.clone(),
            p.record.entered_at,
        );
        for write in &p.extra {
            let Write::Put(put) = write else { continue };
            let Ok(superseded) = EstimateRecord::from_item(&put.item) else {
                continue;
            };
            if let Some((estimate, version)) = estimates
                .iter_mut()
                .find(|(e, _)| e.month == superseded.month)
            {
                *estimate = superseded;
                *version += 1;
            }
        }
    }
}
