//! Catalogue rows and the [`CatalogStore`] contract. The store keeps entry bodies as JSON text
//! and knows nothing of their meaning; `zs-catalog` owns the model, the rules and the workflow
//! and hands the store complete, already-decided changes to commit atomically.

use zs_types::Result;

/// One catalogue entry's lifecycle row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// Identifier.
    pub id: i64,
    /// 信息资源代码.
    pub code: String,
    /// Provider organisation.
    pub org_id: i64,
    /// Lifecycle status (stable name).
    pub status: String,
    /// Name of the latest version (unique per provider).
    pub name: String,
    /// Live published version.
    pub published_version: Option<i64>,
    /// Version in progress.
    pub pending_version: Option<i64>,
    /// Whether the pending version asks for withdrawal.
    pub pending_withdrawal: bool,
    /// Highest version number.
    pub latest_version: i64,
    /// `YYYY-MM-DD` of first publication.
    pub publish_date: Option<String>,
    /// Incremented by every change (optimistic concurrency).
    pub revision: i64,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
}

/// One version of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    /// Entry.
    pub entry_id: i64,
    /// Version number from 1.
    pub version: i64,
    /// The body, JSON.
    pub body: String,
    /// draft | submitted | returned | published | superseded | withdrawn | discarded.
    pub state: String,
    /// Whether this version asks for withdrawal (下架).
    pub withdrawal: bool,
    /// Who wrote it.
    pub author_id: i64,
    /// When (Unix ms).
    pub created_at: i64,
    /// Who submitted it.
    pub submitted_by: Option<i64>,
    /// When submitted.
    pub submitted_at: Option<i64>,
    /// Who reviewed it.
    pub reviewed_by: Option<i64>,
    /// When reviewed.
    pub reviewed_at: Option<i64>,
    /// The reviewer's note (mandatory when returned).
    pub review_note: Option<String>,
}

/// One history event: who did what, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Entry.
    pub entry_id: i64,
    /// Version concerned.
    pub version: i64,
    /// create | edit | submit | return | approve | request_withdrawal | withdraw | obligation ….
    pub action: String,
    /// Actor (user id).
    pub actor_id: Option<i64>,
    /// When (Unix ms).
    pub at: i64,
    /// Why (reason, note).
    pub reason: Option<String>,
}

/// A new entry to create (the store assigns the id and the code's sequence number).
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// 前段码 the code is built from.
    pub prefix: String,
    /// Provider.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// Body JSON of version 1.
    pub body: String,
    /// Author.
    pub actor_id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Event reason (e.g. "imported from 目录.xlsx").
    pub reason: Option<String>,
}

/// A complete, already-decided change of one entry, committed atomically. It fails with
/// `conflict` if the entry changed since `expect_revision` was read.
#[derive(Debug, Clone)]
pub struct EntryChange {
    /// The entry's new lifecycle row (its `revision` is the one read; the store increments it).
    pub entry: EntryRow,
    /// Versions to insert.
    pub insert_versions: Vec<VersionRow>,
    /// Versions to replace (matched by entry id and version).
    pub update_versions: Vec<VersionRow>,
    /// The history event.
    pub event: EventRow,
    /// Mark open change obligations of the entry fulfilled by this version.
    pub fulfil_obligations: Option<i64>,
}

/// A change obligation (法律法规调整, 职责变化, 系统更新) with its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationRow {
    /// Identifier.
    pub id: i64,
    /// Entry.
    pub entry_id: i64,
    /// Provider organisation.
    pub org_id: i64,
    /// law | duty | system.
    pub reason: String,
    /// What changed.
    pub note: String,
    /// Who raised it.
    pub raised_by: i64,
    /// When (Unix ms).
    pub raised_at: i64,
    /// Deadline, `YYYY-MM-DD`.
    pub due_date: String,
    /// When it was met by a published version.
    pub fulfilled_at: Option<i64>,
    /// Which version met it.
    pub fulfilled_version: Option<i64>,
}

/// The catalogue part of the store contract.
#[async_trait::async_trait]
pub trait CatalogStore: Send + Sync {
    /// Create entries with version 1 as drafts in one transaction (all or nothing); codes are
    /// `prefix/NNNNNN` with per-prefix sequences.
    async fn create_entries(&self, entries: Vec<NewEntry>) -> Result<Vec<EntryRow>>;
    /// One entry.
    async fn get_entry(&self, id: i64) -> Result<Option<EntryRow>>;
    /// Find by code.
    async fn entry_by_code(&self, code: &str) -> Result<Option<EntryRow>>;
    /// Entries whose provider lies under a path prefix, by id, after `after_id`, at most `limit`.
    async fn list_entries(&self, path_prefix: &str, after_id: i64, limit: i64) -> Result<Vec<EntryRow>>;
    /// Entries after `after_id` (by id, at most `limit`) with the version shown to everyone: the
    /// published one, else the latest. One query per page, for index rebuilds and exports.
    async fn list_entries_shown(&self, after_id: i64, limit: i64) -> Result<Vec<(EntryRow, VersionRow)>>;
    /// Entries under a path prefix whose pending version awaits review (the review queue).
    async fn list_pending_review(&self, path_prefix: &str) -> Result<Vec<EntryRow>>;
    /// One version.
    async fn get_version(&self, entry_id: i64, version: i64) -> Result<Option<VersionRow>>;
    /// All versions, oldest first.
    async fn list_versions(&self, entry_id: i64) -> Result<Vec<VersionRow>>;
    /// History, oldest first.
    async fn list_events(&self, entry_id: i64) -> Result<Vec<EventRow>>;
    /// Commit a decided change atomically.
    async fn apply_change(&self, change: EntryChange) -> Result<EntryRow>;
    /// Record a change obligation and its history event.
    async fn create_obligation(&self, o: ObligationRow, event: EventRow) -> Result<ObligationRow>;
    /// Obligations of providers under a path prefix; only open ones unless `all`.
    async fn list_obligations(&self, path_prefix: &str, all: bool) -> Result<Vec<ObligationRow>>;
    /// Move an obligation's raise time and deadline (demo data and data migration only).
    async fn backdate_obligation(&self, id: i64, raised_at: i64, due_date: &str) -> Result<()>;
    /// The operator's calendar days: (YYYY-MM-DD, holiday|workday, name).
    async fn calendar_days(&self) -> Result<Vec<(String, String, String)>>;
    /// Add or replace a calendar day.
    async fn set_calendar_day(&self, day: &str, kind: &str, name: &str) -> Result<()>;
}
