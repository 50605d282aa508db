//! The manifest of a version and the records derived from it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zs_types::clock::from_ms;

/// Version tag of the manifest JSON.
pub const MANIFEST_SCHEMA: &str = "zhengshu.table.manifest/v1";

/// How a commit combines its rows with the parent version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Add the rows to the parent's rows.
    Append,
    /// The rows are the whole new content.
    Replace,
    /// Rows replace the parent's rows with the same key; other rows are added.
    Upsert,
    /// The rows' keys name parent rows to delete; no rows are added.
    DeleteByKey,
}

/// One data file of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    /// Path relative to the table folder, e.g. `data/0190….parquet`.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// The manifest of one version: everything needed to read it, and who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// Version number, from 1.
    pub version: u64,
    /// The version it was built on.
    pub parent: Option<u64>,
    /// The data files; the version's rows are their concatenation.
    pub files: Vec<DataFile>,
    /// Total rows.
    pub rows: u64,
    /// Rows written by this commit.
    pub rows_added: u64,
    /// Parent rows this commit removed (replaced, upserted over or deleted).
    pub rows_removed: u64,
    /// Commit time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Who handed the data in.
    pub actor: String,
    /// Hand-in channel (upload, push, pull, …).
    pub channel: String,
    /// How the rows were combined.
    pub mode: CommitMode,
}

/// A line of a table's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// Version number.
    pub version: u64,
    /// The version it was built on.
    pub parent: Option<u64>,
    /// Total rows.
    pub rows: u64,
    /// Rows written by the commit.
    pub rows_added: u64,
    /// Parent rows removed by the commit.
    pub rows_removed: u64,
    /// Who handed the data in.
    pub actor: String,
    /// Hand-in channel.
    pub channel: String,
    /// How the rows were combined.
    pub mode: CommitMode,
    /// Commit time.
    pub created_at: OffsetDateTime,
}

impl From<&Manifest> for VersionInfo {
    fn from(m: &Manifest) -> Self {
        Self {
            version: m.version,
            parent: m.parent,
            rows: m.rows,
            rows_added: m.rows_added,
            rows_removed: m.rows_removed,
            actor: m.actor.clone(),
            channel: m.channel.clone(),
            mode: m.mode,
            created_at: from_ms(m.created_at_ms),
        }
    }
}

/// What [`crate::Table::vacuum`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VacuumReport {
    /// Manifests of versions older than the kept ones.
    pub manifests_removed: usize,
    /// Damaged manifests (unreadable, e.g. truncated by a crash outside the protocol).
    pub damaged_manifests_removed: usize,
    /// Data files no kept version references, and temporary files of interrupted commits.
    pub files_removed: usize,
}
