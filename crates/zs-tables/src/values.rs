//! Checking and converting field text to column values, and the column builders.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::ArrayRef;
use base64::Engine as _;
use zs_catalog::DataType;

use crate::error::Result;
use crate::keys::push_bytes;
use crate::schema::{decimal_precision, Column, DECIMAL_SCALE, TIME_ZONE};

/// A checked value, borrowed from the record where it is text.
#[derive(Debug)]
pub(crate) enum Val<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Dec(i128),
    Date(i32),
    Ts(i64),
    Bool(bool),
    Bin(Vec<u8>),
}

pub(crate) fn encode_key(v: &Val<'_>, buf: &mut Vec<u8>) {
    match v {
        Val::Null => buf.push(0),
        Val::Str(s) => {
            buf.push(1);
            push_bytes(buf, s.as_bytes());
        }
        Val::Int(i) | Val::Ts(i) => {
            buf.push(1);
            buf.extend_from_slice(&i.to_le_bytes());
        }
        Val::Dec(d) => {
            buf.push(1);
            buf.extend_from_slice(&d.to_le_bytes());
        }
        Val::Date(d) => {
            buf.push(1);
            buf.extend_from_slice(&d.to_le_bytes());
        }
        Val::Bool(b) => buf.extend_from_slice(&[1, u8::from(*b)]),
        Val::Bin(b) => {
            buf.push(1);
            push_bytes(buf, b);
        }
    }
}

/// Check and convert one field. Empty means null (the key check happens after).
pub(crate) fn parse<'a>(c: &Column, raw: &'a str) -> std::result::Result<Val<'a>, String> {
    if c.data_type == DataType::String {
        if raw.is_empty() {
            return Ok(Val::Null);
        }
        if let Some(l) = c.length {
            if raw.len() > l as usize {
                let n = raw.chars().count();
                if n > l as usize {
                    return Err(format!("{n} characters, longer than the declared length {l}"));
                }
            }
        }
        return Ok(Val::Str(raw));
    }
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Val::Null);
    }
    match c.data_type {
        DataType::String => Ok(Val::Str(raw)),
        DataType::Integer => {
            let v: i64 = s.parse().map_err(|_| "not an integer".to_owned())?;
            if let Some(l) = c.length {
                let digits = v.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
                if digits > l {
                    return Err(format!("{digits} digits, longer than the declared length {l}"));
                }
            }
            Ok(Val::Int(v))
        }
        DataType::Decimal => parse_decimal(c, s).map(Val::Dec),
        DataType::Date => parse_date(s).map(Val::Date).ok_or_else(|| "not a date (YYYY-MM-DD)".to_owned()),
        DataType::DateTime => parse_datetime(s)
            .map(Val::Ts)
            .ok_or_else(|| "not a date-time (YYYY-MM-DD HH:MM:SS, Beijing time, or RFC 3339)".to_owned()),
        DataType::Boolean => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" | "是" => Ok(Val::Bool(true)),
            "false" | "f" | "0" | "no" | "n" | "否" => Ok(Val::Bool(false)),
            _ => Err("not a boolean (true/false, 1/0, 是/否)".to_owned()),
        },
        DataType::Binary => {
            base64::engine::general_purpose::STANDARD.decode(s).map(Val::Bin).map_err(|_| "not base64".to_owned())
        }
        DataType::Geometry => {
            check_geometry(s)?;
            Ok(Val::Str(s))
        }
    }
}

fn parse_decimal(c: &Column, s: &str) -> std::result::Result<i128, String> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("not a number".to_owned());
    }
    let scale = DECIMAL_SCALE as usize;
    if frac.len() > scale {
        return Err(format!("{} digits after the point, at most {scale} are kept", frac.len()));
    }
    let int = int.trim_start_matches('0');
    let digits = (int.len() + frac.len()) as u32;
    if let Some(l) = c.length {
        if digits > l {
            return Err(format!("{digits} digits, longer than the declared length {l}"));
        }
    }
    let precision = decimal_precision(c).map_err(|e| e.to_string())? as usize;
    if int.len() > precision - scale {
        return Err("number too large".to_owned());
    }
    let mut v: i128 = 0;
    for b in int.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', scale - frac.len())) {
        v = v * 10 + i128::from(b - b'0');
    }
    Ok(if neg { -v } else { v })
}

/// Days since 1970-01-01 of `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`.
fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let (y, m, d) = match b.len() {
        10 if (b[4] == b'-' && b[7] == b'-') || (b[4] == b'/' && b[7] == b'/') => (&s[0..4], &s[5..7], &s[8..10]),
        8 => (&s[0..4], &s[4..6], &s[6..8]),
        _ => return None,
    };
    let date = time::Date::from_calendar_date(
        y.parse().ok()?,
        time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
        d.parse().ok()?,
    )
    .ok()?;
    Some(date.to_julian_day() - 2_440_588)
}

/// Milliseconds since the epoch of a date-time: RFC 3339 with its offset, or a naive
/// `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` read as Beijing time.
fn parse_datetime(s: &str) -> Option<i64> {
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(zs_types::clock::to_ms(t));
    }
    if s.len() < 16 || !s.is_char_boundary(10) {
        return None;
    }
    let days = parse_date(&s[..10])?;
    let sep = s.as_bytes()[10];
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let t = &s[11..];
    let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
    let mut parts = hms.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 59 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<3}")[..3].parse().ok()? };
    let local = i64::from(days) * 86_400_000 + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
    Some(local - 8 * 3_600_000)
}

fn check_geometry(s: &str) -> std::result::Result<(), String> {
    const KINDS: [&str; 7] =
        ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"];
    let v: serde_json::Value = serde_json::from_str(s).map_err(|_| "not GeoJSON".to_owned())?;
    match v.get("type").and_then(|t| t.as_str()) {
        Some(t) if KINDS.contains(&t) => Ok(()),
        _ => Err("not a GeoJSON geometry (needs a geometry 'type')".to_owned()),
    }
}

pub(crate) enum Builder {
    Str(StringBuilder),
    Int(Int64Builder),
    Dec(Decimal128Builder, u8),
    Date(Date32Builder),
    Ts(TimestampMillisecondBuilder),
    Bool(BooleanBuilder),
    Bin(BinaryBuilder),
}

impl Builder {
    pub(crate) fn new(c: &Column, capacity: usize) -> Result<Self> {
        Ok(match c.data_type {
            DataType::String | DataType::Geometry => {
                Builder::Str(StringBuilder::with_capacity(capacity, capacity * 16))
            }
            DataType::Integer => Builder::Int(Int64Builder::with_capacity(capacity)),
            DataType::Decimal => {
                let p = decimal_precision(c)?;
                Builder::Dec(Decimal128Builder::with_capacity(capacity).with_precision_and_scale(p, DECIMAL_SCALE)?, p)
            }
            DataType::Date => Builder::Date(Date32Builder::with_capacity(capacity)),
            DataType::DateTime => Builder::Ts(
                TimestampMillisecondBuilder::with_capacity(capacity).with_timezone(Arc::<str>::from(TIME_ZONE)),
            ),
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(capacity)),
            DataType::Binary => Builder::Bin(BinaryBuilder::with_capacity(capacity, capacity * 16)),
        })
    }

    pub(crate) fn append(&mut self, v: Val<'_>) {
        match (self, v) {
            (Builder::Str(b), Val::Str(s)) => b.append_value(s),
            (Builder::Int(b), Val::Int(i)) => b.append_value(i),
            (Builder::Dec(b, _), Val::Dec(d)) => b.append_value(d),
            (Builder::Date(b), Val::Date(d)) => b.append_value(d),
            (Builder::Ts(b), Val::Ts(t)) => b.append_value(t),
            (Builder::Bool(b), Val::Bool(x)) => b.append_value(x),
            (Builder::Bin(b), Val::Bin(x)) => b.append_value(x),
            (Builder::Str(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Dec(b, _), _) => b.append_null(),
            (Builder::Date(b), _) => b.append_null(),
            (Builder::Ts(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::Bin(b), _) => b.append_null(),
        }
    }

    pub(crate) fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Dec(b, p) => {
                let a = b.finish();
                // finish() keeps the builder's type; make sure it survives the reset.
                *b = Decimal128Builder::new().with_data_type(arrow_schema::DataType::Decimal128(*p, DECIMAL_SCALE));
                Arc::new(a)
            }
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Ts(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Bin(b) => Arc::new(b.finish()),
        }
    }
}
