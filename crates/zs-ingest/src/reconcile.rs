//! Start-up reconciliation of table versions and hand-in records. A table version is committed
//! by its manifest's rename; its hand-in record is written right after. A crash between the two
//! leaves a readable version without a record: this finds such versions and records them from
//! their manifests (actor, channel, mode, rows), with an audit event, so the index the portal,
//! report and API read is complete again.

use std::collections::HashSet;

use zs_meta::resources::HandIn;
use zs_tables::{CommitMode, TableRoot, VersionInfo};
use zs_types::{AuditEvent, Outcome, Result};

use crate::error::tables_error;
use crate::service::IngestService;

fn mode_name(m: CommitMode) -> &'static str {
    match m {
        CommitMode::Append => "append",
        CommitMode::Replace => "replace",
        CommitMode::Upsert => "upsert",
        CommitMode::DeleteByKey => "delete",
    }
}

impl IngestService {
    /// Record every committed table version that has no hand-in record; returns how many.
    pub async fn reconcile(&self) -> Result<usize> {
        if let TableRoot::Local(root) = &self.tables {
            if !root.exists() {
                return Ok(0);
            }
        }
        let mut found = 0;
        for entry in self.catalog.all_entries().await? {
            found += self.reconcile_entry(&entry).await?;
        }
        Ok(found)
    }

    /// [`Self::reconcile`] for one resource.
    pub(crate) async fn reconcile_entry(&self, entry: &zs_catalog::Entry) -> Result<usize> {
        let mut found = 0;
        if let TableRoot::Local(root) = &self.tables {
            if !root.join(entry.code.replace('/', "_")).join("_versions").exists() {
                return Ok(0);
            }
        }
        let table = match self.open_table(entry) {
            Ok(t) => t,
            // In an object store there is no cheap "has a table" check: an entry whose items
            // cannot form a table never held data.
            Err(_) if matches!(self.tables, TableRoot::Object(_)) => return Ok(0),
            Err(e) => return Err(e),
        };
        let history: Vec<VersionInfo> = match tokio::task::spawn_blocking(move || table.history())
            .await
            .map_err(|_| zs_types::Error::internal("reading versions"))?
            .map_err(tables_error)
        {
            Ok(h) => h,
            // A destroyed table has nothing to record (and must not stop the start).
            Err(e) if e.code == zs_types::ErrorCode::DataDestroyed => return Ok(0),
            Err(e) => return Err(e),
        };
        let recorded: HashSet<i64> = self
            .store
            .list_hand_ins(Some(&entry.code), None, 1000)
            .await?
            .into_iter()
            .filter_map(|h| h.version)
            .collect();
        for v in history.iter().filter(|v| !recorded.contains(&(v.version as i64))) {
            let at = zs_types::clock::to_ms(v.created_at);
            let actor = self.store.user_by_username(&v.actor).await?;
            let h = HandIn {
                id: 0,
                code: entry.code.clone(),
                entry_id: entry.id,
                org_id: entry.org_id,
                channel: v.channel.split([':', '#']).next().unwrap_or("unknown").to_owned(),
                mode: mode_name(v.mode).into(),
                actor_user: actor.as_ref().map(|u| u.id.0),
                actor_name: v.actor.clone(),
                outcome: "committed".into(),
                version: Some(v.version as i64),
                total_rows: Some(v.rows as i64),
                rows_read: v.rows_added as i64,
                rows_written: v.rows_added as i64,
                rows_rejected: 0,
                message: Some(
                    "recorded at start-up: the version was committed but its record was lost in a crash".into(),
                ),
                rejects_file: None,
                job_id: v.channel.split(crate::handin::JOB_TAG).nth(1).and_then(|j| j.parse().ok()),
                lineage: None,
                started_at: at,
                finished_at: at,
            };
            let rec = self.store.record_hand_in(&h).await?;
            self.audit
                .record(AuditEvent {
                    at: self.clock.now(),
                    request_id: None,
                    actor_user: actor.as_ref().map(|u| u.id),
                    actor_org: actor.as_ref().map(|u| u.org_id),
                    action: "data.ingest".into(),
                    target: Some(format!("resource:{}", entry.code)),
                    outcome: Outcome::Succeeded,
                    detail: serde_json::json!({ "hand_in": rec.id, "version": v.version, "recovered": true }),
                })
                .await?;
            tracing::warn!(resource = %entry.code, version = v.version, "version without a hand-in record recorded at start-up");
            let table = self.open_table(entry)?;
            self.notify_committed(entry, &table, &rec).await;
            found += 1;
        }
        Ok(found)
    }
}
