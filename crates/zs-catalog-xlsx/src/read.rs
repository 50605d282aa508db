//! Turning files into tables of text cells (Excel with calamine, CSV in UTF-8 or GB18030) or, for
//! JSON, straight into bodies; then the shared import.

use crate::columns::{ENTRIES_SHEET, ITEMS_SHEET, JSON_SHEET};
use crate::import::import_tables;
use crate::table::{Cell, Problems, Table};
use crate::{ImportError, ImportedEntry};
use calamine::{open_workbook_auto_from_rs, Data, Reader};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use zs_catalog::classification::is_resource_code;
use zs_catalog::validate::problems;
use zs_catalog::EntryBody;

/// Import an Excel workbook (`.xlsx`; legacy `.xls` and `.ods` too, which the same reader
/// understands) laid out like [`crate::export_xlsx`]: sheets `信息资源` and `信息项`, columns
/// found by header text. Either every entry is returned, validated, or the error lists every
/// problem; the caller commits all or nothing.
pub fn import_xlsx(bytes: &[u8]) -> Result<Vec<ImportedEntry>, ImportError> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        ImportError::single(
            "",
            0,
            "",
            format!("the file is not an Excel workbook that can be read (.xlsx or .xls): {e}"),
        )
    })?;
    let names = wb.sheet_names();
    let mut p = Problems::default();
    for wanted in [ENTRIES_SHEET, ITEMS_SHEET] {
        if !names.iter().any(|n| n == wanted) {
            p.add(wanted, 0, "", format!("sheet {wanted} not found; sheets present: {}", names.join(", ")));
        }
    }
    if !p.is_empty() {
        return Err(p.into_error());
    }
    let mut table = |sheet: &'static str| -> Result<Table, ImportError> {
        let range = wb
            .worksheet_range(sheet)
            .map_err(|e| ImportError::single(sheet, 0, "", format!("sheet {sheet} cannot be read: {e}")))?;
        let (top, _) = range.start().unwrap_or((0, 0));
        let first = usize::try_from(top).unwrap_or(0) + 1;
        Ok(Table::from_rows(sheet, range.rows().enumerate().map(|(i, r)| (first + i, r.iter().map(cell).collect()))))
    };
    let entries = table(ENTRIES_SHEET)?;
    let items = table(ITEMS_SHEET)?;
    import_tables(&entries, Some(&items))
}

/// A calamine cell as text, numbers the way a person reads them.
fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Text(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Cell::Text(format!("{f:.0}")),
        Data::Float(f) => Cell::Text(f.to_string()),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Cell::Text(d.to_string()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Import the two CSV files laid out like [`crate::export_csv`]. Each may be UTF-8 (with or
/// without a byte-order mark) or GB18030/GBK: text that is valid UTF-8 is read as UTF-8, other
/// text as GB18030. An empty items file means no items. Problems are reported with the sheet
/// names `信息资源` and `信息项` and the row numbers Excel shows for the file.
pub fn import_csv(entries_csv: &[u8], items_csv: &[u8]) -> Result<Vec<ImportedEntry>, ImportError> {
    let mut p = Problems::default();
    let entries = csv_table(ENTRIES_SHEET, entries_csv, &mut p);
    let items =
        if items_csv.iter().all(u8::is_ascii_whitespace) { None } else { csv_table(ITEMS_SHEET, items_csv, &mut p) };
    if !p.is_empty() {
        return Err(p.into_error());
    }
    match entries {
        Some(entries) => import_tables(&entries, items.as_ref()),
        None => Err(p.into_error()),
    }
}

/// Decode a CSV file's bytes: UTF-8 when valid (dropping a BOM), else GB18030.
fn decode(sheet: &str, bytes: &[u8], p: &mut Problems) -> Option<String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        p.add(sheet, 0, "", "the file is in UTF-16, which is not supported: save it as CSV in UTF-8 or GB18030");
        return None;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        let line = text.split('\u{FFFD}').next().map_or(1, |before| before.matches('\n').count() + 1);
        p.add(
            sheet,
            line,
            "",
            "the file is neither UTF-8 nor GB18030: it holds bytes that decode as neither; save it as CSV in UTF-8",
        );
        return None;
    }
    Some(text.into_owned())
}

fn csv_table(sheet: &'static str, bytes: &[u8], p: &mut Problems) -> Option<Table> {
    let text = decode(sheet, bytes, p)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(r) => rows.push((i + 1, r.iter().map(|c| Cell::Text(c.to_owned())).collect())),
            Err(e) => {
                let row = e.position().map_or(i + 1, |pos| usize::try_from(pos.record()).unwrap_or(i) + 1);
                p.add(sheet, row, "", format!("the CSV cannot be read here: {e}"));
                return None;
            }
        }
    }
    Some(Table::from_rows(sheet, rows))
}

/// An element of a JSON import: an exported [`zs_catalog::Entry`] (only `code` and `body` are
/// read) or a bare [`EntryBody`].
#[derive(Deserialize)]
struct WithBody {
    #[serde(default)]
    code: Option<String>,
    body: EntryBody,
}

/// Import JSON: an array of [`EntryBody`] or of exported [`zs_catalog::Entry`] (whose `code`
/// and `body` are kept; the rest is assigned by the platform). Problems are located by the
/// 1-based position in the array and the element path.
pub fn import_json(bytes: &[u8]) -> Result<Vec<ImportedEntry>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let values: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
        ImportError::single("", 0, "", format!("the file is not a JSON array of catalogue entries: {e}"))
    })?;
    let mut p = Problems::default();
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let parsed = if v.get("body").is_some() {
            serde_json::from_value::<WithBody>(v).map(|w| ImportedEntry { code: w.code, body: w.body })
        } else {
            serde_json::from_value::<EntryBody>(v).map(|body| ImportedEntry { code: None, body })
        };
        match parsed {
            Ok(e) => out.push((i + 1, e)),
            Err(e) => p.add(JSON_SHEET, i + 1, "", format!("not a catalogue entry: {e}")),
        }
    }
    check_bodies(out, p)
}

/// Check bodies that arrived whole (JSON): codes, unique names and codes, then validation;
/// problems are located by array position and element path.
/// `entries` pairs each body with its 1-based position in the array.
fn check_bodies(entries: Vec<(usize, ImportedEntry)>, mut p: Problems) -> Result<Vec<ImportedEntry>, ImportError> {
    if entries.is_empty() && p.is_empty() {
        p.add(JSON_SHEET, 0, "", "the array is empty: there are no resources to import");
    }
    let (mut names, mut codes) = (HashMap::new(), HashSet::new());
    for (n, e) in &entries {
        let n = *n;
        if let Some(code) = &e.code {
            if !is_resource_code(code) {
                p.add(JSON_SHEET, n, "code", format!("'{code}' is not a resource code (e.g. 101001000/000001)"));
            } else if !codes.insert(code.as_str()) {
                p.add(JSON_SHEET, n, "code", format!("信息资源代码 '{code}' appears more than once in the file"));
            }
        }
        if let Some(first) = names.insert(e.body.name.trim(), n) {
            names.insert(e.body.name.trim(), first);
            p.add(
                JSON_SHEET,
                n,
                "name",
                format!("信息资源名称 '{}' is already used by entry {first}; names must be unique", e.body.name),
            );
        }
        for problem in problems(&e.body) {
            p.add(JSON_SHEET, n, &problem.field, problem.message);
        }
    }
    p.finish(entries.into_iter().map(|(_, e)| e).collect())
}
