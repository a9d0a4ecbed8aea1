//! Creating, reading, listing and cancelling progress records.

use chrono::{DateTime, Duration, Utc};

use super::{JobState, JobStatus};
use crate::keys;
use crate::store::{Condition, Cursor, Index, Put, Query, StoreError, TenantDb};

/// A job about to be sent.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// Chosen by the sender and carried in the job message: the same upload sent twice gets
    /// the same id, so it has one record.
    pub id: String,
    pub kind: String,
    pub label: Option<String>,
    pub total: Option<u64>,
    pub created_by: Option<String>,
    /// The record is dropped this long after creation (`None`: kept).
    pub keep_for: Option<Duration>,
}

impl NewJob {
    pub fn new(id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            label: None,
            total: None,
            created_by: None,
            keep_for: Some(Duration::days(90)),
        }
    }
}

/// Creates the job's record as `queued`. When a record with this id exists already (the job
/// was sent before), that record is returned unchanged with `false`.
pub async fn create(
    db: &TenantDb,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<(JobStatus, bool), StoreError> {
    let status = JobStatus {
        id: job.id,
        kind: job.kind,
        label: job.label,
        state: JobState::Queued,
        phase: None,
        total: job.total,
        processed: 0,
        counts: Default::default(),
        checkpoint: None,
        report_key: None,
        message: None,
        cancel_requested: false,
        lease: None,
        created_by: job.created_by,
        created_at: now,
        started_at: None,
        finished_at: None,
        updated_at: now,
        expires_at: job.keep_for.map(|keep| (now + keep).timestamp()),
    };
    let put = Put {
        item: status.to_item(db.namespace()),
        condition: Condition::MustNotExist,
    };
    match db.put(put).await {
        Ok(_) => Ok((status, true)),
        Err(StoreError::ConditionFailed { .. }) => match get(db, &status.id).await? {
            Some((existing, _)) => Ok((existing, false)),
            None => Err(StoreError::Backend(format!(
                "job {} exists and does not",
                status.id
            ))),
        },
        Err(e) => Err(e),
    }
}

/// A job's record and its version.
pub async fn get(db: &TenantDb, job_id: &str) -> Result<Option<(JobStatus, u64)>, StoreError> {
    match db.get(&keys::job_progress(db.namespace(), job_id)).await? {
        Some(item) => Ok(Some((JobStatus::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

/// The tenant's jobs, newest first.
pub async fn list_recent(
    db: &TenantDb,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<JobStatus>, Option<Cursor>), StoreError> {
    let query = Query::new(Index::Gsi1, keys::jobs_partition(db.namespace()))
        .backward()
        .limit(limit);
    page(db, query, cursor).await
}

/// The tenant's jobs of one kind, newest first.
pub async fn list_recent_of_kind(
    db: &TenantDb,
    kind: &str,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<JobStatus>, Option<Cursor>), StoreError> {
    let query = Query::new(
        Index::Gsi2,
        keys::jobs_of_kind_partition(db.namespace(), kind),
    )
    .backward()
    .limit(limit);
    page(db, query, cursor).await
}

async fn page(
    db: &TenantDb,
    query: Query,
    cursor: Option<&Cursor>,
) -> Result<(Vec<JobStatus>, Option<Cursor>), StoreError> {
    let page = db.query(query, cursor).await?;
    let jobs = page
        .items
        .iter()
        .map(JobStatus::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((jobs, page.next))
}

/// Asks a job to stop. A queued job is cancelled at once; a running one is marked, and its run
/// stops at its next progress write; a finished one stays as it is. `None` when there is no
/// such job.
pub async fn request_cancel(
    db: &TenantDb,
    job_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<JobStatus>, StoreError> {
    for _ in 0..5 {
        let Some((mut status, version)) = get(db, job_id).await? else {
            return Ok(None);
        };
        match status.state {
            state if state.is_finished() => return Ok(Some(status)),
            JobState::Queued => {
                status.state = JobState::Cancelled;
                status.finished_at = Some(now);
            }
            _ => status.cancel_requested = true,
        }
        status.updated_at = now;
        let put = Put {
            item: status.to_item(db.namespace()),
            condition: Condition::VersionEquals(version),
        };
        match db.put(put).await {
            Ok(_) => return Ok(Some(status)),
            Err(StoreError::ConditionFailed { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::TransactionConflict)
}
