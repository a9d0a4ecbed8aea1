//! The status item of a long job (bulk changes, imports): state, progress `processed/total`,
//! counts, and the rows that failed with their reasons. The UI polls it; the job updates it in
//! the same transaction as each batch of its work, so progress never runs ahead of the data.

use chrono::{DateTime, Duration, Utc};
use crm_domain::access::Permission;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Item, Put, ScopedDb, StoreError, Write};

/// Failed rows kept in the status item; the counts go on beyond it.
pub const MAX_FAILURES_KEPT: usize = 1000;
/// How long a status stays readable after it was last written.
const KEEP_FOR: Duration = Duration::days(90);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    /// The job as a whole could not run (its rows' failures are in `failures` either way).
    Failed,
}

/// One row the job could not apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFailure {
    /// What the row is about: a subscriber id, a file row number.
    pub row: String,
    /// Stable reason code (`subscriber_not_found`, `link_overlap`).
    pub code: String,
    /// A value the reason refers to (the start of the clashing link), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    pub id: String,
    /// `bulk_link`, ...
    pub kind: String,
    pub state: JobState,
    pub total: u64,
    pub processed: u64,
    pub succeeded: u64,
    /// Rows that needed nothing (already done).
    pub skipped: u64,
    pub failed: u64,
    pub failures: Vec<RowFailure>,
    /// Why the job as a whole failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Who may read this status: the permission the job's work needs.
    pub visible_with: Permission,
    /// What the job works on (a service id), for links back from the status page.
    #[serde(default)]
    pub subject: Option<String>,
    pub started_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobStatus {
    pub fn queued(
        id: String,
        kind: &str,
        total: u64,
        visible_with: Permission,
        started_by: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            kind: kind.to_owned(),
            state: JobState::Queued,
            total,
            processed: 0,
            succeeded: 0,
            skipped: 0,
            failed: 0,
            failures: Vec::new(),
            error: None,
            visible_with,
            subject: None,
            started_by,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.state, JobState::Done | JobState::Failed)
    }

    pub fn add_failure(&mut self, failure: RowFailure) {
        self.failed += 1;
        if self.failures.len() < MAX_FAILURES_KEPT {
            self.failures.push(failure);
        }
    }

    /// Whole percent done, for progress bars.
    pub fn percent(&self) -> u64 {
        (self.processed * 100)
            .checked_div(self.total)
            .map_or(100, |percent| percent.min(100))
    }

    pub fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(keys::job_status(namespace, &self.id), body)
            .expiring_at((self.updated_at + KEEP_FOR).timestamp())
    }

    pub fn from_item(item: &Item) -> Result<JobStatus, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable job status {:?}: {e}", item.key)))
    }

    /// The put that stores this status over the version read (0: must not exist yet).
    pub fn put(&self, namespace: &Namespace, read_version: u64) -> Put {
        Put {
            item: self.to_item(namespace),
            condition: if read_version == 0 {
                Condition::MustNotExist
            } else {
                Condition::VersionEquals(read_version)
            },
        }
    }

    /// [`JobStatus::put`] as a transaction write.
    pub fn write(&self, namespace: &Namespace, read_version: u64) -> Write {
        Write::Put(self.put(namespace, read_version))
    }
}

/// A job's status and its version, if the job exists.
pub async fn get(db: &ScopedDb, job_id: &str) -> Result<Option<(JobStatus, u64)>, StoreError> {
    match db.get(&keys::job_status(db.namespace(), job_id)).await? {
        Some(item) => Ok(Some((JobStatus::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use crm_domain::access::{Action, Resource};

    use super::*;

    #[test]
    fn failures_are_counted_beyond_those_kept() {
        let mut status = JobStatus::queued(
            "j1".into(),
            "bulk_link",
            2000,
            Permission::new(Resource::Subscribers, Action::Update),
            "Анна".into(),
            Utc::now(),
        );
        for i in 0..1500 {
            status.add_failure(RowFailure {
                row: i.to_string(),
                code: "x".into(),
                detail: None,
            });
        }
        status.processed = 1500;
        assert_eq!(status.failed, 1500);
        assert_eq!(status.failures.len(), MAX_FAILURES_KEPT);
        assert_eq!(status.percent(), 75);
        let item = status.to_item(&Namespace::Central);
        assert_eq!(JobStatus::from_item(&item).unwrap(), status);
    }
}
