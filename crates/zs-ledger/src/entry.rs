//! The audit entry (审计条目): what zhengshu writes into the ledger for one audit event —
//! identifiers, counts and digests, never personal data. Compact JSON with a fixed field order,
//! so the bytes a verifier hashes are exactly the bytes the node appended.

use std::collections::BTreeMap;

use crate::hash::HashProfile;

/// Entry format version.
pub const ENTRY_VERSION: u8 = 1;

/// Detail keys copied into the entry as facts: identifiers, counts, versions and digests.
/// Everything else in the detail (reasons, notes, field lists) is covered by [`AuditEntry::detail`].
pub const FACT_KEYS: &[&str] = &[
    "op",
    "code",
    "rows",
    "version",
    "live",
    "digest",
    "application",
    "grant",
    "credential",
    "decision",
    "late",
    "kind",
    "share_kind",
    "by",
    "matches",
];

/// One ledger entry for one audit event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// Format version ([`ENTRY_VERSION`]).
    pub v: u8,
    /// When, Unix milliseconds.
    pub at: i64,
    /// Stable operation name (`share.data`, `share.revoke`, `catalog.approve`…).
    pub action: String,
    /// `succeeded`, `failed`, `denied` or `allowed`.
    pub outcome: String,
    /// Acting account id.
    pub actor_user: Option<i64>,
    /// Acting organisation id.
    pub actor_org: Option<i64>,
    /// What it acted on (`grant:3`, `entry:7`…).
    pub target: Option<String>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// Identifier, count and digest facts copied from the detail ([`FACT_KEYS`]).
    pub facts: BTreeMap<String, serde_json::Value>,
    /// Hash (the log's profile, hex) of the full detail as stored in the audit trail (JSON text).
    pub detail: String,
    /// How many data subjects (keyed digests of returned keys) the event carries.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subjects: u32,
    /// Hash (hex) of the subject digests joined by `\n`, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects_hash: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The parts of an audit record an entry is compared with (the audit trail's row).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordView {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Request id.
    pub request_id: Option<String>,
    /// Acting account.
    pub actor_user: Option<i64>,
    /// Acting organisation.
    pub actor_org: Option<i64>,
    /// Operation name.
    pub action: String,
    /// Target.
    pub target: Option<String>,
    /// Outcome name.
    pub outcome: String,
    /// The detail as stored.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// Build the entry for a record; `subjects` are the keyed digests it carries.
    pub fn new(profile: HashProfile, r: &RecordView, subjects: &[String]) -> Self {
        let facts = match &r.detail {
            serde_json::Value::Object(m) => {
                m.iter().filter(|(k, _)| FACT_KEYS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
            }
            _ => BTreeMap::new(),
        };
        Self {
            v: ENTRY_VERSION,
            at: r.at_ms,
            action: r.action.clone(),
            outcome: r.outcome.clone(),
            actor_user: r.actor_user,
            actor_org: r.actor_org,
            target: r.target.clone(),
            request_id: r.request_id.clone(),
            facts,
            detail: detail_hash(profile, &r.detail),
            subjects: u32::try_from(subjects.len()).unwrap_or(u32::MAX),
            subjects_hash: (!subjects.is_empty()).then(|| subjects_hash(profile, subjects)),
        }
    }

    /// The bytes appended to the ledger.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parse entry bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an audit entry: {e}"))
    }

    /// Where a record disagrees with this entry (empty: it is the record the entry commits to).
    pub fn mismatches(&self, profile: HashProfile, r: &RecordView) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.at != r.at_ms {
            out.push("at");
        }
        if self.action != r.action {
            out.push("action");
        }
        if self.outcome != r.outcome {
            out.push("outcome");
        }
        if self.actor_user != r.actor_user {
            out.push("actor_user");
        }
        if self.actor_org != r.actor_org {
            out.push("actor_org");
        }
        if self.target != r.target {
            out.push("target");
        }
        if self.request_id != r.request_id {
            out.push("request_id");
        }
        if self.detail != detail_hash(profile, &r.detail) {
            out.push("detail");
        }
        out
    }
}

/// Hash of a detail's JSON text (hex).
pub fn detail_hash(profile: HashProfile, detail: &serde_json::Value) -> String {
    hex::encode(profile.digest(&[detail.to_string().as_bytes()]))
}

/// Hash of subject digests joined by `\n` (hex).
pub fn subjects_hash(profile: HashProfile, subjects: &[String]) -> String {
    hex::encode(profile.digest(&[subjects.join("\n").as_bytes()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> RecordView {
        RecordView {
            at_ms: 1_700_000_000_123,
            request_id: Some("r1".into()),
            actor_user: Some(4),
            actor_org: Some(9),
            action: "share.data".into(),
            target: Some("grant:3".into()),
            outcome: "succeeded".into(),
            detail: serde_json::json!({"op": "list", "rows": 2, "digest": "ab", "fields": ["姓名"], "note": "x"}),
        }
    }

    #[test]
    fn keeps_only_identifier_facts_and_matches_its_record() {
        let r = rec();
        let e = AuditEntry::new(HashProfile::Sm3, &r, &["d1".into(), "d2".into()]);
        assert_eq!(e.facts.keys().collect::<Vec<_>>(), ["digest", "op", "rows"]);
        assert_eq!(e.subjects, 2);
        let back = AuditEntry::parse(&e.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, e);
        assert!(e.mismatches(HashProfile::Sm3, &r).is_empty());
        let mut other = r.clone();
        other.detail["note"] = serde_json::json!("y");
        assert_eq!(e.mismatches(HashProfile::Sm3, &other), ["detail"]);
    }
}
