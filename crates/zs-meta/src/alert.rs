//! The anomaly part of the store contract (异常监测与处置): security alerts and their handling,
//! the detector's cursor over the audit trail, the address networks each API credential was used
//! from, and the reads the detector's rules need from the trail.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_types::model::AuditRecord;
use zs_types::Result;

/// A security alert as stored. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// The rule that raised it (`volume`, `off_hours`, `enumeration`, `denials`, `new_address`,
    /// `after_revocation`).
    pub rule: String,
    /// `medium`, `high` or `critical`.
    pub severity: String,
    /// `open`, `acknowledged`, `dismissed`, `suspended` or `reinstated` (a suspension lifted).
    pub state: String,
    /// What it is about, e.g. `grant:5`, `credential:3`, `user:7`.
    pub subject: String,
    /// The acting department, if known.
    pub org_id: Option<i64>,
    /// Its organisation path (the scope security administrators see alerts in).
    pub org_path: String,
    /// The acting account, if known.
    pub user_id: Option<i64>,
    /// The API credential used, if any.
    pub credential_id: Option<i64>,
    /// The grant used, if any.
    pub grant_id: Option<i64>,
    /// The client address (network) involved, if any.
    pub address: Option<String>,
    /// Counts, thresholds and baselines that made the rule fire (no personal data).
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    /// First and last audit record (seq) of the evidence.
    pub first_seq: i64,
    /// Last audit record of the evidence.
    pub last_seq: i64,
    /// Start of the evaluated window.
    pub window_from: i64,
    /// End of the evaluated window.
    pub window_to: i64,
    /// When it was raised.
    pub created_at: i64,
    /// Who handled it last (none: nobody, or the detector's automatic suspension).
    pub handled_by: Option<i64>,
    /// When it was handled last.
    pub handled_at: Option<i64>,
    /// The response taken: `acknowledged`, `dismissed`, `suspended_credential`, `suspended_grant`,
    /// `auto_suspended_credential`, `auto_suspended_grant`, `reinstated_credential`,
    /// `reinstated_grant`.
    pub response: Option<String>,
    /// The reason given with the last response (dismissal, suspension, reinstatement).
    pub reason: Option<String>,
    /// Bumped at every change (optimistic concurrency between administrators and nodes).
    pub revision: i64,
}

/// A new alert from the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// Rule name.
    pub rule: String,
    /// Severity.
    pub severity: String,
    /// Unique per occurrence (rule, subject, window): a second insert with the same key — another
    /// node, or the same window seen again after a restart — is ignored.
    pub dedup_key: String,
    /// Subject.
    pub subject: String,
    /// Acting department.
    pub org_id: Option<i64>,
    /// Its path.
    pub org_path: String,
    /// Acting account.
    pub user_id: Option<i64>,
    /// Credential.
    pub credential_id: Option<i64>,
    /// Grant.
    pub grant_id: Option<i64>,
    /// Address network.
    pub address: Option<String>,
    /// Facts.
    pub facts: serde_json::Value,
    /// Evidence range.
    pub first_seq: i64,
    /// Evidence range.
    pub last_seq: i64,
    /// Window.
    pub window_from: i64,
    /// Window.
    pub window_to: i64,
    /// Now.
    pub created_at: i64,
}

/// Which alerts to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// Only alerts whose organisation path starts with this.
    pub path_prefix: String,
    /// Only these states (all when empty).
    pub states: Vec<String>,
    /// Only this rule.
    pub rule: Option<String>,
    /// Only ids below this (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many (1-500).
    pub limit: i64,
}

/// A change of an alert's state by a response.
#[derive(Debug, Clone)]
pub struct AlertResponse {
    /// The state it must be in now (any of them), else the change is refused.
    pub from_states: Vec<String>,
    /// The revision it must have now (none: any).
    pub revision: Option<i64>,
    /// New state.
    pub state: String,
    /// Response name.
    pub response: String,
    /// Reason, if any.
    pub reason: Option<String>,
    /// Who (none: the detector).
    pub by: Option<i64>,
    /// When.
    pub at: i64,
}

/// One hour of a consumer's data-API volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourVolume {
    /// Start of the hour (Unix ms).
    pub hour: i64,
    /// Successful calls.
    pub calls: i64,
    /// Rows returned.
    pub rows: i64,
}

/// The network an API credential was used from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownNetwork {
    /// Network, e.g. `10.1.2.0/24`.
    pub network: String,
    /// First use.
    pub first_seen: i64,
    /// Latest use.
    pub last_seen: i64,
    /// Calls from it.
    pub calls: i64,
}

/// Alerts, the detector's cursor and baselines.
#[async_trait::async_trait]
pub trait AlertStore: Send + Sync {
    /// Insert an alert; `None` when one with the same dedup key exists.
    async fn insert_alert(&self, alert: &NewAlert) -> Result<Option<Alert>>;
    /// One alert.
    async fn get_alert(&self, id: i64) -> Result<Option<Alert>>;
    /// Alerts, newest first.
    async fn list_alerts(&self, q: &AlertQuery) -> Result<Vec<Alert>>;
    /// Open alerts per severity under a path prefix: (severity, count).
    async fn count_open_alerts(&self, path_prefix: &str) -> Result<Vec<(String, i64)>>;
    /// Apply a response if the alert is in one of `from_states` (and at the revision, if given);
    /// false when it is not (someone else answered first, or it is unknown).
    async fn respond_alert(&self, id: i64, r: &AlertResponse) -> Result<bool>;

    /// The named cursor's position (0 when never moved).
    async fn anomaly_cursor(&self, name: &str) -> Result<i64>;
    /// Move the named cursor forward to `seq` (never backwards: another node may be ahead).
    async fn advance_anomaly_cursor(&self, name: &str, seq: i64, at_ms: i64) -> Result<()>;
    /// Take or keep the lease of the named cursor for `owner` until `now_ms + ttl_ms`: true when
    /// `owner` holds it (it held it already, or the previous holder's lease ran out).
    async fn claim_anomaly_lease(&self, name: &str, owner: &str, now_ms: i64, ttl_ms: i64) -> Result<bool>;
    /// Audit records with `seq` above `after_seq`, oldest first.
    async fn audit_after(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
    /// The highest `seq` in the audit trail (0 when empty).
    async fn audit_max_seq(&self) -> Result<i64>;
    /// Successful data-API calls and rows through `target` (e.g. `grant:5`) per hour in
    /// `[from_ms, to_ms)`, hours with calls only, oldest first.
    async fn data_volume_by_hour(&self, target: &str, from_ms: i64, to_ms: i64) -> Result<Vec<HourVolume>>;

    /// The networks a credential was used from.
    async fn known_networks(&self, credential_id: i64) -> Result<Vec<KnownNetwork>>;
    /// Count `calls` uses of a credential from a network at `at_ms` (inserted when new).
    async fn touch_network(&self, credential_id: i64, network: &str, calls: i64, at_ms: i64) -> Result<()>;
}
