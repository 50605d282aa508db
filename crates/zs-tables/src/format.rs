//! Input formats: detection from the file name and the first bytes, and the file ingest that
//! runs each format's row source through the checked ingest.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Result, TablesError};
use crate::excel::{with_xls_rows, with_xlsx_rows};
use crate::ingest::{ingest_rows, IngestOptions, IngestReport, RejectedRow};
use crate::json::{JsonLinesRows, JsonRows};
use crate::source::{CsvRows, Format};
use crate::table::Table;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Bytes [`detect_format`] looks at.
pub const SNIFF_LEN: usize = 4096;

fn malformed(message: String) -> TablesError {
    TablesError::Malformed { line: 0, message }
}

fn hex(head: &[u8]) -> String {
    head.iter().take(4).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// The format of a file from its name's extension and its first bytes (`head`, up to
/// [`SNIFF_LEN`]). The bytes win for workbooks (a zip is xlsx, an OLE compound file is xls,
/// whatever the name); a name claiming a workbook on bytes that are neither is an error.
/// `.json` holding an object is GeoJSON when it is a FeatureCollection, JSON Lines otherwise;
/// a file without a known extension is JSON when it starts with `[` or `{`, else CSV.
pub fn detect_format(file_name: Option<&str>, head: &[u8]) -> Result<Format> {
    let ext = file_name
        .and_then(|n| Path::new(n).extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if head.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(OLE_MAGIC) {
        return Ok(Format::Xls);
    }
    match ext.as_str() {
        "xlsx" | "xlsm" => {
            return Err(malformed(format!(
                "the file is named .{ext} but is not an Excel workbook (an .xlsx file is a zip archive starting with 50 4b 03 04; this one starts with {})",
                hex(head)
            )))
        }
        "xls" => {
            return Err(malformed(format!(
                "the file is named .xls but is not an Excel 97-2003 workbook (those start with d0 cf 11 e0; this one starts with {})",
                hex(head)
            )))
        }
        "csv" | "txt" | "tsv" => return Ok(Format::Csv),
        "jsonl" | "ndjson" => return Ok(Format::JsonLines),
        "geojson" => return Ok(Format::GeoJson),
        _ => {}
    }
    let text = head.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(head);
    let first = text.iter().copied().find(|b| !b.is_ascii_whitespace());
    match (first, ext.as_str()) {
        (Some(b'['), _) => Ok(Format::Json),
        (Some(b'{'), _) => {
            let s = String::from_utf8_lossy(text);
            let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.contains("\"type\":\"FeatureCollection\"") || compact.contains("\"features\":[") {
                Ok(Format::GeoJson)
            } else {
                Ok(Format::JsonLines)
            }
        }
        (_, "json") => Err(malformed("the file is named .json but holds neither an array nor an object".to_owned())),
        _ => Ok(Format::Csv),
    }
}

/// Ingest a file in any supported format (see the crate documentation); `format` forces one,
/// `None` detects it with [`detect_format`]. Rejected rows are returned in the report.
pub fn ingest_file(
    table: &Table,
    path: impl AsRef<Path>,
    format: Option<Format>,
    opts: &IngestOptions,
) -> Result<IngestReport> {
    let mut rejected = Vec::new();
    let mut report = ingest_file_with_sink(table, path, format, opts, &mut |r| {
        rejected.push(r);
        Ok(())
    })?;
    report.rejected = rejected;
    Ok(report)
}

/// [`ingest_file`] handing each rejected row to `rejected` as it is found.
pub fn ingest_file_with_sink(
    table: &Table,
    path: impl AsRef<Path>,
    format: Option<Format>,
    opts: &IngestOptions,
    rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
) -> Result<IngestReport> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| TablesError::io(path, e))?;
    let name = path.file_name().and_then(|n| n.to_str());
    ingest_reader_with_sink(table, BufReader::with_capacity(1 << 16, file), name, format, opts, rejected)
}

/// Ingest from a seekable reader (a file, a cursor over an upload) in any supported format:
/// `format` forces one, else it is detected from `file_name` and the first bytes. Rejected rows
/// go to `rejected` as they are found. Malformed input is an error and commits nothing.
pub fn ingest_reader_with_sink<R: Read + Seek>(
    table: &Table,
    mut reader: R,
    file_name: Option<&str>,
    format: Option<Format>,
    opts: &IngestOptions,
    rejected: &mut dyn FnMut(RejectedRow) -> Result<()>,
) -> Result<IngestReport> {
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(SNIFF_LEN);
            (&mut reader).take(SNIFF_LEN as u64).read_to_end(&mut head).map_err(|e| TablesError::io("<input>", e))?;
            reader.seek(SeekFrom::Start(0)).map_err(|e| TablesError::io("<input>", e))?;
            detect_format(file_name, &head)?
        }
    };
    let schema = table.schema();
    match format {
        Format::Csv => {
            let mut rows = CsvRows::new(reader, opts.encoding)?;
            ingest_rows(table, &mut rows, opts, rejected)
        }
        Format::Xlsx => with_xlsx_rows(reader, opts.sheet.as_deref(), opts.max_uncompressed_bytes, |rows| {
            ingest_rows(table, rows, opts, rejected)
        }),
        Format::Xls => with_xls_rows(reader, opts.sheet.as_deref(), |rows| ingest_rows(table, rows, opts, rejected)),
        Format::Json | Format::GeoJson => {
            let buf = BufReader::with_capacity(1 << 16, reader);
            let mut rows = if format == Format::Json {
                JsonRows::array(buf, schema, &opts.mapping)
            } else {
                JsonRows::geojson(buf, schema, &opts.mapping)
            };
            ingest_rows(table, &mut rows, opts, rejected)
        }
        Format::JsonLines => {
            let buf: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, reader));
            let mut rows = JsonLinesRows::new(buf, schema, &opts.mapping);
            ingest_rows(table, &mut rows, opts, rejected)
        }
    }
}
