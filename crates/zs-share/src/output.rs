//! Delivery files: CSV (UTF-8, header of item names), Parquet (one nullable text column per
//! item, Snappy) or Excel (xlsx, one sheet). A changes file starts with an `_op` column
//! (`insert`, `update`, `delete`; a delete row carries the key items only). Files are written
//! under a temporary name, synced, renamed, and their SHA-256 is what the delivery records.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};
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

/// A delivery file being written.
pub(crate) enum FileWriter {
    Csv(csv::Writer<BufWriter<File>>),
    Parquet { writer: ArrowWriter<File>, schema: SchemaRef, buf: Vec<Row> },
    Xlsx { book: Box<rust_xlsxwriter::Workbook>, row: u32, path: std::path::PathBuf },
}

impl FileWriter {
    /// Start a file at `path` with this header.
    pub(crate) fn create(format: FileFormat, path: &Path, header: &[String]) -> Result<Self> {
        match format {
            FileFormat::Csv => {
                let f = File::create(path).map_err(|e| fail("CSV")(&e))?;
                let mut w = csv::Writer::from_writer(BufWriter::new(f));
                w.write_record(header).map_err(|e| fail("CSV")(&e))?;
                Ok(Self::Csv(w))
            }
            FileFormat::Parquet => {
                let schema: SchemaRef = Arc::new(Schema::new(
                    header.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>(),
                ));
                let f = File::create(path).map_err(|e| fail("Parquet")(&e))?;
                let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
                let writer = ArrowWriter::try_new(f, schema.clone(), Some(props)).map_err(|e| fail("Parquet")(&e))?;
                Ok(Self::Parquet { writer, schema, buf: Vec::with_capacity(PARQUET_BATCH) })
            }
            FileFormat::Xlsx => {
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                let sheet = book.add_worksheet();
                for (c, h) in header.iter().enumerate() {
                    let c = u16::try_from(c).map_err(|_| Error::invalid("fields", "too many items for Excel"))?;
                    sheet.write_string(0, c, h).map_err(|e| fail("Excel")(&e))?;
                }
                Ok(Self::Xlsx { book, row: 0, path: path.to_path_buf() })
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

    /// Finish and sync the file.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Self::Csv(w) => {
                let f = w.into_inner().map_err(|e| fail("CSV")(&e))?.into_inner().map_err(|e| fail("CSV")(&e))?;
                f.sync_all().map_err(|e| fail("CSV")(&e))
            }
            Self::Parquet { mut writer, schema, mut buf } => {
                flush_parquet(&mut writer, &schema, &mut buf)?;
                let f = writer.into_inner().map_err(|e| fail("Parquet")(&e))?;
                f.sync_all().map_err(|e| fail("Parquet")(&e))
            }
            Self::Xlsx { mut book, path, .. } => {
                book.save(&path).map_err(|e| fail("Excel")(&e))?;
                File::open(&path).and_then(|f| f.sync_all()).map_err(|e| fail("Excel")(&e))
            }
        }
    }
}

fn flush_parquet(writer: &mut ArrowWriter<File>, schema: &SchemaRef, buf: &mut Vec<Row>) -> Result<()> {
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

/// SHA-256 (hex) and size of a file, read in chunks.
pub(crate) fn digest_file(path: &Path) -> Result<(String, i64)> {
    let mut f = File::open(path).map_err(|e| Error::internal(format!("reading {}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n: i64 = 0;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::internal(format!("reading {}: {e}", path.display())))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += i64::try_from(k).unwrap_or(0);
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Sync a folder after a rename into it.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::internal(format!("syncing {}: {e}", dir.display())))
}
