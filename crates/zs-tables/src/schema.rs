//! The table schema derived from a catalogue entry's data items (信息项).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef, TimeUnit};
use zs_catalog::{DataItem, DataType, SecurityLevel};

use crate::error::{Result, TablesError};

/// Scale of every decimal column: four digits after the point.
pub const DECIMAL_SCALE: i8 = 4;
/// Time zone of datetime columns: values are UTC instants, naive input is Beijing time.
pub const TIME_ZONE: &str = "+08:00";

/// One column: the catalogue facts the table and the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Machine name (the Arrow field name).
    pub name: String,
    /// 中文名称.
    pub label: String,
    /// 数据类型.
    pub data_type: DataType,
    /// Declared length (characters for strings, total digits for numbers).
    pub length: Option<u32>,
    /// Part of the key (required, unique).
    pub key: bool,
    /// 安全级别; values of L3 and above are masked in reports.
    pub security_level: SecurityLevel,
}

impl Column {
    /// Whether values of this column must be masked wherever they are shown.
    pub fn is_sensitive(&self) -> bool {
        self.security_level >= SecurityLevel::L3
    }
}

/// A table schema: the columns in item order and their Arrow form.
///
/// Type mapping: string → Utf8, integer → Int64, decimal → Decimal128(min(length + 4, 38), scale 4) (exact, never
/// Float64; the declared length is checked on ingest as total digits),
/// date → Date32, datetime → Timestamp(ms, "+08:00"), boolean → Boolean, binary → Binary,
/// geometry → Utf8 holding a GeoJSON geometry. Key columns are not nullable.
#[derive(Debug, Clone)]
pub struct TableSchema {
    columns: Vec<Column>,
    arrow: SchemaRef,
}

impl TableSchema {
    /// Build the schema from catalogue items; fails on no items, duplicate names or a decimal
    /// length outside 1..=38.
    pub fn from_items(items: &[DataItem]) -> Result<Self> {
        let columns = items
            .iter()
            .map(|i| Column {
                name: i.name.clone(),
                label: i.label.clone(),
                data_type: i.data_type,
                length: i.length,
                key: i.key,
                security_level: i.security_level,
            })
            .collect();
        Self::from_columns(columns)
    }

    /// Build the schema from columns (see [`TableSchema::from_items`]).
    pub fn from_columns(columns: Vec<Column>) -> Result<Self> {
        if columns.is_empty() {
            return Err(TablesError::Schema("a table needs at least one item".into()));
        }
        let mut seen = HashMap::new();
        let mut fields = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            if seen.insert(c.name.as_str(), i).is_some() {
                return Err(TablesError::Schema(format!("item name '{}' appears twice", c.name)));
            }
            let ty = arrow_type(c)?;
            let mut meta = HashMap::new();
            meta.insert("label".to_owned(), c.label.clone());
            meta.insert("data_type".to_owned(), c.data_type.as_str().to_owned());
            meta.insert("security_level".to_owned(), c.security_level.as_str().to_owned());
            if let Some(l) = c.length {
                meta.insert("length".to_owned(), l.to_string());
            }
            if c.key {
                meta.insert("key".to_owned(), "true".to_owned());
            }
            fields.push(Field::new(&c.name, ty, !c.key).with_metadata(meta));
        }
        Ok(Self { columns, arrow: Arc::new(Schema::new(fields)) })
    }

    /// The columns in item order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The Arrow schema.
    pub fn arrow(&self) -> &SchemaRef {
        &self.arrow
    }

    /// Indices of the key columns, in item order (empty when the resource has no key).
    pub fn key_indices(&self) -> Vec<usize> {
        self.columns.iter().enumerate().filter(|(_, c)| c.key).map(|(i, _)| i).collect()
    }
}

/// Arrow precision of a decimal column: the declared length (total digits) plus room for the
/// four fractional digits, at most 38; 38 when no length is declared.
pub(crate) fn decimal_precision(c: &Column) -> Result<u8> {
    match c.length {
        None => Ok(38),
        Some(l) if (1..=38).contains(&l) => Ok((l + DECIMAL_SCALE as u32).min(38) as u8),
        Some(l) => Err(TablesError::Schema(format!("decimal item '{}' has length {l}, expected 1 to 38", c.name))),
    }
}

fn arrow_type(c: &Column) -> Result<ArrowType> {
    Ok(match c.data_type {
        DataType::String | DataType::Geometry => ArrowType::Utf8,
        DataType::Integer => ArrowType::Int64,
        DataType::Decimal => {
            let p = decimal_precision(c)?;
            ArrowType::Decimal128(p, DECIMAL_SCALE)
        }
        DataType::Date => ArrowType::Date32,
        DataType::DateTime => ArrowType::Timestamp(TimeUnit::Millisecond, Some(TIME_ZONE.into())),
        DataType::Boolean => ArrowType::Boolean,
        DataType::Binary => ArrowType::Binary,
    })
}
