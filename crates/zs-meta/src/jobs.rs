//! The persisted job queue contract. Long work (hand-ins, scheduled pulls, materialisations)
//! runs as jobs: enqueued once per idempotency key, claimed by one worker at a time, reporting
//! progress, retried with back-off, and after a restart either re-queued or failed with a
//! reason — never silently dropped.

use zs_types::Result;

/// One job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// Identifier.
    pub id: i64,
    /// What kind of work, e.g. `ingest.file`, `pull.database`.
    pub kind: String,
    /// What it works on, e.g. `resource:101001000/000001`, for listing on that object's page.
    pub subject: Option<String>,
    /// Parameters, JSON.
    pub payload: String,
    /// queued | running | succeeded | failed.
    pub state: String,
    /// Progress in per mille (0-1000).
    pub progress: i64,
    /// Last message (progress note, result, or failure reason).
    pub message: Option<String>,
    /// How often it has been claimed.
    pub attempts: i64,
    /// Claims allowed before it fails for good.
    pub max_attempts: i64,
    /// Not to be claimed before this time (Unix ms): back-off and schedules.
    pub run_after: i64,
    /// Makes enqueueing idempotent.
    pub idempotency_key: Option<String>,
    /// Who claimed it last.
    pub worker: Option<String>,
    /// Who asked for it.
    pub created_by: Option<i64>,
    /// Enqueued (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// When it ended (Unix ms).
    pub finished_at: Option<i64>,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Kind.
    pub kind: String,
    /// Subject.
    pub subject: Option<String>,
    /// Parameters, JSON.
    pub payload: String,
    /// Claims allowed (at least 1).
    pub max_attempts: i64,
    /// Earliest start (Unix ms).
    pub run_after: i64,
    /// Idempotency key: enqueueing the same key again returns the existing job.
    pub idempotency_key: Option<String>,
    /// Who asks.
    pub created_by: Option<i64>,
}

/// The job part of the store contract.
#[async_trait::async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueue; with a known idempotency key, return the existing job and `false`.
    async fn enqueue(&self, job: NewJob, now: i64) -> Result<(JobRow, bool)>;
    /// Claim the oldest ready job (queued, `run_after` ≤ now): it becomes running and its
    /// attempts grow by one. Two workers never claim the same job.
    async fn claim(&self, worker: &str, now: i64) -> Result<Option<JobRow>>;
    /// Report progress (per mille) and a note on a running job.
    async fn set_progress(&self, id: i64, progress: i64, message: Option<&str>, now: i64) -> Result<()>;
    /// End a running job.
    async fn finish(&self, id: i64, succeeded: bool, message: &str, now: i64) -> Result<()>;
    /// Put a running job back in the queue for a later attempt (back-off), or fail it for good
    /// when its attempts are used up. Returns the new state.
    async fn retry_later(&self, id: i64, run_after: i64, message: &str, now: i64) -> Result<String>;
    /// After a restart: running jobs with attempts left go back to the queue, the others fail
    /// with "interrupted by a restart". Returns (re-queued, failed).
    async fn recover_interrupted(&self, now: i64) -> Result<(u64, u64)>;
    /// One job.
    async fn get_job(&self, id: i64) -> Result<Option<JobRow>>;
    /// Jobs of a subject (or all), newest first.
    async fn list_jobs(&self, subject: Option<&str>, limit: i64) -> Result<Vec<JobRow>>;
}
