//! Secure destruction (数据安全销毁) of a resource's data or of one version, in two steps by two
//! roles: the providing department's steward asks (with a reason), a security administrator
//! approves — which carries it out — or refuses. Carrying it out deletes the files, shreds the
//! data keys nothing else uses, records `data.destroy` in the audit trail (and so in the
//! ledger) and keeps a certificate listing what was destroyed and where copies may remain
//! (registered backups taken before, deliveries to other departments' systems).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use zs_catalog::Entry;
use zs_identity::policy::{
    Authorized, BackupRead, BackupRecord, CatalogRead, DestroyApprove, DestroyRead, DestroyRequest,
};
use zs_meta::keys::{Backup, Destruction};
use zs_tables::DestroyReport;
use zs_types::{Error, ErrorCode, Outcome, Result, Role};

use crate::error::tables_error;
use crate::files::{delete_dir, delete_file, key_ids_in};
use crate::hook::KeptFiles;
use crate::service::IngestService;

/// The certificate of a carried-out destruction (销毁证明), stored with the request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Certificate {
    /// The request.
    pub destruction: i64,
    /// Resource code.
    pub code: String,
    /// The version destroyed; none: the whole resource.
    pub version: Option<i64>,
    /// Why.
    pub reason: String,
    /// Who asked (user id) and who approved.
    pub requested_by: i64,
    /// The approving security administrator.
    pub approved_by: i64,
    /// When it was carried out (Unix ms).
    pub destroyed_at: i64,
    /// Whether the files were encrypted (so shredding their keys makes every copy unreadable).
    pub encrypted: bool,
    /// Versions destroyed.
    pub versions: Vec<u64>,
    /// Rows they held.
    pub rows: u64,
    /// Files deleted.
    pub files_deleted: usize,
    /// Bytes deleted as stored.
    pub bytes_deleted: u64,
    /// Files kept because a remaining version uses them.
    pub files_shared: usize,
    /// The resource's other files deleted: uploads waiting for a hand-in, rejected-row reports,
    /// files delivered to consumers' download areas.
    #[serde(default)]
    pub other_files_deleted: usize,
    /// Data keys shredded (ids).
    pub keys_shredded: Vec<String>,
    /// Keys of deleted files still protecting remaining versions (not shredded).
    pub keys_still_in_use: Vec<String>,
    /// Where copies made before may remain.
    pub copies_may_remain: Vec<String>,
}

/// The request to destroy data.
#[derive(Debug, Clone, Deserialize)]
pub struct DestroyInput {
    /// One version (not the current one); none: the whole resource.
    pub version: Option<i64>,
    /// Why (legal basis, retention period ended, …).
    pub reason: String,
}

impl IngestService {
    /// Ask for the destruction of a resource of the caller's own department (or one version).
    pub async fn request_destruction(
        &self,
        pass: &Authorized<DestroyRequest>,
        code: &str,
        input: &DestroyInput,
    ) -> Result<Destruction> {
        let entry = self.own_entry(pass, code).await?;
        let reason = input.reason.trim();
        if reason.chars().count() < 4 || reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "give the reason for the destruction (4 to 500 characters)"));
        }
        if let Some(v) = input.version {
            if v < 1 {
                return Err(Error::invalid("version", "a version is a positive number"));
            }
        }
        let pending = self.store.list_destructions(Some(&entry.code), 100).await?;
        if pending.iter().any(|d| d.state == "requested" && d.version == input.version) {
            return Err(Error::new(ErrorCode::Conflict, "the same destruction is already waiting for approval"));
        }
        let d = self
            .store
            .create_destruction(&Destruction {
                id: 0,
                code: entry.code.clone(),
                version: input.version,
                org_id: entry.org_id,
                reason: reason.to_owned(),
                state: "requested".into(),
                requested_by: pass.principal().user.id.0,
                requested_at: self.now_ms(),
                decided_by: None,
                decided_at: None,
                note: None,
                certificate: None,
            })
            .await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "data.destroy_request",
            &entry.code,
            Outcome::Succeeded,
            serde_json::json!({ "destruction": d.id, "version": d.version }),
        )
        .await?;
        Ok(d)
    }

    /// Destruction requests the caller may see, newest first (a steward: its department's).
    pub async fn destructions(&self, pass: &Authorized<DestroyRead>, code: Option<&str>) -> Result<Vec<Destruction>> {
        let all = self.store.list_destructions(code, 500).await?;
        let p = pass.principal();
        Ok(all.into_iter().filter(|d| p.user.role != Role::Steward || d.org_id == p.org.id.0).collect())
    }

    /// One destruction request (404 outside the caller's view).
    pub async fn destruction(&self, pass: &Authorized<DestroyRead>, id: i64) -> Result<Destruction> {
        let d = self.store.get_destruction(id).await?.ok_or_else(|| Error::not_found("destruction"))?;
        let p = pass.principal();
        if p.user.role == Role::Steward && d.org_id != p.org.id.0 {
            return Err(Error::not_found("destruction"));
        }
        Ok(d)
    }

    /// Refuse a pending request.
    pub async fn refuse_destruction(
        &self,
        pass: &Authorized<DestroyApprove>,
        id: i64,
        note: &str,
    ) -> Result<Destruction> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::invalid("note", "say why the destruction is refused"));
        }
        let d = self.store.get_destruction(id).await?.ok_or_else(|| Error::not_found("destruction"))?;
        let by = pass.principal().user.id.0;
        if !self.store.decide_destruction(id, "refused", by, self.now_ms(), Some(note), None).await? {
            return Err(Error::new(ErrorCode::Conflict, format!("destruction {id} was already decided")));
        }
        self.record(
            pass.principal(),
            pass.request_id(),
            "data.destroy",
            &d.code,
            Outcome::Failed,
            serde_json::json!({ "destruction": id, "decision": "refused" }),
        )
        .await?;
        self.store.get_destruction(id).await?.ok_or_else(|| Error::not_found("destruction"))
    }

    /// Approve a pending request and carry it out; returns the request with its certificate.
    pub async fn approve_destruction(&self, pass: &Authorized<DestroyApprove>, id: i64) -> Result<Destruction> {
        let d = self.store.get_destruction(id).await?.ok_or_else(|| Error::not_found("destruction"))?;
        if d.state != "requested" {
            return Err(Error::new(ErrorCode::Conflict, format!("destruction {id} was already decided ({})", d.state)));
        }
        if d.requested_by == pass.principal().user.id.0 {
            return Err(Error::forbidden("the requester cannot approve their own destruction request"));
        }
        let read = self.identity.authorize::<CatalogRead>(&pass.principal_arc(), pass.request_id()).await?;
        let entry = self.catalog.get_by_code(&read, &d.code).await?;
        let table = self.open_table(&entry)?;
        let scope = IngestService::key_scope(&entry.code);
        let version = d.version;
        if let Some(v) = version {
            let t = table.clone();
            let current = tokio::task::spawn_blocking(move || t.current())
                .await
                .map_err(|_| Error::internal("reading the current version"))?
                .map_err(tables_error)?;
            if current.is_some_and(|m| i64::try_from(m.version).ok() == Some(v)) {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("version {v} is the current version of {}; hand in a replacement first, or destroy the whole resource", d.code),
                ));
            }
        }
        let t = table.clone();
        let report: DestroyReport = tokio::task::spawn_blocking(move || match version {
            Some(v) => t.destroy_version(u64::try_from(v).unwrap_or(0)),
            None => t.destroy_all(),
        })
        .await
        .map_err(|_| Error::internal("the destruction stopped unexpectedly"))?
        .map_err(tables_error)?;
        // The resource's other files on this platform go too: uploads waiting for a hand-in,
        // rejected rows, files delivered to consumers' download areas (all of them with the
        // whole resource; those of the version with one version).
        let kept = self.destroy_kept_files(&entry, version.and_then(|v| u64::try_from(v).ok())).await?;
        let (shredded, still_used) =
            self.shred_after(&table, &scope, version.is_none(), &report, &kept.keys_in_use).await?;
        let now = self.now_ms();
        let cert = Certificate {
            destruction: id,
            code: d.code.clone(),
            version,
            reason: d.reason.clone(),
            requested_by: d.requested_by,
            approved_by: pass.principal().user.id.0,
            destroyed_at: now,
            encrypted: self.keys.is_some(),
            versions: report.versions.clone(),
            rows: report.rows,
            files_deleted: report.files_deleted.len(),
            bytes_deleted: report.bytes_deleted,
            files_shared: report.files_shared.len(),
            other_files_deleted: kept.deleted,
            keys_shredded: shredded,
            keys_still_in_use: still_used,
            copies_may_remain: {
                let mut copies = self.copies_before(&entry, now).await?;
                copies.extend(kept.not_deleted.iter().cloned());
                copies
            },
        };
        let json = serde_json::to_string(&cert).map_err(|_| Error::internal("encoding the certificate"))?;
        self.store.decide_destruction(id, "done", cert.approved_by, now, None, Some(&json)).await?;
        // The destruction record: identifiers and counts only, in the audit trail and the ledger.
        self.record(
            pass.principal(),
            pass.request_id(),
            "data.destroy",
            &d.code,
            Outcome::Succeeded,
            serde_json::json!({
                "destruction": id,
                "version": version,
                "versions": cert.versions,
                "rows": cert.rows,
                "files_deleted": cert.files_deleted,
                "other_files_deleted": cert.other_files_deleted,
                "keys_shredded": cert.keys_shredded,
                "requested_by": d.requested_by,
            }),
        )
        .await?;
        tracing::info!(code = %d.code, destruction = id, ?version, "data destroyed");
        self.store.get_destruction(id).await?.ok_or_else(|| Error::not_found("destruction"))
    }

    /// Delete the resource's files kept beside its table: with the whole resource, every
    /// pending upload and rejected-rows report; with one version, the rejected rows of the
    /// hand-ins that made it. Then the registered hook's (delivered files). Returns what was
    /// deleted and the keys the remaining files use.
    async fn destroy_kept_files(&self, entry: &Entry, version: Option<u64>) -> Result<KeptFiles> {
        // A file that cannot be deleted does not stop the destruction (its keys are still
        // shredded); the certificate lists it.
        let failed = |e: std::io::Error| {
            tracing::error!(error = %e, code = %entry.code, "deleting a destroyed resource's files");
            KeptFiles {
                not_deleted: vec![format!(
                    "uploads or rejected rows of {} under the data folder (deleting them failed: {e})",
                    entry.code
                )],
                ..KeptFiles::default()
            }
        };
        let uploads = self.uploads_dir(&entry.code);
        let rejects = self.data_dir.join(IngestService::rejects_rel_dir(&entry.code));
        let mut kept = KeptFiles::default();
        match version {
            None => {
                let (u, r) = (uploads.clone(), rejects.clone());
                let done = tokio::task::spawn_blocking(move || -> std::io::Result<KeptFiles> {
                    let mut d = delete_dir(&u)?;
                    d.merge(delete_dir(&r)?);
                    Ok(d)
                })
                .await
                .map_err(|_| Error::internal("deleting files"))?
                .unwrap_or_else(failed);
                kept.merge(done);
            }
            Some(v) => {
                let mut made_it = Vec::new();
                let mut before = None;
                loop {
                    let page = self.store.list_hand_ins(Some(&entry.code), before, 1000).await?;
                    before = page.last().map(|h| h.id);
                    made_it.extend(
                        page.iter()
                            .filter(|h| h.version == i64::try_from(v).ok())
                            .filter_map(|h| h.rejects_file.as_ref().map(|f| self.data_dir.join(f))),
                    );
                    if page.len() < 1000 {
                        break;
                    }
                }
                let done = tokio::task::spawn_blocking(move || -> std::io::Result<KeptFiles> {
                    let mut d = KeptFiles::default();
                    for f in &made_it {
                        d.merge(delete_file(f)?);
                    }
                    d.keys_in_use = key_ids_in(&uploads);
                    d.keys_in_use.extend(key_ids_in(&rejects));
                    Ok(d)
                })
                .await
                .map_err(|_| Error::internal("deleting files"))?
                .unwrap_or_else(failed);
                kept.merge(done);
            }
        }
        if let Some(hook) = self.hook.get() {
            kept.merge(hook.data_destroyed(entry, version).await);
        }
        Ok(kept)
    }

    /// Shred the keys a destruction frees: every key of the resource when it is destroyed whole;
    /// after a version, the retired keys no remaining file uses (`also_in_use`: the keys of
    /// the resource's other kept files). Returns (shredded, still used).
    async fn shred_after(
        &self,
        table: &zs_tables::Table,
        scope: &str,
        whole: bool,
        report: &DestroyReport,
        also_in_use: &BTreeSet<String>,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let Some(keys) = &self.keys else { return Ok((Vec::new(), Vec::new())) };
        if whole {
            return Ok((keys.shred_scope(scope).await?, Vec::new()));
        }
        let t = table.clone();
        let mut in_use = tokio::task::spawn_blocking(move || t.key_ids_in_use())
            .await
            .map_err(|_| Error::internal("listing keys in use"))?
            .map_err(tables_error)?;
        in_use.extend(also_in_use.iter().cloned());
        let shredded = keys.shred_unused(scope, &in_use).await?;
        let still = report.keys_of_deleted_files.iter().filter(|k| !shredded.contains(k)).cloned().collect();
        Ok((shredded, still))
    }

    /// Where copies made before `now` may remain: registered backups taken before it, and the
    /// systems of departments the data was delivered to.
    async fn copies_before(&self, entry: &Entry, now: i64) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .store
            .list_backups()
            .await?
            .into_iter()
            .filter(|b| b.taken_at <= now)
            .map(|b| format!("backup #{} {} at {} (taken {} ms)", b.id, b.label, b.location, b.taken_at))
            .collect();
        out.push(format!(
            "copies delivered to other departments through grants, bulk deliveries and subscriptions of {} \
             (see its trace) are under those departments' control",
            entry.code
        ));
        if self.keys.is_none() {
            out.push("the files were not encrypted: copies of them (snapshots, backups) stay readable".into());
        }
        Ok(out)
    }

    /// Register a backup taken outside the platform.
    pub async fn record_backup(
        &self,
        pass: &Authorized<BackupRecord>,
        label: &str,
        location: &str,
        taken_at: i64,
    ) -> Result<Backup> {
        if label.trim().is_empty() || location.trim().is_empty() {
            return Err(Error::invalid("label", "give the backup's label and location"));
        }
        if taken_at <= 0 || taken_at > self.now_ms() {
            return Err(Error::invalid("taken_at", "taken_at is a past time in Unix milliseconds"));
        }
        let b = self
            .store
            .add_backup(&Backup {
                id: 0,
                label: label.trim().to_owned(),
                location: location.trim().to_owned(),
                taken_at,
                recorded_by: Some(pass.principal().user.id.0),
                recorded_at: self.now_ms(),
            })
            .await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "backup.record",
            "*",
            Outcome::Succeeded,
            serde_json::json!({ "backup": b.id }),
        )
        .await?;
        Ok(b)
    }

    /// The backup register, newest first.
    pub async fn backups(&self, _pass: &Authorized<BackupRead>) -> Result<Vec<Backup>> {
        self.store.list_backups().await
    }

    /// A resource of the caller's own department (published or not: withdrawn data can be
    /// destroyed too).
    async fn own_entry(&self, pass: &Authorized<DestroyRequest>, code: &str) -> Result<Entry> {
        let who: Arc<zs_identity::Principal> = pass.principal_arc();
        let read = self.identity.authorize::<CatalogRead>(&who, pass.request_id()).await?;
        let entry = self.catalog.get_by_code(&read, code).await?;
        if entry.org_id != who.org.id.0 {
            return Err(Error::forbidden(format!(
                "{} is provided by {}; only its own department may ask for its destruction",
                entry.code, entry.provider
            )));
        }
        Ok(entry)
    }
}
