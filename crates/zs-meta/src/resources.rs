//! The resource-data part of the store contract: hand-ins (each attempt, and for committed ones
//! the table version they made), per-resource settings, pull schedules and logical-access
//! sources with their probe log.

use zs_types::Result;

/// One hand-in attempt (归集记录). A committed one names the table version it created.
#[derive(Debug, Clone, PartialEq)]
pub struct HandIn {
    /// Identifier.
    pub id: i64,
    /// 信息资源代码 of the entry.
    pub code: String,
    /// The catalogue entry.
    pub entry_id: i64,
    /// The providing department.
    pub org_id: i64,
    /// upload | cli | push | pull.database | pull.http | materialise | seed.
    pub channel: String,
    /// append | replace | upsert | delete.
    pub mode: String,
    /// The user who handed in (none for scheduled work).
    pub actor_user: Option<i64>,
    /// Display name of the actor (user name or schedule).
    pub actor_name: String,
    /// committed | batch_rejected | failed.
    pub outcome: String,
    /// The version committed.
    pub version: Option<i64>,
    /// Rows in the table after the commit.
    pub total_rows: Option<i64>,
    /// Rows read from the source.
    pub rows_read: i64,
    /// Rows written.
    pub rows_written: i64,
    /// Rows rejected by the checks.
    pub rows_rejected: i64,
    /// Result or failure note.
    pub message: Option<String>,
    /// File (under the data directory) holding the rejected rows, if any.
    pub rejects_file: Option<String>,
    /// The job that ran it.
    pub job_id: Option<i64>,
    /// For materialised libraries: the sources and their versions, JSON.
    pub lineage: Option<String>,
    /// Start (Unix ms).
    pub started_at: i64,
    /// End (Unix ms).
    pub finished_at: i64,
}

/// A hand-in to record (`id` is assigned by the store).
pub type NewHandIn = HandIn;

/// Per-resource settings chosen by the steward.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceSettings {
    /// 信息资源代码.
    pub code: String,
    /// Remembered column mapping (file header → item name), JSON object.
    pub mapping: String,
    /// Reject the whole batch above this rejected-row rate; none commits the valid rows.
    pub max_error_rate: Option<f64>,
    /// Versions kept by compaction; none keeps all.
    pub keep_versions: Option<i64>,
    /// Who changed them last.
    pub updated_by: Option<i64>,
    /// When (Unix ms).
    pub updated_at: i64,
}

/// A scheduled pull or materialisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Identifier.
    pub id: i64,
    /// Target resource code.
    pub code: String,
    /// pull.database | pull.http | materialise.
    pub kind: String,
    /// Parameters (connection, query, watermark column, URL, SQL), JSON.
    pub spec: String,
    /// Five-field cron expression (minute hour day month weekday), local time of the city.
    pub cron: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Next run (Unix ms).
    pub next_run_at: i64,
    /// Incremental pulls: the highest watermark value handed in so far.
    pub watermark: Option<String>,
    /// Last run (Unix ms).
    pub last_run_at: Option<i64>,
    /// succeeded | failed | retrying.
    pub last_status: Option<String>,
    /// Last result or failure reason.
    pub last_message: Option<String>,
    /// Consecutive failures (drives back-off).
    pub failures: i64,
    /// Who created it.
    pub created_by: Option<i64>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// A resource served from its source without copying (逻辑接入).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSource {
    /// Resource code.
    pub code: String,
    /// database | http.
    pub kind: String,
    /// Connection and query, JSON.
    pub spec: String,
    /// Read timeout.
    pub timeout_ms: i64,
    /// Who registered it.
    pub created_by: Option<i64>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// Availability and latency of a live source over a window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProbeStats {
    /// Calls recorded.
    pub calls: i64,
    /// Calls that failed or timed out.
    pub failures: i64,
    /// Mean latency (ms).
    pub mean_latency_ms: f64,
    /// Highest latency (ms).
    pub max_latency_ms: i64,
}

/// Hand-in totals of one resource and channel over a period (for the aggregation report).
#[derive(Debug, Clone, PartialEq)]
pub struct HandInTotals {
    /// Resource code.
    pub code: String,
    /// Channel.
    pub channel: String,
    /// Attempts.
    pub hand_ins: i64,
    /// Committed attempts.
    pub committed: i64,
    /// Rows read.
    pub rows_read: i64,
    /// Rows rejected.
    pub rows_rejected: i64,
    /// Last committed hand-in in the period (Unix ms).
    pub last_committed_at: Option<i64>,
}

/// The resource-data part of the store contract.
#[async_trait::async_trait]
pub trait ResourceStore: Send + Sync {
    /// Record a hand-in; returns it with its id. A second committed hand-in naming the same
    /// version of the same resource is `already_exists`.
    async fn record_hand_in(&self, h: &NewHandIn) -> Result<HandIn>;
    /// One hand-in.
    async fn get_hand_in(&self, id: i64) -> Result<Option<HandIn>>;
    /// Hand-ins of a resource (or all), newest first, ids below `before` when given.
    async fn list_hand_ins(&self, code: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<HandIn>>;
    /// Per resource and channel, totals of hand-ins that finished in `[from, to)`.
    async fn hand_in_totals(&self, from: i64, to: i64) -> Result<Vec<HandInTotals>>;
    /// For each resource, its latest committed hand-in.
    async fn latest_versions(&self) -> Result<Vec<HandIn>>;

    /// Settings of a resource (defaults when never set).
    async fn resource_settings(&self, code: &str) -> Result<Option<ResourceSettings>>;
    /// Create or replace the settings of a resource.
    async fn put_resource_settings(&self, s: &ResourceSettings) -> Result<()>;

    /// Create a schedule (`id` ignored).
    async fn create_schedule(&self, s: &Schedule) -> Result<Schedule>;
    /// One schedule.
    async fn get_schedule(&self, id: i64) -> Result<Option<Schedule>>;
    /// Schedules of a resource (or all), by id.
    async fn list_schedules(&self, code: Option<&str>) -> Result<Vec<Schedule>>;
    /// Enabled schedules due at `now`.
    async fn due_schedules(&self, now: i64) -> Result<Vec<Schedule>>;
    /// Move a due schedule to its next run, atomically: true only for the caller that moved it
    /// from `expected_next` (so two nodes never both start the same run).
    async fn advance_schedule(&self, id: i64, expected_next: i64, next_run_at: i64) -> Result<bool>;
    /// Record a run's result: status, message, failures, and (on success) the new watermark.
    async fn record_schedule_run(
        &self,
        id: i64,
        at: i64,
        status: &str,
        message: &str,
        failures: i64,
        watermark: Option<&str>,
    ) -> Result<()>;
    /// Enable or disable.
    async fn set_schedule_enabled(&self, id: i64, enabled: bool) -> Result<bool>;
    /// Remove.
    async fn delete_schedule(&self, id: i64) -> Result<bool>;

    /// Register or replace a live source.
    async fn put_live_source(&self, s: &LiveSource) -> Result<()>;
    /// The live source of a resource.
    async fn live_source(&self, code: &str) -> Result<Option<LiveSource>>;
    /// Every live source.
    async fn list_live_sources(&self) -> Result<Vec<LiveSource>>;
    /// Remove.
    async fn delete_live_source(&self, code: &str) -> Result<bool>;
    /// Record one read of a live source.
    async fn record_probe(
        &self,
        code: &str,
        at: i64,
        ok: bool,
        latency_ms: i64,
        rows: i64,
        message: Option<&str>,
    ) -> Result<()>;
    /// Availability and latency since `since`.
    async fn probe_stats(&self, code: &str, since: i64) -> Result<ProbeStats>;
}
