//! Batch intake of readings: what an import (or any bulk source) hands over, many rows at a
//! time. Meters are resolved with batch gets of their serial (or account-number) sentinels,
//! each subscriber's meters and readings are read with one query per partition (not per row),
//! every row is validated by the domain's `validate` against the history as it stands
//! (including rows accepted earlier in the same batch), and accepted readings are written in
//! transactions of up to 99 readings with one audit record each, every reading on "must not
//! exist". So a row given twice changes nothing (an equal reading is `Unchanged`, a different
//! one refused), a bad row never blocks the others, and nothing is half-written.

use std::collections::HashMap;

use chrono::NaiveDate;
use crm_domain::TenantId;
use crm_domain::meter::{Flag, Outcome, Reading, ReadingSource, Rejection, validate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Thresholds;
use super::estimates::supersession_writes_with;
use super::reasons;
use super::records::{
    EstimateRecord, MeterRecord, MeterStatus, ReadingRecord, reading_body, subscriber_meters,
};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys;
use crate::store::{
    Condition, Item, Key, MAX_BATCH_GET, MAX_TRANSACTION_ITEMS, Put, ScopedDb, StoreError, Write,
};
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
    services: Services,
    db: ScopedDb,
    audit: Audit,
    thresholds: Thresholds,
    today: NaiveDate,
    source: ReadingSource,
    /// Names the batch in audit records and in `entered_by` (`import:<id>`).
    batch_id: String,
}

/// A subscriber partition as read: its meters (with versions) and their readings by date.
#[derive(Default)]
struct Partition {
    meters: Vec<(MeterRecord, u64)>,
    readings: HashMap<String, Vec<ReadingRecord>>,
    /// By meter: what a new reading may supersede.
    estimates: HashMap<String, Vec<(EstimateRecord, u64)>>,
}

struct Pending {
    row: usize,
    subscriber_id: String,
    record: ReadingRecord,
    /// The supersession of estimates this reading brings (usually none).
    extra: Vec<Write>,
}

/// Tasks reading subscriber partitions at once.
const PARALLEL_READS: usize = 4;

/// Readings per transaction: the rest of the 100 is the audit record.
const READINGS_PER_TRANSACTION: usize = MAX_TRANSACTION_ITEMS - 1;

impl Intake {
    pub async fn new(
        services: &Services,
        tenant: &TenantId,
        audit: &Audit,
        source: ReadingSource,
        batch_id: &str,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            services: services.clone(),
            db: services.db.tenant(tenant),
            audit: audit.clone(),
            thresholds: Thresholds::load(services, tenant).await?,
            today: subscribers::today(services, tenant).await,
            source,
            batch_id: batch_id.to_owned(),
        })
    }

    /// Validates and stores `rows`; one outcome per row, in order. Give a few thousand rows
    /// at a time: each call reads each subscriber partition it touches once.
    pub async fn run(&self, rows: &[IntakeRow]) -> Result<Vec<RowOutcome>, StoreError> {
        let (mut outcomes, mut pending, partitions) = self.evaluate(rows).await?;
        for p in &mut pending {
            let Some(partition) = partitions.get(&p.subscriber_id) else {
                continue;
            };
            let Some((meter, _)) = partition
                .meters
                .iter()
                .find(|(m, _)| m.id == p.record.meter_id)
            else {
                continue;
            };
            let history = partition
                .readings
                .get(&meter.id)
                .map_or(&[][..], Vec::as_slice);
            let estimates = partition
                .estimates
                .get(&meter.id)
                .cloned()
                .unwrap_or_default();
            p.extra = supersession_writes_with(
                self.db.namespace(),
                meter,
                history,
                &p.record,
                estimates,
                p.record.entered_at,
            );
        }
        self.write(pending, &mut outcomes).await?;
        Ok(outcomes)
    }

    /// Validates `rows` exactly as [`Self::run`] does and writes nothing: what a dry run
    /// reports. `Stored` here means "would be stored". Rows are checked against the history
    /// as stored plus the rows accepted earlier in the same call.
    pub async fn check(&self, rows: &[IntakeRow]) -> Result<Vec<RowOutcome>, StoreError> {
        Ok(self.evaluate(rows).await?.0)
    }

    /// Resolves and validates every row; the accepted ones come back as pending writes.
    async fn evaluate(
        &self,
        rows: &[IntakeRow],
    ) -> Result<(Vec<RowOutcome>, Vec<Pending>, HashMap<String, Partition>), StoreError> {
        let serials = self.resolve_serials(rows).await?;
        let accounts = self.resolve_accounts(rows).await?;
        let mut wanted: Vec<&str> = serials
            .values()
            .map(|(_, s)| s.as_str())
            .chain(accounts.values().map(String::as_str))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let wanted: Vec<String> = wanted.into_iter().map(str::to_owned).collect();
        let mut partitions = self.partitions(wanted).await?;
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut pending = Vec::new();
        for (n, row) in rows.iter().enumerate() {
            let found = match &row.meter {
                MeterRef::Serial(serial) => serials
                    .get(serial.trim())
                    .map(|(meter_id, sub)| (sub.clone(), Some(meter_id.clone())))
                    .ok_or(Refusal::UnknownSerial),
                MeterRef::Account(number) => accounts
                    .get(number.trim())
                    .map(|sub| (sub.clone(), None))
                    .ok_or(Refusal::UnknownAccount),
            };
            let outcome = match found {
                Err(refusal) => RowOutcome::Refused(refusal),
                Ok((subscriber_id, meter_id)) => {
                    let partition = partitions.entry(subscriber_id.clone()).or_default();
                    self.row(partition, &subscriber_id, meter_id, n, row, &mut pending)
                }
            };
            outcomes.push(outcome);
        }
        Ok((outcomes, pending, partitions))
    }

    /// Validates one row against its meter's history; an accepted reading joins the history
    /// (so later rows of the same meter see it) and the pending writes.
    fn row(
        &self,
        partition: &mut Partition,
        subscriber_id: &str,
        meter_id: Option<String>,
        n: usize,
        row: &IntakeRow,
        pending: &mut Vec<Pending>,
    ) -> RowOutcome {
        let meter = match meter_id {
            Some(id) => partition.meters.iter().find(|(m, _)| m.id == id),
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
            source: self.source,
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
                    source: self.source,
                    version_no: 1,
                    advance,
                    flags: flags.clone(),
                    entered_by: format!("import:{}", self.batch_id),
                    entered_at: self.services.clock.now(),
                };
                let at = history.partition_point(|r| r.date < row.date);
                history.insert(at, record.clone());
                pending.push(Pending {
                    row: n,
                    subscriber_id: subscriber_id.to_owned(),
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

    /// Serial -> (meter id, subscriber id), by batch gets of the sentinels.
    async fn resolve_serials(
        &self,
        rows: &[IntakeRow],
    ) -> Result<HashMap<String, (String, String)>, StoreError> {
        let mut wanted: Vec<&str> = rows
            .iter()
            .filter_map(|r| match &r.meter {
                MeterRef::Serial(s) => Some(s.trim()),
                MeterRef::Account(_) => None,
            })
            .filter(|s| !s.is_empty())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = HashMap::with_capacity(wanted.len());
        let ns = self.db.namespace();
        for chunk in wanted.chunks(MAX_BATCH_GET) {
            let keys: Vec<Key> = chunk.iter().map(|s| keys::meter_serial(ns, s)).collect();
            let by_key: HashMap<&Key, &str> = keys.iter().zip(chunk.iter().copied()).collect();
            for item in self.db.batch_get(&keys).await? {
                let (Some(serial), Some(meter), Some(sub)) = (
                    by_key.get(&item.key),
                    item.body.get("meter_id").and_then(Value::as_str),
                    item.body.get("subscriber_id").and_then(Value::as_str),
                ) else {
                    continue;
                };
                found.insert((*serial).to_owned(), (meter.to_owned(), sub.to_owned()));
            }
        }
        Ok(found)
    }

    /// Account number -> subscriber id, by batch gets of the account-number sentinels.
    async fn resolve_accounts(
        &self,
        rows: &[IntakeRow],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut wanted: Vec<&str> = rows
            .iter()
            .filter_map(|r| match &r.meter {
                MeterRef::Account(a) => Some(a.trim()),
                MeterRef::Serial(_) => None,
            })
            .filter(|s| !s.is_empty())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = HashMap::with_capacity(wanted.len());
        let ns = self.db.namespace();
        for chunk in wanted.chunks(MAX_BATCH_GET) {
            let keys: Vec<Key> = chunk.iter().map(|a| keys::account_number(ns, a)).collect();
            let by_key: HashMap<&Key, &str> = keys.iter().zip(chunk.iter().copied()).collect();
            for item in self.db.batch_get(&keys).await? {
                if let (Some(number), Some(sub)) = (
                    by_key.get(&item.key),
                    item.body.get("subscriber_id").and_then(Value::as_str),
                ) {
                    found.insert((*number).to_owned(), sub.to_owned());
                }
            }
        }
        Ok(found)
    }

    /// The partitions of `subscribers`, read by a few tasks at once: the queries are
    /// independent, the embedded store has several reader connections, and on DynamoDB each
    /// query is a network round trip.
    async fn partitions(
        &self,
        subscribers: Vec<String>,
    ) -> Result<HashMap<String, Partition>, StoreError> {
        let mut partitions = HashMap::with_capacity(subscribers.len());
        let per_task = subscribers.len().div_ceil(PARALLEL_READS).max(1);
        let mut tasks = tokio::task::JoinSet::new();
        for group in subscribers.chunks(per_task) {
            let db = self.db.clone();
            let group = group.to_vec();
            tasks.spawn(async move {
                let mut read = Vec::with_capacity(group.len());
                for subscriber_id in group {
                    let partition = partition(&db, &subscriber_id).await?;
                    read.push((subscriber_id, partition));
                }
                Ok::<_, StoreError>(read)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let read = done.map_err(|e| StoreError::Backend(format!("partition read: {e}")))??;
            partitions.extend(read);
        }
        Ok(partitions)
    }

    fn audit_write(&self, batch: &[Pending]) -> Write {
        let lines: Vec<u64> = batch.iter().map(|p| p.row as u64).collect();
        let after = json!({
            "readings": batch.len(),
            "source": self.source,
            "rows": format!(
                "{}..{}",
                lines.first().copied().unwrap_or_default() + 1,
                lines.last().copied().unwrap_or_default() + 1
            ),
        });
        self.audit
            .record(
                self.db.namespace(),
                self.services.ids.new_id(),
                self.services.clock.now(),
                &Change {
                    action: "reading.import",
                    entity_type: "reading_batch",
                    entity_id: &self.batch_id,
                    before: None,
                    after: Some(&after),
                },
            )
            .1
    }

    /// Writes accepted readings in transactions. A reading stored meanwhile by someone else
    /// (the condition failed) is re-read: equal is `Unchanged`, different refused; the rest of
    /// its transaction is written again without it.
    async fn write(
        &self,
        pending: Vec<Pending>,
        outcomes: &mut [RowOutcome],
    ) -> Result<(), StoreError> {
        let ns = self.db.namespace().clone();
        let mut queue: Vec<Vec<Pending>> = Vec::new();
        let mut rest = pending.into_iter().peekable();
        while rest.peek().is_some() {
            queue.push(rest.by_ref().take(READINGS_PER_TRANSACTION).collect());
        }
        while let Some(batch) = queue.pop() {
            let mut writes = Vec::with_capacity(batch.len() + 1);
            for p in &batch {
                writes.push(Write::Put(Put {
                    item: Item::new(
                        keys::reading(&ns, &p.subscriber_id, &p.record.meter_id, p.record.date),
                        reading_body(&p.record),
                    ),
                    condition: Condition::MustNotExist,
                }));
            }
            writes.push(self.audit_write(&batch));
            let extra: Vec<Write> = batch.iter().flat_map(|p| p.extra.iter().cloned()).collect();
            if writes.len() + extra.len() <= MAX_TRANSACTION_ITEMS {
                writes.extend(extra);
            } else if batch.len() > 1 {
                let mut batch = batch;
                let half = batch.split_off(batch.len() / 2);
                queue.push(batch);
                queue.push(half);
                continue;
            } else {
                writes.extend(extra);
            }
            match self.db.transact(writes).await {
                Ok(()) => {}
                Err(StoreError::TransactionCancelled { failed })
                    if failed.iter().any(|at| *at < batch.len()) =>
                {
                    let mut retry = Vec::new();
                    for (at, p) in batch.into_iter().enumerate() {
                        if failed.contains(&at) {
                            outcomes[p.row] = self.stored_meanwhile(&p).await?;
                        } else {
                            retry.push(p);
                        }
                    }
                    if !retry.is_empty() {
                        queue.push(retry);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn stored_meanwhile(&self, p: &Pending) -> Result<RowOutcome, StoreError> {
        let key = keys::reading(
            self.db.namespace(),
            &p.subscriber_id,
            &p.record.meter_id,
            p.record.date,
        );
        let current = self
            .db
            .get(&key)
            .await?
            .map(|item| ReadingRecord::from_item(&item))
            .transpose()?;
        Ok(match current {
            Some(c) if c.values == p.record.values => RowOutcome::Unchanged {
                meter_id: p.record.meter_id.clone(),
            },
            Some(c) => RowOutcome::Refused(Refusal::Rejected(Rejection::DuplicateDifferent {
                existing: c.values,
            })),
            // Written and gone again meanwhile: report it as refused rather than guess.
            None => RowOutcome::Refused(Refusal::Rejected(Rejection::DuplicateDifferent {
                existing: Vec::new(),
            })),
        })
    }
}

/// A subscriber's meters, current readings and estimates (one range query, see
/// `subscriber_meters`), grouped by meter.
async fn partition(db: &ScopedDb, subscriber_id: &str) -> Result<Partition, StoreError> {
    let found = subscriber_meters(db, subscriber_id).await?;
    let mut partition = Partition {
        meters: found.meters,
        ..Partition::default()
    };
    for reading in found.readings {
        partition
            .readings
            .entry(reading.meter_id.clone())
            .or_default()
            .push(reading);
    }
    for (estimate, version) in found.estimates {
        partition
            .estimates
            .entry(estimate.meter_id.clone())
            .or_default()
            .push((estimate, version));
    }
    Ok(partition)
}
