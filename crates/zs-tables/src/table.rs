//! The versioned table on a local folder: immutable Parquet files, one manifest per version.

use std::collections::{BTreeMap, HashSet};

use crate::keys::{key_of, KeySet};
use crate::lock::WriterLock;
pub use crate::manifest::{CommitMode, DataFile, Manifest, VacuumReport, VersionInfo, MANIFEST_SCHEMA};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use time::OffsetDateTime;
use zs_types::clock::to_ms;
use zs_types::{Clock, SystemClock};

use crate::error::{Result, TablesError};
use crate::schema::TableSchema;

const VERSIONS_DIR: &str = "_versions";
const DATA_DIR: &str = "data";
const TMP_PREFIX: &str = ".tmp-";
/// Rows per Parquet row group: bounds the writer's memory.
const ROW_GROUP_ROWS: usize = 131_072;
/// Rows per data file before the writer starts a new one.
const FILE_ROWS: u64 = 1_048_576;
/// Rows per batch when reading.
const READ_BATCH_ROWS: usize = 65_536;

/// A versioned table in a local folder. See the crate documentation for the layout.
pub struct Table {
    dir: PathBuf,
    schema: TableSchema,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Table {
    /// Open (creating the folders if needed) a table with the system clock.
    pub fn open(dir: impl AsRef<Path>, schema: TableSchema) -> Result<Self> {
        Self::open_with_clock(dir, schema, Arc::new(SystemClock))
    }

    /// Open with an injected clock (commit times come from it).
    pub fn open_with_clock(dir: impl AsRef<Path>, schema: TableSchema, clock: Arc<dyn Clock>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        for sub in [VERSIONS_DIR, DATA_DIR] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(|e| TablesError::io(&p, e))?;
        }
        Ok(Self { dir, schema, clock })
    }

    /// The table's schema.
    pub fn schema(&self) -> &TableSchema {
        &self.schema
    }

    /// The table's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every readable manifest, by version. Damaged manifests are skipped (they are debris).
    fn manifests(&self) -> Result<BTreeMap<u64, Manifest>> {
        let mut out = BTreeMap::new();
        for (version, path) in self.manifest_paths()? {
            if let Ok(m) = read_manifest(&path) {
                if m.version == version {
                    out.insert(version, m);
                }
            }
        }
        Ok(out)
    }

    fn manifest_paths(&self) -> Result<Vec<(u64, PathBuf)>> {
        let dir = self.dir.join(VERSIONS_DIR);
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| TablesError::io(&dir, e))? {
            let entry = entry.map_err(|e| TablesError::io(&dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(v) = name.strip_suffix(".json").and_then(|s| s.parse::<u64>().ok()) {
                out.push((v, entry.path()));
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The current version's manifest: the highest complete one.
    pub fn current(&self) -> Result<Option<Manifest>> {
        Ok(self.manifests()?.into_values().next_back())
    }

    /// The manifest of a version, or the current one.
    pub fn manifest(&self, version: Option<u64>) -> Result<Option<Manifest>> {
        match version {
            None => self.current(),
            Some(v) => {
                let path = self.manifest_path(v);
                match read_manifest(&path) {
                    Ok(m) if m.version == v => Ok(Some(m)),
                    _ => Err(TablesError::VersionNotFound(v)),
                }
            }
        }
    }

    fn manifest_path(&self, version: u64) -> PathBuf {
        self.dir.join(VERSIONS_DIR).join(format!("{version:020}.json"))
    }

    /// The versions, oldest first.
    pub fn history(&self) -> Result<Vec<VersionInfo>> {
        Ok(self.manifests()?.values().map(VersionInfo::from).collect())
    }

    /// The version current at time `t`: the latest committed at or before it.
    pub fn as_of_time(&self, t: OffsetDateTime) -> Result<Option<u64>> {
        let t = to_ms(t);
        Ok(self.manifests()?.values().filter(|m| m.created_at_ms <= t).map(|m| m.version).next_back())
    }

    /// Stream a version (the current one with `None`) batch by batch; an empty table yields nothing.
    pub fn scan(&self, version: Option<u64>) -> Result<Scan> {
        let files = match self.manifest(version)? {
            Some(m) => m.files.into_iter().map(|f| self.dir.join(f.path)).collect(),
            None => Vec::new(),
        };
        Ok(Scan { files: files.into_iter(), current: None })
    }

    /// Batches of one data file of a version (a diff reads only the files two versions do not share).
    pub fn scan_file(&self, file: &DataFile) -> Scan {
        Scan { files: vec![self.dir.join(&file.path)].into_iter(), current: None }
    }

    /// Start a commit: takes the writer lock until the transaction commits or is dropped.
    pub fn begin(&self, mode: CommitMode, actor: &str, channel: &str) -> Result<WriteTxn<'_>> {
        let lock = WriterLock::acquire(&self.dir)?;
        let key_indices = self.schema.key_indices();
        if matches!(mode, CommitMode::Upsert | CommitMode::DeleteByKey) && key_indices.is_empty() {
            return Err(TablesError::Schema(format!("{mode:?} needs a key, and the resource has none")));
        }
        let parent = self.current()?;
        Ok(WriteTxn {
            table: self,
            _lock: lock,
            mode,
            actor: actor.to_owned(),
            channel: channel.to_owned(),
            parent,
            key_indices,
            keys: KeySet::new(),
            writer: None,
            written: Vec::new(),
            temp_files: Vec::new(),
            rows_added: 0,
            rows_seen: 0,
        })
    }

    /// Commit one set of batches in one go (a convenience over [`Table::begin`]).
    pub fn commit(&self, mode: CommitMode, actor: &str, channel: &str, batches: &[RecordBatch]) -> Result<VersionInfo> {
        let mut txn = self.begin(mode, actor, channel)?;
        for b in batches {
            txn.write(b)?;
        }
        txn.commit()
    }

    /// Remove versions older than the newest `keep_versions` (at least one is always kept),
    /// damaged manifests, temporary files and data files no kept version references.
    pub fn vacuum(&self, keep_versions: usize) -> Result<VacuumReport> {
        let _lock = WriterLock::acquire(&self.dir)?;
        let mut report = VacuumReport::default();
        let good = self.manifests()?;
        let keep_from = good.len().saturating_sub(keep_versions.max(1));
        let kept: Vec<&Manifest> = good.values().skip(keep_from).collect();
        for (version, path) in self.manifest_paths()? {
            match good.get(&version) {
                None => {
                    remove(&path)?;
                    report.damaged_manifests_removed += 1;
                }
                Some(_) if !kept.iter().any(|m| m.version == version) => {
                    remove(&path)?;
                    report.manifests_removed += 1;
                }
                Some(_) => {}
            }
        }
        let referenced: HashSet<&str> = kept.iter().flat_map(|m| m.files.iter().map(|f| f.path.as_str())).collect();
        for sub in [DATA_DIR, VERSIONS_DIR] {
            let dir = self.dir.join(sub);
            for entry in fs::read_dir(&dir).map_err(|e| TablesError::io(&dir, e))? {
                let entry = entry.map_err(|e| TablesError::io(&dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = format!("{sub}/{name}");
                let debris = name.starts_with(TMP_PREFIX) || (sub == DATA_DIR && !referenced.contains(rel.as_str()));
                if debris {
                    remove(&entry.path())?;
                    report.files_removed += 1;
                }
            }
        }
        sync_dir(&self.dir.join(DATA_DIR))?;
        sync_dir(&self.dir.join(VERSIONS_DIR))?;
        tracing::info!(dir = %self.dir.display(), ?report, "table vacuumed");
        Ok(report)
    }
}

/// Batches of one version, read file by file (memory stays bounded by one batch and one file's
/// metadata).
pub struct Scan {
    files: std::vec::IntoIter<PathBuf>,
    current: Option<ParquetRecordBatchReader>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan").finish_non_exhaustive()
    }
}

impl Iterator for Scan {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next() {
                    Some(r) => return Some(r.map_err(TablesError::from)),
                    None => self.current = None,
                }
            }
            let path = self.files.next()?;
            match open_reader(&path) {
                Ok(r) => self.current = Some(r),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

fn open_reader(path: &Path) -> Result<ParquetRecordBatchReader> {
    let file = File::open(path).map_err(|e| TablesError::io(path, e))?;
    Ok(ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(READ_BATCH_ROWS).build()?)
}

struct OpenFile {
    writer: ArrowWriter<File>,
    temp: PathBuf,
    rows: u64,
}

/// One commit in progress. Rows go to new data files under temporary names; nothing is visible
/// until [`WriteTxn::commit`] renames the manifest into place. Dropping it aborts the commit and
/// removes its files.
pub struct WriteTxn<'t> {
    table: &'t Table,
    _lock: WriterLock,
    mode: CommitMode,
    actor: String,
    channel: String,
    parent: Option<Manifest>,
    key_indices: Vec<usize>,
    keys: KeySet,
    writer: Option<OpenFile>,
    written: Vec<DataFile>,
    temp_files: Vec<PathBuf>,
    rows_added: u64,
    rows_seen: u64,
}

impl std::fmt::Debug for WriteTxn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn")
            .field("mode", &self.mode)
            .field("rows_added", &self.rows_added)
            .finish_non_exhaustive()
    }
}

impl WriteTxn<'_> {
    /// Add a batch (its schema must be the table's). For [`CommitMode::DeleteByKey`] only the key
    /// columns are used.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let expected = self.table.schema.arrow();
        if batch.schema().fields() != expected.fields() {
            return Err(TablesError::Schema("the batch's columns differ from the table's".into()));
        }
        if matches!(self.mode, CommitMode::Upsert | CommitMode::DeleteByKey) {
            let cols: Vec<&ArrayRef> = self.key_indices.iter().map(|&i| batch.column(i)).collect();
            let mut buf = Vec::new();
            for row in 0..batch.num_rows() {
                key_of(&cols, row, &mut buf)?;
                if !self.keys.insert(&buf) {
                    return Err(TablesError::DuplicateKey { row: self.rows_seen + row as u64 + 1 });
                }
            }
        }
        self.rows_seen += batch.num_rows() as u64;
        if self.mode == CommitMode::DeleteByKey {
            return Ok(());
        }
        self.write_rows(batch)?;
        self.rows_added += batch.num_rows() as u64;
        Ok(())
    }

    fn write_rows(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.writer.as_ref().is_some_and(|w| w.rows >= FILE_ROWS) {
            self.finish_file()?;
        }
        let open = match &mut self.writer {
            Some(w) => w,
            None => {
                let temp = self.table.dir.join(DATA_DIR).join(format!("{TMP_PREFIX}{}.parquet", uuid::Uuid::now_v7()));
                self.temp_files.push(temp.clone());
                let file = File::create(&temp).map_err(|e| TablesError::io(&temp, e))?;
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_size(ROW_GROUP_ROWS)
                    .build();
                let writer = ArrowWriter::try_new(file, self.table.schema.arrow().clone(), Some(props))?;
                self.writer.insert(OpenFile { writer, temp, rows: 0 })
            }
        };
        open.writer.write(batch)?;
        open.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Close the open data file: flush, fsync, rename to its final name.
    fn finish_file(&mut self) -> Result<()> {
        let Some(open) = self.writer.take() else { return Ok(()) };
        let file = open.writer.into_inner()?;
        file.sync_all().map_err(|e| TablesError::io(&open.temp, e))?;
        let bytes = file.metadata().map_err(|e| TablesError::io(&open.temp, e))?.len();
        drop(file);
        let name = open.temp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let final_name = name.trim_start_matches(TMP_PREFIX).to_owned();
        let final_path = self.table.dir.join(DATA_DIR).join(&final_name);
        fs::rename(&open.temp, &final_path).map_err(|e| TablesError::io(&final_path, e))?;
        self.temp_files.retain(|p| p != &open.temp);
        self.temp_files.push(final_path);
        self.written.push(DataFile { path: format!("{DATA_DIR}/{final_name}"), rows: open.rows, bytes });
        Ok(())
    }

    /// Parent files with the rows whose keys this commit names removed. Files without such rows are
    /// kept as they are; the others are rewritten (cost: one read and one write of each touched file).
    fn parent_files_without_keys(&mut self) -> Result<(Vec<DataFile>, u64)> {
        let parent_files = self.parent.as_ref().map(|m| m.files.clone()).unwrap_or_default();
        let mut kept = Vec::new();
        let mut removed = 0u64;
        for f in parent_files {
            let path = self.table.dir.join(&f.path);
            let mut masks = Vec::new();
            let mut hits = 0u64;
            let mut buf = Vec::new();
            for batch in open_reader(&path)? {
                let batch = batch?;
                let cols: Vec<&ArrayRef> = self.key_indices.iter().map(|&i| batch.column(i)).collect();
                let mut keep = Vec::with_capacity(batch.num_rows());
                for row in 0..batch.num_rows() {
                    key_of(&cols, row, &mut buf)?;
                    let hit = self.keys.contains(&buf);
                    hits += u64::from(hit);
                    keep.push(!hit);
                }
                masks.push(BooleanArray::from(keep));
            }
            if hits == 0 {
                kept.push(f);
                continue;
            }
            removed += hits;
            // Rewrite the file without the hit rows, into this commit's own files.
            self.finish_file()?;
            for (batch, mask) in open_reader(&path)?.zip(masks) {
                let filtered = arrow_select::filter::filter_record_batch(&batch?, &mask)?;
                self.write_rows(&filtered)?;
            }
            self.finish_file()?;
        }
        Ok((kept, removed))
    }

    /// Make the commit visible: close the data files, then write the manifest under a temporary
    /// name, fsync it, rename it to its version number and fsync the folder.
    pub fn commit(mut self) -> Result<VersionInfo> {
        self.finish_file()?;
        let parent_rows = self.parent.as_ref().map_or(0, |m| m.rows);
        let (mut files, rows_removed) = match self.mode {
            CommitMode::Append => (self.parent.as_ref().map(|m| m.files.clone()).unwrap_or_default(), 0),
            CommitMode::Replace => (Vec::new(), parent_rows),
            CommitMode::Upsert | CommitMode::DeleteByKey => {
                let new_files = std::mem::take(&mut self.written);
                let (kept, removed) = self.parent_files_without_keys()?;
                let mut files = kept;
                files.append(&mut self.written);
                self.written = new_files;
                (files, removed)
            }
        };
        files.append(&mut self.written);
        sync_dir(&self.table.dir.join(DATA_DIR))?;
        let version = self.parent.as_ref().map_or(0, |m| m.version) + 1;
        let rows = files.iter().map(|f| f.rows).sum();
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.to_owned(),
            version,
            parent: self.parent.as_ref().map(|m| m.version),
            files,
            rows,
            rows_added: self.rows_added,
            rows_removed,
            created_at_ms: to_ms(self.table.clock.now()),
            actor: self.actor.clone(),
            channel: self.channel.clone(),
            mode: self.mode,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| TablesError::Manifest { path: self.table.manifest_path(version), message: e.to_string() })?;
        let versions = self.table.dir.join(VERSIONS_DIR);
        let temp = versions.join(format!("{TMP_PREFIX}{version:020}.json"));
        self.temp_files.push(temp.clone());
        write_synced(&temp, &json)?;
        let final_path = self.table.manifest_path(version);
        fs::rename(&temp, &final_path).map_err(|e| TablesError::io(&final_path, e))?;
        // Committed: from here on the data files belong to the version, never to the abort path.
        self.temp_files.clear();
        sync_dir(&versions)?;
        let info = VersionInfo::from(&manifest);
        tracing::info!(dir = %self.table.dir.display(), version, rows, mode = ?self.mode, channel = %self.channel, "table version committed");
        Ok(info)
    }
}

impl Drop for WriteTxn<'_> {
    fn drop(&mut self) {
        // Aborted (or failed) commit: its files were never referenced; remove them now rather than
        // waiting for vacuum.
        self.writer = None;
        for p in self.temp_files.drain(..) {
            let _ = fs::remove_file(p);
        }
    }
}

fn read_manifest(path: &Path) -> Result<Manifest> {
    let bytes = fs::read(path).map_err(|e| TablesError::io(path, e))?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| TablesError::Manifest { path: path.to_path_buf(), message: e.to_string() })?;
    if m.schema != MANIFEST_SCHEMA {
        return Err(TablesError::Manifest {
            path: path.to_path_buf(),
            message: format!("unknown schema '{}'", m.schema),
        });
    }
    Ok(m)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(|e| TablesError::io(path, e))?;
    f.write_all(bytes).map_err(|e| TablesError::io(path, e))?;
    f.sync_all().map_err(|e| TablesError::io(path, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| TablesError::io(dir, e))
}

fn remove(path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|e| TablesError::io(path, e))
}
