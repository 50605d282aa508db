//! Typed, allocation-free access to one Arrow column for the checks: null test, text form,
//! number, date, and a stable 64-bit hash of the text form (for uniqueness and references).

use std::fmt::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, BooleanArray, PrimitiveArray, StringArray};
use arrow_schema::DataType;
use time::Date;

/// The hasher every persisted hash uses: fixed seeds, so hashes written by one run are valid in
/// the next (same crate version).
pub fn stable_hasher() -> ahash::RandomState {
    ahash::RandomState::with_seeds(0x7a68_656e, 0x6773_6875, 0x676f_7665, 0x726e_2031)
}

/// Days from 1970-01-01 (Arrow's Date32) to a `Date`.
pub fn date_of_days(days: i32) -> Option<Date> {
    Date::from_julian_day(2_440_588 + days).ok()
}

/// Arrow's Date32 of a `Date`.
pub fn days_of_date(d: Date) -> i32 {
    d.to_julian_day() - 2_440_588
}

/// One column, by type.
pub enum Col<'a> {
    /// Text.
    Str(&'a StringArray),
    /// Integer.
    I64(&'a PrimitiveArray<Int64Type>),
    /// Float.
    F64(&'a PrimitiveArray<Float64Type>),
    /// Decimal with its scale.
    Dec(&'a PrimitiveArray<Decimal128Type>, i8),
    /// Date.
    Date(&'a PrimitiveArray<Date32Type>),
    /// Date-time (ms).
    Ts(&'a PrimitiveArray<TimestampMillisecondType>),
    /// Boolean.
    Bool(&'a BooleanArray),
    /// Anything else (binary, …): only nulls are checked.
    Other(&'a dyn Array),
}

impl<'a> Col<'a> {
    /// View an array.
    pub fn of(a: &'a ArrayRef) -> Self {
        match a.data_type() {
            DataType::Utf8 => Col::Str(a.as_string::<i32>()),
            DataType::Int64 => Col::I64(a.as_primitive::<Int64Type>()),
            DataType::Float64 => Col::F64(a.as_primitive::<Float64Type>()),
            DataType::Decimal128(_, s) => Col::Dec(a.as_primitive::<Decimal128Type>(), *s),
            DataType::Date32 => Col::Date(a.as_primitive::<Date32Type>()),
            DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, _) => {
                Col::Ts(a.as_primitive::<TimestampMillisecondType>())
            }
            DataType::Boolean => Col::Bool(a.as_boolean()),
            _ => Col::Other(a.as_ref()),
        }
    }

    /// Whether row `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Col::Str(a) => a.is_null(i),
            Col::I64(a) => a.is_null(i),
            Col::F64(a) => a.is_null(i),
            Col::Dec(a, _) => a.is_null(i),
            Col::Date(a) => a.is_null(i),
            Col::Ts(a) => a.is_null(i),
            Col::Bool(a) => a.is_null(i),
            Col::Other(a) => a.is_null(i),
        }
    }

    /// Whether row `i` is null or only white space.
    #[inline]
    pub fn is_blank(&self, i: usize) -> bool {
        match self {
            Col::Str(a) => a.is_null(i) || a.value(i).trim().is_empty(),
            _ => self.is_null(i),
        }
    }

    /// The text form of row `i` (not null), written into `buf` unless the column is text.
    #[inline]
    pub fn text<'b>(&'b self, i: usize, buf: &'b mut String) -> &'b str {
        if let Col::Str(a) = self {
            return a.value(i);
        }
        buf.clear();
        let _ = match self {
            Col::Str(_) => Ok(()),
            Col::I64(a) => write!(buf, "{}", a.value(i)),
            Col::F64(a) => write!(buf, "{}", a.value(i)),
            Col::Dec(a, s) => write!(buf, "{}", decimal_text(a.value(i), *s)),
            Col::Date(a) => match date_of_days(a.value(i)) {
                Some(d) => write!(buf, "{d}"),
                None => Ok(()),
            },
            Col::Ts(a) => write!(buf, "{}", a.value(i)),
            Col::Bool(a) => write!(buf, "{}", a.value(i)),
            Col::Other(_) => Ok(()),
        };
        buf.as_str()
    }

    /// Row `i` as a number (numeric columns, or numeric text).
    #[inline]
    pub fn number(&self, i: usize) -> Option<f64> {
        match self {
            Col::I64(a) => Some(a.value(i) as f64),
            Col::F64(a) => Some(a.value(i)),
            Col::Dec(a, s) => Some(a.value(i) as f64 / 10f64.powi(*s as i32)),
            Col::Str(a) => a.value(i).trim().parse().ok(),
            _ => None,
        }
    }

    /// Row `i` as a date (date columns, date-times in Beijing time, or date text).
    #[inline]
    pub fn date(&self, i: usize) -> Option<Date> {
        match self {
            Col::Date(a) => date_of_days(a.value(i)),
            Col::Ts(a) => {
                let secs = a.value(i).div_euclid(1000) + 8 * 3600;
                date_of_days(secs.div_euclid(86_400) as i32)
            }
            Col::Str(a) => crate::validators::parse_date(a.value(i)),
            _ => None,
        }
    }

    /// Stable hash of row `i`'s text form (trimmed).
    #[inline]
    pub fn hash(&self, i: usize, h: &ahash::RandomState, buf: &mut String) -> u64 {
        h.hash_one(self.text(i, buf).trim().as_bytes())
    }
}

fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return v.to_string();
    }
    let p = 10i128.pow(scale as u32);
    let (int, frac) = (v / p, (v % p).abs());
    let sign = if v < 0 && int == 0 { "-" } else { "" };
    let frac = format!("{frac:0width$}", width = scale as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_decimals() {
        let d = Date::from_calendar_date(2025, time::Month::June, 30).ok();
        assert_eq!(d.map(days_of_date).and_then(date_of_days), d);
        assert_eq!(days_of_date(Date::from_calendar_date(1970, time::Month::January, 1).unwrap_or(Date::MIN)), 0);
        assert_eq!(decimal_text(12_500, 4), "1.25");
        assert_eq!(decimal_text(-5_000, 4), "-0.5");
        assert_eq!(decimal_text(30_000, 4), "3");
    }
}
