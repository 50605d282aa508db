//! The current version of a table without reading its manifests on every call: they are read
//! again only when the `_versions` folder changed (a commit renames a manifest into it, vacuum
//! removes some), judged by the folder's modification time.
//!
//! File times are coarse (the kernel's tick), so a commit landing in the same tick as the read
//! would not move the time. A reading is therefore trusted only when the folder's time is at least
//! [`SETTLED`] in the past; until then every call reads the manifests (the few seconds after a
//! commit).

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::error::{Result, TablesError};
use crate::store::VERSIONS_DIR;
use crate::table::Table;

/// How old the folder's modification time must be before a reading is kept.
pub const SETTLED: Duration = Duration::from_secs(2);

/// The current version of one table, re-read only after its versions folder changed.
#[derive(Debug, Default)]
pub struct VersionWatch {
    seen: Mutex<Option<(SystemTime, Option<u64>)>>,
}

impl VersionWatch {
    /// A watch that has read nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The table's current version (`None`: no data yet), as [`Table::current`] would say.
    /// Tables in an object store have no folder time: their manifests are listed every call.
    pub fn current(&self, table: &Table) -> Result<Option<u64>> {
        let Some(dir) = table.local_dir().map(|d| d.join(VERSIONS_DIR)) else {
            return Ok(table.current()?.map(|m| m.version));
        };
        let changed = std::fs::metadata(&dir).and_then(|m| m.modified()).map_err(|e| TablesError::io(&dir, e))?;
        if let Ok(seen) = self.seen.lock() {
            if let Some((at, v)) = *seen {
                if at == changed {
                    return Ok(v);
                }
            }
        }
        let version = table.current()?.map(|m| m.version);
        let settled = SystemTime::now().duration_since(changed).is_ok_and(|age| age >= SETTLED);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = settled.then_some((changed, version));
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CommitMode, TableSchema};
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;
    use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};

    fn schema() -> TableSchema {
        let item = DataItem {
            name: "id".into(),
            label: "编号".into(),
            data_type: DataType::String,
            length: Some(10),
            key: true,
            element: None,
            security_level: SecurityLevel::L1,
            sharing: SharingKind::Unconditional,
            open: OpenKind::None,
        };
        TableSchema::from_items(&[item]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn commit(t: &Table, id: &str) -> u64 {
        let col: ArrayRef = Arc::new(StringArray::from(vec![id]));
        let b = RecordBatch::try_new(t.schema().arrow().clone(), vec![col]).unwrap_or_else(|e| panic!("{e}"));
        t.commit(CommitMode::Append, "t", "test", &[b]).unwrap_or_else(|e| panic!("{e}")).version
    }

    /// Set the versions folder's time well in the past, as if the last commit were long ago.
    fn age(t: &Table) {
        let dir = std::fs::File::open(t.local_dir().unwrap().join(VERSIONS_DIR)).unwrap_or_else(|e| panic!("{e}"));
        let past = SystemTime::now() - Duration::from_secs(3600);
        dir.set_modified(past).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn follows_every_commit_settled_or_not() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let t = Table::open(dir.path(), schema()).unwrap_or_else(|e| panic!("{e}"));
        let w = VersionWatch::new();
        assert_eq!(w.current(&t).ok(), Some(None), "no data yet");
        let v1 = commit(&t, "a");
        assert_eq!(w.current(&t).ok(), Some(Some(v1)), "a fresh commit is seen at once");
        let v2 = commit(&t, "b");
        assert_eq!(w.current(&t).ok(), Some(Some(v2)));
        // Settled: the reading is kept, and a later commit moves the folder's time again.
        age(&t);
        assert_eq!(w.current(&t).ok(), Some(Some(v2)));
        assert!(w.seen.lock().is_ok_and(|s| s.is_some()), "a settled reading is kept");
        let v3 = commit(&t, "c");
        assert_eq!(w.current(&t).ok(), Some(Some(v3)), "a commit after a kept reading is seen");
        assert_eq!(t.current().ok().flatten().map(|m| m.version), Some(v3));
    }
}
