//! The audit event and the one sink interface every stage records through. The foundation stores
//! events in an append-only table; the ledger issue puts a verifiable log behind the same trait.

use crate::{OrgId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The result an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An authorisation decision that let the operation proceed.
    Allowed,
    /// An authorisation decision that refused the operation.
    Denied,
    /// The operation completed.
    Succeeded,
    /// The operation failed (e.g. a wrong password).
    Failed,
}

impl Outcome {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        [Outcome::Allowed, Outcome::Denied, Outcome::Succeeded, Outcome::Failed].into_iter().find(|o| o.as_str() == s)
    }
}

/// One thing that happened. Holds identifiers and digests only, never personal data or secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The request that caused it, if any.
    pub request_id: Option<String>,
    /// Acting user, if known.
    #[schema(value_type = Option<i64>)]
    pub actor_user: Option<UserId>,
    /// Acting user's organisation, if known.
    #[schema(value_type = Option<i64>)]
    pub actor_org: Option<OrgId>,
    /// Stable operation name, e.g. `user.create`, `auth.login`.
    pub action: String,
    /// What it acted on, e.g. `org:12`, `user:5`.
    pub target: Option<String>,
    /// Result.
    pub outcome: Outcome,
    /// Extra structured facts (ids, counts, reasons); never raw personal data.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Where audit events go. Implementations must make an event durable before returning.
#[async_trait::async_trait]
pub trait AuditSink: Send + Sync + 'static {
    /// Record one event durably.
    async fn record(&self, event: AuditEvent) -> crate::Result<()>;
}
