//! The sharing part of the store contract: applications (共享申请) and their decisions, grants
//! (授权) and per-grant daily usage for quotas.

use zs_types::Result;

/// An application for a resource's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Identifier.
    pub id: i64,
    /// 信息资源代码.
    pub code: String,
    /// The catalogue entry.
    pub entry_id: i64,
    /// The providing department.
    pub provider_org_id: i64,
    /// Its path in the organisation tree (for operators' scope).
    pub provider_path: String,
    /// Who applied.
    pub applicant_user: i64,
    /// The applying (consumer) department.
    pub applicant_org_id: i64,
    /// Its path.
    pub applicant_path: String,
    /// Items asked for, JSON array of item names.
    pub fields: String,
    /// 用途.
    pub purpose: String,
    /// 应用场景.
    pub scenario: String,
    /// 依据 (law, policy or duty that makes the use legitimate).
    pub legal_basis: String,
    /// Last day of use asked for (`YYYY-MM-DD`, Beijing).
    pub until_date: String,
    /// Expected calls per day.
    pub calls_per_day: i64,
    /// Expected rows per day.
    pub rows_per_day: i64,
    /// unconditional | conditional (the stricter of the entry's and the items').
    pub share_kind: String,
    /// pending | granted | refused.
    pub state: String,
    /// Answer due (`YYYY-MM-DD`), for conditional ones.
    pub due_date: Option<String>,
    /// When it was escalated to the platform operator as overdue (Unix ms).
    pub escalated_at: Option<i64>,
    /// Who decided (none: granted at once by the share type).
    pub decided_by: Option<i64>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
    /// The reviewer's note: reasons for a refusal or for narrowing.
    pub decision_note: Option<String>,
    /// The grant made, if granted.
    pub grant_id: Option<i64>,
    /// When it was filed (Unix ms).
    pub created_at: i64,
}

/// An application to file (`id`, decision fields are ignored).
pub type NewApplication = Application;

/// A grant: the only thing that lets data leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Identifier.
    pub id: i64,
    /// The application it answers, if any.
    pub application_id: Option<i64>,
    /// 信息资源代码.
    pub code: String,
    /// The catalogue entry.
    pub entry_id: i64,
    /// The providing department.
    pub provider_org_id: i64,
    /// Its path.
    pub provider_path: String,
    /// The consumer department: only its members (and credentials bound to the grant) use it.
    pub consumer_org_id: i64,
    /// Its path.
    pub consumer_path: String,
    /// Granted items, JSON array of names.
    pub fields: String,
    /// Row restriction, JSON array of `{"item": …, "value": …}` equality conditions (all must hold).
    pub row_filter: String,
    /// Masking technique per item, JSON object item → technique.
    pub masking: String,
    /// Valid from (Unix ms).
    pub valid_from: i64,
    /// Valid until (Unix ms, exclusive).
    pub valid_until: i64,
    /// Calls allowed per day.
    pub calls_per_day: i64,
    /// Rows allowed per day.
    pub rows_per_day: i64,
    /// When it was revoked (Unix ms).
    pub revoked_at: Option<i64>,
    /// Who revoked it.
    pub revoked_by: Option<i64>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// Set while suspended in answer to a security alert (calls refused with `grant_suspended`
    /// until reinstated).
    pub suspended_at: Option<i64>,
    /// Who suspended it (0: the anomaly detector's automatic response).
    pub suspended_by: Option<i64>,
    /// Why.
    pub suspend_reason: Option<String>,
    /// Who made it (none: granted at once by the share type).
    pub created_by: Option<i64>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// A grant to make (`id`, revocation fields are ignored).
pub type NewGrant = Grant;

/// A decision on a pending application.
#[derive(Debug, Clone)]
pub struct Decision {
    /// granted | refused.
    pub state: String,
    /// Who decided (none: by the share type).
    pub decided_by: Option<i64>,
    /// When (Unix ms).
    pub decided_at: i64,
    /// Reasons or narrowing note.
    pub note: Option<String>,
    /// The grant to make with a grant decision.
    pub grant: Option<NewGrant>,
}

/// Which applications to list, newest first. Every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct ApplicationQuery {
    /// Filed by this department.
    pub applicant_org: Option<i64>,
    /// Addressed to this department.
    pub provider_org: Option<i64>,
    /// Addressed to a department under this path.
    pub provider_path: Option<String>,
    /// In this state.
    pub state: Option<String>,
    /// Pending with a due date before this (`YYYY-MM-DD`): overdue.
    pub due_before: Option<String>,
    /// At most this many (1-1000).
    pub limit: i64,
}

/// Which grants to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct GrantQuery {
    /// Held by this department.
    pub consumer_org: Option<i64>,
    /// Given by this department.
    pub provider_org: Option<i64>,
    /// Given or held by departments under this path.
    pub path: Option<String>,
    /// On this resource.
    pub code: Option<String>,
    /// At most this many (1-1000).
    pub limit: i64,
}

/// Use of a grant on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Calls made.
    pub calls: i64,
    /// Rows returned.
    pub rows: i64,
}

/// Applications, grants and usage.
#[async_trait::async_trait]
pub trait ShareStore: Send + Sync {
    /// File an application; returns it with its id.
    async fn create_application(&self, a: &NewApplication) -> Result<Application>;
    /// One application.
    async fn get_application(&self, id: i64) -> Result<Option<Application>>;
    /// Applications matching a query, newest first.
    async fn list_applications(&self, q: &ApplicationQuery) -> Result<Vec<Application>>;
    /// Decide a pending application, making its grant in the same transaction. `conflict` if it
    /// is no longer pending (someone else decided first).
    async fn decide_application(&self, id: i64, d: &Decision) -> Result<(Application, Option<Grant>)>;
    /// Mark pending applications due before `today` as escalated (those not yet marked); returns
    /// the ones marked now.
    async fn escalate_overdue(&self, today: &str, at_ms: i64) -> Result<Vec<Application>>;
    /// One grant.
    async fn get_grant(&self, id: i64) -> Result<Option<Grant>>;
    /// Grants matching a query, newest first.
    async fn list_grants(&self, q: &GrantQuery) -> Result<Vec<Grant>>;
    /// Revoke a grant (first revocation wins); false if unknown or already revoked.
    async fn revoke_grant(&self, id: i64, at_ms: i64, by: i64, reason: &str) -> Result<bool>;
    /// Suspend a grant (reversibly, in answer to a security alert). Returns false if unknown,
    /// revoked or already suspended.
    async fn suspend_grant(&self, id: i64, at_ms: i64, by: i64, reason: &str) -> Result<bool>;
    /// Lift a grant's suspension. Returns false if it was not suspended.
    async fn reinstate_grant(&self, id: i64) -> Result<bool>;
    /// Count one call against a grant's day if fewer than `max_calls` were made; the day's usage
    /// after counting, or none when the limit was reached (nothing counted).
    async fn reserve_call(&self, grant_id: i64, day: &str, max_calls: i64) -> Result<Option<Usage>>;
    /// Add returned rows to a grant's day.
    async fn add_rows(&self, grant_id: i64, day: &str, rows: i64) -> Result<()>;
    /// Add a batch of calls and rows counted elsewhere (a node's in-memory counters) to a grant's
    /// day; the day's usage after adding.
    async fn add_usage(&self, grant_id: i64, day: &str, calls: i64, rows: i64) -> Result<Usage>;
    /// A grant's usage on a day.
    async fn usage(&self, grant_id: i64, day: &str) -> Result<Usage>;
}
