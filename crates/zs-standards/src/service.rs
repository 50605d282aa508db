//! The standards service: every surface (API, portal) goes through it. Elements are managed
//! by city-level platform operators; conformance is read per department; levels are changed by
//! the department's stewards and by security administrators, each change audited.

use crate::conformance::{self, ConformanceReport, ConformanceSummary};
use crate::element::{DataElement, ElementInput, ElementStatus};
use crate::grading::Grading;
use serde_json::json;
use std::sync::Arc;
use zs_catalog::{CatalogService, Entry, EntryStatus};
use zs_identity::policy::{CatalogRead, ConformanceRead, ElementManage, ElementRead};
use zs_identity::{Action, Authorized, IdentityService, Principal};
use zs_meta::DynStore;
use zs_tables::Table;
use zs_types::model::{Org, OrgKind};
use zs_types::{AuditEvent, AuditSink, Clock, Error, ErrorCode, OrgId, Outcome, Result, Role};

/// Opens a resource's table with the schema of its catalogue entry (the hand-in service's
/// `open_table`, handed in by the composition root).
pub type TableOpener = Arc<dyn Fn(&Entry) -> Result<Table> + Send + Sync>;

/// Data standards: elements, conformance, classification and grading.
#[derive(Clone)]
pub struct StandardsService {
    pub(crate) store: DynStore,
    pub(crate) identity: IdentityService,
    pub(crate) catalog: CatalogService,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) grading: Grading,
    pub(crate) tables: TableOpener,
}

impl StandardsService {
    /// Build the service.
    pub fn new(
        store: DynStore,
        identity: IdentityService,
        catalog: CatalogService,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        grading: Grading,
        tables: TableOpener,
    ) -> Self {
        Self { store, identity, catalog, audit, clock, grading, tables }
    }

    /// The level → category table in force.
    pub fn grading(&self) -> Grading {
        self.grading
    }

    pub(crate) fn now_ms(&self) -> i64 {
        zs_types::clock::to_ms(self.clock.now())
    }

    /// Record an event through the audit sink.
    pub(crate) async fn record(
        &self,
        p: &Principal,
        request_id: Option<&str>,
        action: &str,
        target: String,
        outcome: Outcome,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: request_id.map(str::to_owned),
                actor_user: Some(p.user.id).filter(|u| u.0 != 0),
                actor_org: Some(p.org.id),
                action: action.to_owned(),
                target: Some(target),
                outcome,
                detail,
            })
            .await
    }

    /// Seed the common elements into an empty registry; returns how many were added.
    pub async fn ensure_seeded(&self) -> Result<usize> {
        if !self.store.list_elements().await?.is_empty() {
            return Ok(0);
        }
        let at = self.now_ms();
        let mut n = 0;
        for input in crate::seed::common_elements() {
            let row = input.to_row(1, ElementStatus::Active, None, at, at)?;
            match self.store.create_element(&row).await {
                Ok(()) => n += 1,
                // Another node seeded it meanwhile.
                Err(e) if e.code == ErrorCode::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// Every element, by id.
    pub async fn elements(&self, _pass: &Authorized<ElementRead>) -> Result<Vec<DataElement>> {
        self.all_elements().await
    }

    pub(crate) async fn all_elements(&self) -> Result<Vec<DataElement>> {
        self.store.list_elements().await?.iter().map(DataElement::from_row).collect()
    }

    /// One element.
    pub async fn element(&self, _pass: &Authorized<ElementRead>, id: &str) -> Result<DataElement> {
        let row = self.store.get_element(id).await?.ok_or_else(|| Error::not_found("data element"))?;
        DataElement::from_row(&row)
    }

    /// The registry is city-wide: only operators whose scope covers the city manage it.
    async fn check_city_operator(&self, pass: &Authorized<ElementManage>) -> Result<()> {
        let orgs = self.store.list_orgs("/").await?;
        let root = orgs.iter().find(|o| o.parent_id.is_none()).ok_or_else(|| Error::not_found("city"))?;
        if pass.principal().can_see(root) {
            Ok(())
        } else {
            Err(Error::forbidden("the data element registry is managed by the city's platform operators"))
        }
    }

    /// Add an element (active, version 1).
    pub async fn create_element(&self, pass: &Authorized<ElementManage>, input: ElementInput) -> Result<DataElement> {
        input.validate()?;
        self.check_city_operator(pass).await?;
        let p = pass.principal();
        let at = self.now_ms();
        let row = input.to_row(1, ElementStatus::Active, Some(p.user.id.0), at, at)?;
        self.store.create_element(&row).await?;
        self.record(
            p,
            pass.request_id(),
            "element.create",
            format!("element:{}", row.id),
            Outcome::Succeeded,
            json!({ "name": row.name_zh }),
        )
        .await?;
        DataElement::from_row(&row)
    }

    /// Change an element's content (its id and status stay). With `expected_version`, a change
    /// made by someone else meanwhile is a `conflict`.
    pub async fn edit_element(
        &self,
        pass: &Authorized<ElementManage>,
        id: &str,
        mut input: ElementInput,
        expected_version: Option<i64>,
    ) -> Result<DataElement> {
        input.id = id.to_owned();
        input.validate()?;
        let cur = self.store.get_element(id).await?.ok_or_else(|| Error::not_found("data element"))?;
        self.check_city_operator(pass).await?;
        let base = expected_version.unwrap_or(cur.version);
        let status = DataElement::from_row(&cur)?.status;
        let p = pass.principal();
        let row = input.to_row(base + 1, status, Some(p.user.id.0), cur.created_at, self.now_ms())?;
        self.store.update_element(&row, base).await?;
        self.record(
            p,
            pass.request_id(),
            "element.edit",
            format!("element:{id}"),
            Outcome::Succeeded,
            json!({ "version": row.version }),
        )
        .await?;
        DataElement::from_row(&row)
    }

    /// Deprecate (废止) or reactivate an element.
    pub async fn set_element_status(
        &self,
        pass: &Authorized<ElementManage>,
        id: &str,
        status: ElementStatus,
        expected_version: Option<i64>,
    ) -> Result<DataElement> {
        let cur = self.store.get_element(id).await?.ok_or_else(|| Error::not_found("data element"))?;
        self.check_city_operator(pass).await?;
        let base = expected_version.unwrap_or(cur.version);
        let mut row = cur.clone();
        row.status = status.as_str().to_owned();
        row.version = base + 1;
        row.updated_by = Some(pass.principal().user.id.0);
        row.updated_at = self.now_ms();
        self.store.update_element(&row, base).await?;
        let action = match status {
            ElementStatus::Deprecated => "element.deprecate",
            ElementStatus::Active => "element.activate",
        };
        self.record(
            pass.principal(),
            pass.request_id(),
            action,
            format!("element:{id}"),
            Outcome::Succeeded,
            json!({ "version": row.version }),
        )
        .await?;
        DataElement::from_row(&row)
    }

    /// The departments a principal may see reports of: a steward's own, an operator's or
    /// administrator's area.
    async fn departments_in_scope(&self, p: &Principal) -> Result<Vec<Org>> {
        Ok(self
            .store
            .list_orgs("/")
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Department && p.can_see(o))
            .filter(|o| p.role() != Role::Steward || o.id == p.org.id)
            .collect())
    }

    /// Entries of a department the principal can see (published ones, and drafts in scope).
    async fn entries_of(&self, p: &Principal, org_id: i64) -> Result<Vec<Entry>> {
        Ok(self.catalog.visible_entries(p).await?.into_iter().filter(|e| e.org_id == org_id).collect())
    }

    /// The conformance report of one department: a steward's own (the default), or for
    /// operators and security administrators any department in their area.
    pub async fn conformance(
        &self,
        pass: &Authorized<ConformanceRead>,
        org_id: Option<i64>,
    ) -> Result<ConformanceReport> {
        let p = pass.principal();
        let org_id = match org_id {
            Some(id) => id,
            None if p.org.kind == OrgKind::Department => p.org.id.0,
            None => return Err(Error::invalid("org_id", "choose a department")),
        };
        let depts = self.departments_in_scope(p).await?;
        let org = depts.iter().find(|o| o.id.0 == org_id).ok_or_else(|| Error::not_found("department"))?;
        let entries = self.entries_of(p, org_id).await?;
        let elements = self.all_elements().await?;
        Ok(conformance::report(org_id, &org.name, &entries, &elements))
    }

    /// Figures of every department in scope.
    pub async fn conformance_summary(&self, pass: &Authorized<ConformanceRead>) -> Result<Vec<ConformanceSummary>> {
        let p = pass.principal();
        let depts = self.departments_in_scope(p).await?;
        let elements = self.all_elements().await?;
        let entries = self.catalog.visible_entries(p).await?;
        Ok(depts
            .iter()
            .map(|d| {
                let mine: Vec<Entry> = entries.iter().filter(|e| e.org_id == d.id.0).cloned().collect();
                ConformanceSummary::from(&conformance::report(d.id.0, &d.name, &mine, &elements))
            })
            .filter(|s| s.entries > 0)
            .collect())
    }

    /// A catalogue entry by code, as the principal may see it.
    pub(crate) async fn entry<A: Action>(&self, pass: &Authorized<A>, code: &str) -> Result<Entry> {
        let read = self.identity.authorize::<CatalogRead>(&pass.principal_arc(), pass.request_id()).await?;
        self.catalog.get_by_code(&read, code).await
    }

    /// Whether the principal may change the levels of `entry`: the providing department's
    /// stewards, and security administrators whose scope covers it.
    pub(crate) async fn may_change(&self, p: &Principal, entry: &Entry) -> Result<bool> {
        Ok(match p.role() {
            Role::Steward => entry.org_id == p.org.id.0,
            Role::SecurityAdmin => {
                let owner = self.store.get_org(OrgId(entry.org_id)).await?;
                owner.is_some_and(|o| p.can_see(&o))
            }
            _ => false,
        })
    }

    /// Published entries only (for the overview).
    pub(crate) fn published(e: &Entry) -> bool {
        e.status == EntryStatus::Published || e.published_version.is_some()
    }
}
