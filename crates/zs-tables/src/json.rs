//! JSON row sources, streamed one object at a time: a JSON array of objects, JSON Lines, and a
//! GeoJSON FeatureCollection.

use std::io::{self, BufRead, Read};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Result, TablesError};
use crate::ingest::ColumnMapping;
use crate::schema::TableSchema;
use crate::source::{Format, KeyedRow, RowSource};

/// A buffered reader that knows its byte offset and line, and lends itself to serde_json one
/// value at a time (serde_json reads exactly up to the end of an object or string).
struct Pos<R> {
    inner: R,
    offset: u64,
    line: u64,
}

impl<R: BufRead> Pos<R> {
    fn new(inner: R) -> Self {
        Self { inner, offset: 0, line: 1 }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        let mut one = [0u8; 1];
        let _ = self.read(&mut one);
    }

    /// Skip white space (and a leading BOM); the next byte, not consumed.
    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.bump(),
                Some(0xEF) if self.offset == 0 => {
                    let head = self.inner.fill_buf()?;
                    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
                        self.inner.consume(3);
                        self.offset = 3;
                    } else {
                        return Ok(Some(0xEF));
                    }
                }
                other => return Ok(other),
            }
        }
    }
}

impl<R: BufRead> Read for Pos<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.inner.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.line += avail[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset += n as u64;
        self.inner.consume(n);
        Ok(n)
    }
}

/// serde_json's message without its own (relative) position.
fn bare(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// Inside the array of records; `first`: no record read yet.
    InArray {
        first: bool,
    },
    Done,
}

/// A JSON array of objects (`[{...}, {...}]`) or a GeoJSON FeatureCollection, read one record
/// at a time (a 1 GB array is never held whole). Keys are item names (any case), Chinese labels
/// or mapping overrides; a nested value rejects its row; a record that is not an object, or
/// invalid JSON, is an error naming the record, its line and the byte offset. `line` is the line
/// where the record starts.
pub struct JsonRows<R> {
    s: Pos<R>,
    keyed: KeyedRow,
    geo: bool,
    geometry_item: Option<usize>,
    state: State,
    record: u64,
    line: u64,
    collection_type: Option<String>,
}

impl<R: BufRead> JsonRows<R> {
    /// A JSON array of objects for a table of `schema`.
    pub fn array(reader: R, schema: &TableSchema, mapping: &ColumnMapping) -> Self {
        Self::new(reader, schema, mapping, false)
    }

    /// A GeoJSON FeatureCollection for a table of `schema`: each feature's `properties` feed the
    /// items, its `geometry` (as GeoJSON text) the resource's first geometry item.
    pub fn geojson(reader: R, schema: &TableSchema, mapping: &ColumnMapping) -> Self {
        Self::new(reader, schema, mapping, true)
    }

    fn new(reader: R, schema: &TableSchema, mapping: &ColumnMapping, geo: bool) -> Self {
        let geometry_item = schema.columns().iter().position(|c| c.data_type == zs_catalog::DataType::Geometry);
        Self {
            s: Pos::new(reader),
            keyed: KeyedRow::new(schema, mapping),
            geo,
            geometry_item,
            state: State::Start,
            record: 0,
            line: 0,
            collection_type: None,
        }
    }

    fn what(&self) -> &'static str {
        if self.geo {
            "feature"
        } else {
            "record"
        }
    }

    fn err(&self, message: String) -> TablesError {
        TablesError::Malformed { line: self.s.line, message }
    }

    fn io(&self, e: io::Error) -> TablesError {
        if e.kind() == io::ErrorKind::InvalidData {
            return self.err(format!("at byte {}: {e}", self.s.offset));
        }
        TablesError::io("<input>", e)
    }

    /// Parse one JSON value at the current position.
    fn value<T: DeserializeOwned>(&mut self, what: &str) -> Result<T> {
        let start_line = self.s.line;
        let mut de = serde_json::Deserializer::from_reader(&mut self.s);
        T::deserialize(&mut de).map_err(|e| {
            if e.is_io() {
                return TablesError::io("<input>", io::Error::other(e.to_string()));
            }
            let line = start_line + (e.line() as u64).saturating_sub(1);
            TablesError::Malformed {
                line,
                message: format!("invalid JSON in {what} (line {line}, byte {}): {}", self.s.offset, bare(&e)),
            }
        })
    }

    fn expect(&mut self, b: u8, context: &str) -> Result<()> {
        match self.s.skip_ws().map_err(|e| self.io(e))? {
            Some(c) if c == b => {
                self.s.bump();
                Ok(())
            }
            Some(c) => Err(self.err(format!(
                "invalid JSON at byte {}: expected '{}' {context}, found '{}'",
                self.s.offset, b as char, c as char
            ))),
            None => Err(self.err(format!(
                "invalid JSON at byte {}: the input ends where '{}' is expected {context}",
                self.s.offset, b as char
            ))),
        }
    }

    /// At the start of a GeoJSON document: walk the top-level members until the `features`
    /// array opens (`true`) or the object ends without one (an error).
    fn walk_members(&mut self, first: bool) -> Result<()> {
        let mut first = first;
        loop {
            match self.s.skip_ws().map_err(|e| self.io(e))? {
                Some(b'}') => {
                    self.s.bump();
                    return Ok(());
                }
                Some(_) if !first => self.expect(b',', "between the members of the FeatureCollection")?,
                Some(_) => {}
                None => return Err(self.err("the GeoJSON document ends inside its top-level object".to_owned())),
            }
            first = false;
            self.s.skip_ws().map_err(|e| self.io(e))?;
            let key: String = self.value("a member name of the FeatureCollection")?;
            self.expect(b':', "after a member name")?;
            if key == "features" && self.state == State::Start {
                self.expect(b'[', "to open the 'features' array")?;
                self.state = State::InArray { first: true };
                return Ok(());
            }
            let v: Value = self.value(&format!("the member '{key}'"))?;
            if key == "type" {
                self.collection_type = Some(v.as_str().unwrap_or("").to_owned());
            }
        }
    }

    fn end(&mut self) -> Result<bool> {
        if self.geo {
            if self.state == State::Start {
                return Err(
                    self.err("the GeoJSON has no 'features' array: give a FeatureCollection of Features".to_owned())
                );
            }
            if let Some(t) = &self.collection_type {
                if t != "FeatureCollection" {
                    return Err(self.err(format!("the GeoJSON is a {t}, not a FeatureCollection")));
                }
            }
        }
        if let Some(c) = self.s.skip_ws().map_err(|e| self.io(e))? {
            return Err(self.err(format!(
                "invalid JSON at byte {}: '{}' after the end of the document",
                self.s.offset, c as char
            )));
        }
        self.state = State::Done;
        Ok(false)
    }

    fn fill_feature(&mut self, f: Map<String, Value>) -> Result<()> {
        let (record, line) = (self.record, self.line);
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(TablesError::Malformed {
                line,
                message: format!(
                    "feature {record} (line {line}) is not a GeoJSON Feature (its 'type' must be \"Feature\")"
                ),
            });
        }
        match f.get("properties") {
            Some(Value::Object(p)) => self.keyed.fill(p),
            None | Some(Value::Null) => {}
            Some(other) => {
                return Err(TablesError::Malformed {
                    line,
                    message: format!(
                        "feature {record} (line {line}) has properties that are {}, not an object",
                        kind(other)
                    ),
                })
            }
        }
        if let Some(g) = f.get("geometry") {
            match self.geometry_item {
                Some(i) => self.keyed.set(i, "geometry", g),
                None => self.keyed.ignore("geometry"),
            }
        }
        Ok(())
    }
}

impl<R: BufRead> RowSource for JsonRows<R> {
    fn header(&mut self) -> Result<Vec<String>> {
        Ok(self.keyed.header())
    }

    fn next_record(&mut self) -> Result<bool> {
        if self.state == State::Start {
            if self.geo {
                self.expect(b'{', "to open the GeoJSON FeatureCollection")?;
                self.walk_members(true)?;
                if self.state == State::Start {
                    return self.end();
                }
            } else {
                self.expect(b'[', "to open the array of records")?;
                self.state = State::InArray { first: true };
            }
        }
        let State::InArray { first } = self.state else { return Ok(false) };
        match self.s.skip_ws().map_err(|e| self.io(e))? {
            Some(b']') => {
                self.s.bump();
                if self.geo {
                    self.state = State::InArray { first: false };
                    self.walk_members(false)?;
                }
                return self.end();
            }
            Some(_) if !first => {
                self.expect(b',', &format!("between {}s", self.what()))?;
            }
            Some(_) => {}
            None => {
                return Err(self.err(format!(
                    "invalid JSON at byte {}: the input ends inside the array (after {} {}s)",
                    self.s.offset,
                    self.record,
                    self.what()
                )))
            }
        }
        self.state = State::InArray { first: false };
        self.s.skip_ws().map_err(|e| self.io(e))?;
        self.record += 1;
        self.line = self.s.line;
        let what = format!("{} {}", self.what(), self.record);
        let v: Value = self.value(&what)?;
        let Value::Object(obj) = v else {
            return Err(TablesError::Malformed {
                line: self.line,
                message: format!("{what} (line {}) is {}, not an object", self.line, kind(&v)),
            });
        };
        self.keyed.clear();
        if self.geo {
            self.fill_feature(obj)?;
        } else {
            self.keyed.fill(&obj);
        }
        Ok(true)
    }

    fn field(&self, i: usize) -> Option<&str> {
        self.keyed.field(i)
    }

    fn line(&self) -> u64 {
        self.line
    }

    fn problems(&self) -> &[(usize, String)] {
        self.keyed.problems()
    }

    fn format(&self) -> Option<Format> {
        Some(if self.geo { Format::GeoJson } else { Format::Json })
    }

    fn ignored_keys(&self) -> Vec<String> {
        self.keyed.ignored()
    }
}

/// JSON Lines: one object per line (blank lines skipped), read line by line. Invalid JSON is an
/// error naming the line and byte offset. `line` is the line number.
pub struct JsonLinesRows<R> {
    reader: R,
    buf: String,
    keyed: KeyedRow,
    line: u64,
    offset: u64,
}

impl<R: BufRead> JsonLinesRows<R> {
    /// JSON Lines for a table of `schema`.
    pub fn new(reader: R, schema: &TableSchema, mapping: &ColumnMapping) -> Self {
        Self { reader, buf: String::new(), keyed: KeyedRow::new(schema, mapping), line: 0, offset: 0 }
    }
}

impl<R: BufRead> RowSource for JsonLinesRows<R> {
    fn header(&mut self) -> Result<Vec<String>> {
        Ok(self.keyed.header())
    }

    fn next_record(&mut self) -> Result<bool> {
        loop {
            self.buf.clear();
            let n = self.reader.read_line(&mut self.buf).map_err(|e| {
                if e.kind() == io::ErrorKind::InvalidData {
                    TablesError::Malformed { line: self.line + 1, message: "the line is not valid UTF-8".to_owned() }
                } else {
                    TablesError::io("<input>", e)
                }
            })?;
            if n == 0 {
                return Ok(false);
            }
            self.line += 1;
            let start = self.offset;
            self.offset += n as u64;
            let text = if self.line == 1 { self.buf.trim_start_matches('\u{feff}') } else { &self.buf };
            if text.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(text).map_err(|e| TablesError::Malformed {
                line: self.line,
                message: format!(
                    "invalid JSON on line {} (byte {}): {}",
                    self.line,
                    start + (e.column() as u64).saturating_sub(1),
                    bare(&e)
                ),
            })?;
            let Value::Object(obj) = v else {
                return Err(TablesError::Malformed {
                    line: self.line,
                    message: format!("line {} is {}, not an object", self.line, kind(&v)),
                });
            };
            self.keyed.clear();
            self.keyed.fill(&obj);
            return Ok(true);
        }
    }

    fn field(&self, i: usize) -> Option<&str> {
        self.keyed.field(i)
    }

    fn line(&self) -> u64 {
        self.line
    }

    fn problems(&self) -> &[(usize, String)] {
        self.keyed.problems()
    }

    fn format(&self) -> Option<Format> {
        Some(Format::JsonLines)
    }

    fn ignored_keys(&self) -> Vec<String> {
        self.keyed.ignored()
    }
}
