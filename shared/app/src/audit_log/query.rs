//! Pages of a namespace's audit log, newest first.
//!
//! Without an entity or actor filter the log is read day partition by day partition, backwards
//! from the newest day in range. A page reads at most [`MAX_DAYS_PER_PAGE`] days and
//! [`MAX_READ_PER_PAGE`] records; when it stops on that budget it says how far back it has
//! searched and hands out a cursor to go on, so a sparse filter over years never turns into one
//! long request. An entity filter reads its GSI1 partition, an actor filter its GSI2 partition.
//!
//! Each query asks for no more records than the page still needs, so the store's cursor after
//! it is exactly where the page ends: every record is listed once, in order, across days.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::AuditFilter;
use super::cursor::{AuditCursors, Listing, Position};
use crate::audit::{AuditRecord, record_from_item};
use crate::keys;
use crate::signing::Signer;
use crate::store::{Cursor, Index, Query, ScopedDb, SortKey, StoreError};

/// Without a `since`, day walks look back this far.
pub const DEFAULT_WINDOW_DAYS: u64 = 366;
/// Day partitions one page may start reading.
pub const MAX_DAYS_PER_PAGE: usize = 31;
/// Records one page may read (filters in memory may drop most of them).
pub const MAX_READ_PER_PAGE: usize = 2000;
/// The largest page.
pub const MAX_PAGE: u32 = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Where the next page starts, when more may follow.
    pub next: Option<Cursor>,
    /// Set when the page stopped to bound its work: records before this instant are still to
    /// be searched (follow `next`).
    pub searched_back_to: Option<DateTime<Utc>>,
    /// The lower bound the listing used because the filter had none (day walks only).
    pub window_start: Option<DateTime<Utc>>,
}

/// Reads one namespace's audit log.
#[derive(Clone)]
pub struct AuditLog {
    db: ScopedDb,
    cursors: AuditCursors,
    today: NaiveDate,
}

enum Source {
    Days,
    Index(Index, String),
}

fn utc_day(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The sort-key range of `filter`'s times (keys are `<time>#<id>`).
fn sort_range(filter: &AuditFilter) -> SortKey {
    if filter.since.is_none() && filter.until.is_none() {
        return SortKey::Any;
    }
    // `until` is exclusive: a record at exactly `until` sorts after the bare time.
    SortKey::Between(
        filter.since.map(keys::audit_sort_bound).unwrap_or_default(),
        filter
            .until
            .map_or_else(|| "~".to_owned(), keys::audit_sort_bound),
    )
}

impl AuditLog {
    /// `now` fixes the newest day partition a walk starts from.
    pub fn new(db: ScopedDb, signer: &Signer, now: DateTime<Utc>) -> Self {
        Self {
            db,
            cursors: AuditCursors::new(signer),
            today: utc_day(now),
        }
    }

    fn source(&self, filter: &AuditFilter) -> Source {
        let namespace = self.db.namespace();
        match (&filter.entity_type, &filter.entity_id, &filter.actor) {
            (Some(entity_type), Some(entity_id), _) => Source::Index(
                Index::Gsi1,
                keys::audit_entity_partition(namespace, entity_type, entity_id),
            ),
            (_, _, Some(actor)) => {
                Source::Index(Index::Gsi2, keys::audit_actor_partition(namespace, actor))
            }
            _ => Source::Days,
        }
    }

    /// Up to `limit` records (at most [`MAX_PAGE`]) matching `filter`, newest first, from
    /// `cursor` (which must come from an earlier page of this same listing).
    pub async fn page(
        &self,
        filter: &AuditFilter,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> Result<AuditPage, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE) as usize;
        let listing = Listing::new(self.db.namespace(), filter);
        let position = cursor
            .map(|cursor| self.cursors.decode(&listing, cursor))
            .transpose()?;
        match self.source(filter) {
            Source::Days => self.walk_days(filter, &listing, position, limit).await,
            Source::Index(index, pk) => {
                let after = match position {
                    None => None,
                    Some(Position::Index { after }) => after,
                    Some(Position::Day { .. }) => {
                        return Err(StoreError::InvalidCursor("issued for a different listing"));
                    }
                };
                self.walk_index(filter, &listing, index, pk, after, limit)
                    .await
            }
        }
    }

    async fn walk_days(
        &self,
        filter: &AuditFilter,
        listing: &Listing,
        position: Option<Position>,
        limit: usize,
    ) -> Result<AuditPage, StoreError> {
        // A record written a moment past midnight by a clock slightly ahead lands on tomorrow.
        let newest = self
            .today
            .checked_add_days(Days::new(1))
            .unwrap_or(self.today);
        let top = filter
            .until
            .map(|until| utc_day(until - chrono::Duration::microseconds(1)))
            .map_or(newest, |day| day.min(newest));
        let (floor, window_start) = match filter.since {
            Some(since) => (utc_day(since), None),
            None => {
                let floor = top
                    .checked_sub_days(Days::new(DEFAULT_WINDOW_DAYS))
                    .unwrap_or(NaiveDate::MIN);
                (floor, Some(day_start(floor)))
            }
        };
        let mut page = AuditPage {
            records: Vec::new(),
            next: None,
            searched_back_to: None,
            window_start,
        };
        let (mut day, mut after) = match position {
            None => (top, None),
            Some(Position::Day { day, after }) if day <= top => (day, after),
            Some(_) => return Err(StoreError::InvalidCursor("issued for a different listing")),
        };
        if day < floor {
            return Ok(page);
        }
        let sort = sort_range(filter);
        let (mut days_started, mut read) = (0, 0);
        loop {
            if page.records.len() >= limit {
                page.next = Some(self.cursors.encode(listing, &Position::Day { day, after }));
                return Ok(page);
            }
            if after.is_none() {
                if days_started == MAX_DAYS_PER_PAGE || read >= MAX_READ_PER_PAGE {
                    page.searched_back_to = day.succ_opt().map(day_start);
                    page.next = Some(self.cursors.encode(listing, &Position::Day { day, after }));
                    return Ok(page);
                }
                days_started += 1;
            }
            let query = Query::new(
                Index::Table,
                keys::audit_day_partition(self.db.namespace(), day),
            )
            .sort(sort.clone())
            .backward()
            .limit(needed(limit, page.records.len()));
            let found = self.db.query(query, after.as_ref()).await?;
            read += found.items.len();
            take_matching(filter, &found.items, &mut page.records);
            match found.next {
                Some(next) if read < MAX_READ_PER_PAGE || page.records.len() >= limit => {
                    after = Some(next);
                }
                Some(next) => {
                    // Mid-day, out of budget: go on from here next time.
                    page.searched_back_to = day.succ_opt().map(day_start);
                    page.next = Some(self.cursors.encode(
                        listing,
                        &Position::Day {
                            day,
                            after: Some(next),
                        },
                    ));
                    return Ok(page);
                }
                None => match day.pred_opt().filter(|previous| *previous >= floor) {
                    Some(previous) => {
                        day = previous;
                        after = None;
                    }
                    None => return Ok(page),
                },
            }
        }
    }

    async fn walk_index(
        &self,
        filter: &AuditFilter,
        listing: &Listing,
        index: Index,
        pk: String,
        mut after: Option<Cursor>,
        limit: usize,
    ) -> Result<AuditPage, StoreError> {
        let mut page = AuditPage {
            records: Vec::new(),
            next: None,
            searched_back_to: None,
            window_start: None,
        };
        let sort = sort_range(filter);
        let mut read = 0;
        loop {
            let query = Query::new(index, pk.clone())
                .sort(sort.clone())
                .backward()
                .limit(needed(limit, page.records.len()));
            let found = self.db.query(query, after.as_ref()).await?;
            read += found.items.len();
            take_matching(filter, &found.items, &mut page.records);
            let Some(next) = found.next else {
                return Ok(page);
            };
            after = Some(next);
            let full = page.records.len() >= limit;
            if full || read >= MAX_READ_PER_PAGE {
                if !full {
                    page.searched_back_to = page.records.last().map(|r| r.at);
                }
                page.next = Some(self.cursors.encode(listing, &Position::Index { after }));
                return Ok(page);
            }
        }
    }
}

fn needed(limit: usize, have: usize) -> u32 {
    u32::try_from(limit.saturating_sub(have).max(1)).unwrap_or(MAX_PAGE)
}

fn take_matching(filter: &AuditFilter, items: &[crate::store::Item], out: &mut Vec<AuditRecord>) {
    for item in items {
        match record_from_item(item) {
            Some(record) if filter.matches(&record) => out.push(record),
            Some(_) => {}
            None => {
                tracing::warn!(pk = %item.key.pk, sk = %item.key.sk, "unreadable audit record skipped")
            }
        }
    }
}
