//! A short-lived cache of authenticated principals by token hash, so that a busy API client
//! does not cost three store reads per request. Entries live at most [`PRINCIPAL_CACHE_TTL`];
//! the token's own expiry is checked on every hit; every change that could alter a principal
//! (credential revoked, account disabled, password changed or reset, logout) forgets the
//! account's entries at once, in this process. A generation counter stops a lookup that began
//! before such a change from caching what it read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use zs_types::UserId;

use crate::principal::Principal;

/// How long a cached principal is trusted without reading the store.
pub const PRINCIPAL_CACHE_TTL: time::Duration = time::Duration::seconds(5);
/// Most principals held.
pub const PRINCIPAL_CACHE_CAPACITY: usize = 10_000;

struct Entry {
    principal: Arc<Principal>,
    /// When the session or credential expires (`None`: never).
    expires_at: Option<OffsetDateTime>,
    cached_at: OffsetDateTime,
}

/// Hits and misses of the principal cache since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrincipalCacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests that read the store.
    pub misses: u64,
}

#[derive(Default)]
pub(crate) struct PrincipalCache {
    entries: Mutex<HashMap<String, Entry>>,
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl PrincipalCache {
    /// The cached principal of a token hash, if fresh and its token has not expired.
    pub(crate) fn get(&self, hash: &str, now: OffsetDateTime) -> Option<Arc<Principal>> {
        let mut entries = self.entries.lock().ok()?;
        let fresh = entries.get(hash).map(|e| {
            e.cached_at + PRINCIPAL_CACHE_TTL > now && e.cached_at <= now && e.expires_at.is_none_or(|x| x > now)
        });
        match fresh {
            Some(true) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                entries.get(hash).map(|e| Arc::clone(&e.principal))
            }
            Some(false) => {
                entries.remove(hash);
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// The generation to pass to [`PrincipalCache::insert`] (read before the store).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Cache a principal read from the store, unless something was forgotten since `generation`.
    pub(crate) fn insert(
        &self,
        hash: String,
        principal: Arc<Principal>,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
        generation: u64,
    ) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= PRINCIPAL_CACHE_CAPACITY {
            entries.retain(|_, e| e.cached_at + PRINCIPAL_CACHE_TTL > now);
            if entries.len() >= PRINCIPAL_CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(hash, Entry { principal, expires_at, cached_at: now });
    }

    /// Forget every cached principal of an account.
    pub(crate) fn forget_user(&self, user: UserId) {
        let Ok(mut entries) = self.entries.lock() else { return };
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, e| e.principal.user.id != user);
    }

    pub(crate) fn stats(&self) -> PrincipalCacheStats {
        PrincipalCacheStats { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed) }
    }
}
