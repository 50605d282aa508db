//! Traces (全流程监管): a resource's events in order (hand-ins, catalogue transitions,
//! applications, approvals, grants, credentials, deliveries, revocations), what a consumer
//! department received, and a grant's calls — each record with its ledger inclusion proof
//! against one signed checkpoint.

use serde::Serialize;
use utoipa::ToSchema;
use zs_identity::policy::{Authorized, TraceRead};
use zs_identity::Principal;
use zs_ledger::bundle::{encode_proof, BundleItem, BundleRecord};
use zs_meta::share::{ApplicationQuery, GrantQuery};
use zs_types::model::AuditRecord;
use zs_types::{Error, Result, Role};

use crate::scope::{overseer, Orgs};
use crate::TraceService;

/// Most records one trace returns.
pub const MAX_RECORDS: i64 = 2000;

/// What to trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A resource by its 信息资源代码.
    Resource(String),
    /// What a consumer department received.
    Department(i64),
    /// A grant's events and calls.
    Grant(i64),
}

impl Subject {
    /// `resource:<code>`, `department:<id>`, `grant:<id>`.
    pub fn label(&self) -> String {
        match self {
            Subject::Resource(c) => format!("resource:{c}"),
            Subject::Department(o) => format!("department:{o}"),
            Subject::Grant(g) => format!("grant:{g}"),
        }
    }
}

/// One traced record with its proof.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TraceItem {
    /// The audit record (with its ledger index).
    pub record: AuditRecord,
    /// Name of the acting organisation.
    pub actor_org_name: String,
    /// The ledger entry (JSON text), when the record is in the ledger.
    pub entry: Option<String>,
    /// Inclusion proof against the checkpoint, base64 hashes.
    pub proof: Vec<String>,
    /// Whether the record is proven in the ledger (its entry lies within the checkpoint).
    pub proven: bool,
}

/// A trace with the checkpoint its proofs lead to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TraceView {
    /// What was traced (`resource:…`, `department:…`, `grant:…`).
    pub subject: String,
    /// A readable name of it (resource name, department name, grant's resource).
    pub title: String,
    /// The log's origin.
    pub origin: String,
    /// The log's hash profile (`sm3` or `sha256`).
    pub hash: String,
    /// The log's verifier key.
    pub log_key: String,
    /// The signed checkpoint.
    pub checkpoint: String,
    /// Its tree size.
    pub size: u64,
    /// The records, oldest first.
    pub items: Vec<TraceItem>,
}

impl TraceView {
    /// The items as bundle items (records the ledger holds).
    pub fn bundle_items(&self) -> Vec<BundleItem> {
        self.items
            .iter()
            .filter(|i| i.proven)
            .filter_map(|i| {
                Some(BundleItem {
                    index: u64::try_from(i.record.ledger_index?).ok()?,
                    entry: i.entry.clone()?,
                    proof: i.proof.clone(),
                    record: Some(BundleRecord { seq: i.record.seq, view: zs_audit::record_view(&i.record.event) }),
                })
            })
            .collect()
    }
}

impl TraceService {
    /// The trace of a subject, with proofs.
    pub async fn trace(&self, pass: &Authorized<TraceRead>, subject: &Subject) -> Result<TraceView> {
        let (title, targets) = self.targets(pass.principal(), subject).await?;
        let records = self.store.audit_for_targets(&targets, 0, MAX_RECORDS).await?;
        self.prove(subject.label(), title, records).await
    }

    /// Which targets a subject covers, after checking the caller may trace it.
    async fn targets(&self, p: &Principal, subject: &Subject) -> Result<(String, Vec<String>)> {
        let mut orgs = Orgs::default();
        let store = &self.store;
        match subject {
            Subject::Resource(code) => {
                let e = store.entry_by_code(code).await?.ok_or_else(|| Error::not_found("resource"))?;
                let allowed = match p.role() {
                    Role::Steward => e.org_id == p.org.id.0,
                    Role::PlatformOperator | Role::SecurityAdmin | Role::AuditAdmin => {
                        orgs.in_scope(store, p, e.org_id).await?
                    }
                    _ => false,
                };
                if !allowed {
                    return Err(Error::not_found("resource"));
                }
                let mut t = vec![format!("entry:{}", e.id), format!("resource:{}", e.code)];
                let apps = store
                    .list_applications(&ApplicationQuery {
                        provider_org: Some(e.org_id),
                        limit: 400,
                        ..Default::default()
                    })
                    .await?;
                t.extend(apps.iter().filter(|a| a.code == e.code).map(|a| format!("application:{}", a.id)));
                let grants = store
                    .list_grants(&GrantQuery { code: Some(e.code.clone()), limit: 400, ..Default::default() })
                    .await?;
                t.extend(grants.iter().map(|g| format!("grant:{}", g.id)));
                Ok((format!("{} {}", e.code, e.name), t))
            }
            Subject::Department(org) => {
                let o = orgs.get(store, *org).await?.ok_or_else(|| Error::not_found("department"))?;
                let allowed =
                    if matches!(p.role(), Role::Steward | Role::DataUser) { o.id == p.org.id } else { p.can_see(&o) };
                if !allowed {
                    return Err(Error::not_found("department"));
                }
                let grants = store
                    .list_grants(&GrantQuery { consumer_org: Some(*org), limit: 400, ..Default::default() })
                    .await?;
                let apps = store
                    .list_applications(&ApplicationQuery {
                        applicant_org: Some(*org),
                        limit: 400,
                        ..Default::default()
                    })
                    .await?;
                let mut t: Vec<String> = apps.iter().map(|a| format!("application:{}", a.id)).collect();
                t.extend(grants.iter().map(|g| format!("grant:{}", g.id)));
                Ok((o.name, t))
            }
            Subject::Grant(id) => {
                let g = store.get_grant(*id).await?.ok_or_else(|| Error::not_found("grant"))?;
                let own = p.org.id.0;
                let allowed = if overseer(p) || p.role() == Role::PlatformOperator {
                    orgs.in_scope(store, p, g.provider_org_id).await?
                        || orgs.in_scope(store, p, g.consumer_org_id).await?
                } else {
                    g.consumer_org_id == own || g.provider_org_id == own
                };
                if !allowed {
                    return Err(Error::not_found("grant"));
                }
                let mut t = vec![format!("grant:{id}")];
                if let Some(a) = g.application_id {
                    t.push(format!("application:{a}"));
                }
                Ok((g.code, t))
            }
        }
    }

    /// Attach inclusion proofs against the latest checkpoint.
    pub(crate) async fn prove(&self, subject: String, title: String, records: Vec<AuditRecord>) -> Result<TraceView> {
        let l = self.ledger()?;
        let indexes: Vec<Option<u64>> =
            records.iter().map(|r| r.ledger_index.and_then(|i| u64::try_from(i).ok())).collect();
        let (note, size, proofs) = l
            .with(move |g| {
                g.sign_if_behind()?;
                let size = g.size();
                let mut out = Vec::with_capacity(indexes.len());
                for i in indexes {
                    out.push(match i {
                        Some(i) if i < size => Some((g.entry(i)?, g.inclusion_proof(i, size)?)),
                        _ => None,
                    });
                }
                Ok((g.checkpoint().1.to_owned(), size, out))
            })
            .await?;
        let mut orgs = Orgs::default();
        let mut items = Vec::with_capacity(records.len());
        for (record, proof) in records.into_iter().zip(proofs) {
            let actor_org_name = orgs.name(&self.store, record.event.actor_org.map(|o| o.0)).await?;
            let (entry, proof, proven) = match proof {
                Some((e, p)) => (String::from_utf8(e).ok(), encode_proof(&p), true),
                None => (None, vec![], false),
            };
            items.push(TraceItem { record, actor_org_name, entry, proof, proven });
        }
        Ok(TraceView {
            subject,
            title,
            origin: l.origin().to_owned(),
            hash: l.profile().name().to_owned(),
            log_key: l.log_key().to_owned(),
            checkpoint: note,
            size,
            items,
        })
    }
}
