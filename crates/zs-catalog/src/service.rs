//! The catalogue service: every surface (API, portal, CLI) goes through it. It validates,
//! applies the workflow rules, commits each decided change atomically through the store,
//! records it in the audit sink and keeps the search index current.

use crate::model::{Entry, EntryBody, EntryStatus, ENTRY_SCHEMA};
use crate::{classification, validate};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zs_identity::{Action, Authorized, Principal};
use zs_meta::catalog::{EntryRow, VersionRow};
use zs_meta::DynStore;
use zs_types::model::{Org, OrgKind};
use zs_types::{AuditEvent, AuditSink, Clock, Error, ErrorCode, OrgId, Outcome, Result};

/// Keeps a search index in step with the catalogue. Implemented by `zs-catalog-search`.
pub trait EntryIndex: Send + Sync + 'static {
    /// Add or replace an entry.
    fn upsert(&self, entry: &Entry) -> Result<()>;
    /// Remove an entry.
    fn remove(&self, id: i64) -> Result<()>;
}

/// The catalogue.
#[derive(Clone)]
pub struct CatalogService {
    pub(crate) store: DynStore,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) index: Option<Arc<dyn EntryIndex>>,
    /// Bumped after every committed change, shared by the clones (see [`CatalogService::generation`]).
    pub(crate) generation: Arc<AtomicU64>,
}

/// Organisation names and codes needed to present entries.
pub(crate) struct OrgDirectory {
    by_id: HashMap<OrgId, Org>,
}

impl OrgDirectory {
    pub(crate) fn org(&self, id: i64) -> Option<&Org> {
        self.by_id.get(&OrgId(id))
    }

    /// The area (city or district) an organisation belongs to.
    pub(crate) fn area_of(&self, org: &Org) -> String {
        let mut cur = org;
        while cur.kind == OrgKind::Department {
            match cur.parent_id.and_then(|p| self.by_id.get(&p)) {
                Some(p) => cur = p,
                None => break,
            }
        }
        cur.name.clone()
    }
}

pub(crate) fn now_ms(clock: &dyn Clock) -> i64 {
    zs_types::clock::to_ms(clock.now())
}

pub(crate) fn parse_body(v: &VersionRow) -> Result<EntryBody> {
    serde_json::from_str(&v.body).map_err(|e| Error::internal(format!("stored entry body unreadable: {e}")))
}

pub(crate) fn status_of(row: &EntryRow) -> Result<EntryStatus> {
    EntryStatus::parse(&row.status).ok_or_else(|| Error::internal(format!("stored status '{}' unknown", row.status)))
}

impl CatalogService {
    /// Build the service; `index` is kept current when given.
    pub fn new(
        store: DynStore,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        index: Option<Arc<dyn EntryIndex>>,
    ) -> Self {
        Self { store, audit, clock, index, generation: Arc::default() }
    }

    /// A number that grows after every change this process commits to the catalogue (edits,
    /// reviews, publication, withdrawal, grading). Caches of entries read it before reading an
    /// entry and read the entry again once it moved.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The same service without search-index updates, for bulk loads followed by a rebuild.
    pub fn without_index(&self) -> Self {
        Self { index: None, ..self.clone() }
    }

    /// The store.
    pub fn store(&self) -> &DynStore {
        &self.store
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) async fn directory(&self) -> Result<OrgDirectory> {
        let orgs = self.store.list_orgs("/").await?;
        Ok(OrgDirectory { by_id: orgs.into_iter().map(|o| (o.id, o)).collect() })
    }

    /// Assemble the view of an entry showing `version`.
    pub(crate) fn view(&self, dir: &OrgDirectory, row: &EntryRow, v: &VersionRow) -> Result<Entry> {
        let body = parse_body(v)?;
        let org = dir.org(row.org_id).ok_or_else(|| Error::internal("entry without provider"))?;
        Ok(Entry {
            schema: ENTRY_SCHEMA.to_owned(),
            id: row.id,
            code: row.code.clone(),
            org_id: row.org_id,
            provider: org.name.clone(),
            provider_code: org.code.clone(),
            area: dir.area_of(org),
            owner_path: org.path.clone(),
            status: status_of(row)?,
            version: v.version,
            published_version: row.published_version,
            pending_version: row.pending_version,
            pending_withdrawal: row.pending_withdrawal,
            security_level: body.security_level(),
            publish_date: row.publish_date.clone(),
            updated_at: zs_types::clock::from_ms(row.updated_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            body,
        })
    }

    /// The version shown to everyone: the published one if any, else the latest.
    pub(crate) fn shown_version(row: &EntryRow) -> i64 {
        row.published_version.unwrap_or(row.latest_version)
    }

    /// Whether the principal may see this entry at all; published entries are public to every
    /// account, everything else only within the owner's scope.
    pub(crate) fn visible(p: &Principal, row: &EntryRow, owner: &Org) -> bool {
        row.status == EntryStatus::Published.as_str() || p.can_see(owner)
    }

    /// Load an entry row the principal may see, else `not_found`.
    pub(crate) async fn visible_row(&self, p: &Principal, dir: &OrgDirectory, id: i64) -> Result<EntryRow> {
        let row = self.store.get_entry(id).await?.ok_or_else(|| Error::not_found("catalogue entry"))?;
        let owner = dir.org(row.org_id).ok_or_else(|| Error::not_found("catalogue entry"))?;
        if Self::visible(p, &row, owner) {
            Ok(row)
        } else {
            Err(Error::not_found("catalogue entry"))
        }
    }

    pub(crate) async fn version(&self, entry_id: i64, version: i64) -> Result<VersionRow> {
        self.store.get_version(entry_id, version).await?.ok_or_else(|| Error::not_found("entry version"))
    }

    /// Present and index an entry after a change.
    pub(crate) async fn refresh(&self, dir: &OrgDirectory, row: &EntryRow) -> Result<Entry> {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let v = self.version(row.id, Self::shown_version(row)).await?;
        let entry = self.view(dir, row, &v)?;
        if let Some(ix) = &self.index {
            if let Err(e) = ix.upsert(&entry) {
                // The store is the truth; a failed index update is repaired by a rebuild.
                tracing::error!(entry = row.id, error = %e, "search index update failed");
            }
        }
        Ok(entry)
    }

    /// Record a catalogue event through the audit sink.
    pub(crate) async fn audit<A: Action>(
        &self,
        pass: &Authorized<A>,
        action: &str,
        target: String,
        detail: serde_json::Value,
    ) -> Result<()> {
        let p = pass.principal();
        self.audit
            .record(AuditEvent {
                at: self.clock.now(),
                request_id: pass.request_id().map(str::to_owned),
                actor_user: Some(p.user.id).filter(|u| u.0 != 0),
                actor_org: Some(p.org.id),
                action: action.to_owned(),
                target: Some(target),
                outcome: Outcome::Succeeded,
                detail,
            })
            .await
    }

    /// Validate and store a new entry as a draft of the caller's department.
    pub async fn create(&self, pass: &Authorized<zs_identity::policy::CatalogEdit>, body: EntryBody) -> Result<Entry> {
        let mut rows = self.create_many(pass, vec![body], None).await?;
        rows.pop().ok_or_else(|| Error::internal("no entry created"))
    }

    /// Create several drafts in one transaction (all or nothing): the import path.
    pub(crate) async fn create_many<A: Action>(
        &self,
        pass: &Authorized<A>,
        bodies: Vec<EntryBody>,
        reason: Option<String>,
    ) -> Result<Vec<Entry>> {
        let p = pass.principal();
        if p.org.kind != OrgKind::Department {
            return Err(Error::new(
                ErrorCode::Conflict,
                "catalogue entries are provided by departments; your account belongs to an area",
            ));
        }
        let at = now_ms(self.clock.as_ref());
        let mut news = Vec::with_capacity(bodies.len());
        for body in &bodies {
            validate::validate(body)?;
            news.push(zs_meta::catalog::NewEntry {
                prefix: classification::prefix(&body.classification),
                org_id: p.org.id.0,
                name: body.name.trim().to_owned(),
                body: serde_json::to_string(body).map_err(|e| Error::internal(e.to_string()))?,
                actor_id: p.user.id.0,
                at,
                reason: reason.clone(),
            });
        }
        let rows = self.store.create_entries(news).await?;
        let dir = self.directory().await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            self.audit(pass, "catalog.create", format!("entry:{}", row.id), json!({ "code": row.code })).await?;
            out.push(self.refresh(&dir, row).await?);
        }
        Ok(out)
    }

    /// One entry as the caller may see it: the published version, or for entries never
    /// published the latest draft (owner scope only).
    pub async fn get(&self, pass: &Authorized<zs_identity::policy::CatalogRead>, id: i64) -> Result<Entry> {
        let dir = self.directory().await?;
        let row = self.visible_row(pass.principal(), &dir, id).await?;
        let v = self.version(row.id, Self::shown_version(&row)).await?;
        self.view(&dir, &row, &v)
    }

    /// Find by resource code.
    pub async fn get_by_code(&self, pass: &Authorized<zs_identity::policy::CatalogRead>, code: &str) -> Result<Entry> {
        let row = self.store.entry_by_code(code).await?.ok_or_else(|| Error::not_found("catalogue entry"))?;
        self.get(pass, row.id).await
    }

    /// Every entry the principal may see, in code order, with the version shown to them.
    pub async fn visible_entries(&self, p: &Principal) -> Result<Vec<Entry>> {
        let dir = self.directory().await?;
        let mut out = self.scan(&dir, |row, owner| Self::visible(p, row, owner)).await?;
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// All entries passing `keep`, one store query per 5,000.
    async fn scan(&self, dir: &OrgDirectory, keep: impl Fn(&EntryRow, &Org) -> bool) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.list_entries_shown(after, 5000).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.id;
            for (row, v) in &page {
                if dir.org(row.org_id).is_some_and(|o| keep(row, o)) {
                    out.push(self.view(dir, row, v)?);
                }
            }
        }
        Ok(out)
    }

    /// Every entry (for rebuilding the search index at start).
    pub async fn all_entries(&self) -> Result<Vec<Entry>> {
        let dir = self.directory().await?;
        self.scan(&dir, |_, _| true).await
    }
}
