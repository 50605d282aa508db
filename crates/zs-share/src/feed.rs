//! The change feed (变更订阅) of a grant's resource and the hook that feeds it: every version a
//! hand-in commits becomes a feed line (cursor, version, parent, mode, time) and, for each
//! enabled subscription whose grant is usable, a notification in the outbox. The feed is the
//! polling alternative to webhooks: `GET …/feed?after=<cursor>`. Lines carry no data; the
//! consumer takes the data through the data API or a delivery, under the grant.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zs_catalog::Entry;
use zs_identity::policy::{Authorized, ShareData};
use zs_meta::delivery::{Change, Notification};
use zs_meta::resources::HandIn;
use zs_tables::Table;
use zs_types::{Error, Outcome, Result};

use crate::grants::api_base;
use crate::service::ShareService;

/// Feed lines returned at most per call.
pub const MAX_FEED: i64 = 500;

/// One committed version of the resource.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    /// The cursor: pass it as `after` to read on from here.
    pub cursor: i64,
    /// The version committed.
    pub version: i64,
    /// The version it was built on.
    pub parent: Option<i64>,
    /// `append` | `replace` | `upsert` | `delete_by_key`.
    pub mode: String,
    /// Commit time (Unix ms).
    pub committed_at: i64,
}

/// A page of the change feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedPage {
    /// The grant.
    pub grant: i64,
    /// 信息资源代码.
    pub code: String,
    /// Lines after the cursor asked for, oldest first.
    pub changes: Vec<ChangeView>,
    /// The cursor to ask with next (the last line's, or the one given).
    pub next_cursor: i64,
}

fn present(c: &Change) -> ChangeView {
    ChangeView {
        cursor: c.id,
        version: c.version,
        parent: c.parent,
        mode: c.mode.clone(),
        committed_at: c.committed_at,
    }
}

impl ShareService {
    /// Feed lines of the grant's resource after `after` (0: from the start).
    pub async fn feed(
        &self,
        pass: &Authorized<ShareData>,
        id: i64,
        after: i64,
        limit: Option<i64>,
    ) -> Result<FeedPage> {
        let p = pass.principal();
        let grant = self.held(p, id).await?;
        let limit = limit.unwrap_or(100);
        if !(1..=MAX_FEED).contains(&limit) {
            return Err(Error::invalid("limit", format!("limit must be between 1 and {MAX_FEED}")));
        }
        if after < 0 {
            return Err(Error::invalid("after", "the cursor is a number this feed gave out"));
        }
        let lines = self.store.list_changes(&grant.code, after, limit).await?;
        let next_cursor = lines.last().map_or(after, |c| c.id);
        self.record(
            p,
            pass.request_id(),
            "share.feed",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "after": after, "lines": lines.len() }),
        )
        .await?;
        Ok(FeedPage { grant: id, code: grant.code, changes: lines.iter().map(present).collect(), next_cursor })
    }

    /// Record a committed version in the feed and queue a notification per subscription.
    pub async fn version_committed(
        &self,
        code: &str,
        version: i64,
        parent: Option<i64>,
        mode: &str,
        at: i64,
    ) -> Result<()> {
        let (change, new) = self
            .store
            .add_change(&Change { id: 0, code: code.into(), version, parent, mode: mode.into(), committed_at: at })
            .await?;
        if !new {
            return Ok(());
        }
        let now = self.now_ms();
        for s in self.store.subscriptions_of_code(code).await? {
            let Some(grant) = self.store.get_grant(s.grant_id).await? else { continue };
            if self.usable(&grant).is_err() {
                continue;
            }
            let event_id = uuid::Uuid::now_v7().to_string();
            let base = api_base(grant.id);
            let payload = json!({
                "event_id": event_id,
                "type": "resource.version_committed",
                "grant": grant.id,
                "code": code,
                "version": version,
                "parent": parent,
                "mode": mode,
                "committed_at": at,
                "cursor": change.id,
                "feed": format!("{base}/feed?after={}", change.id - 1),
                "rows": format!("{base}/rows"),
                "deliveries": format!("{base}/deliveries"),
            });
            self.store
                .enqueue_notification(&Notification {
                    id: 0,
                    subscription_id: s.id,
                    grant_id: grant.id,
                    change_id: change.id,
                    event_id,
                    payload: payload.to_string(),
                    state: "pending".into(),
                    attempts: 0,
                    next_attempt_at: now,
                    last_status: None,
                    last_error: None,
                    delivered_at: None,
                    created_at: now,
                })
                .await?;
        }
        self.exchange.wake.notify_waiters();
        Ok(())
    }
}

/// The sharing side of [`zs_ingest::VersionHook`]: feeds the change feed and the subscriptions.
pub struct ShareHook(pub ShareService);

#[async_trait::async_trait]
impl zs_ingest::VersionHook for ShareHook {
    async fn version_committed(&self, entry: &Entry, table: &Table, hand_in: &HandIn) {
        let Some(version) = hand_in.version else { return };
        let manifest = u64::try_from(version).ok().and_then(|v| table.manifest(Some(v)).ok().flatten());
        let parent = manifest.as_ref().and_then(|m| m.parent).and_then(|p| i64::try_from(p).ok());
        let mode = manifest
            .as_ref()
            .and_then(|m| serde_json::to_value(m.mode).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| hand_in.mode.clone());
        let at = manifest.as_ref().map_or(hand_in.finished_at, |m| m.created_at_ms);
        if let Err(e) = self.0.version_committed(&entry.code, version, parent, &mode, at).await {
            tracing::warn!(code = %entry.code, version, error = %e.message, "the change feed missed a version");
        }
    }

    /// Delivered files of destroyed data are deleted from the download areas.
    async fn data_destroyed(&self, entry: &Entry, version: Option<u64>) -> zs_ingest::KeptFiles {
        match self.0.destroy_delivered_files(&entry.code, version).await {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(code = %entry.code, ?version, error = %e.message, "delivered files of destroyed data were not all deleted");
                zs_ingest::KeptFiles {
                    not_deleted: vec![format!(
                        "files delivered of {} in the consumers' download areas (deleting them failed: {})",
                        entry.code, e.message
                    )],
                    ..Default::default()
                }
            }
        }
    }
}
