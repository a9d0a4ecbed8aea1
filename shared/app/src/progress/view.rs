//! The JSON a job's status route answers, and what the progress component renders.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{JobState, JobStatus, Message};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub label: Option<String>,
    pub state: JobState,
    pub phase: Option<String>,
    /// `true` once the state will not change: clients stop polling.
    pub finished: bool,
    pub total: Option<u64>,
    pub processed: u64,
    /// Whole percent, when the total is known.
    pub percent: Option<u8>,
    pub counts: BTreeMap<String, u64>,
    pub message: Option<Message>,
    /// A link to download the error report (presigned by the route), when there is one.
    pub report_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobView {
    /// `report_url` is the route's link to `status.report_key` (a presigned or local link).
    pub fn new(status: &JobStatus, report_url: Option<String>) -> Self {
        Self {
            id: status.id.clone(),
            kind: status.kind.clone(),
            label: status.label.clone(),
            state: status.state,
            phase: status.phase.clone(),
            finished: status.state.is_finished(),
            total: status.total,
            processed: status.processed,
            percent: status.percent(),
            counts: status.counts.clone(),
            message: status.message.clone(),
            report_url,
            created_at: status.created_at,
            started_at: status.started_at,
            finished_at: status.finished_at,
        }
    }
}
