//! The checked streaming ingest: map a row source's header, check every row, write valid rows in
//! bounded batches to a new version, and report every rejected row.

use std::collections::HashMap;
use std::io::Read;

use arrow_array::{ArrayRef, RecordBatch};
use serde::Serialize;

use crate::decode::Enc;
use crate::error::{Result, TablesError};
use crate::gate::Gate;
use crate::keys::KeySet;
use crate::schema::Column;
use crate::source::{CsvRows, Format, RowSource};
use crate::table::{CommitMode, Table, VersionInfo, WriteTxn};
use crate::values::{encode_key, parse, Builder, Val};

/// Rows per batch written to the table: bounds memory whatever the file size.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;
/// Longest value (in characters) kept in a rejected-row record.
const MAX_REPORTED_VALUE: usize = 200;

/// Header-to-item overrides. Without an override a header matches an item by name
/// (case-insensitive) or by Chinese label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    overrides: HashMap<String, String>,
}

impl ColumnMapping {
    /// Map the file column `header` to the item named `item`.
    pub fn map(mut self, header: &str, item: &str) -> Self {
        self.overrides.insert(header.trim().to_owned(), item.to_owned());
        self
    }

    /// The overrides: file column → item name.
    pub(crate) fn overrides(&self) -> &HashMap<String, String> {
        &self.overrides
    }
}

/// How one ingest runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Force an encoding; `None` detects it (BOM, else UTF-8 if valid, else GB18030).
    pub encoding: Option<Enc>,
    /// Header overrides.
    pub mapping: ColumnMapping,
    /// How the new version combines with the current one.
    pub mode: CommitMode,
    /// Who hands the data in.
    pub actor: String,
    /// Hand-in channel.
    pub channel: String,
    /// Reject the whole batch (commit nothing) when rejected rows / rows read exceeds this;
    /// `None` commits the valid rows whatever the rate.
    pub max_error_rate: Option<f64>,
    /// Rows per written batch.
    pub batch_rows: usize,
    /// The worksheet of an Excel workbook to read; `None` reads the first.
    pub sheet: Option<String>,
    /// Most bytes the parts of an xlsx workbook (a zip archive) may expand to, declared and
    /// read; above it (or above a 500:1 compression ratio) the file is refused as a zip bomb.
    pub max_uncompressed_bytes: u64,
    /// A check over each batch of schema-valid rows before it is written (quality rules of error
    /// severity); the rows it names are rejected like rows failing the schema.
    pub gate: Option<Gate>,
}

/// Default [`IngestOptions::max_uncompressed_bytes`]: 512 MiB.
pub const DEFAULT_MAX_UNCOMPRESSED_BYTES: u64 = 512 << 20;

impl IngestOptions {
    /// Options with detection, no overrides, commit of valid rows and 64k-row batches.
    pub fn new(mode: CommitMode, actor: &str, channel: &str) -> Self {
        Self {
            encoding: None,
            mapping: ColumnMapping::default(),
            mode,
            actor: actor.to_owned(),
            channel: channel.to_owned(),
            max_error_rate: None,
            batch_rows: DEFAULT_BATCH_ROWS,
            sheet: None,
            max_uncompressed_bytes: DEFAULT_MAX_UNCOMPRESSED_BYTES,
            gate: None,
        }
    }
}

/// One problem with one field of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// Data row number, 1 = the first row after the header.
    pub row: u64,
    /// Line of the file where the row starts.
    pub line: u64,
    /// Item name of the field.
    pub field: String,
    /// The value as given, masked when the item is L3 or above, cut at 200 characters.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

/// How an ingest ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// The valid rows were committed as this version.
    Committed {
        /// The new version.
        version: VersionInfo,
    },
    /// The error rate exceeded the policy; nothing was committed.
    BatchRejected {
        /// Rejected rows / rows read.
        error_rate: f64,
        /// The policy's limit.
        max_error_rate: f64,
    },
}

/// What an ingest did: counts, every rejected row, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    /// The encoding used (UTF-8 for sources that decode no text).
    pub encoding: Enc,
    /// The input format, when the rows came from a file format (`None`: rows a caller fed).
    pub format: Option<Format>,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows written to the new version.
    pub rows_written: u64,
    /// Rows with at least one problem.
    pub rows_rejected: u64,
    /// Every problem (a row may have several); empty when they went to a sink
    /// ([`ingest_csv_with_sink`]).
    pub rejected: Vec<RejectedRow>,
    /// Which header maps to which item, in file order (`None`: column ignored).
    pub columns: Vec<(String, Option<String>)>,
    /// Items the file does not have (left empty).
    pub missing_items: Vec<String>,
    /// The outcome.
    pub outcome: IngestOutcome,
}

/// Ingest a CSV stream into `table` (see the module documentation). A malformed file returns an
/// error naming the line and leaves the table unchanged.
pub fn ingest_csv<R: Read>(table: &Table, reader: R, opts: &IngestOptions) -> Result<IngestReport> {
    let mut rejected = Vec::new();
    let mut report = ingest_csv_with_sink(table, reader, opts, &mut |r| {
        rejected.push(r);
        Ok(())
    })?;
    report.rejected = rejected;
    Ok(report)
}

/// [`ingest_csv`] handing each rejected row to `rejected` as it is found (to stream them to a
/// file or the store, so memory stays bounded however many rows fail); the report's `rejected`
/// list stays empty. An error from the sink stops the ingest and commits nothing.
pub fn ingest_csv_with_sink<R: Read>(
    table: &Table,
    reader: R,
    opts: &IngestOptions,
    rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
) -> Result<IngestReport> {
    let mut rows = CsvRows::new(reader, opts.encoding)?;
    ingest_rows(table, &mut rows, opts, rejected)
}

/// The checked ingest of any [`RowSource`]: map its header onto the items (by name, Chinese
/// label or `opts.mapping`), check every record (type, declared length, key present and unique
/// within the batch), hand each rejected row to `rejected` (values of L3+ items masked), write
/// valid rows in batches of `opts.batch_rows` on a writer thread, and commit one version unless
/// the error rate is over `opts.max_error_rate`. An error from the source (malformed input) or
/// the sink stops the ingest and commits nothing. The report's `rejected` list stays empty.
pub fn ingest_rows<S: RowSource + ?Sized>(
    table: &Table,
    rows: &mut S,
    opts: &IngestOptions,
    rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
) -> Result<IngestReport> {
    let headers = rows.header()?;
    let columns = table.schema().columns();
    let (source, mut mapped) = map_header(&headers, columns, &opts.mapping)?;
    let targets: Vec<Option<&Column>> = {
        let mut t = vec![None; headers.len()];
        for (k, s) in source.iter().enumerate() {
            if let Some(i) = s {
                t[*i] = Some(&columns[k]);
            }
        }
        t
    };
    rows.bind(&targets);
    let item_of: Vec<Option<usize>> = {
        let mut t = vec![None; headers.len()];
        for (k, s) in source.iter().enumerate() {
            if let Some(i) = s {
                t[*i] = Some(k);
            }
        }
        t
    };
    let missing_items: Vec<String> =
        columns.iter().zip(&source).filter(|(_, s)| s.is_none()).map(|(c, _)| c.name.clone()).collect();

    let txn = table.begin(opts.mode, &opts.actor, &opts.channel)?;
    // Parsing and checking run on this thread, Parquet encoding on a second one; a bounded channel
    // of two batches keeps memory bounded.
    let (parsed, written) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(2);
        let writer = scope.spawn(move || -> Result<WriteTxn<'_>> {
            let mut txn = txn;
            for batch in rx {
                txn.write(&batch)?;
            }
            Ok(txn)
        });
        let mut send =
            |batch: RecordBatch| tx.send(batch).map_err(|_| TablesError::Internal("table writer stopped".into()));
        let parsed = read_rows(rows, table, &source, &item_of, opts, &mut send, rejected);
        // Closing the channel lets the writer finish.
        drop(tx);
        let written = writer.join().unwrap_or_else(|_| Err(TablesError::Internal("table writer panicked".into())));
        (parsed, written)
    });
    // A writer error explains a parse stopped by a closed channel; an aborted transaction
    // (dropped here) removes its files.
    let txn = written?;
    let Parsed { rows_read, rows_written, rows_rejected } = parsed?;
    let error_rate = if rows_read == 0 { 0.0 } else { rows_rejected as f64 / rows_read as f64 };
    let outcome = match opts.max_error_rate {
        Some(max) if error_rate > max => {
            drop(txn);
            tracing::info!(table = %table.location(), rows_read, rows_rejected, "ingest rejected: error rate over policy");
            IngestOutcome::BatchRejected { error_rate, max_error_rate: max }
        }
        _ => IngestOutcome::Committed { version: txn.commit()? },
    };
    let rows_written = if matches!(outcome, IngestOutcome::Committed { .. }) { rows_written } else { 0 };
    mapped.extend(rows.ignored_keys().into_iter().map(|k| (k, None)));
    Ok(IngestReport {
        encoding: rows.encoding().unwrap_or(Enc::Utf8),
        format: rows.format(),
        rows_read,
        rows_written,
        rows_rejected,
        rejected: Vec::new(),
        columns: mapped,
        missing_items,
        outcome,
    })
}

/// Counts and rejected rows of one pass over the file.
struct Parsed {
    rows_read: u64,
    rows_written: u64,
    rows_rejected: u64,
}

/// Read, check and batch every row, handing full batches to `sink`.
#[allow(clippy::too_many_arguments)]
fn read_rows<S: RowSource + ?Sized>(
    rows: &mut S,
    table: &Table,
    source: &[Option<usize>],
    item_of: &[Option<usize>],
    opts: &IngestOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
    rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
) -> Result<Parsed> {
    let batch_rows = opts.batch_rows.max(1);
    let mut out = Flush { table, gate: opts.gate.as_ref(), positions: Vec::new() };
    let columns = table.schema().columns();
    let mut builders: Vec<Builder> = columns.iter().map(|c| Builder::new(c, batch_rows)).collect::<Result<_>>()?;
    let key_indices = table.schema().key_indices();
    let mut seen_keys = KeySet::new();
    let mut key_buf = Vec::new();
    // Reused across rows without holding borrows of the record (in-place collect keeps the buffer).
    let mut spare: Vec<Val<'static>> = Vec::with_capacity(columns.len());
    let mut problems: Vec<(usize, String)> = Vec::new();
    let (mut rows_read, mut rows_written, mut rows_rejected, mut in_batch) = (0u64, 0u64, 0u64, 0usize);

    while rows.next_record()? {
        let record = &*rows;
        let line = record.line();
        rows_read += 1;
        spare.clear();
        let mut vals: Vec<Val<'_>> = spare.into_iter().map(|_| Val::Null).collect();
        problems.clear();
        for (c, src) in columns.iter().zip(source) {
            let raw = src.and_then(|i| record.field(i)).unwrap_or("");
            match parse(c, raw) {
                Ok(v) => vals.push(v),
                Err(reason) => {
                    vals.push(Val::Null);
                    problems.push((vals.len() - 1, reason));
                }
            }
        }
        for (col, reason) in record.problems() {
            if let Some(k) = item_of.get(*col).copied().flatten() {
                vals[k] = Val::Null;
                problems.push((k, reason.clone()));
            }
        }
        if !key_indices.is_empty() && problems.is_empty() {
            key_buf.clear();
            for &k in &key_indices {
                if matches!(vals[k], Val::Null) {
                    problems.push((k, "key item is empty".to_owned()));
                }
                encode_key(&vals[k], &mut key_buf);
            }
            if problems.is_empty() && !seen_keys.insert(&key_buf) {
                let k = key_indices[0];
                problems.push((k, "key repeats an earlier row of this file".to_owned()));
            }
        }
        if problems.is_empty() {
            for (b, v) in builders.iter_mut().zip(vals.drain(..)) {
                b.append(v);
            }
            if out.gate.is_some() {
                out.positions.push((rows_read, line));
            }
            in_batch += 1;
            if in_batch >= batch_rows {
                let (w, r) = out.flush(&mut builders, sink, rejected)?;
                (rows_written, rows_rejected) = (rows_written + w, rows_rejected + r);
                in_batch = 0;
            }
        } else {
            rows_rejected += 1;
            for (i, reason) in problems.drain(..) {
                let c = &columns[i];
                let raw = source[i].and_then(|s| record.field(s)).unwrap_or("");
                rejected(RejectedRow {
                    row: rows_read,
                    line,
                    field: c.name.clone(),
                    value: shown_value(c, raw),
                    reason,
                })?;
            }
        }
        vals.clear();
        spare = vals.into_iter().map(|_| Val::Null).collect();
    }
    if in_batch > 0 {
        let (w, r) = out.flush(&mut builders, sink, rejected)?;
        (rows_written, rows_rejected) = (rows_written + w, rows_rejected + r);
    }
    Ok(Parsed { rows_read, rows_written, rows_rejected })
}

/// Turns the builders into a batch, passes it through the gate (if any) and on to the writer.
struct Flush<'a> {
    table: &'a Table,
    gate: Option<&'a Gate>,
    /// (data row, line) of each row in the builders, kept only with a gate.
    positions: Vec<(u64, u64)>,
}

impl Flush<'_> {
    /// Rows written and rows the gate rejected.
    fn flush(
        &mut self,
        builders: &mut [Builder],
        sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
        rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
    ) -> Result<(u64, u64)> {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let mut batch = RecordBatch::try_new(self.table.schema().arrow().clone(), arrays)?;
        let mut blocked = 0;
        if let Some(gate) = self.gate {
            let rows: Vec<u64> = self.positions.iter().map(|p| p.0).collect();
            let (kept, failures) = crate::gate::apply(gate.0.as_ref(), batch, &rows)?;
            let mut last = None;
            for f in failures {
                let (row, line) = self.positions[f.index];
                if last != Some(f.index) {
                    blocked += 1;
                    last = Some(f.index);
                }
                rejected(RejectedRow { row, line, field: f.field, value: f.value, reason: f.reason })?;
            }
            self.positions.clear();
            batch = kept;
        }
        let n = batch.num_rows() as u64;
        if n > 0 {
            sink(batch)?;
        }
        Ok((n, blocked))
    }
}

/// For each item, the file column feeding it; and for each header, the item it feeds.
#[allow(clippy::type_complexity)]
fn map_header(
    headers: &[String],
    columns: &[Column],
    mapping: &ColumnMapping,
) -> Result<(Vec<Option<usize>>, Vec<(String, Option<String>)>)> {
    let mut source = vec![None; columns.len()];
    let mut mapped = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        let target = mapping.overrides.get(h).map(String::as_str).unwrap_or(h);
        let item = columns.iter().position(|c| c.name.eq_ignore_ascii_case(target) || c.label == target);
        if let Some(k) = item {
            if let Some(prev) = source[k] {
                return Err(TablesError::Mapping(format!(
                    "columns {} and {} both map to item '{}'",
                    prev + 1,
                    i + 1,
                    columns[k].name
                )));
            }
            source[k] = Some(i);
        }
        mapped.push((h.to_owned(), item.map(|k| columns[k].name.clone())));
    }
    if let Some(c) = columns.iter().zip(&source).find(|(c, s)| c.key && s.is_none()).map(|(c, _)| c) {
        return Err(TablesError::Mapping(format!("no column maps to the key item '{}' ({})", c.name, c.label)));
    }
    Ok((source, mapped))
}

/// The value shown in a rejected-row record: masked for L3 and above (first and last two
/// characters kept), cut to a bounded length.
pub fn shown_value(c: &Column, raw: &str) -> String {
    let chars: Vec<char> = raw.chars().take(MAX_REPORTED_VALUE + 1).collect();
    let cut = chars.len() > MAX_REPORTED_VALUE;
    let chars = &chars[..chars.len().min(MAX_REPORTED_VALUE)];
    let shown: String = chars.iter().collect();
    let mut s = if c.is_sensitive() { zs_masking::text::keep_ends(&shown, 2, 2) } else { shown };
    if cut {
        s.push('…');
    }
    s
}
