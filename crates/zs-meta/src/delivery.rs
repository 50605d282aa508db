//! The delivery and subscription part of the store contract: delivery plans (target and
//! schedule), the delivery queue and record, the change feed, webhook subscriptions and the
//! notification outbox (retries, dead letters, replay). Secrets are stored sealed by the caller.

use zs_types::Result;

/// A delivery plan (交换计划): what to deliver from a grant, where, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPlan {
    /// Identifier.
    pub id: i64,
    /// The grant delivered through.
    pub grant_id: i64,
    /// The consumer department.
    pub consumer_org_id: i64,
    /// `full` (a whole extract every time) or `changes` (since the plan's last delivered version).
    pub kind: String,
    /// `csv` | `parquet` | `xlsx` (files) or `postgres` (the consumer's database).
    pub format: String,
    /// The sealed target secret (the consumer database URL), never shown.
    pub secret: Option<String>,
    /// The target without its password, for display.
    pub target_hint: Option<String>,
    /// The target table (`schema.table`) for `postgres`.
    pub target_table: Option<String>,
    /// Minutes between runs (none: on demand only).
    pub every_minutes: Option<i64>,
    /// Next run (Unix ms), when scheduled.
    pub next_run_at: Option<i64>,
    /// Whether it runs.
    pub enabled: bool,
    /// Who made it.
    pub created_by: Option<i64>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// A plan to store (`id` is ignored).
pub type NewDeliveryPlan = DeliveryPlan;

/// One delivery (交付): queued, run, and recorded with its version range, rows and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Identifier.
    pub id: i64,
    /// The grant.
    pub grant_id: i64,
    /// The plan it ran for (none: asked for once).
    pub plan_id: Option<i64>,
    /// 信息资源代码.
    pub code: String,
    /// The providing department.
    pub provider_org_id: i64,
    /// The consumer department.
    pub consumer_org_id: i64,
    /// `full` or `changes`.
    pub kind: String,
    /// `csv` | `parquet` | `xlsx` | `postgres`.
    pub format: String,
    /// `queued` | `running` | `succeeded` | `failed`.
    pub state: String,
    /// The version the changes start after (none: a full extract).
    pub from_version: Option<i64>,
    /// The version delivered.
    pub to_version: Option<i64>,
    /// Rows delivered (a full extract's rows, or added + changed + deleted).
    pub rows_total: i64,
    /// Rows added since `from_version`.
    pub rows_added: i64,
    /// Rows changed.
    pub rows_changed: i64,
    /// Rows deleted.
    pub rows_deleted: i64,
    /// SHA-256 (hex) of what was delivered.
    pub digest: Option<String>,
    /// The file in the consumer's download area.
    pub file_name: Option<String>,
    /// Its size.
    pub bytes: i64,
    /// Why it failed, or a note.
    pub message: Option<String>,
    /// The worker that ran it.
    pub worker: Option<String>,
    /// Who asked (none: the schedule).
    pub requested_by: Option<i64>,
    /// Queued (Unix ms).
    pub created_at: i64,
    /// Started.
    pub started_at: Option<i64>,
    /// Ended.
    pub finished_at: Option<i64>,
}

/// A delivery to queue (only `grant_id`, `plan_id`, `code`, orgs, `kind`, `format`,
/// `requested_by` and `created_at` are used).
pub type NewDelivery = Delivery;

/// What a finished delivery produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryResult {
    /// Start of the range (exclusive), none for a full extract.
    pub from_version: Option<i64>,
    /// The version delivered.
    pub to_version: Option<i64>,
    /// Rows delivered.
    pub rows_total: i64,
    /// Added.
    pub rows_added: i64,
    /// Changed.
    pub rows_changed: i64,
    /// Deleted.
    pub rows_deleted: i64,
    /// SHA-256 (hex).
    pub digest: Option<String>,
    /// File written.
    pub file_name: Option<String>,
    /// Its size.
    pub bytes: i64,
    /// A note.
    pub message: Option<String>,
}

/// One line of a resource's change feed: a committed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The feed cursor.
    pub id: i64,
    /// 信息资源代码.
    pub code: String,
    /// The version committed.
    pub version: i64,
    /// Its parent.
    pub parent: Option<i64>,
    /// `append` | `replace` | `upsert` | `delete_by_key`.
    pub mode: String,
    /// Commit time (Unix ms).
    pub committed_at: i64,
}

/// A webhook subscription (订阅) of a grant's resource changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Identifier.
    pub id: i64,
    /// The grant.
    pub grant_id: i64,
    /// 信息资源代码.
    pub code: String,
    /// The consumer department.
    pub consumer_org_id: i64,
    /// Where notifications are POSTed.
    pub url: String,
    /// The sealed signing secret.
    pub secret: String,
    /// Whether notifications are sent.
    pub enabled: bool,
    /// Who subscribed.
    pub created_by: Option<i64>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// A subscription to store (`id` is ignored).
pub type NewSubscription = Subscription;

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Identifier.
    pub id: i64,
    /// The subscription.
    pub subscription_id: i64,
    /// Its grant.
    pub grant_id: i64,
    /// The change announced.
    pub change_id: i64,
    /// Stable event id (the receiver's de-duplication key).
    pub event_id: String,
    /// The JSON body sent.
    pub payload: String,
    /// `pending` | `delivered` | `dead`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt not before (Unix ms).
    pub next_attempt_at: i64,
    /// HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When the receiver accepted it.
    pub delivered_at: Option<i64>,
    /// Queued (Unix ms).
    pub created_at: i64,
}

/// The outcome of one attempt to send a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `delivered`, `pending` (retry at `next_attempt_at`) or `dead`.
    pub state: String,
    /// HTTP status, if one came back.
    pub status: Option<i64>,
    /// The error, if any.
    pub error: Option<String>,
    /// The next attempt (for `pending`).
    pub next_attempt_at: i64,
    /// When this attempt ended.
    pub at: i64,
}

/// Storage of delivery plans, deliveries, the change feed, subscriptions and notifications.
#[async_trait::async_trait]
pub trait DeliveryStore {
    /// Store a plan.
    async fn create_delivery_plan(&self, p: &NewDeliveryPlan) -> Result<DeliveryPlan>;
    /// One plan.
    async fn get_delivery_plan(&self, id: i64) -> Result<Option<DeliveryPlan>>;
    /// A grant's plans, newest first.
    async fn list_delivery_plans(&self, grant_id: i64) -> Result<Vec<DeliveryPlan>>;
    /// Switch a plan on or off; false if unknown.
    async fn set_delivery_plan_enabled(&self, id: i64, enabled: bool) -> Result<bool>;
    /// Enabled scheduled plans due at `now`.
    async fn due_delivery_plans(&self, now: i64) -> Result<Vec<DeliveryPlan>>;
    /// Move a plan's next run from `expected` to `next`; false if another node already did.
    async fn advance_delivery_plan(&self, id: i64, expected: i64, next: i64) -> Result<bool>;

    /// Queue a delivery.
    async fn enqueue_delivery(&self, d: &NewDelivery) -> Result<Delivery>;
    /// Claim the oldest queued delivery for `worker`.
    async fn claim_delivery(&self, worker: &str, now: i64) -> Result<Option<Delivery>>;
    /// Record the end of a running delivery (`succeeded` with its result, or `failed`).
    async fn finish_delivery(&self, id: i64, succeeded: bool, r: &DeliveryResult, now: i64) -> Result<()>;
    /// Queue again deliveries left running by a stopped process; returns how many.
    async fn requeue_running_deliveries(&self) -> Result<u64>;
    /// One delivery.
    async fn get_delivery(&self, id: i64) -> Result<Option<Delivery>>;
    /// A grant's deliveries, newest first.
    async fn list_deliveries(&self, grant_id: i64, limit: i64) -> Result<Vec<Delivery>>;
    /// The version the last succeeded delivery of a grant's plan (or its one-off deliveries,
    /// for none) delivered.
    async fn last_delivered_version(&self, grant_id: i64, plan_id: Option<i64>) -> Result<Option<i64>>;

    /// Add a committed version to the change feed (idempotent per code and version); returns
    /// the line and whether it is new.
    async fn add_change(&self, c: &Change) -> Result<(Change, bool)>;
    /// Feed lines of a resource after a cursor, oldest first.
    async fn list_changes(&self, code: &str, after: i64, limit: i64) -> Result<Vec<Change>>;

    /// Store a subscription.
    async fn create_subscription(&self, s: &NewSubscription) -> Result<Subscription>;
    /// One subscription.
    async fn get_subscription(&self, id: i64) -> Result<Option<Subscription>>;
    /// A grant's subscriptions, newest first.
    async fn list_subscriptions(&self, grant_id: i64) -> Result<Vec<Subscription>>;
    /// Enabled subscriptions to a resource.
    async fn subscriptions_of_code(&self, code: &str) -> Result<Vec<Subscription>>;
    /// Switch a subscription on or off; false if unknown.
    async fn set_subscription_enabled(&self, id: i64, enabled: bool) -> Result<bool>;

    /// Queue a notification (once per subscription and change); returns it if new.
    async fn enqueue_notification(&self, n: &Notification) -> Result<Option<Notification>>;
    /// Claim up to `limit` pending notifications due at `now`, leasing them until `lease_until`.
    async fn claim_notifications(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Notification>>;
    /// Record an attempt's outcome.
    async fn record_attempt(&self, id: i64, a: &Attempt) -> Result<()>;
    /// One notification.
    async fn get_notification(&self, id: i64) -> Result<Option<Notification>>;
    /// A subscription's notifications (of one state, or all), newest first.
    async fn list_notifications(
        &self,
        subscription_id: i64,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>>;
    /// Send a dead notification again: pending, attempts reset, due at `now`; false if it is not dead.
    async fn replay_notification(&self, id: i64, now: i64) -> Result<bool>;
}
