//! The writes of a slice: per meter, its accepted readings (each "must not exist"), the
//! supersession of estimates they bring and its reading tail rewritten over the version read,
//! packed into transactions as large as the store allows, with one audit record each. Runs as
//! its own task while the next slice is read and validated.
//!
//! A meter whose writes fail (someone stored a reading of it, or changed its tail, meanwhile)
//! is taken out of the transaction, which is written again without it, and its rows go through
//! the single-reading path (`readings::enter_in`) against the history as it now stands, so the
//! outcome is what entering them one by one gives.

use foldhash::{HashMap, HashSet};

use chrono::NaiveDate;
use crm_domain::meter::{ReadingSource, Rejection};
use serde_json::json;

use super::{Refusal, RowOutcome};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys;
use crate::keys::Namespace;
use crate::meters::records::ReadingRecord;
use crate::meters::tail::{ReadingTail, version_after_put};
use crate::meters::{MeterError, Thresholds, readings, registry};
use crate::store::{Condition, Item, Put, ScopedDb, StoreError, Write};

/// An accepted reading waiting to be written.
pub(super) struct Pending {
    /// The row's position in the intake call.
    pub row: usize,
    pub subscriber_id: String,
    pub record: ReadingRecord,
    /// The supersession of estimates this reading brings (usually none).
    pub extra: Vec<Write>,
}

/// One meter's writes of a slice, written together or not at all. Its items are built (bodies
/// serialised) where the slice was validated, so the writing task, which the pipeline waits
/// on, only runs the transactions.
pub(super) struct MeterWrites {
    pub meter_id: String,
    /// The rows' readings, entered one by one if the writes fail.
    pub readings: Vec<Pending>,
    /// The tail after these readings, trimmed as stored.
    tail: ReadingTail,
    /// The tail's version as read (`None`: none was stored).
    pub read_version: Option<u64>,
    /// [`Self::build`], taken by the transaction that carries them.
    writes: Vec<Write>,
}

impl MeterWrites {
    /// `readings` of `meter_id`, with `tail` (as it will be stored) put over `read_version`.
    pub fn new(
        namespace: &Namespace,
        meter_id: String,
        readings: Vec<Pending>,
        tail: ReadingTail,
        read_version: Option<u64>,
    ) -> Result<Self, StoreError> {
        let mut unit = Self {
            meter_id,
            readings,
            tail,
            read_version,
            writes: Vec::new(),
        };
        unit.writes = unit.build(namespace)?;
        Ok(unit)
    }

    /// Each reading's put (`MustNotExist`) and the supersessions it brings, then the tail's put
    /// over the version read.
    fn build(&self, namespace: &Namespace) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::with_capacity(self.len());
        for p in &self.readings {
            let key = keys::reading(namespace, &p.subscriber_id, &self.meter_id, p.record.date);
            writes.push(Write::Put(Put {
                item: Item::serialised(key, &p.record)?,
                condition: Condition::MustNotExist,
            }));
            writes.extend(p.extra.iter().cloned());
        }
        writes.push(self.tail.put(namespace, &self.meter_id, self.read_version));
        Ok(writes)
    }

    /// Puts the tail over `version` instead of the version read (a write of the same meter
    /// landed in between).
    pub fn rebase(
        &mut self,
        namespace: &Namespace,
        version: Option<u64>,
    ) -> Result<(), StoreError> {
        if version != self.read_version {
            self.read_version = version;
            self.writes = self.build(namespace)?;
        }
        Ok(())
    }

    /// How many writes [`Self::build`] makes.
    fn len(&self) -> usize {
        self.readings
            .iter()
            .map(|p| 1 + p.extra.len())
            .sum::<usize>()
            + 1
    }
}

/// `meters` packed into transactions of at most `limit` writes, each with room for its audit
/// record; and the meters with more readings than one transaction holds (entered one by one).
fn pack(meters: Vec<MeterWrites>, limit: usize) -> (Vec<Vec<MeterWrites>>, Vec<MeterWrites>) {
    let mut transactions = Vec::new();
    let mut too_large = Vec::new();
    let mut batch: Vec<MeterWrites> = Vec::new();
    let mut size = 1;
    for unit in meters {
        if unit.len() + 1 > limit {
            too_large.push(unit);
            continue;
        }
        if size + unit.len() > limit {
            transactions.push(std::mem::take(&mut batch));
            size = 1;
        }
        size += unit.len();
        batch.push(unit);
    }
    if !batch.is_empty() {
        transactions.push(batch);
    }
    (transactions, too_large)
}

/// What a slice's writing did besides storing its readings.
#[derive(Default)]
pub(super) struct Written {
    /// Rows whose outcome changed: their meter's writes failed and they were entered one by
    /// one.
    pub outcomes: Vec<(usize, RowOutcome)>,
    /// Meters whose stored readings differ from what the intake holds in memory.
    pub stale: HashSet<String>,
    /// The tail version of each meter written.
    pub versions: HashMap<String, u64>,
}

/// What writing needs, cloned into the writing task.
#[derive(Clone)]
pub(super) struct Writer {
    pub services: Services,
    pub db: ScopedDb,
    pub audit: Audit,
    pub source: ReadingSource,
    /// Names the batch in audit records.
    pub batch_id: String,
    pub thresholds: Thresholds,
    pub today: NaiveDate,
}

impl Writer {
    /// Writes `meters` in transactions of up to the store's limit, each with one audit record.
    pub async fn write(self, meters: Vec<MeterWrites>) -> Result<Written, StoreError> {
        let mut written = Written::default();
        let (mut queue, mut failed) = pack(meters, self.db.transaction_limit());
        while let Some(mut batch) = queue.pop() {
            let mut writes = Vec::new();
            let mut owner = Vec::new();
            for (at, unit) in batch.iter_mut().enumerate() {
                if unit.writes.is_empty() {
                    // Taken by a transaction that was cancelled for another meter's sake.
                    unit.writes = unit.build(self.db.namespace())?;
                }
                owner.extend(std::iter::repeat_n(at, unit.writes.len()));
                writes.append(&mut unit.writes);
            }
            writes.push(self.audit_write(&batch));
            match self.db.transact(writes).await {
                Ok(()) => {
                    for unit in batch {
                        written
                            .versions
                            .insert(unit.meter_id, version_after_put(unit.read_version));
                    }
                }
                Err(StoreError::TransactionCancelled { failed: positions })
                    if positions.iter().all(|at| *at < owner.len()) && !positions.is_empty() =>
                {
                    let bad: HashSet<usize> = positions.iter().map(|at| owner[*at]).collect();
                    let mut retry = Vec::new();
                    for (at, unit) in batch.into_iter().enumerate() {
                        if bad.contains(&at) {
                            failed.push(unit);
                        } else {
                            retry.push(unit);
                        }
                    }
                    if !retry.is_empty() {
                        queue.push(retry);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        for unit in failed {
            written.stale.insert(unit.meter_id.clone());
            for p in unit.readings {
                let outcome = self.one_by_one(&unit.meter_id, &p.record).await?;
                written.outcomes.push((p.row, outcome));
            }
        }
        Ok(written)
    }

    /// Enters one reading as a person would: validated against the history as stored now.
    async fn one_by_one(
        &self,
        meter_id: &str,
        record: &ReadingRecord,
    ) -> Result<RowOutcome, StoreError> {
        for _ in 0..3 {
            let Some(view) = registry::view(&self.db, meter_id).await? else {
                return Ok(RowOutcome::Refused(Refusal::UnknownSerial));
            };
            let entered = readings::enter_in(
                &self.services,
                &self.db,
                &self.audit,
                &view,
                &self.thresholds,
                self.today,
                record.date,
                record.values.clone(),
                self.source,
            )
            .await;
            return Ok(match entered {
                Ok(readings::Entered::Stored(stored)) => RowOutcome::Stored {
                    meter_id: meter_id.to_owned(),
                    flags: stored.flags,
                },
                Ok(readings::Entered::Unchanged(_)) => RowOutcome::Unchanged {
                    meter_id: meter_id.to_owned(),
                },
                Err(MeterError::Rejected(rejection)) => {
                    RowOutcome::Refused(Refusal::Rejected(rejection))
                }
                Err(MeterError::NotFound) => RowOutcome::Refused(Refusal::UnknownSerial),
                Err(MeterError::VersionMismatch) => continue,
                Err(MeterError::Store(e)) => return Err(e),
                Err(other) => {
                    return Err(StoreError::Backend(format!("intake reading: {other}")));
                }
            });
        }
        // Changed under us three times running: report it rather than guess.
        Ok(RowOutcome::Refused(Refusal::Rejected(
            Rejection::DuplicateDifferent {
                existing: Vec::new(),
            },
        )))
    }

    fn audit_write(&self, batch: &[MeterWrites]) -> Write {
        let rows = batch.iter().flat_map(|u| u.readings.iter().map(|p| p.row));
        let first = rows.clone().min().unwrap_or(0) + 1;
        let last = rows.clone().max().unwrap_or(0) + 1;
        let after = json!({
            "readings": rows.count(),
            "source": self.source,
            "rows": format!("{first}..{last}"),
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
}
