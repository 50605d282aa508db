//! Encrypted data files: a table opened with a keyring writes each data file in the ZSEF format
//! of `zs-crypto` (SM4-GCM or AES-256-GCM segments of 64 KiB) under its scope's current data
//! key, and reads any file by ranges that decrypt only the segments they cover, so row groups
//! are still read one at a time (locally and by ranged GETs). A file is recognised by its first
//! bytes: files written before encryption was switched on stay readable as plain Parquet.
//!
//! SQL (DataFusion) reads files through an `object_store`; [`DecryptingStore`] is a read-only
//! store over the table's own that serves plaintext ranges and sizes, so scans keep their
//! projection and predicate push-down.

use std::io::{Read, Write};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{
    GetOptions, GetRange, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use parquet::file::reader::{ChunkReader, Length};
use zs_crypto::stream::{plain_len, HEADER_LEN};
use zs_crypto::{CryptoError, EncryptingWriter, FileCipher, Keyring, PlainReader, StoredBytes};

use crate::error::{Result, TablesError};
use crate::store::DataSink;

/// A table's encryption: the keyring and the scope whose current key encrypts new files.
#[derive(Clone)]
pub(crate) struct Encryption {
    pub keyring: Arc<Keyring>,
    pub scope: String,
}

impl std::fmt::Debug for Encryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryption").field("scope", &self.scope).finish_non_exhaustive()
    }
}

impl From<CryptoError> for TablesError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Destroyed(m) => TablesError::Destroyed(format!("the data was destroyed (key {m} shredded)")),
            other => TablesError::Encryption(other.to_string()),
        }
    }
}

/// A data file sink that encrypts what the Parquet writer gives it.
pub(crate) struct EncryptingSink {
    writer: Option<EncryptingWriter<Box<dyn DataSink>>>,
    rel: String,
}

impl EncryptingSink {
    /// Encrypt into `inner` under the current key of `enc`'s scope.
    pub(crate) fn wrap(inner: Box<dyn DataSink>, enc: &Encryption) -> Result<Box<dyn DataSink>> {
        let key = enc.keyring.current(&enc.scope).ok_or_else(|| {
            TablesError::Encryption(format!("no data key for {}: it must be created before data is written", enc.scope))
        })?;
        let rel = inner.rel_path().to_owned();
        Ok(Box::new(Self { writer: Some(EncryptingWriter::new(inner, &key)), rel }))
    }
}

impl Write for EncryptingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.writer {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("data file already finished")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Segments are sealed as they fill; the last only at finish.
        Ok(())
    }
}

impl DataSink for EncryptingSink {
    fn rel_path(&self) -> &str {
        &self.rel
    }

    fn finish(mut self: Box<Self>) -> Result<u64> {
        let Some(w) = self.writer.take() else { return Err(TablesError::Internal("data file finished twice".into())) };
        let (inner, _) = w.finish().map_err(|e| TablesError::Encryption(e.to_string()))?;
        inner.finish()
    }
}

/// A local encrypted file as Parquet's random-access input: plaintext offsets and length.
pub(crate) struct PlainFile(Arc<PlainReader<std::fs::File>>);

impl PlainFile {
    /// Open an encrypted local file of `stored_len` bytes.
    pub(crate) fn open(file: std::fs::File, stored_len: u64, keyring: &Keyring) -> Result<Self> {
        Ok(Self(Arc::new(PlainReader::open(file, stored_len, keyring)?)))
    }
}

impl Length for PlainFile {
    fn len(&self) -> u64 {
        self.0.plain_len()
    }
}

impl ChunkReader for PlainFile {
    type T = SegmentCursor;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(SegmentCursor { reader: Arc::clone(&self.0), pos: start, buf: Bytes::new() })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self.0.read(start, start + length as u64).map_err(parquet_err)?;
        if bytes.len() != length {
            return Err(parquet::errors::ParquetError::EOF(format!("{length} bytes at {start} past the end")));
        }
        Ok(Bytes::from(bytes))
    }
}

/// Sequential plaintext from an offset, decrypted a segment at a time.
pub(crate) struct SegmentCursor {
    reader: Arc<PlainReader<std::fs::File>>,
    pos: u64,
    buf: Bytes,
}

impl Read for SegmentCursor {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.buf.is_empty() {
            const CHUNK: u64 = 1 << 16;
            let end = (self.pos - self.pos % CHUNK + CHUNK).min(self.reader.plain_len());
            if self.pos >= end {
                return Ok(0);
            }
            self.buf = Bytes::from(self.reader.read(self.pos, end).map_err(std::io::Error::from)?);
            self.pos = end;
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        bytes::Buf::advance(&mut self.buf, n);
        Ok(n)
    }
}

fn parquet_err(e: CryptoError) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::External(Box::new(e))
}

/// Stored bytes of an encrypted file, read from any source by a closure (the object store's
/// ranged GETs).
pub(crate) struct RangeFn<F: Fn(u64, u64) -> Result<Bytes>>(pub F);

impl<F: Fn(u64, u64) -> Result<Bytes>> StoredBytes for RangeFn<F> {
    fn read_at(&self, start: u64, end: u64) -> zs_crypto::Result<Vec<u8>> {
        (self.0)(start, end).map(|b| b.to_vec()).map_err(|e| match e {
            TablesError::Destroyed(m) => CryptoError::Destroyed(m),
            other => CryptoError::Io(other.to_string()),
        })
    }
}

/// A read-only object store over `inner` serving encrypted files as their plaintext (sizes,
/// ranges) and plain files as they are. Writes are refused.
#[derive(Debug)]
pub struct DecryptingStore {
    inner: Arc<dyn ObjectStore>,
    keyring: Arc<Keyring>,
}

impl DecryptingStore {
    /// Decrypt what `inner` holds with keys from `keyring`.
    pub fn new(inner: Arc<dyn ObjectStore>, keyring: Arc<Keyring>) -> Self {
        Self { inner, keyring }
    }

    /// The header of an encrypted object, or `None` for a plain one.
    async fn header(&self, location: &ObjectPath, size: u64) -> object_store::Result<Option<Vec<u8>>> {
        if size < HEADER_LEN as u64 {
            return Ok(None);
        }
        let h = self.inner.get_range(location, 0..HEADER_LEN as u64).await?;
        Ok(zs_crypto::is_encrypted(&h).then(|| h.to_vec()))
    }

    async fn plain_meta(&self, mut meta: ObjectMeta) -> object_store::Result<ObjectMeta> {
        if let Some(h) = self.header(&meta.location, meta.size).await? {
            meta.size = plain_len(&h, meta.size).map_err(generic)?;
        }
        Ok(meta)
    }
}

fn generic(e: CryptoError) -> object_store::Error {
    object_store::Error::Generic { store: "zhengshu-decrypt", source: Box::new(e) }
}

fn read_only() -> object_store::Error {
    object_store::Error::NotSupported { source: "the decrypting view of a table is read-only".into() }
}

impl std::fmt::Display for DecryptingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Decrypting({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for DecryptingStore {
    async fn put_opts(&self, _: &ObjectPath, _: PutPayload, _: PutOptions) -> object_store::Result<PutResult> {
        Err(read_only())
    }

    async fn put_multipart_opts(
        &self,
        _: &ObjectPath,
        _: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(read_only())
    }

    async fn get_opts(&self, location: &ObjectPath, options: GetOptions) -> object_store::Result<GetResult> {
        let stored = self.inner.head(location).await?;
        let Some(header) = self.header(location, stored.size).await? else {
            return self.inner.get_opts(location, options).await;
        };
        let cipher = FileCipher::open(&header, &self.keyring).map_err(generic)?;
        let (_, plain) = cipher.layout(stored.size).map_err(generic)?;
        let range: Range<u64> = match &options.range {
            None => 0..plain,
            Some(GetRange::Bounded(r)) => r.start..r.end.min(plain),
            Some(GetRange::Offset(o)) => *o..plain,
            Some(GetRange::Suffix(n)) => plain.saturating_sub(*n)..plain,
        };
        if range.start > range.end || (range.start >= plain && plain > 0) {
            return Err(object_store::Error::Generic {
                store: "zhengshu-decrypt",
                source: format!("range {range:?} outside the {plain} bytes of {location}").into(),
            });
        }
        let mut meta = stored.clone();
        meta.size = plain;
        let bytes = if options.head || range.is_empty() {
            Bytes::new()
        } else {
            let (s, e) = cipher.stored_range(range.start, range.end, stored.size).map_err(generic)?;
            let raw = self.inner.get_range(location, s..e).await?;
            Bytes::from(cipher.decrypt_range(&raw, range.start, range.end, stored.size).map_err(generic)?)
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(futures::stream::once(async move { Ok(bytes) }).boxed()),
            meta,
            range,
            attributes: Default::default(),
        })
    }

    async fn head(&self, location: &ObjectPath) -> object_store::Result<ObjectMeta> {
        let meta = self.inner.head(location).await?;
        self.plain_meta(meta).await
    }

    async fn delete(&self, _: &ObjectPath) -> object_store::Result<()> {
        Err(read_only())
    }

    fn list(&self, prefix: Option<&ObjectPath>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let this = Arc::new(Self { inner: Arc::clone(&self.inner), keyring: Arc::clone(&self.keyring) });
        self.inner
            .list(prefix)
            .then(move |m| {
                let this = Arc::clone(&this);
                async move { this.plain_meta(m?).await }
            })
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&ObjectPath>) -> object_store::Result<ListResult> {
        let mut listed = self.inner.list_with_delimiter(prefix).await?;
        let mut objects = Vec::with_capacity(listed.objects.len());
        for m in listed.objects {
            objects.push(self.plain_meta(m).await?);
        }
        listed.objects = objects;
        Ok(listed)
    }

    async fn copy(&self, _: &ObjectPath, _: &ObjectPath) -> object_store::Result<()> {
        Err(read_only())
    }

    async fn copy_if_not_exists(&self, _: &ObjectPath, _: &ObjectPath) -> object_store::Result<()> {
        Err(read_only())
    }
}
