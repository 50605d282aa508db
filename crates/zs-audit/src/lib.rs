//! The audit sink: every stage records what happened through [`zs_types::AuditSink`].
//!
//! [`StoreSink`] appends to the store's append-only `audit_log` table with group commit: callers
//! hand their event to one writer task and wait until the batch holding it is committed, so each
//! event is durable when `record` returns while a burst of events costs one transaction. The
//! verifiable ledger (a later issue) replaces the table behind the same trait.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use zs_meta::DynStore;
use zs_types::{AuditEvent, AuditSink, Error, ErrorCode, Result};

/// Largest number of events committed in one transaction.
const MAX_BATCH: usize = 512;

type Pending = (AuditEvent, oneshot::Sender<Result<()>>);

/// Group-committing sink over the metadata store.
#[derive(Clone)]
pub struct StoreSink {
    tx: mpsc::Sender<Pending>,
    stats: Arc<SinkStats>,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// Events committed.
    pub events: AtomicU64,
    /// Transactions used.
    pub batches: AtomicU64,
}

impl StoreSink {
    /// Start the writer task on the current Tokio runtime.
    pub fn start(store: DynStore) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(8192);
        let stats = Arc::new(SinkStats::default());
        let st = stats.clone();
        tokio::spawn(async move {
            let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                let events: Vec<AuditEvent> = batch.iter().map(|(e, _)| e.clone()).collect();
                let result = store.append_audit(&events).await;
                if let Err(e) = &result {
                    tracing::error!(error = %e, events = events.len(), "audit batch failed");
                } else {
                    st.events.fetch_add(events.len() as u64, Ordering::Relaxed);
                    st.batches.fetch_add(1, Ordering::Relaxed);
                }
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(result.clone());
                }
            }
        });
        Self { tx, stats }
    }

    /// Counters.
    pub fn stats(&self) -> &SinkStats {
        &self.stats
    }
}

#[async_trait::async_trait]
impl AuditSink for StoreSink {
    async fn record(&self, event: AuditEvent) -> Result<()> {
        let (reply, wait) = oneshot::channel();
        let closed = || Error::new(ErrorCode::StoreUnavailable, "the audit writer has stopped");
        self.tx.send((event, reply)).await.map_err(|_| closed())?;
        wait.await.map_err(|_| closed())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zs_meta::{AuditQuery, MetaStore, SqliteStore};

    #[tokio::test]
    async fn concurrent_events_are_all_committed_in_fewer_batches() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = SqliteStore::open(&dir.path().join("m.db")).await.unwrap_or_else(|e| panic!("{e}"));
        store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let store: DynStore = Arc::new(store);
        let sink = StoreSink::start(store.clone());
        let mut tasks = Vec::new();
        for i in 0..400 {
            let sink = sink.clone();
            tasks.push(tokio::spawn(async move {
                sink.record(AuditEvent {
                    at: time::OffsetDateTime::UNIX_EPOCH,
                    request_id: None,
                    actor_user: None,
                    actor_org: None,
                    action: "test.event".into(),
                    target: Some(format!("n:{i}")),
                    outcome: zs_types::Outcome::Succeeded,
                    detail: serde_json::json!({}),
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}"));
        }
        let rows = store.list_audit(&AuditQuery { limit: 1000, ..Default::default() }).await.unwrap_or_default();
        assert_eq!(rows.len(), 400);
        assert_eq!(sink.stats().events.load(Ordering::Relaxed), 400);
        assert!(sink.stats().batches.load(Ordering::Relaxed) < 400, "group commit batched nothing");
    }
}
