//! Who may see which records (分域分级): security and audit administrators see their area's
//! records; others their own department's.

use std::collections::HashMap;

use zs_identity::Principal;
use zs_meta::DynStore;
use zs_types::model::{AuditRecord, Org};
use zs_types::{OrgId, Result, Role};

/// Security and audit administrators oversee every record of their area.
pub(crate) fn overseer(p: &Principal) -> bool {
    matches!(p.role(), Role::SecurityAdmin | Role::AuditAdmin)
}

/// Organisations by id, fetched once per query.
#[derive(Default)]
pub(crate) struct Orgs(HashMap<i64, Option<Org>>);

impl Orgs {
    pub(crate) async fn get(&mut self, store: &DynStore, id: i64) -> Result<Option<Org>> {
        if let Some(o) = self.0.get(&id) {
            return Ok(o.clone());
        }
        let o = store.get_org(OrgId(id)).await?;
        self.0.insert(id, o.clone());
        Ok(o)
    }

    pub(crate) async fn name(&mut self, store: &DynStore, id: Option<i64>) -> Result<String> {
        match id {
            Some(id) => Ok(self.get(store, id).await?.map(|o| o.name).unwrap_or_default()),
            None => Ok(String::new()),
        }
    }

    /// Whether `org` lies in the principal's scope.
    pub(crate) async fn in_scope(&mut self, store: &DynStore, p: &Principal, id: i64) -> Result<bool> {
        Ok(self.get(store, id).await?.is_some_and(|o| p.can_see(&o)))
    }
}

/// Whether a principal may see one ledger record: overseers in their area; anyone the records
/// of their own department's acts, and of grants their department holds or gave.
pub(crate) async fn may_see_record(store: &DynStore, p: &Principal, r: &AuditRecord) -> Result<bool> {
    let own = p.org.id.0;
    if overseer(p) {
        let mut orgs = Orgs::default();
        return match r.event.actor_org {
            Some(o) => orgs.in_scope(store, p, o.0).await,
            // Events of the platform itself (escalations, jobs).
            None => Ok(true),
        };
    }
    if r.event.actor_org.map(|o| o.0) == Some(own) {
        return Ok(true);
    }
    if let Some(id) = r.event.target.as_deref().and_then(|t| t.strip_prefix("grant:")).and_then(|i| i.parse().ok()) {
        if let Some(g) = store.get_grant(id).await? {
            return Ok(g.consumer_org_id == own || g.provider_org_id == own);
        }
    }
    Ok(false)
}
