//! The review workflow: draft → submitted → published, or → returned (with a written reason)
//! → corrected → resubmitted. A published entry changes through a new version reviewed while
//! the published one stays live; withdrawal (下架) is requested and reviewed the same way.
//! Stewards act on their own department's entries; operators review within their area; nobody
//! reviews their own submission.

use crate::model::{Entry, EntryBody, EntryStatus};
use crate::service::{now_ms, status_of, CatalogService, OrgDirectory};
use crate::validate;
use serde_json::json;
use zs_identity::policy::{CatalogEdit, CatalogReview};
use zs_identity::{Authorized, Principal};
use zs_meta::catalog::{EntryChange, EntryRow, EventRow, VersionRow};
use zs_types::{Error, ErrorCode, Result};

fn conflict(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::Conflict, msg)
}

impl CatalogService {
    /// An entry of the steward's own department (else `not_found`: others' entries are not
    /// theirs to edit, and drafts of others are not even visible).
    async fn own_row(&self, p: &Principal, dir: &OrgDirectory, id: i64) -> Result<EntryRow> {
        let row = self.visible_row(p, dir, id).await?;
        if row.org_id != p.org.id.0 {
            return Err(Error::not_found("catalogue entry"));
        }
        Ok(row)
    }

    /// A row the reviewer's area covers (else `not_found`).
    async fn reviewable_row(&self, p: &Principal, dir: &OrgDirectory, id: i64) -> Result<EntryRow> {
        let row = self.store.get_entry(id).await?.ok_or_else(|| Error::not_found("catalogue entry"))?;
        let owner = dir.org(row.org_id).ok_or_else(|| Error::not_found("catalogue entry"))?;
        if !p.can_see(owner) {
            return Err(Error::not_found("catalogue entry"));
        }
        Ok(row)
    }

    fn event(row: &EntryRow, version: i64, action: &str, p: &Principal, at: i64, reason: Option<String>) -> EventRow {
        EventRow { entry_id: row.id, version, action: action.into(), actor_id: Some(p.user.id.0), at, reason }
    }

    async fn commit(&self, dir: &OrgDirectory, change: EntryChange) -> Result<Entry> {
        let row = self.store.apply_change(change).await?;
        self.refresh(dir, &row).await
    }

    /// Save a corrected body. For an entry never published, or with a change in progress, the
    /// pending draft is replaced; for a published entry a new draft version is started while the
    /// published version stays live. Not allowed while a submission awaits review.
    pub async fn edit(&self, pass: &Authorized<CatalogEdit>, id: i64, body: EntryBody) -> Result<Entry> {
        validate::validate(&body)?;
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.own_row(p, &dir, id).await?;
        let status = status_of(&row)?;
        if status == EntryStatus::Withdrawn {
            return Err(conflict("the entry is withdrawn (已下架) and cannot be edited"));
        }
        let old = crate::service::parse_body(&self.version(row.id, CatalogService::shown_version(&row)).await?)?;
        if crate::classification::prefix(&old.classification) != crate::classification::prefix(&body.classification) {
            return Err(Error::invalid(
                "classification",
                "the classification fixes the resource code and cannot change; create a new entry instead",
            ));
        }
        let at = now_ms(self.clock.as_ref());
        let json = serde_json::to_string(&body).map_err(|e| Error::internal(e.to_string()))?;
        let mut entry = EntryRow { name: body.name.trim().to_owned(), updated_at: at, ..row.clone() };
        let (insert, update, version) = match row.pending_version {
            Some(v) => {
                let mut cur = self.version(row.id, v).await?;
                if cur.state == "submitted" {
                    return Err(conflict("the entry awaits review; wait for the decision before editing"));
                }
                if cur.withdrawal {
                    return Err(conflict("a withdrawal request is in progress"));
                }
                cur.body = json;
                (vec![], vec![cur], v)
            }
            None => {
                let v = row.latest_version + 1;
                entry.latest_version = v;
                entry.pending_version = Some(v);
                let new = VersionRow {
                    entry_id: row.id,
                    version: v,
                    body: json,
                    state: "draft".into(),
                    withdrawal: false,
                    author_id: p.user.id.0,
                    created_at: at,
                    submitted_by: None,
                    submitted_at: None,
                    reviewed_by: None,
                    reviewed_at: None,
                    review_note: None,
                };
                (vec![new], vec![], v)
            }
        };
        let change = EntryChange {
            entry,
            insert_versions: insert,
            update_versions: update,
            event: Self::event(&row, version, "edit", p, at, None),
            fulfil_obligations: None,
        };
        let out = self.commit(&dir, change).await?;
        self.audit(pass, "catalog.edit", format!("entry:{id}"), json!({ "version": version })).await?;
        Ok(out)
    }

    /// Submit the pending draft (or corrected returned version) for review.
    pub async fn submit(&self, pass: &Authorized<CatalogEdit>, id: i64, note: Option<String>) -> Result<Entry> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.own_row(p, &dir, id).await?;
        let v = row.pending_version.ok_or_else(|| conflict("there is no draft to submit"))?;
        let mut ver = self.version(row.id, v).await?;
        if !matches!(ver.state.as_str(), "draft" | "returned") {
            return Err(conflict(format!(
                "version {v} is {}; only drafts and returned versions can be submitted",
                ver.state
            )));
        }
        validate::validate(&crate::service::parse_body(&ver)?)?;
        let at = now_ms(self.clock.as_ref());
        ver.state = "submitted".into();
        ver.submitted_by = Some(p.user.id.0);
        ver.submitted_at = Some(at);
        ver.reviewed_by = None;
        ver.reviewed_at = None;
        let status = if row.published_version.is_some() { EntryStatus::Published } else { EntryStatus::Submitted };
        let entry = EntryRow { status: status.as_str().into(), updated_at: at, ..row.clone() };
        let change = EntryChange {
            entry,
            insert_versions: vec![],
            update_versions: vec![ver],
            event: Self::event(&row, v, "submit", p, at, note),
            fulfil_obligations: None,
        };
        let out = self.commit(&dir, change).await?;
        self.audit(pass, "catalog.submit", format!("entry:{id}"), json!({ "version": v })).await?;
        Ok(out)
    }

    /// Ask for withdrawal (下架) of a published entry, with a reason; it goes to review.
    pub async fn request_withdrawal(&self, pass: &Authorized<CatalogEdit>, id: i64, reason: &str) -> Result<Entry> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid("reason", "give the reason for the withdrawal (下架原因)"));
        }
        let p = pass.principal();
        let dir = self.directory().await?;
        let row = self.own_row(p, &dir, id).await?;
        let published = row.published_version.filter(|_| row.status == EntryStatus::Published.as_str());
        let Some(published) = published else { return Err(conflict("only a published entry can be withdrawn")) };
        if row.pending_version.is_some() {
            return Err(conflict("a change is in progress; submit or finish it first"));
        }
        let at = now_ms(self.clock.as_ref());
        let base = self.version(row.id, published).await?;
        let v = row.latest_version + 1;
        let new = VersionRow {
            version: v,
            state: "submitted".into(),
            withdrawal: true,
            author_id: p.user.id.0,
            created_at: at,
            submitted_by: Some(p.user.id.0),
            submitted_at: Some(at),
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
            ..base
        };
        let entry = EntryRow {
            latest_version: v,
            pending_version: Some(v),
            pending_withdrawal: true,
            updated_at: at,
            ..row.clone()
        };
        let change = EntryChange {
            entry,
            insert_versions: vec![new],
            update_versions: vec![],
            event: Self::event(&row, v, "request_withdrawal", p, at, Some(reason.to_owned())),
            fulfil_obligations: None,
        };
        let out = self.commit(&dir, change).await?;
        self.audit(pass, "catalog.request_withdrawal", format!("entry:{id}"), json!({ "version": v })).await?;
        Ok(out)
    }

    async fn submitted_for_review(&self, p: &Principal, dir: &OrgDirectory, id: i64) -> Result<(EntryRow, VersionRow)> {
        let row = self.reviewable_row(p, dir, id).await?;
        let v = row.pending_version.ok_or_else(|| conflict("nothing awaits review for this entry"))?;
        let ver = self.version(row.id, v).await?;
        if ver.state != "submitted" {
            return Err(conflict("nothing awaits review for this entry"));
        }
        if ver.submitted_by == Some(p.user.id.0) || ver.author_id == p.user.id.0 {
            return Err(Error::forbidden("nobody reviews their own submission"));
        }
        Ok((row, ver))
    }

    /// Approve the submission: publish the version (the previous one is superseded), or for a
    /// withdrawal request take the entry off the catalogue. Open change obligations of the entry
    /// are met by a published change.
    pub async fn approve(&self, pass: &Authorized<CatalogReview>, id: i64, note: Option<String>) -> Result<Entry> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let (row, mut ver) = self.submitted_for_review(p, &dir, id).await?;
        let at = now_ms(self.clock.as_ref());
        let mut updates = Vec::new();
        ver.reviewed_by = Some(p.user.id.0);
        ver.reviewed_at = Some(at);
        ver.review_note = note.clone();
        let v = ver.version;
        let (entry, action, fulfil) = if ver.withdrawal {
            ver.state = "withdrawn".into();
            let e = EntryRow {
                status: EntryStatus::Withdrawn.as_str().into(),
                pending_version: None,
                pending_withdrawal: false,
                updated_at: at,
                ..row.clone()
            };
            (e, "withdraw", None)
        } else {
            ver.state = "published".into();
            if let Some(old) = row.published_version {
                let mut prev = self.version(row.id, old).await?;
                prev.state = "superseded".into();
                updates.push(prev);
            }
            let date = crate::calendar::beijing_date(self.clock.now()).to_string();
            let e = EntryRow {
                status: EntryStatus::Published.as_str().into(),
                published_version: Some(v),
                pending_version: None,
                pending_withdrawal: false,
                publish_date: row.publish_date.clone().or(Some(date)),
                updated_at: at,
                ..row.clone()
            };
            (e, "approve", Some(v))
        };
        updates.push(ver);
        let change = EntryChange {
            entry,
            insert_versions: vec![],
            update_versions: updates,
            event: Self::event(&row, v, action, p, at, note),
            fulfil_obligations: fulfil,
        };
        let out = self.commit(&dir, change).await?;
        self.audit(pass, &format!("catalog.{action}"), format!("entry:{id}"), json!({ "version": v })).await?;
        Ok(out)
    }

    /// Return the submission for correction with a written reason (mandatory). A returned
    /// withdrawal request is simply dropped; the entry stays published.
    pub async fn return_for_correction(
        &self,
        pass: &Authorized<CatalogReview>,
        id: i64,
        reason: &str,
    ) -> Result<Entry> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid("reason", "a returned submission needs a written reason (退回原因)"));
        }
        let p = pass.principal();
        let dir = self.directory().await?;
        let (row, mut ver) = self.submitted_for_review(p, &dir, id).await?;
        let at = now_ms(self.clock.as_ref());
        let v = ver.version;
        ver.reviewed_by = Some(p.user.id.0);
        ver.reviewed_at = Some(at);
        ver.review_note = Some(reason.to_owned());
        let entry = if ver.withdrawal {
            ver.state = "discarded".into();
            EntryRow { pending_version: None, pending_withdrawal: false, updated_at: at, ..row.clone() }
        } else {
            ver.state = "returned".into();
            let status = if row.published_version.is_some() { EntryStatus::Published } else { EntryStatus::Returned };
            EntryRow { status: status.as_str().into(), updated_at: at, ..row.clone() }
        };
        let change = EntryChange {
            entry,
            insert_versions: vec![],
            update_versions: vec![ver],
            event: Self::event(&row, v, "return", p, at, Some(reason.to_owned())),
            fulfil_obligations: None,
        };
        let out = self.commit(&dir, change).await?;
        self.audit(pass, "catalog.return", format!("entry:{id}"), json!({ "version": v })).await?;
        Ok(out)
    }

    /// The review queue of the caller's area, oldest submission first.
    pub async fn review_queue(&self, pass: &Authorized<CatalogReview>) -> Result<Vec<Entry>> {
        let p = pass.principal();
        let dir = self.directory().await?;
        let rows = self.store.list_pending_review(p.scope_path()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(v) = row.pending_version {
                let ver = self.version(row.id, v).await?;
                out.push(self.view(&dir, row, &ver)?);
            }
        }
        Ok(out)
    }
}
