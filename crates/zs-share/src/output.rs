//! Delivery files: CSV (UTF-8, header of item names), Parquet (one nullable text column per
//! item, Snappy) or Excel (xlsx, one sheet). A changes file starts with an `_op` column
//! (`insert`, `update`, `delete`; a delete row carries the key items only). Files are written
//! under a temporary name, encrypted at rest under the resource's data key (ZSEF, see
//! `zs_ingest::files`; in clear with encryption switched off), synced and renamed. What the
//! delivery records — SHA-256 and size — is of the plaintext, the bytes the consumer downloads.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};
use zs_ingest::{FileKey, SealedWriter};
use zs_types::{Error, ErrorCode, Result};

use crate::diff::Row;

/// Rows an Excel sheet holds below its header.
pub const XLSX_MAX_ROWS: u64 = 1_048_575;
const PARQUET_BATCH: usize = 8192;

/// A file format of delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// CSV, UTF-8.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Excel 2007+.
    Xlsx,
}

impl FileFormat {
    /// From the API's name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "parquet" => Some(Self::Parquet),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Xlsx => "xlsx",
        }
    }

    /// The content type of a download.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Parquet => "application/vnd.apache.parquet",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

fn fail(what: &str) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::internal(format!("writing the {what} delivery file: {e}"))
}

/// The plaintext of a delivery file on its way to disk: hashed and counted, then encrypted.
pub(crate) struct Digesting {
    inner: SealedWriter<BufWriter<File>>,
    hash: Sha256,
    bytes: u64,
}

impl Digesting {
    fn create(path: &Path, key: &FileKey) -> std::io::Result<Self> {
        Ok(Self { inner: key.create(path)?, hash: Sha256::new(), bytes: 0 })
    }

    /// Seal and sync the file; the plaintext's SHA-256 (hex) and size.
    fn finish(self) -> std::io::Result<(String, i64)> {
        self.inner.finish_and_sync()?;
        Ok((hex::encode(self.hash.finalize()), i64::try_from(self.bytes).unwrap_or(i64::MAX)))
    }
}

impl Write for Digesting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A delivery file being written.
pub(crate) enum FileWriter {
    Csv(csv::Writer<Digesting>),
    Parquet { writer: ArrowWriter<Digesting>, schema: SchemaRef, buf: Vec<Row> },
    Xlsx { book: Box<rust_xlsxwriter::Workbook>, row: u32, out: Digesting },
}

impl FileWriter {
    /// Start a file at `path` with this header, encrypted under `key`.
    pub(crate) fn create(format: FileFormat, path: &Path, header: &[String], key: &FileKey) -> Result<Self> {
        match format {
            FileFormat::Csv => {
                let f = Digesting::create(path, key).map_err(|e| fail("CSV")(&e))?;
                let mut w = csv::Writer::from_writer(f);
                w.write_record(header).map_err(|e| fail("CSV")(&e))?;
                Ok(Self::Csv(w))
            }
            FileFormat::Parquet => {
                let schema: SchemaRef = Arc::new(Schema::new(
                    header.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>(),
                ));
                let f = Digesting::create(path, key).map_err(|e| fail("Parquet")(&e))?;
                let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
                let writer = ArrowWriter::try_new(f, schema.clone(), Some(props)).map_err(|e| fail("Parquet")(&e))?;
                Ok(Self::Parquet { writer, schema, buf: Vec::with_capacity(PARQUET_BATCH) })
            }
            FileFormat::Xlsx => {
                let out = Digesting::create(path, key).map_err(|e| fail("Excel")(&e))?;
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                let sheet = book.add_worksheet();
                for (c, h) in header.iter().enumerate() {
                    let c = u16::try_from(c).map_err(|_| Error::invalid("fields", "too many items for Excel"))?;
                    sheet.write_string(0, c, h).map_err(|e| fail("Excel")(&e))?;
                }
                Ok(Self::Xlsx { book, row: 0, out })
            }
        }
    }

    /// Add a row.
    pub(crate) fn write(&mut self, row: &[Option<String>]) -> Result<()> {
        match self {
            Self::Csv(w) => w.write_record(row.iter().map(|v| v.as_deref().unwrap_or(""))).map_err(|e| fail("CSV")(&e)),
            Self::Parquet { writer, schema, buf } => {
                buf.push(row.to_vec());
                if buf.len() >= PARQUET_BATCH {
                    flush_parquet(writer, schema, buf)?;
                }
                Ok(())
            }
            Self::Xlsx { book, row: n, .. } => {
                if u64::from(*n) >= XLSX_MAX_ROWS {
                    return Err(Error::new(
                        ErrorCode::Conflict,
                        format!("more than {XLSX_MAX_ROWS} rows do not fit an Excel sheet; deliver CSV or Parquet"),
                    ));
                }
                *n += 1;
                let sheet = book.worksheet_from_index(0).map_err(|e| fail("Excel")(&e))?;
                for (c, v) in row.iter().enumerate() {
                    if let Some(v) = v {
                        let c = u16::try_from(c).unwrap_or(u16::MAX);
                        sheet.write_string(*n, c, v).map_err(|e| fail("Excel")(&e))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Finish, seal and sync the file; the SHA-256 (hex) and size of its plaintext.
    pub(crate) fn finish(self) -> Result<(String, i64)> {
        match self {
            Self::Csv(w) => {
                let f = w.into_inner().map_err(|e| fail("CSV")(&e))?;
                f.finish().map_err(|e| fail("CSV")(&e))
            }
            Self::Parquet { mut writer, schema, mut buf } => {
                flush_parquet(&mut writer, &schema, &mut buf)?;
                let f = writer.into_inner().map_err(|e| fail("Parquet")(&e))?;
                f.finish().map_err(|e| fail("Parquet")(&e))
            }
            Self::Xlsx { mut book, mut out, .. } => {
                // The workbook is held in memory until here anyway; its zip is made in one go.
                let bytes = book.save_to_buffer().map_err(|e| fail("Excel")(&e))?;
                out.write_all(&bytes).map_err(|e| fail("Excel")(&e))?;
                out.finish().map_err(|e| fail("Excel")(&e))
            }
        }
    }
}

fn flush_parquet(writer: &mut ArrowWriter<Digesting>, schema: &SchemaRef, buf: &mut Vec<Row>) -> Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    let cols: Vec<ArrayRef> = (0..schema.fields().len())
        .map(|c| Arc::new(buf.iter().map(|r| r.get(c).cloned().flatten()).collect::<StringArray>()) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| fail("Parquet")(&e))?;
    writer.write(&batch).map_err(|e| fail("Parquet")(&e))?;
    buf.clear();
    Ok(())
}

/// Sync a folder after a rename into it.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::internal(format!("syncing {}: {e}", dir.display())))
}
