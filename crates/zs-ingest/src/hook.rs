//! The hook later stages use to act on every committed version (governance runs its quality
//! checks here) and on every secure destruction (sharing deletes the files it delivered)
//! without hand-in depending on them: a stage implements [`VersionHook`] and the composition
//! root registers it with [`crate::IngestService::set_version_hook`].

use std::collections::BTreeSet;
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

    /// `entry`'s data was destroyed (数据安全销毁): one version, or all of it when `version` is
    /// none. Delete the copies of it this stage keeps on the platform's disk, and name the data
    /// keys its remaining files of the resource still use (so they are not shredded). Runs after
    /// the table's files are deleted and before its keys are shredded.
    async fn data_destroyed(&self, _entry: &Entry, _version: Option<u64>) -> KeptFiles {
        KeptFiles::default()
    }
}

/// What a stage did with the files it keeps of a destroyed resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptFiles {
    /// Files deleted.
    pub deleted: usize,
    /// Bytes deleted, as stored.
    pub bytes: u64,
    /// Data key ids (hex) the stage's remaining files of the resource are encrypted under.
    pub keys_in_use: BTreeSet<String>,
    /// Files that could not be deleted (listed on the certificate as copies that may remain).
    pub not_deleted: Vec<String>,
}

impl KeptFiles {
    /// Add what another stage (or another folder) did.
    pub fn merge(&mut self, other: KeptFiles) {
        self.deleted += other.deleted;
        self.bytes += other.bytes;
        self.keys_in_use.extend(other.keys_in_use);
        self.not_deleted.extend(other.not_deleted);
    }
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

    async fn data_destroyed(&self, entry: &Entry, version: Option<u64>) -> KeptFiles {
        let mut all = KeptFiles::default();
        for hook in &self.0 {
            all.merge(hook.data_destroyed(entry, version).await);
        }
        all
    }
}
