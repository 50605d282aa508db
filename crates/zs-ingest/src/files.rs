//! Files kept beside a resource's table — uploads waiting for their hand-in (`<data>/uploads`),
//! rejected-row reports (`<data>/rejects`) and extracts delivered to consumers — encrypted at
//! rest under the resource's data key, in the same segmented format (ZSEF, `zs-crypto`) as its
//! data files. Shredding the key on destruction makes every copy of them unreadable.
//!
//! Writers take a [`FileKey`] (the resource's current key, or none when encryption is switched
//! off: files are then written in clear). Readers go through a [`FileOpener`], which tells an
//! encrypted file by its first bytes, so files written in clear before encryption was switched
//! on stay readable; the plaintext is a `Read + Seek` stream (zip-based formats such as xlsx
//! seek), decrypted one 64 KiB segment at a time.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zs_crypto::stream::HEADER_LEN;
use zs_crypto::{DataKey, EncryptingWriter, Keyring, PlainReader, PlainStream};
use zs_types::{Error, ErrorCode, Result};

use crate::hook::KeptFiles;
use crate::keys::crypto_error;
use crate::service::IngestService;

/// The key new files of one resource are encrypted under; none: encryption is switched off and
/// files are written in clear.
#[derive(Clone, Default)]
pub struct FileKey(Option<Arc<DataKey>>);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FileKey").field(&self.0.as_ref().map(|k| k.id_hex())).finish()
    }
}

impl FileKey {
    /// No key: files in clear.
    pub fn clear() -> Self {
        Self(None)
    }

    /// Files under this key's data key.
    pub fn of(key: Arc<DataKey>) -> Self {
        Self(Some(key))
    }

    /// Whether files are encrypted.
    pub fn encrypts(&self) -> bool {
        self.0.is_some()
    }

    /// Write through `inner`, encrypting when there is a key.
    pub fn writer<W: Write>(&self, inner: W) -> SealedWriter<W> {
        match &self.0 {
            Some(k) => SealedWriter::Sealed(EncryptingWriter::new(inner, k)),
            None => SealedWriter::Clear(inner),
        }
    }

    /// Create (or truncate) the file at `path` and write through it.
    pub fn create(&self, path: &Path) -> std::io::Result<SealedWriter<BufWriter<File>>> {
        Ok(self.writer(BufWriter::with_capacity(1 << 16, File::create(path)?)))
    }
}

/// A file being written, encrypted or in clear. [`SealedWriter::finish`] must be called: the
/// last segment of an encrypted file is sealed there (a file not finished fails to read).
#[derive(Debug)]
pub enum SealedWriter<W: Write> {
    /// Written as it comes (encryption switched off).
    Clear(W),
    /// Encrypted under a data key.
    Sealed(EncryptingWriter<W>),
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Clear(w) => w.write(buf),
            Self::Sealed(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Clear(w) => w.flush(),
            Self::Sealed(w) => w.flush(),
        }
    }
}

impl<W: Write> SealedWriter<W> {
    /// Seal the last segment, flush, and hand back the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        match self {
            Self::Clear(mut w) => {
                w.flush()?;
                Ok(w)
            }
            Self::Sealed(w) => w.finish().map(|(w, _)| w),
        }
    }
}

impl SealedWriter<Vec<u8>> {
    /// The bytes to store so far (taken out of the buffer), for writing them elsewhere
    /// (an async file).
    pub fn take(&mut self) -> Vec<u8> {
        match self {
            Self::Clear(w) => std::mem::take(w),
            Self::Sealed(w) => std::mem::take(w.get_mut()),
        }
    }
}

impl SealedWriter<BufWriter<File>> {
    /// Finish, flush and sync the file to disk.
    pub fn finish_and_sync(self) -> std::io::Result<()> {
        let file = self.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

/// Opens files written by a [`FileKey`]'s writer (or in clear before encryption was switched
/// on) for reading their plaintext.
#[derive(Clone, Default)]
pub struct FileOpener(Option<Arc<Keyring>>);

impl std::fmt::Debug for FileOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FileOpener").field(&self.0.is_some()).finish()
    }
}

impl FileOpener {
    /// An opener with the node's keyring (none: encryption is switched off; only clear files
    /// can be read).
    pub fn new(keyring: Option<Arc<Keyring>>) -> Self {
        Self(keyring)
    }

    /// Open a file's plaintext. A missing file is `not_found`; a file whose key was shredded
    /// (secure destruction) is `data_destroyed`.
    pub fn open(&self, path: &Path) -> Result<FileReader> {
        let mut file = File::open(path).map_err(|e| open_error(path, &e))?;
        let stored_len = file.metadata().map_err(|e| open_error(path, &e))?.len();
        let mut header = Vec::with_capacity(HEADER_LEN);
        (&mut file).take(HEADER_LEN as u64).read_to_end(&mut header).map_err(|e| open_error(path, &e))?;
        if header.len() < HEADER_LEN || !zs_crypto::is_encrypted(&header) {
            file.seek(SeekFrom::Start(0)).map_err(|e| open_error(path, &e))?;
            return Ok(FileReader::Clear { file, len: stored_len });
        }
        let keyring = self.0.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::Conflict,
                "the file is encrypted and encryption at rest is switched off (encryption = false); switch it on to read it",
            )
        })?;
        let reader = PlainReader::with_header(file, &header, stored_len, keyring).map_err(crypto_error)?;
        Ok(FileReader::Sealed(PlainStream::new(reader)))
    }

    /// The whole plaintext of a file.
    pub fn read_all(&self, path: &Path) -> Result<Vec<u8>> {
        let mut r = self.open(path)?;
        let mut out = Vec::with_capacity(usize::try_from(r.len()).unwrap_or(0));
        r.read_to_end(&mut out).map_err(|e| read_error(path, &e))?;
        Ok(out)
    }
}

fn open_error(path: &Path, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        return Error::not_found("file");
    }
    tracing::error!(error = %e, path = %path.display(), "opening a kept file");
    Error::internal("a kept file could not be read")
}

/// The error of a failed read of a kept file (a decryption failure says what it was).
pub fn read_error(path: &Path, e: &std::io::Error) -> Error {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<zs_crypto::CryptoError>()) {
        Some(c) => crypto_error(c.clone()),
        None => {
            tracing::error!(error = %e, path = %path.display(), "reading a kept file");
            Error::internal("a kept file could not be read")
        }
    }
}

/// The plaintext of a kept file: `Read + Seek`.
#[derive(Debug)]
pub enum FileReader {
    /// A file in clear.
    Clear {
        /// The file.
        file: File,
        /// Its length.
        len: u64,
    },
    /// An encrypted file, decrypted a segment at a time.
    Sealed(PlainStream<File>),
}

impl FileReader {
    /// The plaintext length.
    pub fn len(&self) -> u64 {
        match self {
            Self::Clear { len, .. } => *len,
            Self::Sealed(s) => s.plain_len(),
        }
    }

    /// Whether the plaintext is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the file was stored encrypted.
    pub fn was_encrypted(&self) -> bool {
        matches!(self, Self::Sealed(_))
    }
}

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Clear { file, .. } => file.read(buf),
            Self::Sealed(s) => s.read(buf),
        }
    }
}

impl Seek for FileReader {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Self::Clear { file, .. } => file.seek(pos),
            Self::Sealed(s) => s.seek(pos),
        }
    }
}

/// The data key id (hex) an encrypted file names in its header; none for a clear file.
pub fn key_id_of_file(path: &Path) -> Option<String> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    File::open(path).ok()?.take(HEADER_LEN as u64).read_to_end(&mut header).ok()?;
    let id = zs_crypto::FileCipher::key_id_of(&header).ok()?;
    let mut hex = String::with_capacity(2 * id.len());
    for b in id {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
    }
    Some(hex)
}

/// The data key ids the files in `dir` (not below) are encrypted under.
pub fn key_ids_in(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeSet::new() };
    entries.flatten().filter(|e| e.path().is_file()).filter_map(|e| key_id_of_file(&e.path())).collect()
}

/// Delete a file, counting it (a file already gone counts nothing).
pub fn delete_file(path: &Path) -> std::io::Result<KeptFiles> {
    let bytes = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeptFiles::default()),
        Err(e) => return Err(e),
    };
    match std::fs::remove_file(path) {
        Ok(()) => Ok(KeptFiles { deleted: 1, bytes, ..KeptFiles::default() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeptFiles::default()),
        Err(e) => Err(e),
    }
}

/// Delete a folder and every file in it, counting them.
pub fn delete_dir(dir: &Path) -> std::io::Result<KeptFiles> {
    let mut done = KeptFiles::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            done.merge(delete_dir(&path)?);
        } else {
            done.merge(delete_file(&path)?);
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(done),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(done),
        Err(e) => Err(e),
    }
}

impl IngestService {
    /// The key new files of a resource are encrypted under (its data key, made now if it has
    /// none yet); clear when encryption is switched off. A destroyed resource has none:
    /// `data_destroyed`.
    pub async fn file_key(&self, code: &str) -> Result<FileKey> {
        let Some(keys) = &self.keys else { return Ok(FileKey::clear()) };
        let scope = IngestService::key_scope(code);
        keys.ensure(&scope).await?;
        keys.keyring()
            .current(&scope)
            .map(FileKey::of)
            .ok_or_else(|| Error::internal(format!("no data key for {scope} after making one")))
    }

    /// Opens kept files (uploads, rejected rows, delivered extracts) with this node's keys.
    pub fn file_opener(&self) -> FileOpener {
        FileOpener::new(self.keys.as_ref().map(|k| Arc::clone(k.keyring())))
    }

    /// Where uploads and pulled rows of a resource wait for their hand-in.
    pub fn uploads_dir(&self, code: &str) -> PathBuf {
        self.data_dir.join("uploads").join(IngestService::key_scope(code))
    }

    /// Where the rejected rows of a resource's hand-ins are kept (relative to the data folder).
    pub(crate) fn rejects_rel_dir(code: &str) -> String {
        format!("rejects/{}", IngestService::key_scope(code))
    }

    /// Whether a resource's data was destroyed (its keys shredded, or its table's tombstone).
    pub fn is_destroyed(&self, entry: &zs_catalog::Entry) -> bool {
        let scope = IngestService::key_scope(&entry.code);
        if self.keys.as_ref().is_some_and(|k| k.keyring().is_destroyed(&scope)) {
            return true;
        }
        self.open_table(entry).is_ok_and(|t| t.is_destroyed())
    }

    /// The error for a kept file of `entry` that is gone: `data_destroyed` after a destruction,
    /// else `not_found` (`what` names it).
    pub fn gone_error(&self, entry: &zs_catalog::Entry, what: &str) -> Error {
        if self.is_destroyed(entry) {
            Error::new(
                ErrorCode::DataDestroyed,
                format!("the data of {} was destroyed (数据安全销毁): {what} can never be read again", entry.code),
            )
        } else {
            Error::not_found(what)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use zs_crypto::{Algorithm, LocalMasterKeys};

    fn ring() -> Arc<Keyring> {
        let r = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"7b".repeat(32)).unwrap()), Algorithm::Sm4Gcm);
        let (k, _) = r.generate("t").unwrap();
        r.install(k, true);
        Arc::new(r)
    }

    #[test]
    fn encrypted_and_clear_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let ring = ring();
        let plain: Vec<u8> = "姓名,张三丰\n".repeat(20_000).into_bytes();
        let sealed = dir.path().join("sealed");
        let mut w = FileKey::of(ring.current("t").unwrap()).create(&sealed).unwrap();
        w.write_all(&plain).unwrap();
        w.finish_and_sync().unwrap();
        let stored = std::fs::read(&sealed).unwrap();
        assert!(stored.starts_with(b"ZSEF"));
        assert!(!stored.windows("张三丰".len()).any(|x| x == "张三丰".as_bytes()));
        let clear = dir.path().join("clear");
        let mut w = FileKey::clear().create(&clear).unwrap();
        w.write_all(&plain).unwrap();
        w.finish_and_sync().unwrap();
        assert_eq!(std::fs::read(&clear).unwrap(), plain);
        let opener = FileOpener::new(Some(Arc::clone(&ring)));
        for p in [&sealed, &clear] {
            let mut r = opener.open(p).unwrap();
            assert_eq!(r.len(), plain.len() as u64);
            r.seek(SeekFrom::End(-3)).unwrap();
            r.seek(SeekFrom::Start(0)).unwrap();
            let mut back = Vec::new();
            r.read_to_end(&mut back).unwrap();
            assert_eq!(back, plain);
        }
        // Without keys only clear files open; a shredded key says so.
        assert_eq!(FileOpener::new(None).read_all(&clear).unwrap(), plain);
        assert_eq!(FileOpener::new(None).open(&sealed).unwrap_err().code, ErrorCode::Conflict);
        ring.shred("t");
        assert_eq!(opener.open(&sealed).unwrap_err().code, ErrorCode::DataDestroyed);
        assert_eq!(opener.open(&dir.path().join("missing")).unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn async_buffers_drain() {
        let ring = ring();
        let mut w = FileKey::of(ring.current("t").unwrap()).writer(Vec::new());
        let mut stored = Vec::new();
        for _ in 0..10 {
            w.write_all(&[7u8; 30_000]).unwrap();
            stored.extend(w.take());
        }
        stored.extend(w.finish().unwrap());
        let r = PlainReader::open(stored.as_slice(), stored.len() as u64, &ring).unwrap();
        assert_eq!(r.read_all().unwrap(), vec![7u8; 300_000]);
    }
}
