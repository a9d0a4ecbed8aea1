//! Keys of background jobs' status items.

use super::Namespace;
use crate::store::Key;

/// The status a long job reports and the UI polls (progress, counts, failed rows).
pub fn job_status(namespace: &Namespace, job_id: &str) -> Key {
    namespace.key(&["JOB", job_id], "STATUS")
}
