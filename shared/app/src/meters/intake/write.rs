//! The writes of a slice: accepted readings in transactions as large as the store allows (one
//! audit record each), every reading on "must not exist", with the supersession of estimates
//! they bring. Runs as its own task while the next slice is read and validated.

use crm_domain::meter::{ReadingSource, Rejection};
use serde_json::json;

use super::Refusal;
use super::RowOutcome;
use crate::Services;
use crate::audit::{Audit, Change};
use crate::keys;
use crate::meters::records::{ReadingRecord, reading_body};
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

/// A reading someone else stored meanwhile (its condition failed): what the row's outcome is
/// after all.
pub(super) struct Conflict {
    pub row: usize,
    pub subscriber_id: String,
    pub outcome: RowOutcome,
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
}

impl Writer {
    /// Writes `pending` in transactions of up to the store's limit, each with one audit record.
    /// A reading stored meanwhile by someone else comes back as a [`Conflict`]; the rest of its
    /// transaction is written again without it.
    pub async fn write(self, pending: Vec<Pending>) -> Result<Vec<Conflict>, StoreError> {
        let limit = self.db.transaction_limit();
        let mut conflicts = Vec::new();
        let mut queue: Vec<Vec<Pending>> = Vec::new();
        let mut rest = pending.into_iter().peekable();
        while rest.peek().is_some() {
            queue.push(rest.by_ref().take(limit - 1).collect());
        }
        while let Some(batch) = queue.pop() {
            let extra: usize = batch.iter().map(|p| p.extra.len()).sum();
            if batch.len() + 1 + extra > limit && batch.len() > 1 {
                let mut batch = batch;
                let half = batch.split_off(batch.len() / 2);
                queue.push(batch);
                queue.push(half);
                continue;
            }
            let mut writes = Vec::with_capacity(batch.len() + 1 + extra);
            for p in &batch {
                writes.push(Write::Put(Put {
                    item: Item::new(
                        keys::reading(
                            self.db.namespace(),
                            &p.subscriber_id,
                            &p.record.meter_id,
                            p.record.date,
                        ),
                        reading_body(&p.record),
                    ),
                    condition: Condition::MustNotExist,
                }));
            }
            writes.push(self.audit_write(&batch));
            writes.extend(batch.iter().flat_map(|p| p.extra.iter().cloned()));
            match self.db.transact(writes).await {
                Ok(()) => {}
                Err(StoreError::TransactionCancelled { failed })
                    if failed.iter().any(|at| *at < batch.len()) =>
                {
                    let mut retry = Vec::new();
                    for (at, p) in batch.into_iter().enumerate() {
                        if failed.contains(&at) {
                            conflicts.push(Conflict {
                                row: p.row,
                                outcome: self.stored_meanwhile(&p).await?,
                                subscriber_id: p.subscriber_id,
                            });
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
        Ok(conflicts)
    }

    fn audit_write(&self, batch: &[Pending]) -> Write {
        let first = batch.first().map_or(0, |p| p.row) + 1;
        let last = batch.last().map_or(0, |p| p.row) + 1;
        let after = json!({
            "readings": batch.len(),
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
