//! Files as tables of text cells, the problem list, and a reader that parses the cells of one
//! row into model values while recording every problem with its sheet, row and column.

use crate::columns::{header_matches, normalise_header, Column, Use, ENTRIES_SHEET, ITEMS_SHEET};
use crate::vocab::Vocab;
use crate::{CellProblem, ImportError, MAX_PROBLEMS};

/// One cell as read from a file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Nothing in it.
    Empty,
    /// Its text (numbers already written the way a person reads them: `12`, not `12.0`).
    Text(String),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Error(_) => false,
        }
    }
}

/// One data row with its 1-based row number in the file.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// A sheet: header texts and data rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub sheet: &'static str,
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Build a table from numbered rows: the first non-blank row is the header, blank rows are
    /// skipped.
    pub fn from_rows(sheet: &'static str, rows: impl IntoIterator<Item = (usize, Vec<Cell>)>) -> Self {
        let mut t = Table { sheet, header_row: 1, headers: Vec::new(), rows: Vec::new() };
        let mut have_header = false;
        for (number, cells) in rows {
            if cells.iter().all(Cell::is_blank) {
                continue;
            }
            if have_header {
                t.rows.push(Row { number, cells });
            } else {
                have_header = true;
                t.header_row = number;
                t.headers = cells
                    .into_iter()
                    .map(|c| match c {
                        Cell::Text(s) => normalise_header(&s).to_owned(),
                        Cell::Empty | Cell::Error(_) => String::new(),
                    })
                    .collect();
            }
        }
        t
    }
}

/// Collects problems; sorts and caps them at the end.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<CellProblem>);

impl Problems {
    /// Record a problem.
    pub fn add(&mut self, sheet: &str, row: usize, column: &str, message: impl Into<String>) {
        self.0.push(CellProblem { sheet: sheet.to_owned(), row, column: column.to_owned(), message: message.into() });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error: `信息资源` first, then `信息项`, each by row (a stable sort keeps the column
    /// order within a row), at most [`MAX_PROBLEMS`] listed.
    pub fn into_error(self) -> ImportError {
        let mut list = self.0;
        let rank = |s: &str| match s {
            ENTRIES_SHEET => 0,
            ITEMS_SHEET => 1,
            _ => 2,
        };
        list.sort_by_key(|p| (rank(&p.sheet), p.row));
        let omitted = list.len().saturating_sub(MAX_PROBLEMS);
        list.truncate(MAX_PROBLEMS);
        ImportError { problems: list, omitted }
    }

    /// `Ok(value)` when no problem was found, else the error.
    pub fn finish<T>(self, value: T) -> Result<T, ImportError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self.into_error())
        }
    }
}

/// Where each defined column sits in a table (by position in the definition array).
pub(crate) struct Positions(pub Vec<Option<usize>>);

pub(crate) fn locate_columns(t: &Table, defs: &'static [Column], p: &mut Problems) -> Positions {
    let mut pos: Vec<Option<usize>> = vec![None; defs.len()];
    for (h, header) in t.headers.iter().enumerate() {
        if let Some(d) = defs.iter().position(|c| header_matches(c, header)) {
            match pos[d] {
                Some(_) => p.add(
                    t.sheet,
                    t.header_row,
                    defs[d].header,
                    format!("the column {} appears more than once in the header row; keep one", defs[d].header),
                ),
                None => pos[d] = Some(h),
            }
        }
    }
    for (d, c) in defs.iter().enumerate() {
        if c.usage == Use::Required && pos[d].is_none() {
            p.add(t.sheet, t.header_row, c.header, format!("the column {} is missing from the header row", c.header));
        }
    }
    Positions(pos)
}

/// Reads the cells of one row, recording every problem.
pub(crate) struct RowReader<'a> {
    pub sheet: &'static str,
    pub row: &'a Row,
    pub pos: &'a Positions,
    pub defs: &'static [Column],
    pub p: &'a mut Problems,
    /// False once anything in the row failed.
    pub ok: bool,
}

impl RowReader<'_> {
    pub fn fail(&mut self, c: usize, message: impl Into<String>) {
        self.ok = false;
        self.p.add(self.sheet, self.row.number, self.defs[c].header, message);
    }

    /// The trimmed text of a cell, `None` when empty or the column is absent; `Err` when the
    /// cell holds an error value (already reported).
    pub fn cell(&mut self, c: usize) -> Result<Option<String>, ()> {
        let Some(i) = self.pos.0[c] else { return Ok(None) };
        match self.row.cells.get(i) {
            None | Some(Cell::Empty) => Ok(None),
            Some(Cell::Text(s)) => {
                let s = s.trim();
                Ok((!s.is_empty()).then(|| s.to_owned()))
            }
            Some(Cell::Error(e)) => {
                let e = e.clone();
                self.fail(c, format!("the cell holds the Excel error {e}; enter a value"));
                Err(())
            }
        }
    }

    pub fn optional(&mut self, c: usize) -> Option<String> {
        self.cell(c).ok().flatten()
    }

    pub fn required(&mut self, c: usize) -> Option<String> {
        match self.cell(c) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                if self.pos.0[c].is_some() {
                    let h = self.defs[c].header;
                    self.fail(c, format!("{h} is required; the cell is empty"));
                } else {
                    // The missing column was reported once, at the header row.
                    self.ok = false;
                }
                None
            }
            Err(()) => None,
        }
    }

    pub fn parse_vocab<T: Vocab>(&mut self, c: usize, s: &str) -> Option<T> {
        let v = T::parse_cell(s);
        if v.is_none() {
            self.fail(c, format!("'{s}' is not a {}; use one of: {}", T::WHAT, T::labels().join("、")));
        }
        v
    }

    pub fn vocab<T: Vocab>(&mut self, c: usize) -> Option<T> {
        let s = self.required(c)?;
        self.parse_vocab(c, &s)
    }

    pub fn parse_whole<T: TryFrom<u64>>(&mut self, c: usize, s: &str) -> Option<T> {
        let n = s.parse::<u64>().ok().or_else(|| {
            let f = s.parse::<f64>().ok()?;
            // Whole numbers written as `12.0`; the range check below bounds the value.
            (f.fract() == 0.0 && (0.0..1e15).contains(&f)).then_some(f as u64)
        });
        let Some(n) = n else {
            self.fail(c, format!("'{s}' is not a whole number (0, 1, 2, …)"));
            return None;
        };
        let v = T::try_from(n).ok();
        if v.is_none() {
            self.fail(c, format!("{n} is too large for {}", self.defs[c].header));
        }
        v
    }

    pub fn whole<T: TryFrom<u64>>(&mut self, c: usize) -> Option<T> {
        let s = self.required(c)?;
        self.parse_whole(c, &s)
    }

    pub fn optional_whole<T: TryFrom<u64>>(&mut self, c: usize) -> Option<Option<T>> {
        match self.optional(c) {
            None => Some(None),
            Some(s) => self.parse_whole(c, &s).map(Some),
        }
    }

    pub fn yes_no(&mut self, c: usize) -> bool {
        let Some(s) = self.optional(c) else { return false };
        match s.to_ascii_lowercase().as_str() {
            "是" | "y" | "yes" | "true" | "1" => true,
            "否" | "n" | "no" | "false" | "0" => false,
            _ => {
                self.fail(c, format!("'{s}' is not 是 or 否"));
                false
            }
        }
    }
}
