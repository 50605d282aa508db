//! The governance part of the store contract: rule sets per resource, quality runs (one per
//! checked table version, with scores per dimension) and problem tickets with their events.

use zs_types::Result;

/// The quality rules of one resource, as JSON (the rule model lives in `zs-govern`).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetRow {
    /// 信息资源代码.
    pub code: String,
    /// JSON array of rules.
    pub rules: String,
    /// Who changed it last.
    pub updated_by: Option<i64>,
    /// When (Unix ms).
    pub updated_at: i64,
}

/// The quality check of one table version (质量检查结果).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Identifier.
    pub id: i64,
    /// Resource code.
    pub code: String,
    /// Catalogue entry.
    pub entry_id: i64,
    /// Providing department.
    pub org_id: i64,
    /// Table version checked.
    pub version: i64,
    /// The hand-in that made the version, when the run followed it.
    pub hand_in_id: Option<i64>,
    /// `hand_in` or `recheck`.
    pub trigger: String,
    /// Rows of the version.
    pub rows: i64,
    /// Rows with an error-severity failure.
    pub blocked: i64,
    /// Data files scanned by this run (the rest came from the statistics cache).
    pub files_scanned: i64,
    /// 完整性 score 0–100.
    pub completeness: Option<f64>,
    /// 有效性.
    pub validity: Option<f64>,
    /// 唯一性.
    pub uniqueness: Option<f64>,
    /// 一致性.
    pub consistency: Option<f64>,
    /// 及时性.
    pub timeliness: Option<f64>,
    /// Overall.
    pub overall: Option<f64>,
    /// Per-rule results, JSON.
    pub result: String,
    /// When (Unix ms).
    pub ran_at: i64,
}

/// A problem ticket (质量问题工单) or correction (纠错) addressed to the providing department.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    /// Identifier.
    pub id: i64,
    /// Resource code.
    pub code: String,
    /// Catalogue entry.
    pub entry_id: i64,
    /// Providing department (the addressee).
    pub org_id: i64,
    /// `rule` (a failed check) or `correction` (a data user's report).
    pub kind: String,
    /// The bound rule key, for `rule` tickets.
    pub rule_key: Option<String>,
    /// The item concerned.
    pub field: Option<String>,
    /// Version the problem was found in.
    pub version: Option<i64>,
    /// Latest version checked against it.
    pub latest_version: Option<i64>,
    /// open | acknowledged | fixed | verified | closed | disputed.
    pub state: String,
    /// error | warning.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Detail (reason, samples masked).
    pub detail: String,
    /// Failures in the latest version checked.
    pub failed: i64,
    /// For a correction: the record's key as the reporter gave it.
    pub record_key: Option<String>,
    /// Deadline (YYYY-MM-DD, working days from opening).
    pub deadline: String,
    /// Who opened it (none: the platform).
    pub opened_by: Option<i64>,
    /// Opened (Unix ms).
    pub opened_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// Closed (Unix ms).
    pub closed_at: Option<i64>,
    /// The provider's reason for a dispute.
    pub dispute_reason: Option<String>,
    /// How it ended.
    pub resolution: Option<String>,
    /// Optimistic-concurrency revision.
    pub revision: i64,
}

/// One step in a ticket's life.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEventRow {
    /// Identifier.
    pub id: i64,
    /// Ticket.
    pub ticket_id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who (none: the platform).
    pub actor_user: Option<i64>,
    /// Display name.
    pub actor_name: String,
    /// open, acknowledge, dispute, uphold, dismiss, fix, verify, close, recheck, report.
    pub action: String,
    /// State after the step.
    pub state: String,
    /// Note.
    pub note: Option<String>,
}

/// Which tickets to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// Only this resource.
    pub code: Option<String>,
    /// Only these departments (none: all).
    pub org_ids: Option<Vec<i64>>,
    /// Only tickets not closed.
    pub open_only: bool,
    /// At most this many (capped at 1000).
    pub limit: i64,
}

/// The authoritative source (权威数据源) of a standard data element (一数一源).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorityRow {
    /// The data element (数据元) identifier, e.g. `DE01002` (姓名).
    pub element: String,
    /// Code of the authoritative resource.
    pub resource: String,
    /// The element identifying a record in both resources, e.g. `DE01001` (公民身份号码).
    pub key_element: String,
    /// Why this source (e.g. the legal basis).
    pub note: String,
    /// Who designated it.
    pub designated_by: Option<i64>,
    /// When (Unix ms).
    pub designated_at: i64,
}

/// Storage for governance.
#[async_trait::async_trait]
pub trait GovernStore: Send + Sync {
    /// Replace a resource's rule set.
    async fn put_rule_set(&self, r: &RuleSetRow) -> Result<()>;
    /// A resource's rule set.
    async fn rule_set(&self, code: &str) -> Result<Option<RuleSetRow>>;
    /// Every rule set.
    async fn list_rule_sets(&self) -> Result<Vec<RuleSetRow>>;

    /// Designate (or re-designate) the authoritative source of an element.
    async fn put_authority(&self, a: &AuthorityRow) -> Result<()>;
    /// Remove a designation; false if there was none.
    async fn delete_authority(&self, element: &str) -> Result<bool>;
    /// Every designation, by element.
    async fn list_authorities(&self) -> Result<Vec<AuthorityRow>>;

    /// Record a run; a second run of the same version replaces the first (a re-check).
    async fn put_run(&self, r: &RunRow) -> Result<RunRow>;
    /// The run of one version.
    async fn run_of(&self, code: &str, version: i64) -> Result<Option<RunRow>>;
    /// Runs of a resource, newest version first.
    async fn list_runs(&self, code: &str, limit: i64) -> Result<Vec<RunRow>>;
    /// The latest run of every resource.
    async fn latest_runs(&self) -> Result<Vec<RunRow>>;

    /// Open a ticket with its first event; returns it with its id.
    async fn create_ticket(&self, t: &TicketRow, event: &TicketEventRow) -> Result<TicketRow>;
    /// One ticket.
    async fn get_ticket(&self, id: i64) -> Result<Option<TicketRow>>;
    /// Tickets, newest first.
    async fn list_tickets(&self, q: &TicketQuery) -> Result<Vec<TicketRow>>;
    /// The ticket not yet closed for a resource's rule, if any.
    async fn open_ticket_for_rule(&self, code: &str, rule_key: &str) -> Result<Option<TicketRow>>;
    /// Store a changed ticket and its event if its revision is still `t.revision - 1`; false if
    /// someone changed it meanwhile.
    async fn update_ticket(&self, t: &TicketRow, event: &TicketEventRow) -> Result<bool>;
    /// A ticket's events, oldest first.
    async fn ticket_events(&self, ticket_id: i64) -> Result<Vec<TicketEventRow>>;
}
