//! Point lookups by key and paged listing over one table version ([`KeyIndex`]), and a
//! memory-bounded cache of them ([`KeyIndexCache`]) built lazily per (table, version).
//!
//! # Design
//! Building an index scans the version once and writes every row, in scan order, in a compact
//! row encoding to an **anonymous temporary file** in the table folder (`O_TMPFILE`: it has no
//! name, so a crash leaves nothing behind and vacuum never sees it). Rows are grouped in blocks
//! of [`BLOCK_ROWS`]; the process keeps only
//! - one byte offset per block (8 bytes per 16 rows), and
//! - a hash table of (row id, 32-bit fingerprint of the key's hash): 8 bytes per row, about
//!   10 bytes with the table's slack and control bytes. The table hashes entries by their
//!   fingerprint, so it can grow without the keys.
//!
//! A lookup hashes the key, finds the candidate row ids, reads the candidate's block with one
//! positioned read (served from the OS page cache once warm), decodes that row and compares its
//! key — so a fingerprint collision can never return the wrong row — and returns a one-row
//! `RecordBatch` in the table's schema. The row bytes live in the page cache, not in the process:
//! a 1,000,000-row population version costs 17 MB of process memory (the hash table rounds up
//! to a power of two), its temporary file 192 MB of disk; measured by
//! `cargo bench -p zs-tables --bench lookup`: built in about 3 s, a hit costs about 7.5 µs of
//! CPU, a miss about 1 µs.
//!
//! Listing ([`KeyIndex::list`]) walks rows in row-id order (the version's scan order, stable for
//! a version) from a cursor, applies a vectorised filter block by block, and returns the next
//! cursor; it stops after a bounded number of scanned rows so a selective filter cannot make
//! one page arbitrarily slow.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::DataType as ArrowType;
use std::io::{BufWriter, Write};

use crate::error::{Result, TablesError};
use crate::keys::key_of;
use crate::schema::TableSchema;
use crate::table::Table;
use crate::values::{encode_key, parse, Builder, Val};

/// Rows per block of the row file (one positioned read per lookup).
pub const BLOCK_ROWS: usize = 16;
/// Rows a [`KeyIndex::list`] call scans at most before it returns a (possibly short) page.
pub const MAX_SCAN_ROWS: usize = 65_536;

const TAG_NULL: u8 = 0;
const TAG_VALUE: u8 = 1;

/// A filter over a batch of rows: true keeps the row.
pub type RowFilter<'f> = &'f (dyn Fn(&RecordBatch) -> Result<BooleanArray> + Sync);

/// One page of a listing.
#[derive(Debug)]
pub struct Page {
    /// The rows, in row-id order, in the table's schema.
    pub rows: RecordBatch,
    /// Row id to continue from, or `None` at the end of the version.
    pub next: Option<u64>,
    /// Rows examined for this page.
    pub scanned: u64,
}

/// Figures of a built index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    /// Rows indexed.
    pub rows: u64,
    /// Process memory held (hash table and block offsets), bytes.
    pub memory_bytes: u64,
    /// Size of the temporary row file, bytes.
    pub file_bytes: u64,
    /// Build time, milliseconds.
    pub build_ms: u64,
}

/// Lookup by key and paged listing over one version of a table. See the module documentation.
pub struct KeyIndex {
    schema: TableSchema,
    version: Option<u64>,
    key_cols: Vec<usize>,
    file: File,
    /// Byte offset of each block, plus the end of the file.
    blocks: Vec<u64>,
    /// (row id, fingerprint) by the key's hash.
    table: hashbrown::HashTable<(u32, u32)>,
    hasher: ahash::RandomState,
    stats: IndexStats,
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIndex").field("version", &self.version).field("stats", &self.stats).finish_non_exhaustive()
    }
}

/// The 32 bits of the key's hash an entry keeps (its fingerprint).
fn fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// The table's hash of an entry, computed from its fingerprint alone so the table can grow
/// (rehash) without the keys: the fingerprint spread over 64 bits.
fn spread(fp: u32) -> u64 {
    u64::from(fp).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Encode one row of `batch` (every column) after a 4-byte length.
fn encode_row(batch: &RecordBatch, row: usize, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    for col in batch.columns() {
        if col.is_null(row) {
            out.push(TAG_NULL);
            continue;
        }
        out.push(TAG_VALUE);
        match col.data_type() {
            ArrowType::Utf8 => put_bytes(out, col.as_string::<i32>().value(row).as_bytes()),
            ArrowType::Binary => put_bytes(out, col.as_binary::<i32>().value(row)),
            ArrowType::Int64 => out.extend_from_slice(&col.as_primitive::<Int64Type>().value(row).to_le_bytes()),
            ArrowType::Decimal128(_, _) => {
                out.extend_from_slice(&col.as_primitive::<Decimal128Type>().value(row).to_le_bytes())
            }
            ArrowType::Date32 => out.extend_from_slice(&col.as_primitive::<Date32Type>().value(row).to_le_bytes()),
            ArrowType::Timestamp(_, _) => {
                out.extend_from_slice(&col.as_primitive::<TimestampMillisecondType>().value(row).to_le_bytes())
            }
            ArrowType::Boolean => out.push(u8::from(col.as_boolean().value(row))),
            other => return Err(TablesError::Schema(format!("{other} cannot be indexed"))),
        }
    }
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// A cursor over encoded bytes.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let s = self.b.get(self.at..self.at + n).ok_or_else(|| TablesError::Schema("damaged row file".into()))?;
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// Decode one encoded row (without its length) into values, in column order.
fn decode_row<'a>(types: &[ArrowType], bytes: &'a [u8], out: &mut Vec<Val<'a>>) -> Result<()> {
    out.clear();
    let mut r = Reader { b: bytes, at: 0 };
    for t in types {
        if r.take(1)?[0] == TAG_NULL {
            out.push(Val::Null);
            continue;
        }
        out.push(match t {
            ArrowType::Utf8 => {
                let n = r.u32()? as usize;
                Val::Str(std::str::from_utf8(r.take(n)?).map_err(|_| TablesError::Schema("damaged row file".into()))?)
            }
            ArrowType::Binary => {
                let n = r.u32()? as usize;
                Val::Bin(r.take(n)?.to_vec())
            }
            ArrowType::Int64 => Val::Int(i64::from_le_bytes(r.arr()?)),
            ArrowType::Decimal128(_, _) => Val::Dec(i128::from_le_bytes(r.arr()?)),
            ArrowType::Date32 => Val::Date(i32::from_le_bytes(r.arr()?)),
            ArrowType::Timestamp(_, _) => Val::Ts(i64::from_le_bytes(r.arr()?)),
            ArrowType::Boolean => Val::Bool(r.take(1)?[0] != 0),
            other => return Err(TablesError::Schema(format!("{other} cannot be indexed"))),
        });
    }
    Ok(())
}

impl KeyIndex {
    /// Build the index of `version` (the current one with `None`) of a table with a key.
    pub fn build(table: &Table, version: Option<u64>) -> Result<Self> {
        let started = Instant::now();
        let schema = table.schema().clone();
        let key_cols = schema.key_indices();
        if key_cols.is_empty() {
            return Err(TablesError::Schema("the resource has no key item to look rows up by".into()));
        }
        let version = match version {
            Some(v) => Some(v),
            None => table.current()?.map(|m| m.version),
        };
        let file = tempfile::tempfile_in(table.scratch_dir()).map_err(|e| TablesError::io(table.scratch_dir(), e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let hasher = ahash::RandomState::new();
        let mut hash_table: hashbrown::HashTable<(u32, u32)> = hashbrown::HashTable::new();
        let mut blocks = Vec::new();
        let mut offset = 0u64;
        let mut row_id = 0u64;
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut key = Vec::with_capacity(64);
        let scan = match version {
            Some(v) => table.scan(Some(v))?,
            None => table.scan(None)?,
        };
        for batch in scan {
            let batch = batch?;
            hash_table.reserve(batch.num_rows(), |&(_, fp)| spread(fp));
            let cols: Vec<&ArrayRef> = key_cols.iter().map(|&i| batch.column(i)).collect();
            for r in 0..batch.num_rows() {
                if (row_id as usize).is_multiple_of(BLOCK_ROWS) {
                    blocks.push(offset + buf.len() as u64);
                }
                encode_row(&batch, r, &mut buf)?;
                key_of(&cols, r, &mut key)?;
                let fp = fingerprint(hasher.hash_one(&key));
                let id = u32::try_from(row_id).map_err(|_| TablesError::Schema("too many rows to index".into()))?;
                hash_table.insert_unique(spread(fp), (id, fp), |&(_, fp)| spread(fp));
                row_id += 1;
            }
            out.write_all(&buf).map_err(|e| TablesError::io(table.scratch_dir(), e))?;
            offset += buf.len() as u64;
            buf.clear();
        }
        blocks.push(offset);
        let file = out.into_inner().map_err(|e| TablesError::io(table.scratch_dir(), e.into_error()))?;
        blocks.shrink_to_fit();
        hash_table.shrink_to_fit(|&(_, fp)| spread(fp));
        let memory_bytes = (hash_table.capacity() * (8 + 1) + blocks.capacity() * 8) as u64;
        let stats = IndexStats {
            rows: row_id,
            memory_bytes,
            file_bytes: offset,
            build_ms: started.elapsed().as_millis() as u64,
        };
        Ok(Self { schema, version, key_cols, file, blocks, table: hash_table, hasher, stats })
    }

    /// The version indexed (`None`: the table held no data).
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// Figures of the index.
    pub fn stats(&self) -> IndexStats {
        self.stats
    }

    /// Rows in the version.
    pub fn rows(&self) -> u64 {
        self.stats.rows
    }

    fn types(&self) -> Vec<ArrowType> {
        self.schema.arrow().fields().iter().map(|f| f.data_type().clone()).collect()
    }

    fn read_block(&self, block: usize, buf: &mut Vec<u8>) -> Result<()> {
        let (start, end) = (self.blocks[block], self.blocks[block + 1]);
        buf.resize((end - start) as usize, 0);
        self.file.read_exact_at(buf, start).map_err(|e| TablesError::Schema(format!("reading the row file: {e}")))
    }

    /// The encoded row `row` (without its length) within a block's bytes.
    fn row_in_block(block: &[u8], mut index: usize) -> Result<&[u8]> {
        let mut r = Reader { b: block, at: 0 };
        loop {
            let n = r.u32()? as usize;
            let bytes = r.take(n)?;
            if index == 0 {
                return Ok(bytes);
            }
            index -= 1;
        }
    }

    fn builders(&self, capacity: usize) -> Result<Vec<Builder>> {
        self.schema.columns().iter().map(|c| Builder::new(c, capacity)).collect()
    }

    fn finish(&self, builders: &mut [Builder]) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        Ok(RecordBatch::try_new(Arc::clone(self.schema.arrow()), arrays)?)
    }

    /// The row with this key (key values as text, one per key item in item order, parsed as the
    /// items' types), as a one-row batch; `None` if there is none. A value that does not parse as
    /// its item's type finds nothing.
    pub fn get(&self, key: &[&str]) -> Result<Option<RecordBatch>> {
        if key.len() != self.key_cols.len() {
            return Err(TablesError::Schema(format!("the key has {} items, not {}", self.key_cols.len(), key.len())));
        }
        let mut want = Vec::with_capacity(32);
        for (&i, raw) in self.key_cols.iter().zip(key) {
            match parse(&self.schema.columns()[i], raw) {
                Ok(Val::Null) | Err(_) => return Ok(None),
                Ok(v) => encode_key(&v, &mut want),
            }
        }
        self.get_encoded(&want)
    }

    fn get_encoded(&self, want: &[u8]) -> Result<Option<RecordBatch>> {
        let fp = fingerprint(self.hasher.hash_one(want));
        let types = self.types();
        let mut block = Vec::with_capacity(4096);
        let mut got = Vec::with_capacity(want.len());
        for &(id, f) in self.table.iter_hash(spread(fp)) {
            if f != fp {
                continue;
            }
            let mut vals = Vec::with_capacity(types.len());
            let id = id as usize;
            self.read_block(id / BLOCK_ROWS, &mut block)?;
            let bytes = Self::row_in_block(&block, id % BLOCK_ROWS)?;
            decode_row(&types, bytes, &mut vals)?;
            got.clear();
            for &k in &self.key_cols {
                encode_key(&vals[k], &mut got);
            }
            if got == want {
                let mut builders = self.builders(1)?;
                for (b, v) in builders.iter_mut().zip(vals.drain(..)) {
                    b.append(v);
                }
                return Ok(Some(self.finish(&mut builders)?));
            }
        }
        Ok(None)
    }

    /// Up to `limit` rows from row id `from` (0 to start; a page's `next` to continue) that pass
    /// `filter` (all rows with `None`), in row-id order. Stops early after [`MAX_SCAN_ROWS`]
    /// scanned rows: a short page with a `next` cursor is not the end.
    pub fn list(&self, from: u64, limit: usize, filter: Option<RowFilter<'_>>) -> Result<Page> {
        let types = self.types();
        let total = self.stats.rows;
        let mut pieces: Vec<RecordBatch> = Vec::new();
        let mut kept = 0usize;
        let mut at = from.min(total);
        let mut scanned = 0u64;
        let mut block = Vec::with_capacity(8192);
        // Blocks are decoded a few at a time so the filter runs vectorised.
        const CHUNK_BLOCKS: usize = 16;
        while at < total && kept < limit && (scanned as usize) < MAX_SCAN_ROWS {
            let first = at as usize;
            let end = ((first / BLOCK_ROWS + CHUNK_BLOCKS) * BLOCK_ROWS).min(total as usize);
            let mut builders = self.builders(end - first)?;
            for b in first / BLOCK_ROWS..end.div_ceil(BLOCK_ROWS) {
                self.read_block(b, &mut block)?;
                let mut r = Reader { b: &block, at: 0 };
                let mut vals = Vec::with_capacity(types.len());
                for i in b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(end) {
                    let n = r.u32()? as usize;
                    let bytes = r.take(n)?;
                    if i < first {
                        continue;
                    }
                    decode_row(&types, bytes, &mut vals)?;
                    for (b, v) in builders.iter_mut().zip(vals.drain(..)) {
                        b.append(v);
                    }
                }
            }
            let batch = self.finish(&mut builders)?;
            scanned += batch.num_rows() as u64;
            let mask = match filter {
                Some(f) => Some(f(&batch)?),
                None => None,
            };
            // Take rows until the page is full; the cursor points just after the last taken row.
            let mut taken_to = batch.num_rows();
            let mut keep = Vec::with_capacity(batch.num_rows());
            for i in 0..batch.num_rows() {
                let pass = mask.as_ref().is_none_or(|m| m.is_valid(i) && m.value(i));
                if pass {
                    if kept == limit {
                        taken_to = i;
                        break;
                    }
                    kept += 1;
                }
                keep.push(pass);
            }
            keep.resize(batch.num_rows(), false);
            let piece = arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(keep))?;
            if piece.num_rows() > 0 {
                pieces.push(piece);
            }
            at = first as u64 + taken_to as u64;
            if taken_to < batch.num_rows() {
                break;
            }
        }
        let rows = arrow_select::concat::concat_batches(self.schema.arrow(), &pieces)?;
        Ok(Page { rows, next: (at < total).then_some(at), scanned })
    }
}

/// Indexes of (table folder, version), built on first use and kept within a memory budget
/// (least recently used first out). Concurrent first uses of one version wait for one build.
pub struct KeyIndexCache {
    memory_budget: u64,
    inner: Mutex<CacheInner>,
}

type Slot = Arc<Mutex<Option<Arc<KeyIndex>>>>;

#[derive(Default)]
struct CacheInner {
    slots: HashMap<(String, u64), (Slot, u64)>,
    tick: u64,
}

impl std::fmt::Debug for KeyIndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIndexCache").field("memory_budget", &self.memory_budget).finish_non_exhaustive()
    }
}

fn poisoned() -> TablesError {
    TablesError::Schema("a key index build panicked".into())
}

impl KeyIndexCache {
    /// A cache holding indexes whose process memory ([`IndexStats::memory_bytes`]) adds up to at
    /// most `memory_budget` bytes; the most recently used index is kept even when it alone is
    /// larger.
    pub fn new(memory_budget: u64) -> Self {
        Self { memory_budget, inner: Mutex::new(CacheInner::default()) }
    }

    /// The index of `version` of `table`, built now if it is not cached. Pass the version the
    /// caller pinned (e.g. the current one it read from the hand-in record).
    pub fn get(&self, table: &Table, version: u64) -> Result<Arc<KeyIndex>> {
        let key = (table.location().to_owned(), version);
        let slot = {
            let mut inner = self.inner.lock().map_err(|_| poisoned())?;
            inner.tick += 1;
            let tick = inner.tick;
            let entry = inner.slots.entry(key).or_insert_with(|| (Arc::new(Mutex::new(None)), tick));
            entry.1 = tick;
            Arc::clone(&entry.0)
        };
        let mut guard = slot.lock().map_err(|_| poisoned())?;
        if let Some(index) = guard.as_ref() {
            return Ok(Arc::clone(index));
        }
        let index = Arc::new(KeyIndex::build(table, Some(version))?);
        *guard = Some(Arc::clone(&index));
        drop(guard);
        self.evict(&slot)?;
        tracing::info!(
            table = %table.location(),
            version,
            rows = index.stats.rows,
            memory_bytes = index.stats.memory_bytes,
            build_ms = index.stats.build_ms,
            "key index built"
        );
        Ok(index)
    }

    /// The index of `version` of `table` if it is built, without waiting: `None` when it is not
    /// cached or still being built (call [`KeyIndexCache::get`] off the async threads then).
    pub fn peek(&self, table: &Table, version: u64) -> Option<Arc<KeyIndex>> {
        let slot = {
            let mut inner = self.inner.lock().ok()?;
            inner.tick += 1;
            let tick = inner.tick;
            let entry = inner.slots.get_mut(&(table.location().to_owned(), version))?;
            entry.1 = tick;
            Arc::clone(&entry.0)
        };
        let guard = slot.try_lock().ok()?;
        guard.as_ref().map(Arc::clone)
    }

    /// Drop the cached indexes of a table's other versions (when `keep` became current): their
    /// memory and temporary files go once the last reader lets go.
    pub fn forget_other_versions(&self, table: &Table, keep: u64) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.slots.retain(|(location, v), _| location != table.location() || *v == keep);
        }
    }

    /// Drop every cached index of a table (e.g. when its resource is withdrawn).
    pub fn forget(&self, table: &Table) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.slots.retain(|(location, _), _| location != table.location());
        }
    }

    /// Process memory held by the built indexes, bytes.
    pub fn memory_bytes(&self) -> u64 {
        let Ok(inner) = self.inner.lock() else { return 0 };
        inner.slots.values().map(|(s, _)| slot_memory(s)).sum()
    }

    /// Number of cached (built or building) indexes.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.slots.len())
    }

    /// Whether no index is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn evict(&self, keep: &Slot) -> Result<()> {
        let mut inner = self.inner.lock().map_err(|_| poisoned())?;
        loop {
            let total: u64 = inner.slots.values().map(|(s, _)| slot_memory(s)).sum();
            if total <= self.memory_budget {
                return Ok(());
            }
            let victim = inner
                .slots
                .iter()
                .filter(|(_, (s, _))| !Arc::ptr_eq(s, keep) && slot_memory(s) > 0)
                .min_by_key(|(_, (_, tick))| *tick)
                .map(|(k, _)| k.clone());
            match victim {
                Some(k) => {
                    inner.slots.remove(&k);
                }
                None => return Ok(()),
            }
        }
    }
}

/// Memory of a slot's index; a slot being built (locked) counts as nothing yet.
fn slot_memory(s: &Slot) -> u64 {
    s.try_lock().ok().and_then(|g| g.as_ref().map(|i| i.stats.memory_bytes)).unwrap_or(0)
}
