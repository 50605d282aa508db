//! Row sources: every input format (and every caller feeding rows of its own) yields a header
//! once and then records whose fields the checked ingest reads in place.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zs_catalog::DataType;

use crate::decode::{DecodeError, DecodingReader, Enc};
use crate::error::{Result, TablesError};
use crate::ingest::ColumnMapping;
use crate::schema::{Column, TableSchema};

/// An input format [`crate::ingest_file`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated text with a header line, UTF-8 (BOM or not) or GB18030.
    Csv,
    /// Excel 2007+ workbook (a zip of XML parts).
    Xlsx,
    /// Legacy Excel 97–2003 workbook (BIFF8 in an OLE compound file).
    Xls,
    /// A JSON array of objects.
    Json,
    /// JSON Lines: one object per line.
    JsonLines,
    /// A GeoJSON FeatureCollection: feature properties are the items, the geometry feeds the
    /// resource's geometry item.
    GeoJson,
}

impl Format {
    /// The format's usual name (for messages and reports).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::GeoJson => "geojson",
        }
    }
}

/// A stream of records with a header: what the checked ingest ([`crate::ingest_rows`]) consumes.
///
/// The protocol: [`RowSource::header`] once, [`RowSource::bind`] once, then
/// [`RowSource::next_record`] until it returns `false`; between two calls of `next_record` the
/// current record's fields are read with [`RowSource::field`] (borrowed from the source, so a
/// source can reuse one record buffer and allocate nothing per row). An error from `header` or
/// `next_record` means the input is malformed: the ingest stops and commits nothing.
pub trait RowSource {
    /// The column names in order (matched to items by name, Chinese label or the mapping).
    fn header(&mut self) -> Result<Vec<String>>;

    /// After the header is mapped: for each header column, the item it feeds (`None`: ignored).
    /// Sources whose text depends on the target type (Excel dates) use it; the default ignores it.
    fn bind(&mut self, targets: &[Option<&Column>]) {
        let _ = targets;
    }

    /// Move to the next record; `Ok(false)` at the end of the input.
    fn next_record(&mut self) -> Result<bool>;

    /// Field `i` (header order) of the current record; `None` when absent or null.
    fn field(&self, i: usize) -> Option<&str>;

    /// Where the current record starts, for messages: the line of a text file, the row of a
    /// sheet, the record number of a row list.
    fn line(&self) -> u64;

    /// Problems the source found in the current record (header column, reason), e.g. a nested
    /// JSON value; the fields named here read as `None`. The row is rejected with these reasons.
    fn problems(&self) -> &[(usize, String)] {
        &[]
    }

    /// The text encoding, when the source decoded bytes.
    fn encoding(&self) -> Option<Enc> {
        None
    }

    /// The format, when the source reads one.
    fn format(&self) -> Option<Format> {
        None
    }

    /// Keys met in the records that feed no item (keyed sources such as JSON), reported as
    /// ignored columns after the ingest.
    fn ignored_keys(&self) -> Vec<String> {
        Vec::new()
    }
}

impl<S: RowSource + ?Sized> RowSource for &mut S {
    fn header(&mut self) -> Result<Vec<String>> {
        (**self).header()
    }
    fn bind(&mut self, targets: &[Option<&Column>]) {
        (**self).bind(targets);
    }
    fn next_record(&mut self) -> Result<bool> {
        (**self).next_record()
    }
    fn field(&self, i: usize) -> Option<&str> {
        (**self).field(i)
    }
    fn line(&self) -> u64 {
        (**self).line()
    }
    fn problems(&self) -> &[(usize, String)] {
        (**self).problems()
    }
    fn encoding(&self) -> Option<Enc> {
        (**self).encoding()
    }
    fn format(&self) -> Option<Format> {
        (**self).format()
    }
    fn ignored_keys(&self) -> Vec<String> {
        (**self).ignored_keys()
    }
}

/// CSV text as a [`RowSource`]: decoded chunk by chunk (UTF-8 or GB18030, detected or forced),
/// one reused record buffer, strict field counts, an unclosed quote an error naming its line.
pub struct CsvRows<R: Read> {
    csv: csv::Reader<DecodingReader<R>>,
    record: csv::StringRecord,
    line: u64,
    encoding: Enc,
}

impl<R: Read> CsvRows<R> {
    /// Wrap `reader`, detecting the encoding unless `forced` (a BOM decides; without one the
    /// first 64 KiB are UTF-8 if they decode as such, GB18030 otherwise).
    pub fn new(reader: R, forced: Option<Enc>) -> Result<Self> {
        let decoder = DecodingReader::new(reader, forced).map_err(|e| TablesError::io("<input>", e))?;
        let encoding = decoder.encoding();
        let csv = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(decoder);
        Ok(Self { csv, record: csv::StringRecord::new(), line: 1, encoding })
    }

    fn odd_quotes(&self) -> bool {
        self.csv.get_ref().quotes() % 2 == 1
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    fn header(&mut self) -> Result<Vec<String>> {
        let h = self.csv.headers().map_err(|e| csv_malformed(e, 1, false))?;
        Ok(h.iter().map(str::to_owned).collect())
    }

    #[inline]
    fn next_record(&mut self) -> Result<bool> {
        match self.csv.read_record(&mut self.record) {
            Ok(true) => {
                self.line = self.record.position().map_or(self.line, |p| p.line());
                Ok(true)
            }
            Ok(false) => {
                if self.odd_quotes() {
                    return Err(TablesError::Malformed {
                        line: self.line,
                        message: "a quoted field opened on this line or after it is never closed".to_owned(),
                    });
                }
                Ok(false)
            }
            Err(e) => Err(csv_malformed(e, self.line, self.odd_quotes())),
        }
    }

    #[inline]
    fn field(&self, i: usize) -> Option<&str> {
        self.record.get(i)
    }

    #[inline]
    fn line(&self) -> u64 {
        self.line
    }

    fn encoding(&self) -> Option<Enc> {
        Some(self.encoding)
    }

    fn format(&self) -> Option<Format> {
        Some(Format::Csv)
    }
}

/// Turn a CSV error into a malformed-file error naming the line.
fn csv_malformed(e: csv::Error, last_line: u64, odd_quotes: bool) -> TablesError {
    let line = e.position().map_or(last_line, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            if let Some(d) = io.get_ref().and_then(|i| i.downcast_ref::<DecodeError>()) {
                return TablesError::Malformed {
                    line: d.line,
                    message: format!("bytes that are not valid {:?}; choose the file's encoding", d.encoding),
                };
            }
            TablesError::io("<input>", io)
        }
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => TablesError::Malformed {
            line,
            message: if odd_quotes {
                format!("row has {len} fields, the header has {expected_len} (a quote may be left open)")
            } else {
                format!("row has {len} fields, the header has {expected_len}")
            },
        },
        other => TablesError::Malformed { line, message: format!("{other:?}") },
    }
}

/// Rows a caller already holds as text (a database pull, an HTTP pull): a header and an
/// iterator of rows of the same length (`None` is null). A row of another length is malformed
/// input (an error naming the row). `line` is the 1-based row number.
pub struct VecRows<I> {
    header: Option<Vec<String>>,
    width: usize,
    rows: I,
    current: Vec<Option<String>>,
    row: u64,
}

impl<I: Iterator<Item = Vec<Option<String>>>> VecRows<I> {
    /// Rows under `header`.
    pub fn new(header: Vec<String>, rows: impl IntoIterator<IntoIter = I>) -> Self {
        Self { width: header.len(), header: Some(header), rows: rows.into_iter(), current: Vec::new(), row: 0 }
    }
}

impl<I: Iterator<Item = Vec<Option<String>>>> RowSource for VecRows<I> {
    fn header(&mut self) -> Result<Vec<String>> {
        Ok(self.header.take().unwrap_or_default())
    }

    fn next_record(&mut self) -> Result<bool> {
        let Some(row) = self.rows.next() else { return Ok(false) };
        self.row += 1;
        if row.len() != self.width {
            return Err(TablesError::Malformed {
                line: self.row,
                message: format!("row {} has {} fields, the header has {}", self.row, row.len(), self.width),
            });
        }
        self.current = row;
        Ok(true)
    }

    fn field(&self, i: usize) -> Option<&str> {
        self.current.get(i).and_then(|v| v.as_deref())
    }

    fn line(&self) -> u64 {
        self.row
    }
}

/// Turns JSON objects keyed by item name (any case), Chinese label or a mapping override into
/// rows whose header is the resource's item names. Strings, numbers and booleans become text;
/// `null` is null; a nested object or array is a problem of that row (except a GeoJSON object
/// for a geometry item); a key that feeds no item is ignored and reported.
pub(crate) struct KeyedRow {
    names: Vec<String>,
    exact: HashMap<String, usize>,
    lower: HashMap<String, usize>,
    geometry: Vec<bool>,
    values: Vec<Option<String>>,
    from_key: Vec<Option<String>>,
    problems: Vec<(usize, String)>,
    ignored: BTreeSet<String>,
}

impl KeyedRow {
    pub(crate) fn new(schema: &TableSchema, mapping: &ColumnMapping) -> Self {
        let columns = schema.columns();
        let index: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
        let mut exact = HashMap::new();
        let mut lower = HashMap::new();
        for (i, c) in columns.iter().enumerate() {
            exact.insert(c.name.clone(), i);
            exact.entry(c.label.clone()).or_insert(i);
            lower.entry(c.name.to_lowercase()).or_insert(i);
        }
        for (key, item) in mapping.overrides() {
            let i = index.get(item.as_str()).copied().or_else(|| lower.get(&item.to_lowercase()).copied());
            if let Some(i) = i {
                exact.insert(key.clone(), i);
            }
        }
        let n = columns.len();
        Self {
            names: columns.iter().map(|c| c.name.clone()).collect(),
            exact,
            lower,
            geometry: columns.iter().map(|c| c.data_type == DataType::Geometry).collect(),
            values: vec![None; n],
            from_key: vec![None; n],
            problems: Vec::new(),
            ignored: BTreeSet::new(),
        }
    }

    pub(crate) fn header(&self) -> Vec<String> {
        self.names.clone()
    }

    fn resolve(&self, key: &str) -> Option<usize> {
        let k = key.trim();
        self.exact.get(k).or_else(|| self.lower.get(&k.to_lowercase())).copied()
    }

    /// Start a new record: every field null, no problems.
    pub(crate) fn clear(&mut self) {
        for v in &mut self.values {
            *v = None;
        }
        for k in &mut self.from_key {
            *k = None;
        }
        self.problems.clear();
    }

    /// Set the fields of `obj` (after [`KeyedRow::clear`]).
    pub(crate) fn fill(&mut self, obj: &Map<String, Value>) {
        for (key, value) in obj {
            match self.resolve(key) {
                Some(i) => self.set(i, key, value),
                None => self.ignore(key),
            }
        }
    }

    /// Set item `i` from `value` given under `key`.
    pub(crate) fn set(&mut self, i: usize, key: &str, value: &Value) {
        if let Some(prev) = &self.from_key[i] {
            let reason = format!("keys '{prev}' and '{key}' both give item '{}'", self.names[i]);
            self.values[i] = None;
            self.problems.push((i, reason));
            return;
        }
        self.from_key[i] = Some(key.to_owned());
        self.values[i] = match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
            Value::Number(n) => Some(number_text(n)),
            Value::Object(_) if self.geometry[i] => Some(value.to_string()),
            Value::Object(_) | Value::Array(_) => {
                let kind = if value.is_object() { "an object" } else { "an array" };
                self.problems
                    .push((i, format!("nested value ({kind}) under key '{key}': give text, a number or a boolean")));
                None
            }
        };
    }

    /// Note a key that feeds no item.
    pub(crate) fn ignore(&mut self, key: &str) {
        if !self.ignored.contains(key) {
            self.ignored.insert(key.to_owned());
        }
    }

    pub(crate) fn field(&self, i: usize) -> Option<&str> {
        self.values.get(i).and_then(|v| v.as_deref())
    }

    pub(crate) fn problems(&self) -> &[(usize, String)] {
        &self.problems
    }

    pub(crate) fn ignored(&self) -> Vec<String> {
        self.ignored.iter().cloned().collect()
    }
}

/// A JSON number as text: integers as they are, whole floats without ".0".
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) => float_text(f),
        None => n.to_string(),
    }
}

/// A float as text: whole values (below 2^53) without ".0", others in Rust's shortest form.
pub(crate) fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// JSON objects (`serde_json::Map`) a caller already holds, e.g. a push API batch, keyed by item
/// name (any case), Chinese label or a [`ColumnMapping`] override. The header is the resource's
/// item names; a nested value is a problem of its row; unknown keys are ignored and reported.
/// `line` is the 1-based record number.
pub struct MapRows<I> {
    keyed: KeyedRow,
    rows: I,
    row: u64,
}

impl<I: Iterator<Item = Map<String, Value>>> MapRows<I> {
    /// Objects for a table of `schema`, keys resolved with `mapping`'s overrides first.
    pub fn new(schema: &TableSchema, mapping: &ColumnMapping, rows: impl IntoIterator<IntoIter = I>) -> Self {
        Self { keyed: KeyedRow::new(schema, mapping), rows: rows.into_iter(), row: 0 }
    }
}

impl<I: Iterator<Item = Map<String, Value>>> RowSource for MapRows<I> {
    fn header(&mut self) -> Result<Vec<String>> {
        Ok(self.keyed.header())
    }

    fn next_record(&mut self) -> Result<bool> {
        let Some(obj) = self.rows.next() else { return Ok(false) };
        self.row += 1;
        self.keyed.clear();
        self.keyed.fill(&obj);
        Ok(true)
    }

    fn field(&self, i: usize) -> Option<&str> {
        self.keyed.field(i)
    }

    fn line(&self) -> u64 {
        self.row
    }

    fn problems(&self) -> &[(usize, String)] {
        self.keyed.problems()
    }

    fn ignored_keys(&self) -> Vec<String> {
        self.keyed.ignored()
    }
}
