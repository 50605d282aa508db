//! Daily quotas (调用配额) counted in memory and written to the store in batches.
//!
//! Each (grant, day) has a counter: what the store held when it was last read (`base`), what
//! this node counted since (`local`) and how much of that is already written (`written`). A call
//! is counted and its rows reserved under one lock, so one node never lets more calls or rows
//! through than the grant allows. The counts are written with [`Quotas::flush`], at most every
//! [`FLUSH_EVERY`] (started by the calls themselves) and at shutdown; each write re-reads the
//! store's total, so the other nodes' counts come in too.
//!
//! **Several nodes**: each node checks the quota against the store's figure as of its last
//! write plus its own counts, so between two writes each node can let through what the others
//! counted but had not written yet: at most about `nodes × calls in FLUSH_EVERY` over the quota.
//! A node that stops without its shutdown write loses at most the last [`FLUSH_EVERY`] of counts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zs_meta::share::Usage;
use zs_meta::DynStore;
use zs_types::{Error, ErrorCode, Result};

/// How often the counts are written to the store while calls come in.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    /// The store's figure, without this node's written counts, when last read.
    base: Usage,
    /// Counted by this node since the counter was made.
    local: Usage,
    /// Of `local`, written to the store.
    written: Usage,
}

impl Counter {
    fn total(&self) -> Usage {
        Usage { calls: self.base.calls + self.local.calls, rows: self.base.rows + self.local.rows }
    }
}

/// A grant's limits for one day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Calls a day.
    pub calls: i64,
    /// Rows a day.
    pub rows: i64,
}

/// The in-memory counters of every grant in use.
pub(crate) struct Quotas {
    counters: Mutex<HashMap<(i64, String), Counter>>,
    /// One flush at a time.
    flushing: tokio::sync::Mutex<()>,
    flush_started: AtomicBool,
    last_flush: Mutex<Instant>,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            counters: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
            flush_started: AtomicBool::new(false),
            last_flush: Mutex::new(Instant::now()),
        }
    }
}

fn poisoned() -> Error {
    Error::internal("the quota counters are unusable after a panic")
}

impl Quotas {
    /// Count one call of grant `id` on `day` and reserve up to `want` rows of the day's rows;
    /// the rows reserved (at least one when `want` is positive). Refused with `quota_exceeded`
    /// when the calls are used up (nothing counted) or no row is left (the call stays counted).
    pub(crate) async fn reserve(&self, store: &DynStore, id: i64, day: &str, limits: Limits, want: i64) -> Result<i64> {
        let key = (id, day.to_owned());
        let known = self.counters.lock().map_err(|_| poisoned())?.contains_key(&key);
        if !known {
            let base = store.usage(id, day).await?;
            self.counters
                .lock()
                .map_err(|_| poisoned())?
                .entry(key.clone())
                .or_insert(Counter { base, ..Counter::default() });
        }
        let mut counters = self.counters.lock().map_err(|_| poisoned())?;
        let c = counters.get_mut(&key).ok_or_else(poisoned)?;
        let used = c.total();
        if used.calls >= limits.calls {
            return Err(Error::new(
                ErrorCode::QuotaExceeded,
                format!("grant {id} allows {} calls a day; today's are used", limits.calls),
            ));
        }
        c.local.calls += 1;
        let left = limits.rows - used.rows;
        if left <= 0 {
            return Err(Error::new(
                ErrorCode::QuotaExceeded,
                format!("grant {id} allows {} rows a day; today's are used", limits.rows),
            ));
        }
        let take = want.clamp(0, left);
        c.local.rows += take;
        Ok(take)
    }

    /// Give back reserved rows that were not returned.
    pub(crate) fn release(&self, id: i64, day: &str, rows: i64) {
        if rows <= 0 {
            return;
        }
        if let Ok(mut counters) = self.counters.lock() {
            if let Some(c) = counters.get_mut(&(id, day.to_owned())) {
                c.local.rows -= rows;
            }
        }
    }

    /// The day's usage this node knows (the store's figure plus its own counts), if it counts
    /// the grant's day.
    pub(crate) fn usage(&self, id: i64, day: &str) -> Option<Usage> {
        self.counters.lock().ok()?.get(&(id, day.to_owned())).map(Counter::total)
    }

    /// Start a flush in the background when the last one is older than [`FLUSH_EVERY`].
    pub(crate) fn maybe_flush(self: &Arc<Self>, store: &DynStore, today: &str) {
        let due = self.last_flush.lock().is_ok_and(|t| t.elapsed() >= FLUSH_EVERY);
        if !due || self.flush_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let (me, store, today) = (Arc::clone(self), store.clone(), today.to_owned());
        tokio::spawn(async move {
            if let Err(e) = me.flush(&store, &today).await {
                tracing::error!(error = %e, "writing quota counts failed; retried at the next flush");
            }
            me.flush_started.store(false, Ordering::Release);
        });
    }

    /// Write every counter's unwritten counts to the store, and drop the counters of days
    /// before `today` once written.
    pub(crate) async fn flush(&self, store: &DynStore, today: &str) -> Result<()> {
        let _one = self.flushing.lock().await;
        if let Ok(mut t) = self.last_flush.lock() {
            *t = Instant::now();
        }
        let pending: Vec<((i64, String), Usage)> = {
            let counters = self.counters.lock().map_err(|_| poisoned())?;
            counters
                .iter()
                .map(|(k, c)| {
                    (k.clone(), Usage { calls: c.local.calls - c.written.calls, rows: c.local.rows - c.written.rows })
                })
                .collect()
        };
        let mut first_error = None;
        for ((id, day), d) in pending {
            let result = if d == Usage::default() {
                store.usage(id, &day).await
            } else {
                store.add_usage(id, &day, d.calls, d.rows).await
            };
            let mut counters = self.counters.lock().map_err(|_| poisoned())?;
            match result {
                Ok(total) => {
                    let Some(c) = counters.get_mut(&(id, day.clone())) else { continue };
                    c.written.calls += d.calls;
                    c.written.rows += d.rows;
                    // The store now holds our written counts and whatever the other nodes wrote.
                    c.base = Usage { calls: total.calls - c.written.calls, rows: total.rows - c.written.rows };
                    if day.as_str() < today && c.local == c.written {
                        counters.remove(&(id, day));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zs_meta::{MetaStore, SqliteStore};

    async fn store(dir: &std::path::Path) -> DynStore {
        let s = SqliteStore::open(&dir.join("m.db")).await.unwrap();
        s.migrate().await.unwrap();
        Arc::new(s)
    }

    #[tokio::test]
    async fn never_more_than_the_quota_and_written_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let q = Arc::new(Quotas::default());
        let limits = Limits { calls: 40, rows: 25 };
        // 64 concurrent callers asking one row each, twice: 40 calls let through, 25 rows.
        let mut tasks = Vec::new();
        for _ in 0..128 {
            let (q, store) = (Arc::clone(&q), store.clone());
            tasks.push(tokio::spawn(async move { q.reserve(&store, 7, "2026-12-01", limits, 1).await }));
        }
        let mut calls = 0;
        let mut rows = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(r) => {
                    calls += 1;
                    rows += r;
                }
                Err(e) => assert_eq!(e.code, ErrorCode::QuotaExceeded),
            }
        }
        assert_eq!((calls, rows), (25, 25), "rows ran out first; calls refused for rows still count");
        assert_eq!(q.usage(7, "2026-12-01"), Some(Usage { calls: 40, rows: 25 }));
        assert_eq!(store.usage(7, "2026-12-01").await.unwrap(), Usage::default(), "nothing written yet");
        // Reserved rows not returned go back.
        q.release(7, "2026-12-01", 5);
        assert_eq!(q.usage(7, "2026-12-01"), Some(Usage { calls: 40, rows: 20 }));

        q.flush(&store, "2026-12-01").await.unwrap();
        assert_eq!(store.usage(7, "2026-12-01").await.unwrap(), Usage { calls: 40, rows: 20 });
        q.flush(&store, "2026-12-01").await.unwrap();
        assert_eq!(store.usage(7, "2026-12-01").await.unwrap(), Usage { calls: 40, rows: 20 }, "written once");

        // Another node's counts come in with the next write; the old day goes once written.
        store.add_usage(8, "2026-12-02", 3, 3).await.unwrap();
        let limits = Limits { calls: 5, rows: 100 };
        assert_eq!(q.reserve(&store, 8, "2026-12-02", limits, 1).await.unwrap(), 1);
        store.add_usage(8, "2026-12-02", 1, 0).await.unwrap();
        q.flush(&store, "2026-12-02").await.unwrap();
        assert_eq!(q.usage(8, "2026-12-02"), Some(Usage { calls: 5, rows: 4 }));
        let e = q.reserve(&store, 8, "2026-12-02", limits, 1).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::QuotaExceeded);
        assert_eq!(q.usage(7, "2026-12-01"), None, "a past day written in full is dropped");
        assert_eq!(store.usage(8, "2026-12-02").await.unwrap(), Usage { calls: 5, rows: 4 });
    }
}
