//! Secure destruction (数据安全销毁) of a table or one of its versions, and the key ids its
//! files use (for key rotation and for deciding which keys a destruction may shred).
//!
//! A destroyed version leaves a tombstone `_versions/<version>.destroyed`; a destroyed table
//! leaves `_versions/destroyed.json`, written **first** (the commit point of the destruction),
//! so a crash half-way leaves a table that refuses every read and write, and destroying it
//! again removes what is left. Reads of a destroyed version or table fail with
//! [`TablesError::Destroyed`], never with "not found" or as an empty table.
//!
//! Deleting a file does not overwrite its blocks (nor its copies in snapshots and backups):
//! what makes destroyed data unreadable is shredding the data key that encrypted it, which the
//! caller does with the keyring and the key store.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;
use zs_crypto::stream::HEADER_LEN;
use zs_crypto::FileCipher;

use crate::error::{Result, TablesError};
use crate::store::{DATA_DIR, VERSIONS_DIR};
use crate::table::{manifest_rel, tombstone_rel, Table, DESTROYED};

/// What a destruction removed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DestroyReport {
    /// Versions destroyed.
    pub versions: Vec<u64>,
    /// Rows the destroyed versions held.
    pub rows: u64,
    /// Data files deleted (relative paths).
    pub files_deleted: Vec<String>,
    /// Bytes of the deleted files as stored.
    pub bytes_deleted: u64,
    /// Files of a destroyed version kept because a remaining version still uses them (their rows
    /// belong to that version too).
    pub files_shared: Vec<String>,
    /// Data key ids the deleted files were encrypted under (hex).
    pub keys_of_deleted_files: Vec<String>,
}

impl Table {
    /// The error of a destroyed table.
    pub(crate) fn destroyed_error(&self) -> TablesError {
        TablesError::Destroyed(format!(
            "the data of {} was destroyed (数据安全销毁) and can never be read again",
            self.location()
        ))
    }

    /// Fail if the whole table was destroyed.
    pub(crate) fn check_not_destroyed(&self) -> Result<()> {
        match self.store().read(&format!("{VERSIONS_DIR}/{DESTROYED}")) {
            Ok(_) => Err(self.destroyed_error()),
            Err(_) => Ok(()),
        }
    }

    /// Whether the whole table was destroyed.
    pub fn is_destroyed(&self) -> bool {
        self.check_not_destroyed().is_err()
    }

    /// The data key id a data file is encrypted under (hex), or `None` for a plain file.
    pub fn file_key_id(&self, rel: &str) -> Result<Option<String>> {
        let head = self.store().read_head(rel, HEADER_LEN as u64)?;
        if !zs_crypto::is_encrypted(&head) {
            return Ok(None);
        }
        Ok(Some(hex::encode(FileCipher::key_id_of(&head)?)))
    }

    /// The data key ids the files of every remaining version use (hex). A retired key absent
    /// from this set encrypts nothing any more and may be shredded.
    pub fn key_ids_in_use(&self) -> Result<BTreeSet<String>> {
        let mut files = BTreeSet::new();
        for m in self.manifests()?.values() {
            files.extend(m.files.iter().map(|f| f.path.clone()));
        }
        let mut ids = BTreeSet::new();
        for f in files {
            if let Some(id) = self.file_key_id(&f)? {
                ids.insert(id);
            }
        }
        Ok(ids)
    }

    /// Destroy one version that is not the current one: its tombstone goes in, its manifest
    /// and every data file no remaining version uses are deleted. The current version cannot
    /// be destroyed this way (hand in a replacement first, or destroy the table): the next
    /// commit would otherwise reuse its number.
    pub fn destroy_version(&self, version: u64) -> Result<DestroyReport> {
        let store = self.store();
        let _lock = store.writer_lock()?;
        let manifests = self.manifests()?;
        let Some(m) = manifests.get(&version) else {
            // Destroyed already, or never there: say which.
            return self.manifest(Some(version)).map(|_| DestroyReport::default());
        };
        if manifests.keys().next_back() == Some(&version) {
            return Err(TablesError::Conflict(format!(
                "version {version} is the current version of {}; hand in a replacement first, or destroy the whole resource",
                self.location()
            )));
        }
        let shared: HashSet<&str> = manifests
            .iter()
            .filter(|(v, _)| **v != version)
            .flat_map(|(_, m)| m.files.iter().map(|f| f.path.as_str()))
            .collect();
        let tombstone = serde_json::json!({
            "version": version,
            "rows": m.rows,
            "destroyed_at_ms": zs_types::clock::to_ms(self.clock.now()),
        });
        store.create(&tombstone_rel(version), tombstone.to_string().as_bytes())?;
        store.delete(&manifest_rel(version))?;
        store.sync(VERSIONS_DIR)?;
        let mut report = DestroyReport { versions: vec![version], rows: m.rows, ..DestroyReport::default() };
        let mut keys = BTreeSet::new();
        for f in &m.files {
            if shared.contains(f.path.as_str()) {
                report.files_shared.push(f.path.clone());
                continue;
            }
            if let Ok(Some(id)) = self.file_key_id(&f.path) {
                keys.insert(id);
            }
            store.delete(&f.path)?;
            report.bytes_deleted += f.bytes;
            report.files_deleted.push(f.path.clone());
        }
        store.sync(DATA_DIR)?;
        report.keys_of_deleted_files = keys.into_iter().collect();
        tracing::info!(table = %self.location(), version, files = report.files_deleted.len(), "table version destroyed");
        Ok(report)
    }

    /// Destroy the whole table: the tombstone first, then every manifest and data file. Safe to
    /// run again after a crash (it finishes the job).
    pub fn destroy_all(&self) -> Result<DestroyReport> {
        let store = self.store();
        let _lock = store.writer_lock()?;
        // Read what there is before the tombstone hides it.
        let manifests = self.manifests().unwrap_or_default();
        let tombstone = serde_json::json!({ "destroyed_at_ms": zs_types::clock::to_ms(self.clock.now()) });
        if !self.is_destroyed() {
            store.create(&format!("{VERSIONS_DIR}/{DESTROYED}"), tombstone.to_string().as_bytes())?;
            store.sync(VERSIONS_DIR)?;
        }
        let mut report = DestroyReport {
            versions: manifests.keys().copied().collect(),
            rows: manifests.values().next_back().map_or(0, |m| m.rows),
            ..DestroyReport::default()
        };
        let mut keys = BTreeSet::new();
        for entry in store.list(DATA_DIR)? {
            let rel = format!("{DATA_DIR}/{}", entry.name);
            if let Ok(Some(id)) = self.file_key_id(&rel) {
                keys.insert(id);
            }
            let bytes = manifests.values().flat_map(|m| m.files.iter()).find(|f| f.path == rel).map_or(0, |f| f.bytes);
            store.delete(&rel)?;
            report.bytes_deleted += bytes;
            report.files_deleted.push(rel);
        }
        for entry in store.list(VERSIONS_DIR)? {
            if entry.name != DESTROYED {
                store.delete(&format!("{VERSIONS_DIR}/{}", entry.name))?;
            }
        }
        store.sync(DATA_DIR)?;
        store.sync(VERSIONS_DIR)?;
        report.keys_of_deleted_files = keys.into_iter().collect();
        tracing::info!(table = %self.location(), files = report.files_deleted.len(), "table destroyed");
        Ok(report)
    }
}
