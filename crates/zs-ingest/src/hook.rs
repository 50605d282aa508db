//! The hook later stages use to act on every committed version (governance runs its quality
//! checks here) without hand-in depending on them: a stage implements [`VersionHook`] and the
//! composition root registers it with [`crate::IngestService::set_version_hook`].

use std::sync::Arc;

use zs_catalog::Entry;
use zs_meta::resources::HandIn;
use zs_tables::Table;

/// Told about each version a hand-in committed, after its hand-in record is stored.
#[async_trait::async_trait]
pub trait VersionHook: Send + Sync + 'static {
    /// A check over the rows of a coming hand-in into `entry`'s `table`, run before they are
    /// written (rows it names are rejected); none by default.
    async fn row_gate(&self, _entry: &Entry, _table: &Table) -> Option<zs_tables::Gate> {
        None
    }

    /// A hand-in committed `hand_in.version` of `entry`'s `table`. Failures are the hook's to
    /// record: a hand-in that committed stays committed.
    async fn version_committed(&self, entry: &Entry, table: &Table, hand_in: &HandIn);
}

/// The registered hook, shared by every clone of the service.
#[derive(Clone, Default)]
pub(crate) struct HookSlot(Arc<std::sync::RwLock<Option<Arc<dyn VersionHook>>>>);

impl HookSlot {
    pub(crate) fn set(&self, hook: Arc<dyn VersionHook>) {
        if let Ok(mut g) = self.0.write() {
            *g = Some(hook);
        }
    }

    pub(crate) fn get(&self) -> Option<Arc<dyn VersionHook>> {
        self.0.read().ok().and_then(|g| g.clone())
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut g) = self.0.write() {
            *g = None;
        }
    }
}

/// Several hooks behind one: each is told, in order, about every committed version (governance
/// first, then sharing's change feed and subscriptions).
pub struct FanOutHook(pub Vec<Arc<dyn VersionHook>>);

#[async_trait::async_trait]
impl VersionHook for FanOutHook {
    /// The first hook's gate that has one.
    async fn row_gate(&self, entry: &Entry, table: &Table) -> Option<zs_tables::Gate> {
        for hook in &self.0 {
            if let Some(g) = hook.row_gate(entry, table).await {
                return Some(g);
            }
        }
        None
    }

    async fn version_committed(&self, entry: &Entry, table: &Table, hand_in: &HandIn) {
        for hook in &self.0 {
            hook.version_committed(entry, table, hand_in).await;
        }
    }
}
