//! Rejected rows (不合格数据) of a hand-in: streamed to a CSV file while the ingest runs (memory
//! stays bounded however many rows fail), kept under `<data>/rejects/<resource>/` encrypted
//! under the resource's data key (see `files`), and served back decrypted as CSV or converted
//! to an Excel report. Values of sensitive items arrive already masked by `zs-tables`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use zs_tables::RejectedRow;
use zs_types::{Error, Result};

use crate::files::{read_error, FileKey, FileOpener, SealedWriter};

/// Header of the rejected-rows file (Chinese, as stewards read it; the CSV starts with a BOM so
/// Excel opens it as UTF-8).
pub const REJECTS_HEADER: [&str; 5] = ["行号", "文件行", "数据项", "值", "原因"];
/// Rows an Excel report holds at most (the sheet limit is 1,048,576).
const MAX_XLSX_ROWS: usize = 1_000_000;

/// Download formats of a rejected-rows report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectsFormat {
    /// UTF-8 CSV with BOM.
    Csv,
    /// Excel workbook.
    Xlsx,
}

/// Streams rejected rows into a CSV file.
pub(crate) struct RejectsWriter {
    path: PathBuf,
    key: FileKey,
    out: Option<csv::Writer<SealedWriter<BufWriter<std::fs::File>>>>,
    pub(crate) rows: u64,
}

impl RejectsWriter {
    /// A writer creating `path` on the first row (no file when nothing is rejected), encrypted
    /// under `key`.
    pub(crate) fn new(path: PathBuf, key: FileKey) -> Self {
        Self { path, key, out: None, rows: 0 }
    }

    pub(crate) fn push(&mut self, r: &RejectedRow) -> std::io::Result<()> {
        if self.out.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = self.key.create(&self.path)?;
            f.write_all("\u{feff}".as_bytes())?;
            let mut w = csv::Writer::from_writer(f);
            w.write_record(REJECTS_HEADER)?;
            self.out = Some(w);
        }
        if let Some(w) = &mut self.out {
            w.write_record([
                r.row.to_string(),
                r.line.to_string(),
                r.field.clone(),
                r.value.clone(),
                r.reason.clone(),
            ])?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Flush and close; the path when a file was written.
    pub(crate) fn finish(self) -> std::io::Result<Option<PathBuf>> {
        match self.out {
            None => Ok(None),
            Some(w) => {
                w.into_inner().map_err(|e| e.into_error())?.finish_and_sync()?;
                Ok(Some(self.path))
            }
        }
    }
}

/// The report of a rejects file in the asked format (decrypted).
pub(crate) fn render(files: &FileOpener, path: &Path, format: RejectsFormat) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| read_error(path, &e);
    match format {
        RejectsFormat::Csv => files.read_all(path),
        RejectsFormat::Xlsx => {
            let f = std::io::BufReader::new(files.open(path)?);
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let xl = |e: rust_xlsxwriter::XlsxError| {
                tracing::error!(error = %e, "writing rejected rows workbook");
                Error::internal("the rejected rows report could not be written")
            };
            sheet.set_name("不合格数据").map_err(xl)?;
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(f);
            for (i, rec) in rdr.records().enumerate().take(MAX_XLSX_ROWS + 1) {
                let rec = rec.map_err(|e| io(std::io::Error::from(e)))?;
                let row = u32::try_from(i).unwrap_or(u32::MAX);
                for (c, v) in rec.iter().enumerate() {
                    let v = if i == 0 && c == 0 { v.trim_start_matches('\u{feff}') } else { v };
                    let col = u16::try_from(c).unwrap_or(u16::MAX);
                    match (i > 0 && c < 2).then(|| v.parse::<f64>().ok()).flatten() {
                        Some(n) => sheet.write_number(row, col, n).map(|_| ()),
                        None => sheet.write_string(row, col, v).map(|_| ()),
                    }
                    .map_err(xl)?;
                }
            }
            sheet.set_column_width(3, 30).map_err(xl)?;
            sheet.set_column_width(4, 50).map_err(xl)?;
            book.save_to_buffer().map_err(xl)
        }
    }
}

/// The first `limit` rejected rows of a file, for showing on a page.
pub(crate) fn preview(files: &FileOpener, path: &Path, limit: usize) -> Result<Vec<[String; 5]>> {
    let f = files.open(path)?;
    let mut out = Vec::new();
    let reader = std::io::BufReader::new(f);
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    for rec in rdr.records().take(limit) {
        let Ok(rec) = rec else { break };
        let g = |i: usize| rec.get(i).unwrap_or_default().to_owned();
        out.push([g(0), g(1), g(2), g(3), g(4)]);
    }
    Ok(out)
}
