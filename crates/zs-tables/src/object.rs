//! Tables in an S3-compatible bucket, through the `object_store` crate.
//!
//! The layout under `<prefix>/<table>/` is the local one (`data/…parquet`, `_versions/….json`)
//! with no temporary names: a data file is uploaded straight to its final key (one PUT when
//! small, a multipart upload otherwise; an upload that never completes leaves no object), and
//! the manifest is created with `If-None-Match: *` (`PutMode::Create`): the commit point. Two
//! writers can never both create version N; the second gets [`TablesError::Conflict`].
//!
//! There is no writer lock object: the conditional create already makes the commit exclusive,
//! and a lease would need expiry, renewal and compare-and-swap to survive a crashed holder (S3
//! cannot tell whether a process is alive). The cost is that two writers racing on one table
//! both upload their data and one throws its work away (its files are deleted when the
//! transaction drops); hand-ins of one resource are queued one at a time anyway. What the lock
//! also did locally, keeping `vacuum` away from a commit in progress, is done by age: vacuum
//! only removes unreferenced data files older than the store's debris grace (default 24 hours),
//! and a commit refuses to create its manifest when its first data file is older than half that.
//!
//! The object store API is asynchronous; the table API is not. Calls run on one small
//! process-wide runtime ("zs-tables-io", two threads) and the calling thread waits, so a table
//! can be used from plain threads, `spawn_blocking` and the ingest writer thread alike.
//!
//! Reads fetch a data file's footer, then one row group at a time with a ranged GET of exactly
//! that row group's bytes: memory stays bounded by one row group (at most 131,072 rows).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::{ChunkReader, Length};

use crate::crypt::RangeFn;
use crate::error::{Result, TablesError};
use crate::lock::WriterLock;
use crate::store::{Batches, Created, DataSink, Listed, Store, DATA_DIR};
use zs_crypto::stream::HEADER_LEN;
use zs_crypto::{Keyring, PlainReader};

/// Default age an unreferenced data file must reach before `vacuum` removes it from a bucket.
pub const DEFAULT_DEBRIS_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Bytes handed to the uploader at a time.
const UPLOAD_CHUNK: usize = 1 << 20;
/// Size of one multipart upload part (S3's minimum); smaller files go up in one PUT. A data file
/// holds at most about a million rows, far below S3's 10,000 parts.
const PART_BYTES: usize = 5 << 20;
/// Bytes of a data file's tail read first (footer and, usually, the whole metadata).
const FOOTER_HINT: usize = 64 * 1024;

/// Where the tables of a bucket are: an S3-compatible bucket and a key prefix. Its `Debug`
/// output never shows the secret key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint URL of an S3-compatible service, e.g. `http://127.0.0.1:9000`; empty: AWS.
    pub endpoint: String,
    /// Region, e.g. `cn-northwest-1`; empty: `us-east-1` (what most S3-compatible servers take).
    pub region: String,
    /// Key prefix under which every table has its folder, e.g. `zhengshu/tables`.
    pub prefix: String,
    /// Allow a plain `http://` endpoint (a server on the same host or network).
    pub allow_http: bool,
    /// Access key id; empty: from the environment (`AWS_ACCESS_KEY_ID`, …).
    pub access_key_id: String,
    /// Secret access key; empty: from the environment (`AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &if self.secret_access_key.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// The tables of a bucket (or of a store given by the caller), each under `<prefix>/<name>/`.
#[derive(Clone)]
pub struct ObjectRoot {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
    grace: Duration,
    scratch: PathBuf,
}

impl std::fmt::Debug for ObjectRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectRoot").field("url", &self.url).field("grace", &self.grace).finish_non_exhaustive()
    }
}

impl ObjectRoot {
    /// Connect to an S3-compatible bucket. Credentials not given in `s` come from the usual
    /// `AWS_*` environment variables. Nothing is sent until a table is used.
    pub fn s3(s: &S3Settings) -> Result<Self> {
        if s.bucket.is_empty() {
            return Err(TablesError::Config("the S3 bucket is not set".into()));
        }
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&s.bucket)
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_allow_http(s.allow_http);
        b = b.with_region(if s.region.is_empty() { "us-east-1" } else { &s.region });
        if !s.endpoint.is_empty() {
            // An S3-compatible server: path-style requests (bucket in the path, not the host).
            b = b.with_endpoint(&s.endpoint).with_virtual_hosted_style_request(false);
        }
        if !s.access_key_id.is_empty() {
            b = b.with_access_key_id(&s.access_key_id).with_secret_access_key(&s.secret_access_key);
        }
        let store = b.build().map_err(|e| TablesError::Config(format!("S3 bucket {}: {e}", s.bucket)))?;
        let prefix = s.prefix.trim_matches('/').to_owned();
        let url = match prefix.as_str() {
            "" => format!("s3://{}", s.bucket),
            p => format!("s3://{}/{p}", s.bucket),
        };
        Ok(Self::new(Arc::new(store), &prefix, url))
    }

    /// Tables in any object store, under `prefix`. `url` names the store in messages and must be
    /// the URL the store is registered under for SQL (e.g. `s3://bucket/prefix`).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, url: String) -> Self {
        Self {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            url,
            grace: DEFAULT_DEBRIS_GRACE,
            scratch: std::env::temp_dir(),
        }
    }

    /// Age an unreferenced data file must reach before `vacuum` removes it (see the module
    /// documentation); commits refuse to create a manifest once their first data file is half
    /// that old.
    pub fn with_debris_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Local folder for temporary files (key index row files); default: the system temp dir.
    pub fn with_scratch_dir(mut self, dir: PathBuf) -> Self {
        self.scratch = dir;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The store's URL with the prefix, e.g. `s3://bucket/prefix`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The store's base URL without prefix (`s3://bucket`), under which it is registered for SQL.
    pub fn base_url(&self) -> String {
        match self.prefix.is_empty() {
            true => self.url.clone(),
            false => self.url.trim_end_matches(&format!("/{}", self.prefix)).to_owned(),
        }
    }

    pub(crate) fn table(&self, name: &str) -> Result<ObjectTable> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(TablesError::Config(format!("'{name}' cannot name a table folder")));
        }
        let base = match self.prefix.as_str() {
            "" => name.to_owned(),
            p => format!("{p}/{name}"),
        };
        Ok(ObjectTable {
            store: Arc::clone(&self.store),
            store_url: self.base_url(),
            location: format!("{}/{name}", self.url),
            base,
            grace: self.grace,
            scratch: self.scratch.clone(),
        })
    }
}

/// One table in an object store.
pub(crate) struct ObjectTable {
    store: Arc<dyn ObjectStore>,
    store_url: String,
    base: String,
    location: String,
    grace: Duration,
    scratch: PathBuf,
}

impl std::fmt::Debug for ObjectTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectTable").field("location", &self.location).finish_non_exhaustive()
    }
}

impl ObjectTable {
    fn key(&self, rel: &str) -> ObjectPath {
        ObjectPath::from(format!("{}/{rel}", self.base))
    }

    fn err(&self, rel: &str, e: object_store::Error) -> TablesError {
        TablesError::Object { location: format!("{}/{rel}", self.location), message: e.to_string() }
    }

    /// The store, its URL and the key of a data file, for readers outside this crate (SQL).
    pub(crate) fn object(&self, rel: &str) -> (Arc<dyn ObjectStore>, String, ObjectPath) {
        (Arc::clone(&self.store), self.store_url.clone(), self.key(rel))
    }
}

impl Store for ObjectTable {
    fn location(&self) -> &str {
        &self.location
    }

    fn local_dir(&self) -> Option<&Path> {
        None
    }

    fn scratch_dir(&self) -> &Path {
        &self.scratch
    }

    fn writer_lock(&self) -> Result<Option<WriterLock>> {
        Ok(None)
    }

    fn list(&self, sub: &str) -> Result<Vec<Listed>> {
        let prefix = self.key(sub);
        let listed = block_on(self.store.list_with_delimiter(Some(&prefix)))?.map_err(|e| self.err(sub, e))?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|o| {
                let name = o.location.filename()?.to_owned();
                Some(Listed { name, modified: Some(SystemTime::from(o.last_modified)) })
            })
            .collect())
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>> {
        let key = self.key(rel);
        let bytes = block_on(async { self.store.get(&key).await?.bytes().await })?.map_err(|e| self.err(rel, e))?;
        Ok(bytes.to_vec())
    }

    fn read_head(&self, rel: &str, n: u64) -> Result<Vec<u8>> {
        let key = self.key(rel);
        let size = block_on(self.store.head(&key))?.map_err(|e| self.err(rel, e))?.size;
        if size == 0 || n == 0 {
            return Ok(Vec::new());
        }
        let bytes = block_on(self.store.get_range(&key, 0..size.min(n)))?.map_err(|e| self.err(rel, e))?;
        Ok(bytes.to_vec())
    }

    fn create(&self, rel: &str, bytes: &[u8]) -> Result<Created> {
        let key = self.key(rel);
        let opts = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        let payload = PutPayload::from(bytes.to_vec());
        match block_on(self.store.put_opts(&key, payload, opts))? {
            Ok(_) => Ok(Created::Done),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                Ok(Created::Exists)
            }
            Err(e) => Err(self.err(rel, e)),
        }
    }

    fn sync(&self, _sub: &str) -> Result<()> {
        Ok(())
    }

    fn delete(&self, rel: &str) -> Result<()> {
        let key = self.key(rel);
        match block_on(self.store.delete(&key))? {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err(rel, e)),
        }
    }

    fn new_data_file(&self) -> Result<Box<dyn DataSink>> {
        let rel = format!("{DATA_DIR}/{}.parquet", uuid::Uuid::now_v7());
        let writer =
            BufWriter::with_capacity(Arc::clone(&self.store), self.key(&rel), PART_BYTES).with_max_concurrency(2);
        Ok(Box::new(ObjectSink {
            writer: Some(writer),
            pending: Vec::with_capacity(UPLOAD_CHUNK),
            bytes: 0,
            location: format!("{}/{rel}", self.location),
            rel,
        }))
    }

    fn open_batches(&self, rel: &str, batch_rows: usize, keyring: Option<&Keyring>) -> Result<Batches> {
        let key = self.key(rel);
        let size = block_on(self.store.head(&key))?.map_err(|e| self.err(rel, e))?.size;
        let mut remote = Remote {
            store: Arc::clone(&self.store),
            key,
            size,
            location: format!("{}/{rel}", self.location),
            plain: None,
        };
        if let Some(keyring) = keyring {
            // One small GET tells an encrypted file (its header) from a plain one.
            let head = remote.get_raw(0, size.min(HEADER_LEN as u64))?;
            if zs_crypto::is_encrypted(&head) {
                let raw = RawRemote {
                    store: Arc::clone(&remote.store),
                    key: remote.key.clone(),
                    location: remote.location.clone(),
                };
                let fetch: Box<dyn Fn(u64, u64) -> Result<Bytes> + Send + Sync> = Box::new(move |s, e| raw.get(s, e));
                let reader = PlainReader::with_header(RangeFn(fetch), &head, size, keyring)?;
                remote.size = reader.plain_len();
                remote.plain = Some(reader);
            }
        }
        let options = ArrowReaderOptions::new();
        let meta = ArrowReaderMetadata::load(&TailReader::new(&remote)?, options)?;
        Ok(Box::new(RowGroups { remote, meta, next: 0, batch_rows, current: None }))
    }

    fn debris_grace(&self) -> Option<Duration> {
        Some(self.grace)
    }
}

/// A data file uploaded straight to its final key. Bytes are passed to the uploader in 1 MiB
/// pieces; finishing completes the upload, dropping it unfinished aborts it.
struct ObjectSink {
    writer: Option<BufWriter>,
    pending: Vec<u8>,
    bytes: u64,
    rel: String,
    location: String,
}

impl ObjectSink {
    fn push(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.pending, Vec::with_capacity(UPLOAD_CHUNK)));
        let Some(w) = self.writer.as_mut() else { return Err(std::io::Error::other("data file already finished")) };
        block_on(w.put(chunk)).map_err(std::io::Error::other)?.map_err(std::io::Error::other)
    }
}

impl std::io::Write for ObjectSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.bytes += buf.len() as u64;
        if self.pending.len() >= UPLOAD_CHUNK {
            self.push()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl DataSink for ObjectSink {
    fn rel_path(&self) -> &str {
        &self.rel
    }

    fn finish(mut self: Box<Self>) -> Result<u64> {
        let location = self.location.clone();
        let io = |e: std::io::Error| TablesError::Object { location: location.clone(), message: e.to_string() };
        self.push().map_err(io)?;
        let Some(mut w) = self.writer.take() else {
            return Err(TablesError::Internal("data file finished twice".into()));
        };
        block_on(tokio::io::AsyncWriteExt::shutdown(&mut w))?.map_err(io)?;
        Ok(self.bytes)
    }
}

impl Drop for ObjectSink {
    fn drop(&mut self) {
        if let Some(mut w) = self.writer.take() {
            // Unfinished: abort the multipart upload so the bucket keeps no parts.
            if let Ok(Err(e)) = block_on(w.abort()) {
                tracing::warn!(location = %self.location, error = %e, "could not abort an upload");
            }
        }
    }
}

/// Ranged GETs of one object's stored bytes.
struct RawRemote {
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    location: String,
}

impl RawRemote {
    fn get(&self, start: u64, end: u64) -> Result<Bytes> {
        block_on(self.store.get_range(&self.key, start..end))?
            .map_err(|e| TablesError::Object { location: self.location.clone(), message: e.to_string() })
    }
}

type RemotePlain = PlainReader<RangeFn<Box<dyn Fn(u64, u64) -> Result<Bytes> + Send + Sync>>>;

/// A data file in the store: ranged GETs, of plaintext offsets when it is encrypted (`size` is
/// then the plaintext length).
struct Remote {
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    size: u64,
    location: String,
    plain: Option<RemotePlain>,
}

impl Remote {
    fn get_raw(&self, start: u64, end: u64) -> Result<Bytes> {
        block_on(self.store.get_range(&self.key, start..end))?
            .map_err(|e| TablesError::Object { location: self.location.clone(), message: e.to_string() })
    }

    fn get(&self, start: u64, end: u64) -> Result<Bytes> {
        match &self.plain {
            Some(p) => Ok(Bytes::from(p.read(start, end)?)),
            None => self.get_raw(start, end),
        }
    }
}

/// The tail of a remote file held in memory, for reading its metadata; anything before the
/// tail is fetched on demand (a metadata block larger than the hint).
struct TailReader<'r> {
    remote: &'r Remote,
    tail_start: u64,
    tail: Bytes,
}

impl<'r> TailReader<'r> {
    fn new(remote: &'r Remote) -> Result<Self> {
        let tail_start = remote.size.saturating_sub(FOOTER_HINT as u64);
        let tail = remote.get(tail_start, remote.size)?;
        Ok(Self { remote, tail_start, tail })
    }
}

impl Length for TailReader<'_> {
    fn len(&self) -> u64 {
        self.remote.size
    }
}

impl ChunkReader for TailReader<'_> {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let len = usize::try_from(self.remote.size.saturating_sub(start)).unwrap_or(usize::MAX);
        Ok(bytes::Buf::reader(self.get_bytes(start, len)?))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let end = start + length as u64;
        if start >= self.tail_start && end <= self.remote.size {
            let from = usize::try_from(start - self.tail_start).unwrap_or(usize::MAX);
            return Ok(self.tail.slice(from..from + length));
        }
        self.remote.get(start, end).map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
    }
}

/// One row group's bytes, addressed by file offsets.
struct RowGroupBytes {
    start: u64,
    bytes: Bytes,
    size: u64,
}

impl Length for RowGroupBytes {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for RowGroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let from = self.offset(start, 0)?;
        Ok(bytes::Buf::reader(self.bytes.slice(from..)))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let from = self.offset(start, length)?;
        Ok(self.bytes.slice(from..from + length))
    }
}

impl RowGroupBytes {
    fn offset(&self, start: u64, length: usize) -> parquet::errors::Result<usize> {
        let end = start + length as u64;
        if start < self.start || end > self.start + self.bytes.len() as u64 {
            return Err(parquet::errors::ParquetError::General(format!(
                "read of {start}..{end} outside the fetched row group"
            )));
        }
        usize::try_from(start - self.start).map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
    }
}

/// Batches of a remote file, fetched one row group at a time.
struct RowGroups {
    remote: Remote,
    meta: ArrowReaderMetadata,
    next: usize,
    batch_rows: usize,
    current: Option<parquet::arrow::arrow_reader::ParquetRecordBatchReader>,
}

impl RowGroups {
    fn open_next(&mut self) -> Result<bool> {
        let groups = self.meta.metadata().row_groups();
        let Some(group) = groups.get(self.next) else { return Ok(false) };
        let (mut start, mut end) = (u64::MAX, 0u64);
        for c in group.columns() {
            let (s, len) = c.byte_range();
            start = start.min(s);
            end = end.max(s + len);
        }
        let bytes = if start < end { self.remote.get(start, end)? } else { Bytes::new() };
        let input = RowGroupBytes { start: start.min(end), bytes, size: self.remote.size };
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(input, self.meta.clone())
            .with_row_groups(vec![self.next])
            .with_batch_size(self.batch_rows)
            .build()?;
        self.current = Some(reader);
        self.next += 1;
        Ok(true)
    }
}

impl Iterator for RowGroups {
    type Item = Result<arrow_array::RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = &mut self.current {
                match r.next() {
                    Some(b) => return Some(b.map_err(TablesError::from)),
                    None => self.current = None,
                }
            }
            match self.open_next() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The runtime object store calls run on.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("zs-tables-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| TablesError::Internal(format!("cannot start the object store runtime: {e}")))
}

/// Run `f` to completion on the calling thread, with the object store runtime's I/O and timers.
/// Safe to call from any thread, including one inside another runtime (it blocks that thread).
fn block_on<F: Future>(f: F) -> Result<F::Output> {
    let rt = runtime()?;
    let _context = rt.enter();
    Ok(futures::executor::block_on(f))
}
