//! Keys of job progress records (imports, bulk changes, exports, billing runs) and their
//! listings: every job of a tenant newest first (GSI1), and per kind (GSI2).

use chrono::{DateTime, Utc};

use super::{Namespace, escape};
use crate::store::Key;

/// A job's progress record, readable by id.
pub fn job_progress(namespace: &Namespace, job_id: &str) -> Key {
    namespace.key(&["JOB", job_id], "PROGRESS")
}

/// GSI1 partition listing a tenant's jobs.
pub fn jobs_partition(namespace: &Namespace) -> String {
    namespace.pk(&["JOBS"])
}

/// GSI1 key of a job in its tenant's list, by creation time.
pub fn job_listing(namespace: &Namespace, created_at: DateTime<Utc>, job_id: &str) -> Key {
    Key::new(jobs_partition(namespace), listing_sort(created_at, job_id))
}

/// GSI2 partition listing a tenant's jobs of one kind.
pub fn jobs_of_kind_partition(namespace: &Namespace, kind: &str) -> String {
    namespace.pk(&["JOBS", &escape(kind)])
}

/// GSI2 key of a job in its kind's list, by creation time.
pub fn job_listing_by_kind(
    namespace: &Namespace,
    kind: &str,
    created_at: DateTime<Utc>,
    job_id: &str,
) -> Key {
    Key::new(
        jobs_of_kind_partition(namespace, kind),
        listing_sort(created_at, job_id),
    )
}

fn listing_sort(created_at: DateTime<Utc>, job_id: &str) -> String {
    format!("{}#{job_id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}
