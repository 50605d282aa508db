//! The tracing part of the store contract (全流程监管): audit records with the index of their
//! ledger entry, found by target or by a data subject's keyed digest.

use zs_types::model::AuditRecord;
use zs_types::{AuditEvent, Result};

/// An event ready to store: its ledger entry's index and the keyed digests of the data subjects
/// it delivered (never the keys themselves).
#[derive(Debug, Clone)]
pub struct LedgeredEvent {
    /// The event, as it goes into `audit_log`.
    pub event: AuditEvent,
    /// Index of its ledger entry (none: not recorded in the ledger).
    pub ledger_index: Option<i64>,
    /// Keyed digests of the keys of the rows it returned.
    pub subjects: Vec<String>,
}

/// Most targets one trace query may name.
pub const MAX_TARGETS: usize = 900;

/// Records for tracing.
#[async_trait::async_trait]
pub trait TraceStore: Send + Sync {
    /// Append events with their ledger indexes and subject digests in one transaction.
    async fn append_audit_ledgered(&self, events: &[LedgeredEvent]) -> Result<()>;
    /// Records whose target is one of `targets` (at most [`MAX_TARGETS`]), oldest first, with
    /// `seq` above `after_seq`.
    async fn audit_for_targets(&self, targets: &[String], after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
    /// Records carrying the subject digest, oldest first.
    async fn audit_for_subject(&self, digest: &str, limit: i64) -> Result<Vec<AuditRecord>>;
    /// The record whose ledger entry has this index.
    async fn audit_by_ledger_index(&self, index: i64) -> Result<Option<AuditRecord>>;
}
