//! Excel workbooks as row sources: xlsx streamed cell by cell (after a zip-bomb check of the
//! archive), legacy xls through its sheet range; merged regions filled, dates as ISO text.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};

use calamine::{Data, DataRef, Dimensions, ExcelDateTime, Range, Reader, Xls, Xlsx, XlsxCellReader};
use zs_catalog::DataType;

use crate::error::{Result, TablesError};
use crate::schema::Column;
use crate::source::{float_text, Format, RowSource};

/// Entries above this size are checked for their compression ratio.
const RATIO_CHECK_BYTES: u64 = 1 << 20;
/// Highest compression ratio accepted for a large zip entry: spreadsheet XML compresses about
/// 5–50:1; deflate's ceiling (a run of one byte) is about 1030:1, what zip bombs use.
pub(crate) const MAX_COMPRESSION_RATIO: u64 = 500;

fn malformed(line: u64, message: impl Into<String>) -> TablesError {
    TablesError::Malformed { line, message: message.into() }
}

/// Refuse a zip archive that is damaged, or whose entries declare more than `limit` bytes in
/// all or compress suspiciously well (a zip bomb), before any part is decompressed. The zip
/// reader stops any entry that expands past its declared size, so the declared sizes checked
/// here bound the bytes actually read. Leaves `reader` at the start.
pub(crate) fn check_zip<R: Read + Seek>(reader: &mut R, limit: u64) -> Result<()> {
    let mut zip = zip::ZipArchive::new(&mut *reader).map_err(|e| {
        malformed(0, format!("the workbook is damaged or cut short (its zip directory cannot be read: {e})"))
    })?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f =
            zip.by_index_raw(i).map_err(|e| malformed(0, format!("the workbook's zip entry {i} is damaged: {e}")))?;
        let (size, packed) = (f.size(), f.compressed_size());
        let entry = f.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{i}"));
        total = total.saturating_add(size);
        if total > limit {
            return Err(malformed(
                0,
                format!(
                    "the workbook expands to more than {limit} bytes (entry '{}' declares {size} bytes): refused as a possible zip bomb",
                    entry
                ),
            ));
        }
        if size > RATIO_CHECK_BYTES && size / packed.max(1) > MAX_COMPRESSION_RATIO {
            return Err(malformed(
                0,
                format!(
                    "the workbook's entry '{}' compresses {}:1 ({packed} bytes to {size}), more than {MAX_COMPRESSION_RATIO}:1: refused as a possible zip bomb",
                    entry,
                    size / packed.max(1)
                ),
            ));
        }
    }
    drop(zip);
    reader.seek(SeekFrom::Start(0)).map_err(|e| TablesError::io("<input>", e))?;
    Ok(())
}

/// One cell value as the sheet readers hand it over.
pub(crate) enum Cv<'a> {
    Empty,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(ExcelDateTime),
    Error(String),
}

impl<'a> Cv<'a> {
    fn of_ref(d: &'a DataRef<'_>) -> Self {
        match d {
            DataRef::Int(i) => Cv::Int(*i),
            DataRef::Float(f) => Cv::Float(*f),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cv::Str(s),
            DataRef::SharedString(s) => Cv::Str(s),
            DataRef::Bool(b) => Cv::Bool(*b),
            DataRef::DateTime(d) => Cv::Date(*d),
            DataRef::Error(e) => Cv::Error(e.to_string()),
            DataRef::Empty => Cv::Empty,
        }
    }

    fn of_data(d: &'a Data) -> Self {
        match d {
            Data::Int(i) => Cv::Int(*i),
            Data::Float(f) => Cv::Float(*f),
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cv::Str(s),
            Data::Bool(b) => Cv::Bool(*b),
            Data::DateTime(d) => Cv::Date(*d),
            Data::Error(e) => Cv::Error(e.to_string()),
            Data::Empty => Cv::Empty,
        }
    }
}

/// A stream of a sheet's cells in row-major order.
pub(crate) trait CellStream {
    /// Hand the next cell to `f`; `Ok(false)` at the end of the sheet.
    fn next_cell(&mut self, f: &mut dyn FnMut(u32, u32, Cv<'_>)) -> Result<bool>;
}

/// The xlsx sheet, streamed from its XML.
pub(crate) struct XlsxCells<'a, RS: Read + Seek> {
    reader: XlsxCellReader<'a, RS>,
    sheet: String,
    row: u32,
}

impl<RS: Read + Seek> CellStream for XlsxCells<'_, RS> {
    fn next_cell(&mut self, f: &mut dyn FnMut(u32, u32, Cv<'_>)) -> Result<bool> {
        match self.reader.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                self.row = r;
                f(r, c, Cv::of_ref(cell.get_value()));
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(malformed(
                u64::from(self.row) + 1,
                format!("sheet '{}' cannot be read after row {}: {e}", self.sheet, self.row + 1),
            )),
        }
    }
}

/// The xls sheet, read whole (xls sheets hold at most 65,536 rows).
pub(crate) struct RangeCells {
    range: Range<Data>,
    start: (u32, u32),
    size: (usize, usize),
    at: (usize, usize),
}

impl RangeCells {
    fn new(range: Range<Data>) -> Self {
        let start = range.start().unwrap_or((0, 0));
        let size = range.get_size();
        Self { range, start, size, at: (0, 0) }
    }
}

impl CellStream for RangeCells {
    fn next_cell(&mut self, f: &mut dyn FnMut(u32, u32, Cv<'_>)) -> Result<bool> {
        while self.at.0 < self.size.0 {
            let (r, c) = self.at;
            self.at = if c + 1 < self.size.1 { (r, c + 1) } else { (r + 1, 0) };
            match self.range.get((r, c)) {
                None | Some(Data::Empty) => continue,
                Some(d) => {
                    f(self.start.0 + r as u32, self.start.1 + c as u32, Cv::of_data(d));
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// Cells of one row, indexed by sheet column, reusing their strings.
#[derive(Default)]
struct RowBuf {
    row: u32,
    texts: Vec<String>,
    set: Vec<bool>,
    any: bool,
    problems: Vec<(u32, String)>,
}

impl RowBuf {
    fn clear(&mut self) {
        for s in &mut self.set {
            *s = false;
        }
        self.any = false;
        self.problems.clear();
    }

    fn slot(&mut self, c: usize) -> &mut String {
        if c >= self.texts.len() {
            self.texts.resize_with(c + 1, String::new);
            self.set.resize(c + 1, false);
        }
        self.set[c] = true;
        self.any = true;
        let s = &mut self.texts[c];
        s.clear();
        s
    }

    fn get(&self, c: usize) -> Option<&str> {
        match self.set.get(c) {
            Some(true) => self.texts.get(c).map(String::as_str),
            _ => None,
        }
    }
}

/// The row being filled, the finished row, and what converting a cell needs.
struct Fill {
    filling: RowBuf,
    ready: RowBuf,
    have_ready: bool,
    /// Target type per sheet column (after [`RowSource::bind`]).
    types: Vec<Option<DataType>>,
    /// Highest sheet column kept (after the header is read).
    max_col: Option<u32>,
    /// Merged regions whose top-left cell is a key of this map, and its value when seen.
    top_left: HashMap<(u32, u32), usize>,
    region_text: Vec<Option<String>>,
}

impl Fill {
    fn put(&mut self, r: u32, c: u32, v: Cv<'_>) {
        if r != self.filling.row {
            if self.filling.any {
                std::mem::swap(&mut self.filling, &mut self.ready);
                self.have_ready = true;
            }
            self.filling.clear();
            self.filling.row = r;
        }
        if !self.top_left.is_empty() {
            if let Some(&k) = self.top_left.get(&(r, c)) {
                let mut s = String::new();
                if !matches!(v, Cv::Empty) {
                    write_cell(&mut s, &v, None);
                    self.region_text[k] = Some(s);
                }
            }
        }
        if self.max_col.is_some_and(|m| c > m) {
            return;
        }
        let ty = self.types.get(c as usize).copied().flatten();
        match v {
            Cv::Empty => {}
            Cv::Str("") => {}
            Cv::Error(e) => self.filling.problems.push((c, format!("the cell holds the error {e}"))),
            v => {
                let slot = self.filling.slot(c as usize);
                write_cell(slot, &v, ty);
            }
        }
    }
}

/// Cell text: whole numbers without ".0", dates as ISO text suited to the target type.
fn write_cell(out: &mut String, v: &Cv<'_>, ty: Option<DataType>) {
    match v {
        Cv::Empty | Cv::Error(_) => {}
        Cv::Str(s) => out.push_str(s),
        Cv::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Cv::Float(f) => out.push_str(&float_text(*f)),
        Cv::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Cv::Date(d) if d.is_duration() => out.push_str(&float_text(d.as_f64())),
        Cv::Date(d) => {
            let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
            let _ = write!(out, "{y:04}-{mo:02}-{day:02}");
            let has_time = (h, mi, s, ms) != (0, 0, 0, 0);
            if ty == Some(DataType::DateTime) || has_time {
                let _ = write!(out, " {h:02}:{mi:02}:{s:02}");
                if ms > 0 {
                    let _ = write!(out, ".{ms:03}");
                }
            }
        }
    }
}

/// A worksheet as a [`RowSource`]: the first non-empty row is the header; empty rows are
/// skipped; a merged region's value applies to every data cell it covers; `line` is the sheet
/// row number (1-based).
pub(crate) struct SheetRows<C> {
    cells: C,
    fill: Fill,
    format: Format,
    sheet: String,
    /// Sheet column of header column 0.
    first_col: u32,
    width: usize,
    /// Merged regions by first row, and the ones covering the current row.
    regions: Vec<(Dimensions, usize)>,
    next_region: usize,
    active: Vec<(Dimensions, usize)>,
    problems: Vec<(usize, String)>,
    done: bool,
}

impl<C: CellStream> SheetRows<C> {
    fn new(cells: C, merged: Vec<Dimensions>, format: Format, sheet: String) -> Self {
        let mut regions: Vec<(Dimensions, usize)> = merged.into_iter().enumerate().map(|(i, d)| (d, i)).collect();
        regions.sort_by_key(|(d, _)| d.start);
        let top_left = regions.iter().map(|(d, i)| (d.start, *i)).collect();
        let region_text = vec![None; regions.len()];
        Self {
            cells,
            fill: Fill {
                filling: RowBuf::default(),
                ready: RowBuf::default(),
                have_ready: false,
                types: Vec::new(),
                max_col: None,
                top_left,
                region_text,
            },
            format,
            sheet,
            first_col: 0,
            width: 0,
            regions,
            next_region: 0,
            active: Vec::new(),
            problems: Vec::new(),
            done: false,
        }
    }

    /// Advance to the next non-empty row (cells only, no merge filling).
    fn next_row(&mut self) -> Result<bool> {
        self.fill.have_ready = false;
        if self.done {
            return Ok(false);
        }
        let Self { cells, fill, done, .. } = self;
        while !fill.have_ready {
            if !cells.next_cell(&mut |r, c, v| fill.put(r, c, v))? {
                *done = true;
                if fill.filling.any {
                    std::mem::swap(&mut fill.filling, &mut fill.ready);
                    fill.filling.clear();
                    fill.filling.row = u32::MAX;
                    return Ok(true);
                }
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Give the current row the values of the merged regions covering it.
    fn fill_merged(&mut self) {
        let r = self.fill.ready.row;
        self.active.retain(|(d, _)| d.end.0 >= r);
        while self.next_region < self.regions.len() && self.regions[self.next_region].0.start.0 <= r {
            let reg = self.regions[self.next_region];
            if reg.0.end.0 >= r {
                self.active.push(reg);
            }
            self.next_region += 1;
        }
        let last = self.first_col as usize + self.width;
        for (d, k) in &self.active {
            let Some(text) = &self.fill.region_text[*k] else { continue };
            for c in d.start.1..=d.end.1 {
                if (r, c) == d.start || (c as usize) < self.first_col as usize || c as usize >= last {
                    continue;
                }
                let slot = self.fill.ready.slot(c as usize);
                slot.push_str(text);
            }
        }
    }
}

impl<C: CellStream> RowSource for SheetRows<C> {
    fn header(&mut self) -> Result<Vec<String>> {
        if !self.next_row()? {
            return Err(malformed(0, format!("sheet '{}' is empty: no header row", self.sheet)));
        }
        let row = &self.fill.ready;
        let cols: Vec<usize> = (0..row.set.len()).filter(|&c| row.set[c]).collect();
        let (first, last) = match (cols.first(), cols.last()) {
            (Some(&f), Some(&l)) => (f, l),
            _ => return Err(malformed(0, format!("sheet '{}' has no header row", self.sheet))),
        };
        self.first_col = first as u32;
        self.width = last - first + 1;
        self.fill.max_col = Some(last as u32);
        Ok((first..=last).map(|c| row.get(c).unwrap_or("").trim().to_owned()).collect())
    }

    fn bind(&mut self, targets: &[Option<&Column>]) {
        let mut types = vec![None; self.first_col as usize + targets.len()];
        for (i, t) in targets.iter().enumerate() {
            types[self.first_col as usize + i] = t.map(|c| c.data_type);
        }
        self.fill.types = types;
    }

    fn next_record(&mut self) -> Result<bool> {
        if !self.next_row()? {
            return Ok(false);
        }
        if !self.regions.is_empty() {
            self.fill_merged();
        }
        self.problems.clear();
        for (c, reason) in &self.fill.ready.problems {
            if let Some(i) = c.checked_sub(self.first_col).map(|i| i as usize).filter(|&i| i < self.width) {
                self.problems.push((i, reason.clone()));
            }
        }
        Ok(true)
    }

    fn field(&self, i: usize) -> Option<&str> {
        self.fill.ready.get(self.first_col as usize + i)
    }

    fn line(&self) -> u64 {
        u64::from(self.fill.ready.row) + 1
    }

    fn problems(&self) -> &[(usize, String)] {
        &self.problems
    }

    fn format(&self) -> Option<Format> {
        Some(self.format)
    }
}

fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String> {
    match wanted {
        Some(w) => names.iter().find(|n| n.as_str() == w).cloned().ok_or_else(|| {
            malformed(0, format!("the workbook has no sheet named '{w}' (its sheets: {})", names.join(", ")))
        }),
        None => names.first().cloned().ok_or_else(|| malformed(0, "the workbook has no sheets")),
    }
}

/// Run `f` on the rows of an xlsx workbook's sheet (checked for zip bombs first).
pub(crate) fn with_xlsx_rows<R: Read + Seek, T>(
    mut reader: R,
    sheet: Option<&str>,
    limit: u64,
    f: impl FnOnce(&mut dyn RowSource) -> Result<T>,
) -> Result<T> {
    check_zip(&mut reader, limit)?;
    let mut book: Xlsx<R> =
        Xlsx::new(reader).map_err(|e| malformed(0, format!("not a readable xlsx workbook: {e}")))?;
    let name = pick_sheet(&book.sheet_names(), sheet)?;
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| malformed(0, format!("sheet '{name}': its merged cells cannot be read: {e}")))?;
    let reader =
        book.worksheet_cells_reader(&name).map_err(|e| malformed(0, format!("sheet '{name}' cannot be read: {e}")))?;
    let cells = XlsxCells { reader, sheet: name.clone(), row: 0 };
    let mut rows = SheetRows::new(cells, merged, Format::Xlsx, name);
    f(&mut rows)
}

/// Run `f` on the rows of a legacy xls workbook's sheet.
pub(crate) fn with_xls_rows<R: Read + Seek, T>(
    reader: R,
    sheet: Option<&str>,
    f: impl FnOnce(&mut dyn RowSource) -> Result<T>,
) -> Result<T> {
    let mut book: Xls<R> = Xls::new(reader).map_err(|e| malformed(0, format!("not a readable xls workbook: {e}")))?;
    let name = pick_sheet(&book.sheet_names(), sheet)?;
    let merged = book.merge_cells_by_sheet_name(&name).unwrap_or_default();
    let range = book.worksheet_range(&name).map_err(|e| malformed(0, format!("sheet '{name}' cannot be read: {e}")))?;
    let mut rows = SheetRows::new(RangeCells::new(range), merged, Format::Xls, name);
    f(&mut rows)
}
