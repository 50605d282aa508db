//! The versioned table: immutable Parquet files, one manifest per version, in a local folder or
//! an object store (see [`crate::store`]).

use std::collections::{BTreeMap, HashSet};

use crate::keys::{key_of, KeySet};
use crate::lock::WriterLock;
pub use crate::manifest::{CommitMode, DataFile, Manifest, VacuumReport, VersionInfo, MANIFEST_SCHEMA};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use time::OffsetDateTime;
use zs_types::clock::to_ms;
use zs_types::{Clock, SystemClock};

use crate::crypt::{EncryptingSink, Encryption};
use crate::error::{Result, TablesError};
use crate::object::{ObjectRoot, ObjectTable};
use crate::schema::TableSchema;
use crate::store::{Batches, Created, DataSink, LocalStore, Store, DATA_DIR, TMP_PREFIX, VERSIONS_DIR};
use zs_crypto::Keyring;
/// Rows per Parquet row group: bounds the writer's memory.
const ROW_GROUP_ROWS: usize = 131_072;
/// Rows per data file before the writer starts a new one.
const FILE_ROWS: u64 = 1_048_576;
/// Rows per batch when reading.
const READ_BATCH_ROWS: usize = 65_536;

/// Where resource tables live: folders under a local directory (the default) or prefixes in
/// an object store. Each table is named by its resource.
#[derive(Debug, Clone)]
pub enum TableRoot {
    /// `<dir>/<name>/`.
    Local(PathBuf),
    /// `<prefix>/<name>/` in a bucket.
    Object(ObjectRoot),
}

impl TableRoot {
    /// Open (creating it if needed) the table `name` with an injected clock.
    pub fn open(&self, name: &str, schema: TableSchema, clock: Arc<dyn Clock>) -> Result<Table> {
        match self {
            TableRoot::Local(dir) => Table::open_with_clock(dir.join(name), schema, clock),
            TableRoot::Object(root) => Table::open_object(root, name, schema, clock),
        }
    }

    /// Where the tables are, for messages (a folder or an `s3://` URL).
    pub fn location(&self) -> String {
        match self {
            TableRoot::Local(dir) => dir.display().to_string(),
            TableRoot::Object(root) => root.url().to_owned(),
        }
    }
}

pub(crate) enum Backend {
    Local(LocalStore),
    Object(ObjectTable),
}

impl Backend {
    pub(crate) fn store(&self) -> &dyn Store {
        match self {
            Backend::Local(s) => s,
            Backend::Object(s) => s,
        }
    }
}

/// A versioned table in a local folder or an object store. See the crate documentation for the
/// layout. Cloning is cheap and gives another handle on the same table.
#[derive(Clone)]
pub struct Table {
    pub(crate) backend: Arc<Backend>,
    schema: TableSchema,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) enc: Option<Encryption>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("location", &self.location()).finish_non_exhaustive()
    }
}

/// A data file of a table as an object-store object, for readers outside this crate (SQL).
pub struct ObjectFile {
    /// The store holding it.
    pub store: Arc<dyn object_store::ObjectStore>,
    /// The URL the store answers to, e.g. `s3://bucket` (register the store under it).
    pub store_url: String,
    /// Its key.
    pub path: object_store::path::Path,
}

impl ObjectFile {
    /// The file's full URL, e.g. `s3://bucket/prefix/table/data/….parquet`.
    pub fn url(&self) -> String {
        format!("{}/{}", self.store_url.trim_end_matches('/'), self.path)
    }
}

impl Table {
    /// Open (creating the folders if needed) a table with the system clock.
    pub fn open(dir: impl AsRef<Path>, schema: TableSchema) -> Result<Self> {
        Self::open_with_clock(dir, schema, Arc::new(SystemClock))
    }

    /// Open with an injected clock (commit times come from it).
    pub fn open_with_clock(dir: impl AsRef<Path>, schema: TableSchema, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = LocalStore::open(dir.as_ref().to_path_buf())?;
        Ok(Self { backend: Arc::new(Backend::Local(store)), schema, clock, enc: None })
    }

    /// Open the table `name` under an object store root (nothing is created until a commit).
    pub fn open_object(root: &ObjectRoot, name: &str, schema: TableSchema, clock: Arc<dyn Clock>) -> Result<Self> {
        Ok(Self { backend: Arc::new(Backend::Object(root.table(name)?)), schema, clock, enc: None })
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.backend.store()
    }

    /// Encrypt new data files under the current key of `scope` in `keyring` and decrypt
    /// encrypted files with its keys (files written in clear before stay readable).
    pub fn with_encryption(mut self, keyring: Arc<Keyring>, scope: &str) -> Self {
        self.enc = Some(Encryption { keyring, scope: scope.to_owned() });
        self
    }

    /// The keyring scope of an encrypted table.
    pub fn encryption_scope(&self) -> Option<&str> {
        self.enc.as_ref().map(|e| e.scope.as_str())
    }

    pub(crate) fn keyring(&self) -> Option<Arc<Keyring>> {
        self.enc.as_ref().map(|e| Arc::clone(&e.keyring))
    }

    fn scan_of(&self, files: Vec<String>) -> Scan {
        Scan { backend: Arc::clone(&self.backend), files: files.into_iter(), current: None, keyring: self.keyring() }
    }

    /// The table's schema.
    pub fn schema(&self) -> &TableSchema {
        &self.schema
    }

    /// Where the table is: its folder, or its `s3://bucket/prefix/name` URL. Also its identity
    /// (e.g. as a cache key).
    pub fn location(&self) -> &str {
        self.store().location()
    }

    /// The table's local folder; `None` for a table in an object store.
    pub fn local_dir(&self) -> Option<&Path> {
        self.store().local_dir()
    }

    /// A local folder for temporary files that belong with the table (its own folder, or the
    /// object store root's scratch folder).
    pub fn scratch_dir(&self) -> &Path {
        self.store().scratch_dir()
    }

    /// A data file of the table as an object-store object; `None` for a local table.
    pub fn object_file(&self, rel: &str) -> Option<ObjectFile> {
        match &*self.backend {
            Backend::Local(_) => None,
            Backend::Object(t) => {
                let (store, store_url, path) = t.object(rel);
                Some(ObjectFile { store, store_url, path })
            }
        }
    }

    /// Stream one data file of a version (a [`DataFile::path`] of its manifest) batch by batch.
    pub fn read_file(&self, rel: &str) -> Result<Scan> {
        self.check_not_destroyed()?;
        Ok(self.scan_of(vec![rel.to_owned()]))
    }

    /// Every readable manifest, by version. Damaged manifests are skipped (they are debris).
    pub(crate) fn manifests(&self) -> Result<BTreeMap<u64, Manifest>> {
        let mut out = BTreeMap::new();
        for (version, rel) in self.manifest_paths()? {
            if let Ok(m) = read_manifest(self.store(), &rel) {
                if m.version == version {
                    out.insert(version, m);
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn manifest_paths(&self) -> Result<Vec<(u64, String)>> {
        let mut out = Vec::new();
        for entry in self.store().list(VERSIONS_DIR)? {
            if entry.name == DESTROYED {
                return Err(self.destroyed_error());
            }
            if let Some(v) = entry.name.strip_suffix(".json").and_then(|s| s.parse::<u64>().ok()) {
                out.push((v, format!("{VERSIONS_DIR}/{}", entry.name)));
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The current version's manifest: the highest complete one.
    pub fn current(&self) -> Result<Option<Manifest>> {
        // Newest first, stopping at the first that parses: one read, not one per version (each
        // read is a request on an object store).
        for (version, rel) in self.manifest_paths()?.into_iter().rev() {
            if let Ok(m) = read_manifest(self.store(), &rel) {
                if m.version == version {
                    return Ok(Some(m));
                }
            }
        }
        Ok(None)
    }

    /// The manifest of a version, or the current one.
    pub fn manifest(&self, version: Option<u64>) -> Result<Option<Manifest>> {
        match version {
            None => self.current(),
            Some(v) => match read_manifest(self.store(), &manifest_rel(v)) {
                Ok(m) if m.version == v => Ok(Some(m)),
                _ => {
                    self.check_not_destroyed()?;
                    match self.store().read(&tombstone_rel(v)) {
                        Ok(_) => Err(TablesError::Destroyed(format!(
                            "version {v} of {} was destroyed (数据安全销毁) and can never be read again",
                            self.location()
                        ))),
                        Err(_) => Err(TablesError::VersionNotFound(v)),
                    }
                }
            },
        }
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
        let files: Vec<String> = match self.manifest(version)? {
            Some(m) => m.files.into_iter().map(|f| f.path).collect(),
            None => Vec::new(),
        };
        Ok(self.scan_of(files))
    }

    /// Batches of one data file of a version (a diff reads only the files two versions do not share).
    pub fn scan_file(&self, file: &DataFile) -> Scan {
        self.scan_of(vec![file.path.clone()])
    }

    /// Start a commit: takes the writer lock (local folder) until the transaction commits or is
    /// dropped. In an object store there is no lock: the commit's conditional manifest create
    /// decides between concurrent writers (see the crate documentation).
    pub fn begin(&self, mode: CommitMode, actor: &str, channel: &str) -> Result<WriteTxn<'_>> {
        let lock = self.store().writer_lock()?;
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
            first_file_at: None,
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
    ///
    /// In an object store, unreferenced data files are removed only once older than the store's
    /// debris grace, so a commit in progress (which holds no lock there) keeps its files.
    pub fn vacuum(&self, keep_versions: usize) -> Result<VacuumReport> {
        let store = self.store();
        let _lock = store.writer_lock()?;
        let mut report = VacuumReport::default();
        let good = self.manifests()?;
        let keep_from = good.len().saturating_sub(keep_versions.max(1));
        let kept: Vec<&Manifest> = good.values().skip(keep_from).collect();
        for (version, rel) in self.manifest_paths()? {
            match good.get(&version) {
                None => {
                    store.delete(&rel)?;
                    report.damaged_manifests_removed += 1;
                }
                Some(_) if !kept.iter().any(|m| m.version == version) => {
                    store.delete(&rel)?;
                    report.manifests_removed += 1;
                }
                Some(_) => {}
            }
        }
        let referenced: HashSet<&str> = kept.iter().flat_map(|m| m.files.iter().map(|f| f.path.as_str())).collect();
        let grace = store.debris_grace();
        let now = SystemTime::now();
        for sub in [DATA_DIR, VERSIONS_DIR] {
            for entry in store.list(sub)? {
                let rel = format!("{sub}/{}", entry.name);
                let old_enough = match (grace, entry.modified) {
                    (None, _) => true,
                    (Some(g), Some(m)) => now.duration_since(m).is_ok_and(|age| age >= g),
                    (Some(_), None) => false,
                };
                let debris = entry.name.starts_with(TMP_PREFIX)
                    || (sub == DATA_DIR && !referenced.contains(rel.as_str()) && old_enough);
                if debris {
                    store.delete(&rel)?;
                    report.files_removed += 1;
                }
            }
        }
        store.sync(DATA_DIR)?;
        store.sync(VERSIONS_DIR)?;
        tracing::info!(table = %self.location(), ?report, "table vacuumed");
        Ok(report)
    }
}

/// Batches of one version, read file by file (memory stays bounded by one batch and one file's
/// metadata).
pub struct Scan {
    backend: Arc<Backend>,
    files: std::vec::IntoIter<String>,
    current: Option<Batches>,
    keyring: Option<Arc<Keyring>>,
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
                    Some(r) => return Some(r),
                    None => self.current = None,
                }
            }
            let rel = self.files.next()?;
            match self.backend.store().open_batches(&rel, READ_BATCH_ROWS, self.keyring.as_deref()) {
                Ok(r) => self.current = Some(r),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

struct OpenFile {
    writer: ArrowWriter<Box<dyn DataSink>>,
    rows: u64,
}

/// One commit in progress. Rows go to new data files; nothing is visible until
/// [`WriteTxn::commit`] puts the manifest in place. Dropping it aborts the commit and removes its
/// files.
pub struct WriteTxn<'t> {
    table: &'t Table,
    _lock: Option<WriterLock>,
    mode: CommitMode,
    actor: String,
    channel: String,
    parent: Option<Manifest>,
    key_indices: Vec<usize>,
    keys: KeySet,
    writer: Option<OpenFile>,
    written: Vec<DataFile>,
    /// Finished data files of this commit (relative paths), removed if it aborts.
    temp_files: Vec<String>,
    /// When the commit's first data file was started (the object store age check).
    first_file_at: Option<Instant>,
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
                let file = self.table.store().new_data_file()?;
                let file = match &self.table.enc {
                    Some(enc) => EncryptingSink::wrap(file, enc)?,
                    None => file,
                };
                self.first_file_at.get_or_insert_with(Instant::now);
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_size(ROW_GROUP_ROWS)
                    .build();
                let writer = ArrowWriter::try_new(file, self.table.schema.arrow().clone(), Some(props))?;
                self.writer.insert(OpenFile { writer, rows: 0 })
            }
        };
        open.writer.write(batch)?;
        open.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Close the open data file: flush and make it durable under its final name (locally: fsync
    /// and rename; in an object store: complete the upload).
    fn finish_file(&mut self) -> Result<()> {
        let Some(open) = self.writer.take() else { return Ok(()) };
        let sink = open.writer.into_inner()?;
        let rel = sink.rel_path().to_owned();
        let bytes = sink.finish()?;
        self.temp_files.push(rel.clone());
        self.written.push(DataFile { path: rel, rows: open.rows, bytes });
        Ok(())
    }

    /// Parent files with the rows whose keys this commit names removed. Files without such rows are
    /// kept as they are; the others are rewritten (cost: one read and one write of each touched file).
    fn parent_files_without_keys(&mut self) -> Result<(Vec<DataFile>, u64)> {
        let parent_files = self.parent.as_ref().map(|m| m.files.clone()).unwrap_or_default();
        let mut kept = Vec::new();
        let mut removed = 0u64;
        for f in parent_files {
            let mut masks = Vec::new();
            let mut hits = 0u64;
            let mut buf = Vec::new();
            let keyring = self.table.keyring();
            for batch in self.table.store().open_batches(&f.path, READ_BATCH_ROWS, keyring.as_deref())? {
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
            for (batch, mask) in
                self.table.store().open_batches(&f.path, READ_BATCH_ROWS, keyring.as_deref())?.zip(masks)
            {
                let filtered = arrow_select::filter::filter_record_batch(&batch?, &mask)?;
                self.write_rows(&filtered)?;
            }
            self.finish_file()?;
        }
        Ok((kept, removed))
    }

    /// Make the commit visible: close the data files, then create the manifest. Locally it is
    /// written under a temporary name, fsynced, renamed to its version number and the folder
    /// fsynced; in an object store it is created with `If-None-Match: *`, and a version another
    /// writer created first fails the commit with [`TablesError::Conflict`].
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
        let store = self.table.store();
        store.sync(DATA_DIR)?;
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
        let rel = manifest_rel(version);
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| TablesError::Manifest { path: rel.clone().into(), message: e.to_string() })?;
        if let (Some(grace), Some(first)) = (store.debris_grace(), self.first_file_at) {
            // Vacuum may remove unreferenced files older than the grace; a commit this slow
            // could reference a removed file, so it gives up (its files are removed on drop).
            if first.elapsed() > grace / 2 {
                return Err(TablesError::Conflict(format!(
                    "the commit of version {version} of {} ran longer than half the debris grace ({} s); hand the data in again",
                    self.table.location(),
                    grace.as_secs()
                )));
            }
        }
        if store.create(&rel, &json)? == Created::Exists {
            return Err(TablesError::Conflict(format!(
                "version {version} of {} was committed by another writer first; nothing of this hand-in was kept, hand it in again",
                self.table.location()
            )));
        }
        // Committed: from here on the data files belong to the version, never to the abort path.
        self.temp_files.clear();
        store.sync(VERSIONS_DIR)?;
        let info = VersionInfo::from(&manifest);
        tracing::info!(table = %self.table.location(), version, rows, mode = ?self.mode, channel = %self.channel, "table version committed");
        Ok(info)
    }
}

impl Drop for WriteTxn<'_> {
    fn drop(&mut self) {
        // Aborted (or failed) commit: its files were never referenced; remove them now rather than
        // waiting for vacuum.
        self.writer = None;
        for rel in self.temp_files.drain(..) {
            let _ = self.table.store().delete(&rel);
        }
    }
}

/// The tombstone of the whole table (in `_versions/`, so every listing sees it).
pub(crate) const DESTROYED: &str = "destroyed.json";

/// The tombstone of one destroyed version, relative to the table.
pub(crate) fn tombstone_rel(version: u64) -> String {
    format!("{VERSIONS_DIR}/{version:020}.destroyed")
}

/// The manifest of `version`, relative to the table.
pub(crate) fn manifest_rel(version: u64) -> String {
    format!("{VERSIONS_DIR}/{version:020}.json")
}

fn read_manifest(store: &dyn Store, rel: &str) -> Result<Manifest> {
    let bytes = store.read(rel)?;
    let path = || PathBuf::from(format!("{}/{rel}", store.location()));
    let m: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| TablesError::Manifest { path: path(), message: e.to_string() })?;
    if m.schema != MANIFEST_SCHEMA {
        return Err(TablesError::Manifest { path: path(), message: format!("unknown schema '{}'", m.schema) });
    }
    Ok(m)
}
