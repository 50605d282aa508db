//! Resource data (数据资源): versioned, crash-safe tables whose schema comes from a catalogue
//! entry's data items, and a checked, streaming CSV ingest that writes them.
//!
//! This crate owns the table format on disk and the row checks. It must not serve HTTP, render
//! templates or talk to the metadata store: callers (ingest jobs, the share API) do that and record
//! the audit event.
//!
//! # Layout of a table folder
//! ```text
//! <dir>/
//!   _lock                               writer lock, created with O_EXCL, holds the writer's pid
//!   data/<uuid v7>.parquet              immutable data files (Snappy-compressed Parquet)
//!   data/.tmp-<uuid v7>.parquet         a data file being written (debris if a crash left it)
//!   _versions/<version, 20 digits>.json the manifest of one version
//!   _versions/.tmp-<version>.json       a manifest being written (debris if a crash left it)
//! ```
//! A commit writes its data files under temporary names, fsyncs and renames each; then writes the
//! manifest (version, parent, files with row counts, created_at, actor, channel, mode) under a
//! temporary name, fsyncs it, renames it to its version number and fsyncs the folder. The rename is
//! the commit point. Readers take the **highest manifest that parses** as the current version, so
//! a crash at any moment leaves the last committed version readable and no half-version visible;
//! files no manifest references are garbage that [`Table::vacuum`] removes (with damaged
//! manifests and versions older than the ones kept). Data files are never modified: `Upsert`
//! and `DeleteByKey` keep the parent's files without matching keys as they are and rewrite the
//! ones with matching keys (cost: one read and one write of each touched file, and the commit's
//! keys held in memory).
//!
//! # Concurrency
//! One writer at a time per table: [`Table::begin`] creates `_lock` with `O_EXCL` (in-process and
//! cross-process) and removes it when the transaction commits or is dropped; a second writer gets
//! [`TablesError::Locked`]. A lock whose process is gone (a crash) is taken over. Readers take no
//! lock: they only read complete manifests and the immutable files they name (a `vacuum` running
//! beside a long scan of an old version can remove its files; keep enough versions).
//!
//! # Ingest
//! [`ingest_csv`] decodes UTF-8 (BOM or not) or GB18030/GBK (detected, overridable) chunk by
//! chunk, maps header columns to items by name or Chinese label, checks each row (type, declared
//! length, key present and unique within the file), records every rejected row (values of L3+
//! items masked) and writes valid rows in batches of 64k rows. Malformed files (ragged rows, an
//! unclosed quote, undecodable bytes) are an error naming the line, and nothing is committed;
//! above the `max_error_rate` policy nothing is committed either.

mod decode;
mod error;
mod excel;
mod format;
mod ingest;
mod json;
mod keys;
mod lock;
mod manifest;
mod schema;
mod source;
mod table;
mod values;

pub use decode::Enc;
pub use error::{Result, TablesError};
pub use format::{detect_format, ingest_file, ingest_file_with_sink, ingest_reader_with_sink, SNIFF_LEN};
pub use ingest::{
    ingest_csv, ingest_csv_with_sink, ingest_rows, shown_value, ColumnMapping, IngestOptions, IngestOutcome,
    IngestReport, RejectedRow, DEFAULT_BATCH_ROWS, DEFAULT_MAX_UNCOMPRESSED_BYTES,
};
pub use json::{JsonLinesRows, JsonRows};
pub use schema::{Column, TableSchema, DECIMAL_SCALE, TIME_ZONE};
pub use source::{CsvRows, Format, MapRows, RowSource, VecRows};
pub use table::{CommitMode, DataFile, Manifest, Scan, Table, VacuumReport, VersionInfo, WriteTxn, MANIFEST_SCHEMA};
