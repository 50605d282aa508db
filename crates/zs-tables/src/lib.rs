//! Resource data (数据资源): versioned, crash-safe tables whose schema comes from a catalogue
//! entry's data items, and a checked, streaming ingest (CSV, Excel, JSON, GeoJSON or rows fed by
//! the caller) that writes them.
//!
//! This crate owns the table format on disk and the row checks. It must not serve HTTP, render
//! templates or talk to the metadata store: callers (ingest jobs, the share API) do that and record
//! the audit event.
//!
//! # Layout of a table folder (the local store)
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
//! # Storage
//! The table is written against a small storage trait (`store` module: list, read, create the
//! manifest, delete, write and stream a data file). [`TableRoot`] picks the implementation:
//! - **Local folder** (the default, [`TableRoot::Local`]): the layout and commit protocol above.
//! - **S3-compatible bucket** ([`TableRoot::Object`] with an [`ObjectRoot`], e.g.
//!   [`ObjectRoot::s3`]): the same layout under `<prefix>/<table>/` without temporary names. Data
//!   files are uploaded first (multipart when large), the manifest last with a conditional create
//!   (`If-None-Match: *`): the commit point, so two writers can never both commit version N (the
//!   second gets [`TablesError::Conflict`] and its files are deleted). There is no lock object;
//!   vacuum leaves unreferenced data files younger than a grace period (default 24 h) alone, and
//!   a commit slower than half of it gives up. Reads fetch each file's footer, then one row group
//!   per ranged GET. See the `object` module for the reasons.
//!
//! # Ingest
//! Every input goes through one checked ingest, [`ingest_rows`], fed by a [`RowSource`]: a header
//! once, then records whose fields are read in place (the CSV source reuses one record buffer:
//! no allocation per row). The ingest maps header columns to items by name (any case), Chinese
//! label or a [`ColumnMapping`] override, checks each row (type, declared length, key present and
//! unique within the batch, problems the source found), records every rejected row with its row
//! number, line, field, value (masked for L3+ items) and reason, writes valid rows in batches of
//! 64k rows on a writer thread, and commits one version unless the error rate is over
//! `max_error_rate`. An error from the source (malformed input) or the rejected-row sink commits
//! nothing.
//!
//! [`ingest_file`] / [`ingest_reader_with_sink`] pick the source from the [`Format`], detected by
//! [`detect_format`] from the name's extension and the first bytes (a zip is xlsx and an OLE file
//! is xls whatever the name; a name claiming a workbook on other bytes is an error) or forced:
//! - **CSV** ([`CsvRows`], also [`ingest_csv`]): UTF-8 (BOM or not) or GB18030/GBK, detected
//!   (overridable), decoded chunk by chunk. Ragged rows, an unclosed quote and undecodable bytes
//!   are errors naming the line.
//! - **Excel xlsx and xls** (calamine): the first sheet or [`IngestOptions::sheet`]; the first
//!   non-empty row is the header; empty rows are skipped; a merged region's value applies to
//!   every data cell it covers; date cells become ISO text (`YYYY-MM-DD`, with ` HH:MM:SS` for
//!   date-time items or when the cell has a time); whole numbers lose their ".0"; error cells
//!   reject their row. xlsx is streamed cell by cell; before calamine sees it, its zip directory
//!   is checked: a damaged or cut file is an error, and entries declaring more than
//!   [`IngestOptions::max_uncompressed_bytes`] (default 512 MiB) in all, or a large entry
//!   compressing more than 500:1, are refused as a zip bomb (the zip reader stops an entry that
//!   expands past its declared size, so this bounds the bytes actually read). `line` is the sheet
//!   row number.
//! - **JSON** array of objects ([`JsonRows::array`], streamed one object at a time) and **JSON
//!   Lines** ([`JsonLinesRows`]): keys are item names or Chinese labels; strings, numbers and
//!   booleans become text; a nested object or array rejects its row (a GeoJSON object is accepted
//!   for a geometry item); unknown keys are ignored and listed in the report. Invalid JSON is an
//!   error naming the record, its line and the byte offset.
//! - **GeoJSON** FeatureCollection ([`JsonRows::geojson`], streamed): each feature's properties
//!   feed the items, its geometry (as GeoJSON text) the resource's first geometry item (stored as
//!   Utf8). A document without a `features` array, or a feature that is not a Feature, is an error.
//! - **Rows a caller holds**: [`VecRows`] (a header and rows of `Option<String>`, e.g. a database
//!   or HTTP pull) and [`MapRows`] (JSON objects, e.g. a push API batch).
//!
//! Oversized uploads are refused before they get here (the HTTP layer's job).
//!
//! # Lookups
//! [`KeyIndex`] answers `get(key)` on one version in microseconds and lists rows by a filter
//! with cursor paging; [`KeyIndexCache`] builds them lazily per (table, version) within a memory
//! budget. About 17 bytes of process memory per row; the rows themselves sit in an anonymous
//! temporary file served from the page cache (see the `lookup` module). [`VersionWatch`] tells
//! the current version without reading the manifests on every call.

mod crypt;
mod decode;
mod destroy;
mod error;
mod excel;
mod format;
mod gate;
mod ingest;
mod json;
mod keys;
mod lock;
mod lookup;
mod manifest;
mod object;
mod schema;
mod source;
mod sql;
mod store;
mod table;
mod values;
mod watch;

pub use crypt::DecryptingStore;
pub use decode::Enc;
pub use destroy::DestroyReport;
pub use error::{Result, TablesError};
pub use format::{detect_format, ingest_file, ingest_file_with_sink, ingest_reader_with_sink, SNIFF_LEN};
pub use gate::{Gate, GateFailure, RowGate};
pub use ingest::{
    ingest_csv, ingest_csv_with_sink, ingest_rows, shown_value, ColumnMapping, IngestOptions, IngestOutcome,
    IngestReport, RejectedRow, DEFAULT_BATCH_ROWS, DEFAULT_MAX_UNCOMPRESSED_BYTES,
};
pub use json::{JsonLinesRows, JsonRows};
pub use lookup::{IndexStats, KeyIndex, KeyIndexCache, Page, RowFilter, BLOCK_ROWS, MAX_SCAN_ROWS};
pub use object::{ObjectRoot, S3Settings, DEFAULT_DEBRIS_GRACE};
pub use schema::{Column, TableSchema, DECIMAL_SCALE, TIME_ZONE};
pub use source::{CsvRows, Format, MapRows, RowSource, VecRows};
pub use sql::SqlFiles;
pub use table::{
    CommitMode, DataFile, Manifest, ObjectFile, Scan, Table, TableRoot, VacuumReport, VersionInfo, WriteTxn,
    MANIFEST_SCHEMA,
};
pub use watch::{VersionWatch, SETTLED};
