//! Progress records of long jobs: imports, bulk changes, exports, billing runs.
//!
//! A record lives in the tenant's namespace, readable by id and listed newest first per tenant
//! and per kind. It is created `queued` when the job is sent; a delivery of the job
//! [`claim`](run::claim)s it (a lease with an owner), reports progress through its [`JobRun`]
//! at most every N rows or T seconds, and finishes it. Every write is conditional on the version
//! read, so two deliveries of the same job never both count, and a delivery of a finished job
//! does nothing.
//!
//! ```text
//! queued --claim--> running --finish--> done | failed | cancelled
//!                     |  ^ lease expired: another delivery claims it again (resumes at the
//!                     |  | checkpoint when the job keeps one)
//!                     +--+
//! ```

pub mod record;
pub mod run;
pub mod throttle;
pub mod view;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys::{self, Namespace};
use crate::store::{Body, Index, Item, StoreError};

pub use record::{NewJob, create, get, list_recent, list_recent_of_kind, request_cancel};
pub use run::{Claim, Control, JobRun, Outcome, RunError, claim};
pub use throttle::Throttle;
pub use view::JobView;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// Who runs the job now, and until when they are trusted to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub run_id: String,
    pub until: DateTime<Utc>,
    /// Deliveries that claimed the job so far (1 for the first).
    pub attempt: u32,
}

/// A message in both languages (why a job failed, what it did).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub ru: String,
    pub en: String,
}

impl Message {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ru: ru.into(),
            en: en.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    pub id: String,
    /// `subscribers_import`, `readings_import`, `bulk_link`, `billing_run`, ...
    pub kind: String,
    /// What the job works on, for people (a file name, a month).
    #[serde(default)]
    pub label: Option<String>,
    pub state: JobState,
    /// A step of a job with several (`validating`, `applying`).
    #[serde(default)]
    pub phase: Option<String>,
    /// Units of work in all, when known (rows of a file are not known until read).
    #[serde(default)]
    pub total: Option<u64>,
    pub processed: u64,
    /// Outcome counts by name (`read`, `valid`, `invalid`, `created`, ...).
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// Where a resumed run may start: the job's own position (a source row) up to which
    /// everything is done.
    #[serde(default)]
    pub checkpoint: Option<u64>,
    #[serde(default)]
    pub report_key: Option<String>,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub cancel_requested: bool,
    #[serde(default)]
    pub lease: Option<Lease>,
    #[serde(default)]
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Unix seconds after which the record is dropped.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

impl JobStatus {
    pub fn count(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// Whole percent done, when the total is known.
    pub fn percent(&self) -> Option<u8> {
        match (self.state, self.total) {
            (JobState::Done, _) => Some(100),
            (_, Some(0)) => Some(0),
            (_, Some(total)) => {
                let percent = self.processed.min(total).saturating_mul(100) / total;
                u8::try_from(percent).ok()
            }
            (_, None) => None,
        }
    }

    pub fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        let mut item = Item::new(keys::job_progress(namespace, &self.id), body)
            .with_index(
                Index::Gsi1,
                keys::job_listing(namespace, self.created_at, &self.id),
            )
            .with_index(
                Index::Gsi2,
                keys::job_listing_by_kind(namespace, &self.kind, self.created_at, &self.id),
            );
        item.expires_at = self.expires_at;
        item
    }

    pub fn from_item(item: &Item) -> Result<JobStatus, StoreError> {
        item.decode().map_err(|e| {
            StoreError::Backend(format!("unreadable job progress {:?}: {e}", item.key))
        })
    }
}

#[cfg(test)]
mod tests;
