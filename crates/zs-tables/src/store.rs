//! Where a table's files live: the small storage trait the table is written against, and its
//! local-folder implementation (the default). The S3-compatible one is in `object`.
//!
//! The trait names what the versioned format needs and nothing more: list the objects of a
//! sub-folder, read one, create a manifest as the commit point, delete one, write a data file
//! and stream a data file back batch by batch.

use std::fmt;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::crypt::PlainFile;
use crate::error::{Result, TablesError};
use crate::lock::WriterLock;
use zs_crypto::Keyring;

/// Sub-folder of the manifests.
pub(crate) const VERSIONS_DIR: &str = "_versions";
/// Sub-folder of the data files.
pub(crate) const DATA_DIR: &str = "data";
/// Prefix of a file being written (local folder only).
pub(crate) const TMP_PREFIX: &str = ".tmp-";

/// One object of a sub-folder.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    /// The name within the sub-folder (no `/`).
    pub name: String,
    /// When it was last written, where the store says.
    pub modified: Option<SystemTime>,
}

/// Batches read from one data file.
pub(crate) type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// A data file being written. Bytes go in through [`Write`]; [`DataSink::finish`] makes it
/// durable under its final name. Dropping an unfinished sink discards what it wrote.
pub(crate) trait DataSink: Write + Send {
    /// The final path relative to the table, e.g. `data/<uuid>.parquet`.
    fn rel_path(&self) -> &str;
    /// Make the file durable under its final name; returns its size in bytes.
    fn finish(self: Box<Self>) -> Result<u64>;
}

/// What creating a manifest found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Created {
    /// The object now exists with the given bytes: the commit point has passed.
    Done,
    /// An object of that name already existed (another writer committed that version).
    Exists,
}

/// The objects of one table, under one folder or one bucket prefix.
pub(crate) trait Store: Send + Sync + fmt::Debug {
    /// Where the table is, for messages and as the table's identity (a path or an `s3://` URL).
    fn location(&self) -> &str;
    /// The table's local folder, when it has one.
    fn local_dir(&self) -> Option<&Path>;
    /// A local folder for temporary files (e.g. a key index's row file).
    fn scratch_dir(&self) -> &Path;
    /// Take the writer lock, where the store has one (see the crate documentation).
    fn writer_lock(&self) -> Result<Option<WriterLock>>;
    /// The objects directly under `sub`.
    fn list(&self, sub: &str) -> Result<Vec<Listed>>;
    /// The whole content of a (small) object.
    fn read(&self, rel: &str) -> Result<Vec<u8>>;
    /// The first `n` bytes of an object (fewer if it is shorter).
    fn read_head(&self, rel: &str, n: u64) -> Result<Vec<u8>>;
    /// Create `rel` holding `bytes` durably: the commit point of a version.
    fn create(&self, rel: &str, bytes: &[u8]) -> Result<Created>;
    /// Make the entries of `sub` durable (after renames or creations); a no-op on object stores.
    fn sync(&self, sub: &str) -> Result<()>;
    /// Remove an object.
    fn delete(&self, rel: &str) -> Result<()>;
    /// Start a new data file under `data/`.
    fn new_data_file(&self) -> Result<Box<dyn DataSink>>;
    /// Stream a data file batch by batch; an encrypted one is decrypted with keys from
    /// `keyring` (see the `crypt` module).
    fn open_batches(&self, rel: &str, batch_rows: usize, keyring: Option<&Keyring>) -> Result<Batches>;
    /// How old an unreferenced data file must be before `vacuum` removes it. `None`: at once
    /// (the writer lock keeps writers out while vacuum runs).
    fn debris_grace(&self) -> Option<Duration>;
}

/// A table in a local folder: files written under temporary names, fsynced and renamed.
#[derive(Debug)]
pub(crate) struct LocalStore {
    dir: PathBuf,
    location: String,
}

impl LocalStore {
    /// The table in `dir`, creating its folders if needed.
    pub(crate) fn open(dir: PathBuf) -> Result<Self> {
        for sub in [VERSIONS_DIR, DATA_DIR] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(|e| TablesError::io(&p, e))?;
        }
        let location = dir.display().to_string();
        Ok(Self { dir, location })
    }
}

impl Store for LocalStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn local_dir(&self) -> Option<&Path> {
        Some(&self.dir)
    }

    fn scratch_dir(&self) -> &Path {
        &self.dir
    }

    fn writer_lock(&self) -> Result<Option<WriterLock>> {
        WriterLock::acquire(&self.dir).map(Some)
    }

    fn list(&self, sub: &str) -> Result<Vec<Listed>> {
        let dir = self.dir.join(sub);
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| TablesError::io(&dir, e))? {
            let entry = entry.map_err(|e| TablesError::io(&dir, e))?;
            out.push(Listed { name: entry.file_name().to_string_lossy().into_owned(), modified: None });
        }
        Ok(out)
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>> {
        let path = self.dir.join(rel);
        fs::read(&path).map_err(|e| TablesError::io(&path, e))
    }

    fn read_head(&self, rel: &str, n: u64) -> Result<Vec<u8>> {
        use std::io::Read;
        let path = self.dir.join(rel);
        let mut out = Vec::new();
        File::open(&path).and_then(|f| f.take(n).read_to_end(&mut out)).map_err(|e| TablesError::io(&path, e))?;
        Ok(out)
    }

    /// Written under a temporary name, fsynced, renamed into place. Exclusivity comes from the
    /// writer lock held by the caller, so an existing name is never met here.
    fn create(&self, rel: &str, bytes: &[u8]) -> Result<Created> {
        let path = self.dir.join(rel);
        let (parent, name) = match (path.parent(), path.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => return Err(TablesError::Internal(format!("bad object name {rel}"))),
        };
        let temp = parent.join(format!("{TMP_PREFIX}{name}"));
        if let Err(e) = write_synced(&temp, bytes) {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        if let Err(e) = fs::rename(&temp, &path) {
            let _ = fs::remove_file(&temp);
            return Err(TablesError::io(&path, e));
        }
        Ok(Created::Done)
    }

    fn sync(&self, sub: &str) -> Result<()> {
        sync_dir(&self.dir.join(sub))
    }

    fn delete(&self, rel: &str) -> Result<()> {
        let path = self.dir.join(rel);
        fs::remove_file(&path).map_err(|e| TablesError::io(&path, e))
    }

    fn new_data_file(&self) -> Result<Box<dyn DataSink>> {
        let name = format!("{}.parquet", uuid::Uuid::now_v7());
        let temp = self.dir.join(DATA_DIR).join(format!("{TMP_PREFIX}{name}"));
        let file = File::create(&temp).map_err(|e| TablesError::io(&temp, e))?;
        Ok(Box::new(LocalSink {
            file: Some(file),
            temp,
            final_path: self.dir.join(DATA_DIR).join(&name),
            rel: format!("{DATA_DIR}/{name}"),
        }))
    }

    fn open_batches(&self, rel: &str, batch_rows: usize, keyring: Option<&Keyring>) -> Result<Batches> {
        let path = self.dir.join(rel);
        let file = File::open(&path).map_err(|e| TablesError::io(&path, e))?;
        let mut magic = [0u8; 4];
        let encrypted =
            std::os::unix::fs::FileExt::read_exact_at(&file, &mut magic, 0).is_ok() && zs_crypto::is_encrypted(&magic);
        if encrypted {
            let Some(keyring) = keyring else {
                return Err(TablesError::Encryption(format!(
                    "{} is encrypted and no keyring is loaded",
                    path.display()
                )));
            };
            let len = file.metadata().map_err(|e| TablesError::io(&path, e))?.len();
            let plain = PlainFile::open(file, len, keyring)?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(plain)?.with_batch_size(batch_rows).build()?;
            return Ok(Box::new(reader.map(|r| r.map_err(TablesError::from))));
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(batch_rows).build()?;
        Ok(Box::new(reader.map(|r| r.map_err(TablesError::from))))
    }

    fn debris_grace(&self) -> Option<Duration> {
        None
    }
}

/// A local data file under its temporary name until [`DataSink::finish`] fsyncs and renames it.
struct LocalSink {
    file: Option<File>,
    temp: PathBuf,
    final_path: PathBuf,
    rel: String,
}

impl Write for LocalSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("data file already finished")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl DataSink for LocalSink {
    fn rel_path(&self) -> &str {
        &self.rel
    }

    fn finish(mut self: Box<Self>) -> Result<u64> {
        let Some(file) = self.file.take() else { return Err(TablesError::Internal("data file finished twice".into())) };
        file.sync_all().map_err(|e| TablesError::io(&self.temp, e))?;
        let bytes = file.metadata().map_err(|e| TablesError::io(&self.temp, e))?.len();
        drop(file);
        fs::rename(&self.temp, &self.final_path).map_err(|e| TablesError::io(&self.final_path, e))?;
        // Renamed: the temporary name is gone, nothing for Drop to remove.
        self.temp = PathBuf::new();
        Ok(bytes)
    }
}

impl Drop for LocalSink {
    fn drop(&mut self) {
        self.file = None;
        if !self.temp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(|e| TablesError::io(path, e))?;
    f.write_all(bytes).map_err(|e| TablesError::io(path, e))?;
    f.sync_all().map_err(|e| TablesError::io(path, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| TablesError::io(dir, e))
}
