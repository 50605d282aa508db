//! The catalogue "一本账" as files: an Excel workbook (`信息资源`, `信息项` and `填写说明`
//! sheets), a pair of CSV files, or JSON; export, an empty import template, and an
//! all-or-nothing import that reports every problem with its sheet, row and column.
//!
//! This crate owns the file layout (sheet names, column headers, how values are written and
//! read) and nothing else: it does not store entries, assign codes or check permissions. The
//! import returns bodies that passed `zs_catalog::validate::problems` (plus file-level checks:
//! unknown values, missing cells, duplicate names, items without their resource); the caller
//! commits all of them or none. It depends on `zs-catalog`'s model only, never on HTTP.

mod columns;
mod export;
mod import;
mod read;
mod table;
mod vocab;

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;
use zs_catalog::EntryBody;
use zs_types::ErrorCode;

pub use columns::{ENTRIES_SHEET, GUIDE_SHEET, ITEMS_SHEET, JSON_SHEET};
pub use export::{export_csv, export_json, export_xlsx, template_xlsx};
pub use read::{import_csv, import_json, import_xlsx};

/// The most problems an [`ImportError`] lists; the rest are only counted.
pub const MAX_PROBLEMS: usize = 1000;

/// A failure to write an export. These are internal failures (the data was valid when it
/// reached the writer), reported as `internal` to callers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Excel writer failed.
    #[error("writing the Excel workbook failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The CSV writer failed.
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
    /// Serialising JSON failed.
    #[error("writing JSON failed: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<Error> for zs_types::Error {
    fn from(e: Error) -> Self {
        zs_types::Error::internal(format!("catalogue export failed: {e}"))
    }
}

/// One entry read from a file: its body, and its code when the file is a re-imported export
/// (a new resource has none; the platform assigns it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportedEntry {
    /// 信息资源代码 from the file, if the row had one.
    pub code: Option<String>,
    /// The validated content.
    pub body: EntryBody,
}

/// One problem in an imported file, located the way a person finds it in Excel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CellProblem {
    /// Sheet name (`信息资源`, `信息项`; the same names for the two CSV files; `JSON` for JSON);
    /// empty when the file as a whole cannot be read.
    pub sheet: String,
    /// 1-based row as Excel shows it (the header is row 1 in an export); for JSON the 1-based
    /// position in the array; 0 when the problem concerns the whole sheet or file.
    pub row: usize,
    /// Header text of the column (for JSON, the element path such as `sharing.legal_basis`);
    /// empty when the problem concerns a whole row, sheet or file.
    pub column: String,
    /// What is wrong and, where it helps, what is allowed.
    pub message: String,
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.sheet == JSON_SHEET { "entry" } else { "row" };
        let mut place = self.sheet.clone();
        if self.row > 0 {
            place.push_str(&format!(" {noun} {}", self.row));
        }
        if !self.column.is_empty() {
            if !place.is_empty() {
                place.push_str(", ");
            }
            place.push_str(&self.column);
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{place}: {}", self.message)
        }
    }
}

/// Why an import was refused: every problem found (up to [`MAX_PROBLEMS`]), in sheet and row
/// order. Nothing from the file may be committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportError {
    /// The problems, sheet `信息资源` first, then `信息项`, each by row.
    pub problems: Vec<CellProblem>,
    /// How many further problems were found but not listed (beyond [`MAX_PROBLEMS`]).
    #[serde(default)]
    pub omitted: usize,
}

impl ImportError {
    /// An error with a single problem.
    pub fn single(sheet: &str, row: usize, column: &str, message: impl Into<String>) -> Self {
        Self {
            problems: vec![CellProblem {
                sheet: sheet.to_owned(),
                row,
                column: column.to_owned(),
                message: message.into(),
            }],
            omitted: 0,
        }
    }

    /// Total number of problems found, listed or not.
    pub fn total(&self) -> usize {
        self.problems.len() + self.omitted
    }

    /// A short summary for an API message: the count and the first few problems.
    pub fn summary(&self) -> String {
        const SHOWN: usize = 5;
        let total = self.total();
        let mut s = format!("the file was not imported: {total} problem{} found", if total == 1 { "" } else { "s" });
        for p in self.problems.iter().take(SHOWN) {
            s.push_str("; ");
            s.push_str(&p.to_string());
        }
        if total > SHOWN {
            s.push_str(&format!("; … and {} more", total - SHOWN));
        }
        s
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.problems {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{p}")?;
        }
        if self.omitted > 0 {
            if !first {
                writeln!(f)?;
            }
            write!(f, "… and {} more problems", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

impl From<ImportError> for zs_types::Error {
    fn from(e: ImportError) -> Self {
        zs_types::Error::new(ErrorCode::InvalidInput, e.summary())
    }
}

impl From<&ImportError> for zs_types::Error {
    fn from(e: &ImportError) -> Self {
        zs_types::Error::new(ErrorCode::InvalidInput, e.summary())
    }
}
