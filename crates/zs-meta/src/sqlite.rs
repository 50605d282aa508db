//! The embedded SQLite store: one file, WAL journal, full sync so a committed transaction survives
//! a crash, foreign keys on. The write-ahead log is copied back into the database file by a
//! background task (passive checkpoints, [`CHECKPOINT_EVERY`]) rather than by whichever commit
//! crosses SQLite's 1,000-page threshold: that commit would otherwise also write and sync the
//! database file, and every request waiting on it (the audit trail's group commit) with it.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How often the write-ahead log is checkpointed in the background.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// SQLite implementation of [`crate::MetaStore`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    sealing: crate::sealing::Sealing,
    /// The checkpoint task ends when the last clone of the store is dropped.
    _alive: Arc<()>,
}

impl SqliteStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    /// Close every connection and wait for it: the write-ahead log is checkpointed into the
    /// database file, which can then be copied whole.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock at once, so a busy database
    /// is waited for (`busy_timeout`); the default deferred `BEGIN` would fail at once with
    /// `SQLITE_BUSY` when a transaction that read first tries to write after another connection
    /// committed, which no timeout helps.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// Open (creating if missing) the database file at `path`.
    pub async fn open(path: &Path) -> zs_types::Result<Self> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    zs_types::Error::new(
                        zs_types::ErrorCode::StoreUnavailable,
                        format!("cannot create directory {}: {e}", dir.display()),
                    )
                })?;
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("wal_autocheckpoint", "0")
            // Once a checkpoint has copied everything, a write-ahead log grown by a burst (a
            // seeding, a large hand-in) is cut back to this size instead of staying large.
            .pragma("journal_size_limit", "67108864");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await.map_err(crate::error::map)?;
        let alive = Arc::new(());
        spawn_checkpointer(pool.clone(), Arc::downgrade(&alive));
        Ok(Self { pool, sealing: crate::sealing::Sealing::default(), _alive: alive })
    }
}

/// Checkpoint the write-ahead log every [`CHECKPOINT_EVERY`] while the store lives. Passive:
/// never waits for readers or writers, copies what it can; the log restarts from its beginning
/// once everything in it was copied.
fn spawn_checkpointer(pool: SqlitePool, alive: std::sync::Weak<()>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() || pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                if !pool.is_closed() {
                    tracing::warn!(error = %e, "checkpointing the SQLite write-ahead log failed");
                }
            }
        }
    });
}

crate::queries::impl_meta_store!(
    SqliteStore,
    SqliteRow,
    "sqlite",
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
);

crate::catalog_queries::impl_catalog_store!(SqliteStore, SqliteRow);

crate::jobs_queries::impl_job_store!(
    SqliteStore,
    SqliteRow,
    "SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $2 ORDER BY run_after, id LIMIT 1"
);

crate::resources_queries::impl_resource_store!(SqliteStore, SqliteRow);

crate::standards_queries::impl_standards_store!(SqliteStore, SqliteRow);
crate::govern_queries::impl_govern_store!(SqliteStore, SqliteRow);
crate::share_queries::impl_share_store!(SqliteStore, SqliteRow);
crate::delivery_queries::impl_delivery_store!(SqliteStore, SqliteRow);
crate::demand_queries::impl_demand_store!(
    SqliteStore,
    SqliteRow,
    "CASE WHEN outcome = 'failed' THEN json_extract(detail, '$.code') END",
    "COALESCE(CAST(json_extract(detail, '$.rows') AS INTEGER), 0)"
);
crate::trace_queries::impl_trace_store!(SqliteStore, SqliteRow);
crate::alert_queries::impl_alert_store!(
    SqliteStore,
    SqliteRow,
    "COALESCE(CAST(json_extract(detail, '$.rows') AS INTEGER), 0)"
);
crate::keys_queries::impl_key_store!(SqliteStore, SqliteRow);
