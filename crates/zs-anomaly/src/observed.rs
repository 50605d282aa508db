//! What the rules read from one audit record: identifiers, counts and the data API's facts —
//! never keys, filter values or data (they are not in the trail to begin with).

use zs_types::model::AuditRecord;
use zs_types::Outcome;

/// The data API's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOp {
    /// Lookup by key; `sequential`: the key follows the grant's previous lookup key.
    Lookup {
        /// The key is a small step from the previous one.
        sequential: bool,
    },
    /// Listing; `paged`: a later page, `filtered`: with equality filters.
    List {
        /// A later page.
        paged: bool,
        /// With filters.
        filtered: bool,
    },
    /// Count.
    Count,
}

/// One audit record as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Position in the trail.
    pub seq: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Operation name.
    pub action: String,
    /// Result.
    pub outcome: Outcome,
    /// Acting account.
    pub user: Option<i64>,
    /// Acting department.
    pub org: Option<i64>,
    /// The grant used (`share.data`, `share.revoke`…: target `grant:<id>`).
    pub grant: Option<i64>,
    /// The API credential used (`detail.credential` of a data-API call or an authorisation
    /// decision, or the target `credential:<id>` of a refused one).
    pub credential: Option<i64>,
    /// The client address (`detail.client`).
    pub client: Option<String>,
    /// The error code of a refusal or failure (`detail.code` of one).
    pub code: Option<String>,
    /// Rows returned by a data-API call.
    pub rows: i64,
    /// The data API's operation.
    pub op: Option<DataOp>,
}

/// The data API's action.
pub const DATA: &str = "share.data";

impl Observed {
    /// Read a record.
    pub fn from_record(r: &AuditRecord) -> Self {
        let e = &r.event;
        let d = &e.detail;
        let target_id = |prefix: &str| {
            e.target.as_deref().and_then(|t| t.strip_prefix(prefix)).and_then(|id| id.parse::<i64>().ok())
        };
        let flag = |k: &str| d.get(k).and_then(serde_json::Value::as_bool).unwrap_or(false);
        let op = if e.action == DATA {
            match d.get("op").and_then(serde_json::Value::as_str) {
                Some("lookup") => Some(DataOp::Lookup { sequential: flag("sequential") }),
                Some("list") => Some(DataOp::List { paged: flag("paged"), filtered: flag("filtered") }),
                Some("count") => Some(DataOp::Count),
                _ => None,
            }
        } else {
            None
        };
        let failed = matches!(e.outcome, Outcome::Denied | Outcome::Failed);
        Observed {
            seq: r.seq,
            at: zs_types::clock::to_ms(e.at),
            action: e.action.clone(),
            outcome: e.outcome,
            user: e.actor_user.map(|u| u.0),
            org: e.actor_org.map(|o| o.0),
            grant: target_id("grant:"),
            // The credential the actor used: named by the data API's records and by authorisation
            // decisions; other records may name a credential as their object (e.g. its issue).
            credential: if e.action == DATA || matches!(e.outcome, Outcome::Allowed | Outcome::Denied) {
                d.get("credential").and_then(serde_json::Value::as_i64).or_else(|| target_id("credential:"))
            } else {
                None
            },
            client: d.get("client").and_then(serde_json::Value::as_str).map(str::to_owned),
            code: if failed { d.get("code").and_then(serde_json::Value::as_str).map(str::to_owned) } else { None },
            rows: if e.outcome == Outcome::Succeeded {
                d.get("rows").and_then(serde_json::Value::as_i64).unwrap_or(0).max(0)
            } else {
                0
            },
            op,
        }
    }

    /// A data-API call that succeeded.
    pub fn data_ok(&self) -> bool {
        self.action == DATA && self.outcome == Outcome::Succeeded
    }

    /// A refusal: an authorisation denial, a refused credential, a failed login, or a data-API
    /// call refused for the grant (not for bad input or a missing row).
    pub fn refused(&self) -> bool {
        match self.outcome {
            Outcome::Denied => true,
            Outcome::Failed if self.action == DATA => matches!(
                self.code.as_deref(),
                Some(
                    "no_grant"
                        | "grant_revoked"
                        | "grant_suspended"
                        | "grant_expired"
                        | "field_not_granted"
                        | "forbidden"
                )
            ),
            Outcome::Failed => self.action == "auth.login",
            _ => false,
        }
    }

    /// A use after revocation or suspension: a data-API call through a revoked or suspended
    /// grant, or with a revoked or suspended credential.
    pub fn after_revocation(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("grant_revoked" | "grant_suspended" | "credential_revoked" | "credential_suspended")
        )
    }

    /// A lookup that found nothing (a guess, in an enumeration).
    pub fn lookup_miss(&self) -> bool {
        self.action == DATA
            && self.outcome == Outcome::Failed
            && matches!(self.op, Some(DataOp::Lookup { .. }))
            && self.code.as_deref() == Some("not_found")
    }
}
