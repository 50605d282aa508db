//! What a call through a grant needs (the grant, its catalogue entry, the granted items, the row
//! restriction, the masking, the resource's table), read from the store once per grant and kept
//! in memory.
//!
//! # Staying right
//! - **Revocation** (this node) removes the grant's entry ([`GrantCache::forget`]) before the
//!   revoke call returns, so the next call reads the revoked grant; a load racing with it is not
//!   kept (the cache's generation moved).
//! - **Expiry** is checked against the clock on every call from the cached period.
//! - **Withdrawal (下架) and entry changes**: an entry is kept together with the catalogue's
//!   [`zs_catalog::CatalogService::generation`] read before it; any catalogue change on this
//!   node moves it and the next call reads the entry again.
//! - **Other nodes**: a revocation or catalogue change made on another node is seen when the
//!   entry is older than [`MAX_AGE`]; that is the multi-node bound. Live-source changes are seen
//!   within [`MAX_AGE`] too.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use zs_catalog::Entry;
use zs_meta::share::Grant;
use zs_tables::{Table, VersionWatch};

use crate::masking::Technique;
use crate::model::RowCondition;

/// How long a cached grant is used before it is read again even without a known change.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// A grant ready to serve, as read at `loaded`.
pub(crate) struct Serving {
    /// The grant.
    pub grant: Grant,
    /// Its catalogue entry.
    pub entry: Entry,
    /// Granted items still in the entry.
    pub granted: Vec<String>,
    /// The grant's row restriction.
    pub filter: Vec<RowCondition>,
    /// Masking per item.
    pub masking: BTreeMap<String, Technique>,
    /// Served from a live source (逻辑接入) rather than the table.
    pub live: bool,
    /// The resource's table (none for a live source).
    pub table: Option<Arc<Table>>,
    /// The table's current version, without reading manifests per call.
    pub version: VersionWatch,
    /// The catalogue generation read before the entry.
    pub catalog_generation: u64,
    /// When it was read.
    pub loaded: Instant,
}

/// Grants in use, by id.
#[derive(Default)]
pub(crate) struct GrantCache {
    map: RwLock<HashMap<i64, Arc<Serving>>>,
    /// Moves at every [`GrantCache::forget`]; a load started before it is not kept.
    generation: AtomicU64,
}

impl GrantCache {
    /// The cached grant, if it is still fresh for `catalog_generation`.
    pub(crate) fn get(&self, id: i64, catalog_generation: u64) -> Option<Arc<Serving>> {
        let s = self.map.read().ok()?.get(&id).cloned()?;
        (s.catalog_generation == catalog_generation && s.loaded.elapsed() < MAX_AGE).then_some(s)
    }

    /// The generation to pass to [`GrantCache::put`] for a load starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keep a loaded grant unless the cache was invalidated since the load started.
    pub(crate) fn put(&self, id: i64, started_at: u64, s: Arc<Serving>) {
        if let Ok(mut map) = self.map.write() {
            if self.generation.load(Ordering::Acquire) == started_at {
                map.insert(id, s);
            }
        }
    }

    /// Forget a grant (revoked, or changed).
    pub(crate) fn forget(&self, id: i64) {
        if let Ok(mut map) = self.map.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            map.remove(&id);
        }
    }
}
