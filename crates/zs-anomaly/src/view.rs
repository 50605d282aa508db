//! What the API and the portal show of alerts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_meta::alert::Alert;
use zs_types::model::AuditRecord;

/// An alert with the names a security administrator needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// The stored alert.
    #[serde(flatten)]
    pub alert: Alert,
    /// The acting department's name.
    pub org_name: Option<String>,
    /// The acting account's login name.
    pub username: Option<String>,
    /// For one alert: the records of its subject between its first and last evidence record
    /// (at most 100; identifiers and digests only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<AuditRecord>,
}

/// A page of alerts and the open counts per severity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertList {
    /// Newest first.
    pub alerts: Vec<AlertView>,
    /// Open and acknowledged alerts in the caller's area per severity.
    pub open: std::collections::BTreeMap<String, i64>,
    /// Pass as `before` for the next page, if there may be more.
    pub next_before: Option<i64>,
}

/// A response to an alert.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondInput {
    /// `acknowledge`, `dismiss` (with a reason), `suspend_credential` or `suspend_grant` (with a
    /// reason: suspends the credential or grant the alert concerns; calls are refused with
    /// `credential_suspended` / `grant_suspended`), or `reinstate` (with a reason, on a suspended
    /// alert: lifts that suspension).
    pub action: String,
    /// Why (required to dismiss, suspend or reinstate; 1-500 characters).
    #[serde(default)]
    pub reason: Option<String>,
    /// The alert's revision as seen (optional): the answer is refused with `conflict` if someone
    /// answered it since.
    #[serde(default)]
    pub revision: Option<i64>,
}
