//! Batch intake of readings: what an import (or any bulk source) hands over, many rows at a
//! time. The rows go through in slices, as a pipeline of three stages running at once: the next
//! slice is read ahead ([`resolve`]: the serial or account-number sentinels, a serial's carrying
//! the meter's spec, then the meters' reading tails; a meter's whole history only when its tail
//! cannot decide a row), this slice's rows are validated by the domain's `validate` against the
//! history as it stands, including the rows accepted before them in the same call, and the
//! previous slice is written. Accepted readings are written per meter with its tail rewritten
//! over the version read, in transactions as large as the store allows, with one audit record
//! each, every reading on "must not exist" ([`write`]). So a row given twice changes nothing (an
//! equal reading is `Unchanged`, a different one refused), a bad row never blocks the others,
//! and nothing is half-written.

mod resolve;
mod write;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::meter::{Flag, Outcome, Reading, ReadingSource, Rejection, validate};
use rust_decimal::Decimal;

use self::resolve::{MeterState, Target, load_history, load_meters, targets};
use self::write::{MeterWrites, Pending, Writer, Written};
use super::Thresholds;
use super::estimates::supersession_writes_with;
use super::reasons;
use super::records::{MeterRecord, ReadingRecord};
use crate::Services;
use crate::audit::Audit;
use crate::keys;
use crate::store::{Index, Key, Query, ScopedDb, StoreError};
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
    /// `import:<batch>`, what each reading records as who entered it.
    entered_by: String,
    /// Also holds the tenant's thresholds and today's date, which validation reads too.
    writer: Writer,
}

/// Rows per step of the pipeline: one slice is written while the next is read and validated.
/// Large enough that a slice's reads and its one transaction amortise their fixed costs, small
/// enough that the first write starts early.
const SLICE_ROWS: usize = 1_000;

type WriteTask = tokio::task::JoinHandle<Result<Written, StoreError>>;
type ReadTask = tokio::task::JoinHandle<Result<Read, StoreError>>;

/// A slice's reads, made ahead: each row's target, and the meters with their tails.
struct Read {
    targets: Vec<Result<Target, Refusal>>,
    states: HashMap<String, MeterState>,
}

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
                thresholds: Thresholds::load(services, tenant).await?,
                today: subscribers::today(services, tenant).await,
            },
            db,
            entered_by: format!("import:{batch_id}"),
        })
    }

    /// Validates and stores `rows`; one outcome per row, in order. Give a few thousand rows at
    /// a time: each call reads each meter it touches once.
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
        let slices: Vec<&[IntakeRow]> = rows.chunks(SLICE_ROWS).collect();
        let mut states: HashMap<String, MeterState> = HashMap::new();
        // Meters whose stored readings changed under a write of this call: what a read made
        // before that (a prefetch) says of them is not used.
        let mut forgotten: HashSet<String> = HashSet::new();
        let mut previous: HashSet<String> = HashSet::new();
        let mut estimate_months = EstimateMonths::default();
        let mut outcomes: Vec<RowOutcome> = Vec::with_capacity(rows.len());
        let mut in_flight: Option<WriteTask> = None;
        let mut ahead = slices.first().map(|slice| self.prefetch(slice));
        for (at, slice) in slices.iter().enumerate() {
            let start = at * SLICE_ROWS;
            // Every slice is read ahead by the step before it (the first before the loop).
            let Some(task) = ahead.take() else { break };
            let read = task
                .await
                .map_err(|e| StoreError::Backend(format!("intake read: {e}")))??;
            ahead = slices.get(at + 1).map(|next| self.prefetch(next));
            let targets = read.targets;
            for (meter_id, state) in read.states {
                if !states.contains_key(&meter_id) && !forgotten.contains(&meter_id) {
                    states.insert(meter_id, state);
                }
            }
            // What the prefetch could not be trusted with (usually nothing).
            load_meters(&self.db, &mut states, targets.iter().flatten()).await?;
            let mut pending = Vec::new();
            for (offset, (row, target)) in slice.iter().zip(&targets).enumerate() {
                let outcome = self
                    .row(&mut states, target, start + offset, row, &mut pending)
                    .await?;
                outcomes.push(outcome);
            }
            let current: HashSet<String> = targets
                .iter()
                .flatten()
                .map(|t| t.meter_id.clone())
                .collect();
            // Built while the previous slice is still being written: only what runs between
            // two writes holds the writer up.
            let mut units = if write && !pending.is_empty() {
                self.meter_writes(pending, &states, &mut estimate_months)
                    .await?
            } else {
                Vec::new()
            };
            if let Some(task) = in_flight.take() {
                let written = finish(task).await?;
                let stale = settle(written, &mut outcomes, &mut states);
                forgotten.extend(stale.iter().cloned());
                if !stale.is_empty() {
                    let redone = self
                        .revalidate(start, slice, &targets, &stale, &mut states, &mut outcomes)
                        .await?;
                    units.retain(|unit| !stale.contains(&unit.meter_id));
                    if write && !redone.is_empty() {
                        let more = self
                            .meter_writes(redone, &states, &mut estimate_months)
                            .await?;
                        units.extend(more);
                    }
                }
                // A meter the previous slice wrote too: its tail goes over the version that
                // write left.
                for unit in &mut units {
                    if let Some(state) = states.get(&unit.meter_id) {
                        unit.rebase(self.db.namespace(), state.tail_version)?;
                    }
                }
                // Everything before the previous slice is stored now, and the next slice's
                // reads began after it was: keep only the meters of this slice (not written
                // yet) and of the previous one (being written while those reads ran), so
                // memory holds a few slices' meters whatever the batch.
                states.retain(|meter_id, _| {
                    current.contains(meter_id.as_str()) || previous.contains(meter_id.as_str())
                });
            }
            previous = current;
            if !units.is_empty() {
                in_flight = Some(tokio::spawn(self.writer.clone().write(units)));
            }
        }
        if let Some(task) = in_flight {
            let written = finish(task).await?;
            settle(written, &mut outcomes, &mut states);
        }
        Ok(outcomes)
    }

    /// Starts reading `slice`'s targets and meters while the slice before it is validated and
    /// written: reading is most of an intake's work, and otherwise a reader would wait for
    /// each write to finish.
    fn prefetch(&self, slice: &[IntakeRow]) -> ReadTask {
        let db = self.db.clone();
        let rows = slice.to_vec();
        tokio::spawn(async move {
            let targets = targets(&db, &rows).await?;
            let mut states = HashMap::new();
            load_meters(&db, &mut states, targets.iter().flatten()).await?;
            Ok(Read { targets, states })
        })
    }

    /// Validates again the rows of this slice that belong to `stale` meters, whose stored
    /// readings changed under the previous slice's writes: they are read again, and the rows'
    /// earlier outcomes replaced. Returns their readings to write.
    async fn revalidate(
        &self,
        start: usize,
        slice: &[IntakeRow],
        targets: &[Result<Target, Refusal>],
        stale: &HashSet<String>,
        states: &mut HashMap<String, MeterState>,
        outcomes: &mut [RowOutcome],
    ) -> Result<Vec<Pending>, StoreError> {
        let affected = |target: &Result<Target, Refusal>| {
            target.as_ref().is_ok_and(|t| stale.contains(&t.meter_id))
        };
        let mut redone = Vec::new();
        if !targets.iter().any(affected) {
            return Ok(redone);
        }
        load_meters(&self.db, states, targets.iter().flatten()).await?;
        for (offset, (row, target)) in slice.iter().zip(targets).enumerate() {
            if affected(target) {
                outcomes[start + offset] = self
                    .row(states, target, start + offset, row, &mut redone)
                    .await?;
            }
        }
        Ok(redone)
    }

    /// Validates one row against its meter's history; an accepted reading joins the meter's
    /// tail in memory (so later rows of the same meter see it) and the pending writes.
    async fn row(
        &self,
        states: &mut HashMap<String, MeterState>,
        target: &Result<Target, Refusal>,
        n: usize,
        row: &IntakeRow,
        pending: &mut Vec<Pending>,
    ) -> Result<RowOutcome, StoreError> {
        let target = match target {
            Ok(target) => target,
            Err(refusal) => return Ok(RowOutcome::Refused(refusal.clone())),
        };
        let Some(state) = states.get_mut(&target.meter_id) else {
            return Ok(RowOutcome::Refused(Refusal::UnknownSerial));
        };
        let policy = self.writer.thresholds.policy(state.spec.kind);
        if !state.tail.decides(row.date, policy.average_months) {
            load_history(&self.db, state).await?;
        }
        let new = Reading {
            date: row.date,
            values: row.values.clone(),
            source: self.writer.source,
        };
        Ok(
            match validate(
                &state.spec,
                &state.tail.recent,
                &new,
                self.writer.today,
                &policy,
            ) {
                Err(rejection) => RowOutcome::Refused(Refusal::Rejected(rejection)),
                Ok(Outcome::Unchanged) => RowOutcome::Unchanged {
                    meter_id: state.id.clone(),
                },
                Ok(Outcome::Accepted { advance, flags }) => {
                    let record = ReadingRecord {
                        meter_id: state.id.clone(),
                        date: row.date,
                        values: new.values,
                        source: self.writer.source,
                        version_no: 1,
                        advance,
                        flags: flags.clone(),
                        entered_by: self.entered_by.clone(),
                        entered_at: self.writer.services.clock.now(),
                    };
                    let meter_id = state.id.clone();
                    state.tail.insert(&record);
                    pending.push(Pending {
                        row: n,
                        subscriber_id: target.subscriber_id.clone(),
                        record,
                        extra: Vec::new(),
                    });
                    RowOutcome::Stored { meter_id, flags }
                }
            },
        )
    }

    /// Adds to each pending reading the supersession of the estimates it covers: those of the
    /// months after its meter's previous real reading up to its own, read by key, and only for
    /// months that have any estimate at all.
    async fn supersede(
        &self,
        pending: &mut [Pending],
        states: &HashMap<String, MeterState>,
        estimate_months: &mut EstimateMonths,
    ) -> Result<(), StoreError> {
        let ns = self.db.namespace();
        let mut wanted: Vec<(usize, Key)> = Vec::new();
        for (at, p) in pending.iter().enumerate() {
            let Some(state) = states.get(&p.record.meter_id) else {
                continue;
            };
            if p.record.source == ReadingSource::Estimated || !state.spec.verified_on(p.record.date)
            {
                continue;
            }
            let after = state
                .tail
                .previous_real(p.record.date)
                .map_or(state.spec.installed_on, |r| r.date);
            let mut month = crm_domain::period::BillingMonth::of(after).next();
            let last = crm_domain::period::BillingMonth::of(p.record.date);
            while month <= last {
                let code = month.to_string();
                if estimate_months.any(&self.db, &code).await? {
                    let key = keys::estimate(ns, &p.subscriber_id, &p.record.meter_id, &code);
                    wanted.push((at, key));
                }
                month = month.next();
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let keys: Vec<Key> = wanted.iter().map(|(_, k)| k.clone()).collect();
        let mut found = resolve::estimates(&self.db, keys).await?;
        let mut by_reading: HashMap<usize, Vec<_>> = HashMap::new();
        for (at, key) in wanted {
            // An estimate goes to the first reading that covers it.
            if let Some(estimate) = found.remove(&key) {
                by_reading.entry(at).or_default().push(estimate);
            }
        }
        for (at, estimates) in by_reading {
            let p = &mut pending[at];
            let Some(state) = states.get(&p.record.meter_id) else {
                continue;
            };
            // Rare (only a reading covering an estimate): the whole record, read now.
            let key = keys::meter(ns, &state.subscriber_id, &state.id);
            let Some(item) = self.db.get(&key).await? else {
                continue;
            };
            let meter = MeterRecord::from_item(&item)?;
            p.extra = supersession_writes_with(
                ns,
                &meter,
                &state.tail.records(&state.id),
                &p.record,
                estimates,
                p.record.entered_at,
            );
        }
        Ok(())
    }

    /// Groups `pending` by meter with each meter's tail as it will be stored, each reading with
    /// the supersession of the estimates it covers.
    async fn meter_writes(
        &self,
        mut pending: Vec<Pending>,
        states: &HashMap<String, MeterState>,
        estimate_months: &mut EstimateMonths,
    ) -> Result<Vec<MeterWrites>, StoreError> {
        self.supersede(&mut pending, states, estimate_months)
            .await?;
        let mut meters: Vec<(String, Vec<Pending>, &MeterState)> = Vec::new();
        let mut at_meter: HashMap<String, usize> = HashMap::new();
        for p in pending {
            let meter_id = p.record.meter_id.clone();
            if let Some(at) = at_meter.get(&meter_id) {
                meters[*at].1.push(p);
                continue;
            }
            let Some(state) = states.get(&meter_id) else {
                continue;
            };
            at_meter.insert(meter_id.clone(), meters.len());
            meters.push((meter_id, vec![p], state));
        }
        meters
            .into_iter()
            .map(|(meter_id, readings, state)| {
                let average_months = self
                    .writer
                    .thresholds
                    .policy(state.spec.kind)
                    .average_months;
                MeterWrites::new(
                    self.db.namespace(),
                    meter_id,
                    readings,
                    state.tail.trimmed(average_months),
                    state.tail_version,
                )
            })
            .collect()
    }
}

/// Which months have any estimates in the tenant (the month's estimates listing, GSI1), asked
/// once per month and intake call: most readings cover a month nobody estimated, and then
/// their estimates are not read at all.
#[derive(Default)]
struct EstimateMonths(HashMap<String, bool>);

impl EstimateMonths {
    async fn any(&mut self, db: &ScopedDb, month: &str) -> Result<bool, StoreError> {
        if let Some(any) = self.0.get(month) {
            return Ok(*any);
        }
        let query = Query::new(
            Index::Gsi1,
            keys::estimates_of_month_partition(db.namespace(), month),
        )
        .limit(1);
        let any = !db.query_json(query, None).await?.items.is_empty();
        self.0.insert(month.to_owned(), any);
        Ok(any)
    }
}

async fn finish(task: WriteTask) -> Result<Written, StoreError> {
    task.await
        .map_err(|e| StoreError::Backend(format!("intake write: {e}")))?
}

/// Puts what the writes did in place: the new tail versions, the outcomes of rows entered one
/// by one; forgets the meters whose stored readings changed under us and returns them.
fn settle(
    written: Written,
    outcomes: &mut [RowOutcome],
    states: &mut HashMap<String, MeterState>,
) -> HashSet<String> {
    for (meter_id, version) in written.versions {
        if let Some(state) = states.get_mut(&meter_id) {
            state.tail_version = Some(version);
        }
    }
    for (row, outcome) in written.outcomes {
        outcomes[row] = outcome;
    }
    for meter_id in &written.stale {
        states.remove(meter_id);
    }
    written.stale
}
