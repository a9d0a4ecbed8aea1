//! One delivery's run of a job: claiming the record, reporting progress, finishing.
//!
//! Claiming writes a lease (this run's id and an expiry) over the version read; of two
//! deliveries racing, one write fails its condition and that delivery gets [`Claim::Busy`].
//! Every later write is conditional on the version this run wrote last, so a run whose lease
//! was taken over (it stalled past the lease) finds out at its next write ([`RunError::Lost`])
//! and stops; its work so far must be idempotent, which jobs are anyway.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::{JobState, JobStatus, Lease, Message, Throttle, get};
use crate::clock::Clock;
use crate::store::{Condition, Put, StoreError, TenantDb};

/// How long a claim holds without a progress write (which renews it).
pub const DEFAULT_LEASE: Duration = Duration::minutes(5);

#[derive(Debug)]
pub enum Claim {
    /// This delivery runs the job.
    Run(JobRun),
    /// The job is done, failed or cancelled: nothing to do (a replayed delivery).
    Finished(JobStatus),
    /// Another delivery holds a live lease. Retry later: by then it has finished, or its lease
    /// has run out and this delivery can take over.
    Busy(JobStatus),
    /// No record with this id.
    Missing,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another delivery took the job over (this run's lease ran out); stop without writing.
    #[error("the job was taken over by another run")]
    Lost,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the run should do after a progress write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Someone asked to cancel: stop and [`JobRun::finish`] with [`Outcome::Cancelled`].
    Cancel,
}

/// How a run ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done { message: Option<Message> },
    Failed { message: Message },
    Cancelled,
}

/// Claims job `job_id` for a new run, unless it is finished or held by a live lease.
pub async fn claim(
    db: &TenantDb,
    clock: &dyn Clock,
    run_id: &str,
    job_id: &str,
    lease: Duration,
) -> Result<Claim, StoreError> {
    for _ in 0..5 {
        let Some((mut status, version)) = get(db, job_id).await? else {
            return Ok(Claim::Missing);
        };
        let now = clock.now();
        if status.state.is_finished() {
            return Ok(Claim::Finished(status));
        }
        if status.state == JobState::Running
            && status
                .lease
                .as_ref()
                .is_some_and(|held| held.until > now && held.run_id != run_id)
        {
            return Ok(Claim::Busy(status));
        }
        let attempt = status.lease.as_ref().map_or(0, |held| held.attempt) + 1;
        status.state = JobState::Running;
        status.started_at.get_or_insert(now);
        status.updated_at = now;
        status.lease = Some(Lease {
            run_id: run_id.to_owned(),
            until: now + lease,
            attempt,
        });
        let put = Put {
            item: status.to_item(db.namespace()),
            condition: Condition::VersionEquals(version),
        };
        match db.put(put).await {
            Ok(new_version) => {
                return Ok(Claim::Run(JobRun {
                    db: db.clone(),
                    status,
                    version: new_version,
                    run_id: run_id.to_owned(),
                    lease,
                    throttle: Throttle::default(),
                }));
            }
            // Someone wrote in between: look again.
            Err(StoreError::ConditionFailed { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    match get(db, job_id).await? {
        Some((status, _)) if status.state.is_finished() => Ok(Claim::Finished(status)),
        Some((status, _)) => Ok(Claim::Busy(status)),
        None => Ok(Claim::Missing),
    }
}

/// A claimed job: the run's view of its record and the version it last wrote.
pub struct JobRun {
    db: TenantDb,
    status: JobStatus,
    version: u64,
    run_id: String,
    lease: Duration,
    throttle: Throttle,
}

impl std::fmt::Debug for JobRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRun")
            .field("job_id", &self.status.id)
            .field("run_id", &self.run_id)
            .field("version", &self.version)
            .finish()
    }
}

impl JobRun {
    pub fn status(&self) -> &JobStatus {
        &self.status
    }

    pub fn with_throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = throttle;
        self
    }

    /// Sets the phase and total and writes at once (a phase change is worth showing).
    pub async fn start_phase(
        &mut self,
        clock: &dyn Clock,
        phase: &str,
        total: Option<u64>,
    ) -> Result<Control, RunError> {
        self.status.phase = Some(phase.to_owned());
        self.status.total = total.or(self.status.total);
        self.status.processed = 0;
        self.write(clock.now()).await
    }

    /// Records progress; writes it when the throttle says so. `checkpoint` is the job's own
    /// position (a source row) up to which all work is durably done, for a resumed run.
    pub async fn progress(
        &mut self,
        clock: &dyn Clock,
        processed: u64,
        counts: &BTreeMap<String, u64>,
        checkpoint: Option<u64>,
    ) -> Result<Control, RunError> {
        self.status.processed = processed;
        self.status.counts.clone_from(counts);
        if checkpoint.is_some() {
            self.status.checkpoint = checkpoint;
        }
        let now = clock.now();
        if self.throttle.due(processed, now) {
            self.write(now).await
        } else if self.status.cancel_requested {
            Ok(Control::Cancel)
        } else {
            Ok(Control::Continue)
        }
    }

    /// Writes the record now, renewing the lease.
    pub async fn flush(&mut self, clock: &dyn Clock) -> Result<Control, RunError> {
        self.write(clock.now()).await
    }

    /// Ends the run: the final counts, the report, the state. Consumes the run.
    pub async fn finish(
        mut self,
        clock: &dyn Clock,
        outcome: Outcome,
        report_key: Option<String>,
    ) -> Result<JobStatus, RunError> {
        let now = clock.now();
        let (state, message) = match outcome {
            Outcome::Done { message } => (JobState::Done, message),
            Outcome::Failed { message } => (JobState::Failed, Some(message)),
            Outcome::Cancelled => (
                JobState::Cancelled,
                Some(Message::new(
                    "Отменено пользователем",
                    "Cancelled by a user",
                )),
            ),
        };
        self.status.state = state;
        self.status.message = message;
        self.status.report_key = report_key;
        self.status.finished_at = Some(now);
        self.status.lease = None;
        self.write(now).await?;
        Ok(self.status)
    }

    /// Writes the run's view over the version it last wrote. When the condition fails, the
    /// record is read again: someone else's lease means this run lost the job; otherwise (a
    /// cancel request) the request is taken in and the write retried.
    async fn write(&mut self, now: DateTime<Utc>) -> Result<Control, RunError> {
        for _ in 0..5 {
            self.status.updated_at = now;
            if let Some(lease) = self.status.lease.as_mut() {
                lease.until = now + self.lease;
            }
            let put = Put {
                item: self.status.to_item(self.db.namespace()),
                condition: Condition::VersionEquals(self.version),
            };
            match self.db.put(put).await {
                Ok(version) => {
                    self.version = version;
                    self.throttle.written(self.status.processed, now);
                    return Ok(if self.status.cancel_requested {
                        Control::Cancel
                    } else {
                        Control::Continue
                    });
                }
                Err(StoreError::ConditionFailed { .. }) => {
                    let Some((current, version)) = get(&self.db, &self.status.id).await? else {
                        return Err(RunError::Lost);
                    };
                    let ours = current
                        .lease
                        .as_ref()
                        .is_some_and(|lease| lease.run_id == self.run_id);
                    if !ours || current.state.is_finished() {
                        return Err(RunError::Lost);
                    }
                    self.status.cancel_requested |= current.cancel_requested;
                    self.version = version;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(RunError::Store(StoreError::TransactionConflict))
    }
}
