//! The audit sink: every stage records what happened through [`zs_types::AuditSink`].
//!
//! [`StoreSink`] appends to the store's append-only `audit_log` table with group commit: callers
//! hand their event to one writer task and wait until the batch holding it is committed, so each
//! event is durable when `record` returns while a burst of events costs one transaction. With a
//! [`NodeLedger`] it first appends one ledger entry (identifiers and digests, [`zs_ledger::entry`])
//! per event other than an authorisation that let an operation proceed, as one ledger batch with
//! one signed checkpoint, and stores each record with its entry's index. Keyed digests of data
//! subjects (`subject_digests` in a detail, from the data API) are moved out of the detail into
//! their own table, for tracing a person's record (全流程监管).

mod ledger;

pub use ledger::{map_ledger, NodeLedger};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use zs_ledger::entry::{AuditEntry, RecordView};
use zs_meta::trace::LedgeredEvent;
use zs_meta::DynStore;
use zs_types::{AuditEvent, AuditSink, Error, ErrorCode, Outcome, Result};

/// The detail key under which the data API hands in subject digests.
pub const SUBJECTS_KEY: &str = "subject_digests";

/// Largest number of events committed in one transaction.
const MAX_BATCH: usize = 512;

type Pending = (AuditEvent, oneshot::Sender<Result<()>>);
/// A batch in the ledger, waiting for the store: its events and the callers to answer.
type Staged = (Vec<LedgeredEvent>, Vec<oneshot::Sender<Result<()>>>);

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
    /// Entries appended to the ledger.
    pub ledgered: AtomicU64,
}

impl StoreSink {
    /// Start the writer task on the current Tokio runtime (no ledger: the trail only).
    pub fn start(store: DynStore) -> Self {
        Self::start_with_ledger(store, None)
    }

    /// Start the writer, appending to `ledger` before the trail. Two stages, each in order:
    /// the first collects a batch and appends it to the ledger, the second commits it to the
    /// store and answers the callers — so batch N+1 goes into the ledger while batch N commits
    /// to the store, and a burst waits for the slower stage only, not for both in turn.
    pub fn start_with_ledger(store: DynStore, ledger: Option<NodeLedger>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(8192);
        // One batch may wait for the store while the next is in the ledger; more would only
        // queue what the store cannot keep up with.
        let (staged_tx, mut staged_rx) = mpsc::channel::<Staged>(1);
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
                let (mut events, replies): (Vec<LedgeredEvent>, Vec<_>) =
                    batch.drain(..).map(|(e, reply)| (prepare(e), reply)).unzip();
                if let Some(l) = &ledger {
                    if let Err(e) = append_to_ledger(l, &mut events, &st).await {
                        tracing::error!(error = %e, events = events.len(), "audit batch failed in the ledger");
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                        continue;
                    }
                }
                if staged_tx.send((events, replies)).await.is_err() {
                    return;
                }
            }
        });
        let st = stats.clone();
        tokio::spawn(async move {
            while let Some((events, replies)) = staged_rx.recv().await {
                let n = events.len() as u64;
                let result = store.append_audit_ledgered(&events).await;
                if let Err(e) = &result {
                    tracing::error!(error = %e, events = n, "audit batch failed");
                } else {
                    st.events.fetch_add(n, Ordering::Relaxed);
                    st.batches.fetch_add(1, Ordering::Relaxed);
                }
                for reply in replies {
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

/// Move subject digests out of the detail.
fn prepare(mut event: AuditEvent) -> LedgeredEvent {
    let subjects = match event.detail.as_object_mut().and_then(|m| m.remove(SUBJECTS_KEY)) {
        Some(serde_json::Value::Array(a)) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .filter(|s| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect(),
        _ => Vec::new(),
    };
    LedgeredEvent { event, ledger_index: None, subjects }
}

/// The record view a ledger entry commits to.
pub fn record_view(e: &AuditEvent) -> RecordView {
    RecordView {
        at_ms: zs_types::clock::to_ms(e.at),
        request_id: e.request_id.clone(),
        actor_user: e.actor_user.map(|u| u.0),
        actor_org: e.actor_org.map(|o| o.0),
        action: e.action.clone(),
        target: e.target.clone(),
        outcome: e.outcome.as_str().to_owned(),
        detail: e.detail.clone(),
    }
}

/// Whether an event goes into the ledger: everything but an authorisation that let an
/// operation proceed (the operation records its own outcome).
pub fn ledgered(e: &AuditEvent) -> bool {
    e.outcome != Outcome::Allowed
}

/// Largest entry written with its facts; a larger one keeps only the detail hash.
const ENTRY_SOFT_LIMIT: usize = 16 * 1024;

/// Append the batch's ledgered events to the ledger as one batch (one checkpoint) and note
/// each one's entry index.
async fn append_to_ledger(l: &NodeLedger, events: &mut [LedgeredEvent], st: &SinkStats) -> Result<()> {
    let mut at = Vec::new();
    let mut entries = Vec::new();
    for (i, le) in events.iter().enumerate() {
        if ledgered(&le.event) {
            let mut entry = AuditEntry::new(l.profile(), &record_view(&le.event), &le.subjects);
            let mut bytes = entry.to_bytes();
            if bytes.len() > ENTRY_SOFT_LIMIT {
                entry.facts.clear();
                bytes = entry.to_bytes();
            }
            at.push(i);
            entries.push(bytes);
        }
    }
    if entries.is_empty() {
        return Ok(());
    }
    let first = l.append(entries).await?;
    for (k, i) in at.iter().enumerate() {
        events[*i].ledger_index = i64::try_from(first + k as u64).ok();
    }
    st.ledgered.fetch_add(at.len() as u64, Ordering::Relaxed);
    Ok(())
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
