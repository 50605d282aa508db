//! Supply–demand matching (供需对接) in the store: demands for data not in the catalogue with
//! their transitions (each one an event), and the figures the sharing evaluation (共享评估)
//! reads: applications filed in a period and the data-API calls recorded in the audit trail.

use zs_types::Result;

use crate::share::Application;

/// A demand (数据需求).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    /// Identifier.
    pub id: i64,
    /// A short title.
    pub title: String,
    /// What data is needed.
    pub description: String,
    /// 用途: what it is for.
    pub purpose: String,
    /// The department the requester believes holds the data, if any.
    pub guessed_provider_id: Option<i64>,
    /// Who posted it.
    pub requester_user: i64,
    /// The requesting department.
    pub requester_org_id: i64,
    /// Its path in the organisation tree.
    pub requester_path: String,
    /// posted | routed | answered | closed.
    pub state: String,
    /// The provider department it was routed to.
    pub provider_org_id: Option<i64>,
    /// Its path.
    pub provider_path: Option<String>,
    /// Answer due (`YYYY-MM-DD`, Beijing) while routed.
    pub due_date: Option<String>,
    /// When it was last routed (Unix ms).
    pub routed_at: Option<i64>,
    /// catalogued | pointed | declined.
    pub answer_kind: Option<String>,
    /// The catalogue entry answering it (catalogued or pointed).
    pub answer_code: Option<String>,
    /// The provider's explanation (required when declined).
    pub answer_note: Option<String>,
    /// Who answered.
    pub answered_by: Option<i64>,
    /// When (Unix ms).
    pub answered_at: Option<i64>,
    /// When the requester closed it (Unix ms).
    pub closed_at: Option<i64>,
    /// Optimistic concurrency: bumped by every transition.
    pub revision: i64,
    /// Posted (Unix ms).
    pub created_at: i64,
    /// Last transition (Unix ms).
    pub updated_at: i64,
}

/// One transition of a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandEvent {
    /// Identifier (ignored when recording).
    pub id: i64,
    /// The demand (ignored when recording: the one being changed).
    pub demand_id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who (none: the platform).
    pub actor_user: Option<i64>,
    /// Their department.
    pub actor_org: Option<i64>,
    /// post | route | answer | close | reopen | escalate (by the platform, past the due date).
    pub action: String,
    /// The demand's state after it.
    pub state_after: String,
    /// The provider department (route, answer).
    pub provider_org_id: Option<i64>,
    /// The due date set (route, reopen).
    pub due_date: Option<String>,
    /// The answer's kind (answer).
    pub answer_kind: Option<String>,
    /// Reasons or remarks.
    pub note: Option<String>,
}

/// Which demands to list, newest first. Every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct DemandQuery {
    /// In this state.
    pub state: Option<String>,
    /// Posted by this department.
    pub requester_org: Option<i64>,
    /// Routed to this department.
    pub provider_org: Option<i64>,
    /// Posted at or after (Unix ms).
    pub created_from: Option<i64>,
    /// Posted before (Unix ms).
    pub created_to: Option<i64>,
    /// At most this many (1-1000).
    pub limit: i64,
}

/// Data-API calls through one grant by one department with one outcome (and error code) in a
/// period, from the audit trail's `share.data` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCount {
    /// The grant.
    pub grant_id: i64,
    /// The calling department.
    pub actor_org: Option<i64>,
    /// Whether the calls succeeded.
    pub succeeded: bool,
    /// The error code of failed calls.
    pub error_code: Option<String>,
    /// How many calls.
    pub calls: i64,
    /// Rows returned.
    pub rows: i64,
}

/// Demands and the sharing evaluation's reads.
#[async_trait::async_trait]
pub trait DemandStore: Send + Sync {
    /// Post a demand (`id`, `revision` ignored) and its `post` event; returns it with its id.
    async fn create_demand(&self, d: &Demand, event: &DemandEvent) -> Result<Demand>;
    /// One demand.
    async fn get_demand(&self, id: i64) -> Result<Option<Demand>>;
    /// Demands matching a query, newest first.
    async fn list_demands(&self, q: &DemandQuery) -> Result<Vec<Demand>>;
    /// Write a transition: the demand's new state (all mutable columns of `d`) and its event in
    /// one transaction, if the stored revision is still `d.revision`; `conflict` otherwise.
    /// Returns the demand with its new revision.
    async fn transition_demand(&self, d: &Demand, event: &DemandEvent) -> Result<Demand>;
    /// A demand's events, oldest first.
    async fn demand_events(&self, demand_id: i64) -> Result<Vec<DemandEvent>>;
    /// Every event of the demands routed in `[from_ms, to_ms)`, by demand then oldest first.
    async fn events_of_demands_routed(&self, from_ms: i64, to_ms: i64) -> Result<Vec<DemandEvent>>;
    /// Applications filed in `[from_ms, to_ms)`, oldest first.
    async fn applications_filed(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Application>>;
    /// The data-API calls recorded in `[from_ms, to_ms)`, counted per grant, calling department,
    /// outcome and error code.
    async fn share_calls(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CallCount>>;
}
