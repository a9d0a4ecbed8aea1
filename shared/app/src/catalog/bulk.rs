//! Attaching a service to many subscribers at once, as a background job with progress.
//!
//! [`start`] checks the request, stores a queued status item (with the audit record) and
//! enqueues the job; [`run`] (the worker's handler) works through the subscribers in batches.
//! Each batch's links, their audit records, the service's counter and the status item's
//! progress commit in one transaction, under a condition on the status item's version, so:
//!
//! - progress never runs ahead of the data, and a re-delivered message resumes where the
//!   last committed batch ended instead of starting over;
//! - a link's id is derived from the job and the subscriber, so even a batch replayed by a
//!   second delivery running at the same time finds its links there and creates nothing twice.
//!
//! The job takes an explicit list of subscriber ids (at most [`MAX_SUBSCRIBERS`]); callers
//! resolve a filter or a building to ids before starting it.

use std::collections::HashSet;
use std::time::Duration;

use crm_domain::TenantId;
use crm_domain::access::{Action, Permission, Resource};
use crm_domain::billing::subscription::{LinkPeriod, Terms};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::links::{self, Link, LinkDraft};
use super::services::{self, Context, ENTITY as SERVICE_ENTITY};
use super::{CatalogError, Fault, Issue};
use crate::Services;
use crate::audit::{Actor, Audit, Change};
use crate::jobs::status::{self, JobState, JobStatus, RowFailure};
use crate::jobs::{DocumentsJob, Envelope, JobError, enqueue};
use crate::store::{ScopedDb, StoreError};

pub const KIND: &str = "bulk_link";
/// Subscribers one job may take (keeps the message well under SQS's 256 KB).
pub const MAX_SUBSCRIBERS: usize = 5000;
/// Subscribers per transaction: 4 writes each, plus the counter and the status.
const BATCH: usize = 20;
/// Tries of one batch when another writer got there first.
const BATCH_ATTEMPTS: u32 = 5;

/// The job's whole input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkLinkJob {
    pub job_id: String,
    pub service_id: String,
    pub subscriber_ids: Vec<String>,
    pub period: LinkPeriod,
    pub terms: Terms,
    /// Who started it: the links' audit records name them.
    pub actor: Actor,
}

/// What a person or program asks for.
#[derive(Clone, Debug, Default)]
pub struct BulkRequest {
    pub service_id: String,
    pub subscriber_ids: Vec<String>,
    pub link: LinkDraft,
}

/// Checks the request, records the queued job and enqueues it.
pub async fn start(
    services: &Services,
    tenant: &TenantId,
    audit: &Audit,
    request: &BulkRequest,
) -> Result<JobStatus, CatalogError> {
    let db = services.db.tenant(tenant);
    let now = services.clock.now();
    let cx = Context {
        audit,
        ids: services.ids.as_ref(),
        now,
    };
    let mut issues = Vec::new();
    let service = if super::is_valid_id(&request.service_id) {
        match links::linkable_service(&db, &request.service_id).await {
            Ok(service) => Some(service),
            Err(CatalogError::Invalid(found)) => {
                issues.extend(found);
                None
            }
            Err(other) => return Err(other),
        }
    } else {
        issues.push(Issue::new("service_id", Fault::NoSuchRecord));
        None
    };
    let subscriber_ids = match subscriber_ids(&request.subscriber_ids) {
        Ok(ids) => ids,
        Err(issue) => {
            issues.push(issue);
            Vec::new()
        }
    };
    let parsed = match &service {
        Some(service) => match links::parse_new(&request.link, service) {
            Ok(parsed) => Some(parsed),
            Err(found) => {
                issues.extend(found);
                None
            }
        },
        None => None,
    };
    let (Some(service), Some((period, terms)), true) = (service, parsed, issues.is_empty()) else {
        return Err(CatalogError::Invalid(issues));
    };

    let job_id = cx.ids.new_id();
    let mut status = JobStatus::queued(
        job_id.clone(),
        KIND,
        subscriber_ids.len() as u64,
        Permission::new(Resource::Subscribers, Action::Read),
        audit.actor.label(),
        now,
    );
    status.subject = Some(service.id.clone());
    let after = json!({"bulk_link": {
        "job_id": job_id,
        "subscribers": subscriber_ids.len(),
        "valid_from": period.valid_from.to_string(),
        "valid_until": period.valid_until.map(|d| d.to_string()),
    }});
    let ns = db.namespace();
    db.transact(vec![
        status.write(ns, 0),
        cx.record(
            ns,
            &Change {
                action: "service.bulk_link",
                entity_type: SERVICE_ENTITY,
                entity_id: &service.id,
                before: None,
                after: Some(&after),
            },
        ),
    ])
    .await?;

    let job = BulkLinkJob {
        job_id: job_id.clone(),
        service_id: service.id.clone(),
        subscriber_ids,
        period,
        terms,
        actor: audit.actor.clone(),
    };
    let envelope = Envelope::new(
        Some(tenant.clone()),
        format!("{KIND}:{job_id}"),
        DocumentsJob::BulkLink(job),
    );
    if let Err(e) = enqueue(services.queue.as_ref(), &envelope, Duration::ZERO).await {
        tracing::error!(job_id = %job_id, error = %e, "could not enqueue a bulk link job");
        status.state = JobState::Failed;
        status.error = Some("queue_unavailable".into());
        // The status stays queued if even this fails; the UI shows it as not started.
        let _ = db.put(status.put(ns, 1)).await;
        return Err(CatalogError::Store(StoreError::Unavailable(
            "the job queue is unavailable".into(),
        )));
    }
    Ok(status)
}

/// The ids, each of our shape, without repeats (first occurrence kept), 1..=MAX.
fn subscriber_ids(raw: &[String]) -> Result<Vec<String>, Issue> {
    if raw.is_empty() {
        return Err(Issue::new("subscriber_ids", Fault::Required));
    }
    if raw.len() > MAX_SUBSCRIBERS {
        return Err(Issue::new(
            "subscriber_ids",
            Fault::TooMany {
                max: MAX_SUBSCRIBERS,
            },
        ));
    }
    if let Some(i) = raw.iter().position(|id| !super::is_valid_id(id.trim())) {
        return Err(Issue::new(format!("subscriber_ids[{i}]"), Fault::BadId));
    }
    Ok(unique(raw.iter().map(|id| id.trim().to_owned())))
}

fn unique(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(id.clone())).collect()
}

/// The id of the link this job makes for `subscriber_id`: the same on every delivery.
pub fn link_id(job_id: &str, subscriber_id: &str) -> String {
    let digest = Sha256::digest(format!("{job_id}:{subscriber_id}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The worker's handler: works the job through, resuming from its status.
pub async fn run(
    services: &Services,
    tenant: &TenantId,
    job: &BulkLinkJob,
) -> Result<(), JobError> {
    let db = services.db.tenant(tenant);
    let retry = |e: StoreError| JobError::Retry(e.to_string());
    let Some((mut status, mut version)) = status::get(&db, &job.job_id).await.map_err(retry)?
    else {
        return Err(JobError::Poison(format!(
            "bulk link job {} has no status item",
            job.job_id
        )));
    };
    if status.is_finished() {
        return Ok(());
    }
    let audit = Audit {
        actor: job.actor.clone(),
        request_id: None,
        client_ip: None,
    };
    let Some((service, _)) = services::get(&db, &job.service_id).await.map_err(retry)? else {
        status.state = JobState::Failed;
        status.error = Some("service_not_found".into());
        status.updated_at = services.clock.now();
        db.transact(vec![status.write(db.namespace(), version)])
            .await
            .map_err(retry)?;
        return Ok(());
    };
    let ids = unique(job.subscriber_ids.iter().cloned());
    status.total = ids.len() as u64;
    let mut attempts = 0;
    while (status.processed as usize) < ids.len() {
        let start = status.processed as usize;
        let batch = &ids[start..(start + BATCH).min(ids.len())];
        let cx = Context {
            audit: &audit,
            ids: services.ids.as_ref(),
            now: services.clock.now(),
        };
        match run_batch(&db, &cx, job, &service, batch, status.clone(), version).await {
            Ok((next, next_version)) => {
                (status, version) = (next, next_version);
                attempts = 0;
            }
            Err(BatchError::Raced) if attempts < BATCH_ATTEMPTS => {
                // Another delivery or a person changed something first: read again, go on
                // from wherever the status now says.
                attempts += 1;
                let Some(fresh) = status::get(&db, &job.job_id).await.map_err(retry)? else {
                    return Err(JobError::Poison("the job's status item vanished".into()));
                };
                (status, version) = fresh;
                if status.is_finished() {
                    return Ok(());
                }
            }
            Err(BatchError::Raced) => {
                return Err(JobError::Retry("a batch kept conflicting".into()));
            }
            Err(BatchError::Store(e)) => return Err(retry(e)),
        }
    }
    status.state = JobState::Done;
    status.updated_at = services.clock.now();
    match db
        .transact(vec![status.write(db.namespace(), version)])
        .await
    {
        Ok(()) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
        Err(e) => Err(retry(e)),
    }
}

enum BatchError {
    /// A condition failed: someone else wrote first.
    Raced,
    Store(StoreError),
}

impl From<StoreError> for BatchError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::TransactionCancelled { .. }
            | StoreError::ConditionFailed { .. }
            | StoreError::TransactionConflict => BatchError::Raced,
            other => BatchError::Store(other),
        }
    }
}

/// Links one batch and moves the status on, in one transaction.
async fn run_batch(
    db: &ScopedDb,
    cx: &Context<'_>,
    job: &BulkLinkJob,
    service: &services::Service,
    batch: &[String],
    mut status: JobStatus,
    version: u64,
) -> Result<(JobStatus, u64), BatchError> {
    let ns = db.namespace();
    if status.state == JobState::Queued {
        status.state = JobState::Running;
    }
    let profiles: Vec<_> = batch
        .iter()
        .map(|id| crate::keys::subscriber_profile(ns, id))
        .collect();
    let existing: HashSet<String> = db
        .batch_get(&profiles)
        .await?
        .into_iter()
        .map(|item| item.key.pk)
        .collect();
    let mut writes = Vec::new();
    let mut linked = 0i64;
    for subscriber_id in batch {
        if !existing.contains(&crate::keys::subscriber_partition(ns, subscriber_id)) {
            status.add_failure(RowFailure {
                row: subscriber_id.clone(),
                code: "subscriber_not_found".into(),
                detail: None,
            });
            continue;
        }
        let link_id = link_id(&job.job_id, subscriber_id);
        let pair = links::pair(db, subscriber_id, &service.id).await?;
        if pair.links.iter().any(|l| l.id == link_id) {
            status.skipped += 1;
            continue;
        }
        if let Some(other) = pair.overlap(&job.period, None) {
            status.add_failure(RowFailure {
                row: subscriber_id.clone(),
                code: "link_overlap".into(),
                detail: Some(other.valid_from.to_string()),
            });
            continue;
        }
        let link = Link {
            id: link_id,
            subscriber_id: subscriber_id.clone(),
            service_id: service.id.clone(),
            period: job.period,
            terms: job.terms.clone(),
            created_at: cx.now,
            updated_at: cx.now,
            bulk_job: Some(job.job_id.clone()),
            item_version: 0,
        };
        writes.extend(links::attach_writes(
            ns,
            cx,
            service,
            &link,
            pair.guard_version,
        ));
        linked += 1;
    }
    if linked > 0 {
        writes.push(links::count_write(ns, &service.id, linked));
    }
    status.succeeded += linked.unsigned_abs();
    status.processed += batch.len() as u64;
    status.updated_at = cx.now;
    writes.push(status.write(ns, version));
    db.transact(writes).await?;
    Ok((status, version + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_and_deduplicated() {
        let ids = |raw: &[&str]| raw.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(subscriber_ids(&ids(&["a", " b", "a"])).unwrap(), ["a", "b"]);
        assert_eq!(
            subscriber_ids(&ids(&["a", "x#y"])).unwrap_err().field,
            "subscriber_ids[1]"
        );
        assert_eq!(subscriber_ids(&[]).unwrap_err().fault, Fault::Required);
        assert_eq!(link_id("j", "s"), link_id("j", "s"));
        assert_ne!(link_id("j", "s"), link_id("j", "t"));
        assert_eq!(link_id("j", "s").len(), 32);
    }

    #[test]
    fn the_job_message_round_trips_and_refuses_strangers() {
        let job = BulkLinkJob {
            job_id: "j1".into(),
            service_id: "s1".into(),
            subscriber_ids: vec!["a".into()],
            period: LinkPeriod::new(chrono::NaiveDate::MIN, None).unwrap(),
            terms: Terms::default(),
            actor: Actor::System {
                process: "test".into(),
            },
        };
        let envelope = Envelope::new(
            Some(TenantId::parse("acme").unwrap()),
            "bulk_link:j1",
            DocumentsJob::BulkLink(job),
        );
        let json = envelope.to_json();
        assert!(json.contains(r#""type":"bulk_link""#), "{json}");
        let back: Envelope<DocumentsJob> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, envelope);
        let stranger = json.replace(r#""job_id""#, r#""extra":1,"job_id""#);
        assert!(serde_json::from_str::<Envelope<DocumentsJob>>(&stranger).is_err());
    }
}
