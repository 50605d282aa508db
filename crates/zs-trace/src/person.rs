//! Tracing one person's record (可追溯到数据): given an ID number, which departments received a
//! record keyed by it, and when. The data API records keyed digests (HMAC-SHA256 under the
//! platform secret) of the keys it returned; the query computes the same digest, so the number
//! is never stored. Only security and audit administrators may ask, within their area, and every
//! query is itself recorded (`trace.person`, with the digest, never the number).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use zs_identity::policy::{Authorized, TracePerson};
use zs_types::codes::IdNumber;
use zs_types::{Outcome, Result};

use crate::scope::Orgs;
use crate::trace::{TraceItem, MAX_RECORDS};
use crate::TraceService;

/// One department that received the person's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receiver {
    /// Organisation id.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// How many deliveries held the record.
    pub times: usize,
    /// First delivery (RFC 3339).
    pub first_at: String,
    /// Latest delivery (RFC 3339).
    pub last_at: String,
}

/// The answer: receiving departments and each delivery with its proof.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonTrace {
    /// The keyed digest the query used (not the ID number).
    pub subject: String,
    /// Departments that received the record, by first delivery.
    pub receivers: Vec<Receiver>,
    /// The deliveries, oldest first, with inclusion proofs.
    pub deliveries: Vec<TraceItem>,
    /// The signed checkpoint the proofs lead to.
    pub checkpoint: String,
    /// The log's hash profile.
    pub hash: String,
    /// The log's verifier key.
    pub log_key: String,
    /// Its tree size.
    pub size: u64,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl TraceService {
    /// Which departments received the record of the person with this ID number.
    pub async fn person(&self, pass: &Authorized<TracePerson>, id_number: &str) -> Result<PersonTrace> {
        let id = IdNumber::parse(id_number)?;
        let digest = self.masker.subject_digest(id.expose());
        drop(id);
        let p = pass.principal();
        let mut orgs = Orgs::default();
        let mut records = Vec::new();
        for r in self.store.audit_for_subject(&digest, MAX_RECORDS).await? {
            let delivered = r.event.action == "share.data" && r.event.outcome == Outcome::Succeeded;
            let in_scope = match r.event.actor_org {
                Some(o) => orgs.in_scope(&self.store, p, o.0).await?,
                None => false,
            };
            if delivered && in_scope {
                records.push(r);
            }
        }
        self.record(
            p,
            pass.request_id(),
            "trace.person",
            None,
            serde_json::json!({ "subject": digest, "matches": records.len() }),
        )
        .await?;
        let view = self.prove(format!("subject:{digest}"), String::new(), records).await?;
        let mut by_org: BTreeMap<i64, Receiver> = BTreeMap::new();
        for i in &view.items {
            let Some(org) = i.record.event.actor_org else { continue };
            let at = rfc3339(i.record.event.at);
            let r = by_org.entry(org.0).or_insert_with(|| Receiver {
                org_id: org.0,
                org_name: i.actor_org_name.clone(),
                times: 0,
                first_at: at.clone(),
                last_at: at.clone(),
            });
            r.times += 1;
            r.last_at = at;
        }
        let mut receivers: Vec<Receiver> = by_org.into_values().collect();
        receivers.sort_by(|a, b| a.first_at.cmp(&b.first_at));
        Ok(PersonTrace {
            subject: digest,
            receivers,
            deliveries: view.items,
            checkpoint: view.checkpoint,
            hash: view.hash,
            log_key: view.log_key,
            size: view.size,
        })
    }
}
