//! [`Masker`]: applies a [`Technique`] to one value or to a whole Arrow array, holding the
//! platform secret for keyed hashing.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, LargeStringBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{new_null_array, Array, ArrayRef, PrimitiveArray};
use arrow_schema::{DataType, TimeUnit};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::technique::{DatePart, HashEncoding, Technique};
use crate::text;

type HmacSha256 = Hmac<Sha256>;

/// Days from 0000-03-01-based Julian day numbering to the Unix epoch (1970-01-01).
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;
/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// Offset of Beijing time, in which datetime columns are generalised.
const BEIJING_MS: i64 = 8 * 3_600_000;

/// Applies masking techniques. Holds the platform secret (keyed once, cloned per hash); its
/// `Debug` form never shows it.
#[derive(Clone)]
pub struct Masker {
    mac: HmacSha256,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Masker { secret: <hidden> }")
    }
}

impl Masker {
    /// A masker keyed with the platform secret (any length; HMAC accepts every key size).
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        // HMAC takes keys of any length, so this cannot fail; keep a fixed key as the fallback.
        let mac = HmacSha256::new_from_slice(secret.as_ref())
            .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
        Self { mac }
    }

    fn digest(&self, bytes: &[u8]) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(bytes);
        m.finalize().into_bytes().into()
    }

    /// The keyed hash of `s` in `encoding`, cut to `length` characters.
    pub fn keyed_hash(&self, s: &str, encoding: HashEncoding, length: u16) -> String {
        let d = self.digest(s.as_bytes());
        let mut out = match encoding {
            HashEncoding::Hex => hex::encode(d),
            HashEncoding::Base64url => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d),
        };
        out.truncate(usize::from(length));
        out
    }

    /// The data subject digest (数据主体摘要) of a row key, for tracing who received whose record:
    /// HMAC-SHA256 under the platform secret over a domain-separated, trimmed, upper-cased key
    /// (so it never equals a masked value a consumer holds), hex, 32 characters. The key itself is
    /// never stored.
    pub fn subject_digest(&self, key: &str) -> String {
        let mut input = b"zhengshu-subject/v1\n".to_vec();
        input.extend_from_slice(key.trim().to_uppercase().as_bytes());
        let mut out = hex::encode(self.digest(&input));
        out.truncate(32);
        out
    }

    /// The keyed hash of an integer as a non-negative integer of at most `digits` digits (≤ 18).
    pub fn keyed_hash_int(&self, v: i64, digits: u16) -> i64 {
        let d = self.digest(v.to_string().as_bytes());
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&d[..8]);
        let modulus = 10u64.pow(u32::from(digits.clamp(1, 18)));
        (u64::from_be_bytes(eight) % modulus) as i64
    }

    /// Mask one value given as text. `None` means null: the technique nulls, or the value does
    /// not have the shape the technique needs (a date technique on text that is no date) —
    /// masking fails closed.
    pub fn mask_str(&self, t: &Technique, s: &str) -> Option<String> {
        match *t {
            Technique::None => Some(s.to_owned()),
            Technique::Null => None,
            Technique::KeepEnds { first, last } => Some(text::keep_ends(s, first.into(), last.into())),
            Technique::Name => Some(text::name(s)),
            Technique::Address { level } => Some(text::address(s, level)),
            Technique::Date { keep } => text::date_text(s, keep),
            Technique::Hash { encoding, length } => Some(self.keyed_hash(s, encoding, length)),
        }
    }

    /// Mask a whole column. The result has the input's Arrow type and length. Supported:
    /// strings (`Utf8`, `LargeUtf8`) with every technique; `Int64` with keep-ends (masked
    /// digits become 0) and hash (digits); `Date32`, `Date64` and millisecond timestamps with
    /// date generalisation (in Beijing time). Any other pairing yields nulls (fail closed).
    pub fn mask_array(&self, t: &Technique, array: &ArrayRef) -> ArrayRef {
        match t {
            Technique::None => return Arc::clone(array),
            Technique::Null => return new_null_array(array.data_type(), array.len()),
            _ => {}
        }
        match array.data_type() {
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                let mut b = StringBuilder::with_capacity(a.len(), a.value_data().len());
                for v in a.iter() {
                    b.append_option(v.and_then(|s| self.mask_str(t, s)));
                }
                Arc::new(b.finish())
            }
            DataType::LargeUtf8 => {
                let a = array.as_string::<i64>();
                let mut b = LargeStringBuilder::with_capacity(a.len(), a.value_data().len());
                for v in a.iter() {
                    b.append_option(v.and_then(|s| self.mask_str(t, s)));
                }
                Arc::new(b.finish())
            }
            DataType::Int64 => self.mask_int64(t, array.as_primitive::<Int64Type>()),
            DataType::Date32 => match t {
                Technique::Date { keep } => {
                    let a = array.as_primitive::<Date32Type>();
                    Arc::new(a.unary::<_, Date32Type>(|d| truncate_days(d, *keep)))
                }
                _ => new_null_array(array.data_type(), array.len()),
            },
            DataType::Date64 => match t {
                Technique::Date { keep } => {
                    let a = array.as_primitive::<Date64Type>();
                    Arc::new(a.unary::<_, Date64Type>(|ms| truncate_ms(ms, *keep, 0)))
                }
                _ => new_null_array(array.data_type(), array.len()),
            },
            DataType::Timestamp(TimeUnit::Millisecond, tz) => match t {
                Technique::Date { keep } => {
                    let a = array.as_primitive::<TimestampMillisecondType>();
                    let out: PrimitiveArray<TimestampMillisecondType> =
                        a.unary(|ms| truncate_ms(ms, *keep, BEIJING_MS));
                    Arc::new(out.with_timezone_opt(tz.clone()))
                }
                _ => new_null_array(array.data_type(), array.len()),
            },
            _ => new_null_array(array.data_type(), array.len()),
        }
    }

    fn mask_int64(&self, t: &Technique, a: &PrimitiveArray<Int64Type>) -> ArrayRef {
        let mut b = Int64Builder::with_capacity(a.len());
        for v in a.iter() {
            let m = v.and_then(|v| match *t {
                Technique::KeepEnds { first, last } => {
                    let digits = v.unsigned_abs().to_string();
                    let kept = text::keep_ends(&digits, first.into(), last.into()).replace(text::MASK_CHAR, "0");
                    kept.parse::<i64>().ok().map(|x| if v < 0 { -x } else { x })
                }
                Technique::Hash { length, .. } => Some(self.keyed_hash_int(v, length)),
                _ => None,
            });
            b.append_option(m);
        }
        Arc::new(b.finish())
    }
}

/// Days since the epoch truncated to the start of the year or month.
fn truncate_days(days: i32, keep: DatePart) -> i32 {
    let Ok(d) = time::Date::from_julian_day(days.saturating_add(UNIX_EPOCH_JULIAN_DAY)) else {
        return days;
    };
    let t = match keep {
        DatePart::Year => time::Date::from_calendar_date(d.year(), time::Month::January, 1),
        DatePart::Month => time::Date::from_calendar_date(d.year(), d.month(), 1),
    };
    t.map(|t| t.to_julian_day() - UNIX_EPOCH_JULIAN_DAY).unwrap_or(days)
}

/// Milliseconds since the epoch truncated to midnight at the start of the year or month, in
/// the time zone `offset_ms` east of UTC.
fn truncate_ms(ms: i64, keep: DatePart, offset_ms: i64) -> i64 {
    let local = ms + offset_ms;
    let days = local.div_euclid(DAY_MS);
    let Ok(days) = i32::try_from(days) else {
        return ms;
    };
    i64::from(truncate_days(days, keep)) * DAY_MS - offset_ms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::technique::AddressLevel;
    use arrow_array::{Date32Array, Int64Array, StringArray, TimestampMillisecondArray};

    fn m() -> Masker {
        Masker::new(b"platform-secret")
    }

    #[test]
    fn strings_by_technique() {
        let m = m();
        let id = "630102199001011234";
        assert_eq!(m.mask_str(&Technique::None, id).as_deref(), Some(id));
        assert_eq!(m.mask_str(&Technique::Null, id), None);
        assert_eq!(m.mask_str(&Technique::KeepEnds { first: 6, last: 4 }, id).as_deref(), Some("630102********1234"));
        assert_eq!(m.mask_str(&Technique::Name, "欧阳修").as_deref(), Some("欧阳*"));
        assert_eq!(
            m.mask_str(&Technique::Address { level: AddressLevel::District }, "青海省西宁市城西区胜利路3号").as_deref(),
            Some("青海省西宁市城西区****")
        );
        assert_eq!(m.mask_str(&Technique::Date { keep: DatePart::Year }, "1990-05-12").as_deref(), Some("1990-01-01"));
        assert_eq!(m.mask_str(&Technique::Date { keep: DatePart::Year }, "不详"), None);
    }

    #[test]
    fn keyed_hash_is_deterministic_sized_and_keyed() {
        let t = Technique::Hash { encoding: HashEncoding::Hex, length: 16 };
        let id = "630102199001011234";
        let a = m().mask_str(&t, id).unwrap_or_default();
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(m().mask_str(&t, id).unwrap_or_default(), a);
        assert_ne!(Masker::new(b"other").mask_str(&t, id).unwrap_or_default(), a);
        // Never a plain digest of the value.
        use sha2::Digest;
        let plain = hex::encode(Sha256::digest(id.as_bytes()));
        assert!(!plain.starts_with(&a));
        let b =
            m().mask_str(&Technique::Hash { encoding: HashEncoding::Base64url, length: 22 }, id).unwrap_or_default();
        assert_eq!(b.len(), 22);
        assert!(b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(!format!("{m:?}", m = m()).contains("platform-secret"));
    }

    #[test]
    fn string_arrays_keep_type_and_nulls() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("张三"), None, Some("欧阳娜娜")]));
        let out = m().mask_array(&Technique::Name, &a);
        assert_eq!(out.data_type(), &DataType::Utf8);
        let s = out.as_string::<i32>();
        assert_eq!(s.value(0), "张*");
        assert!(s.is_null(1));
        assert_eq!(s.value(2), "欧阳**");
        assert_eq!(m().mask_array(&Technique::Null, &a).null_count(), 3);
        assert!(Arc::ptr_eq(&m().mask_array(&Technique::None, &a), &a));
    }

    #[test]
    fn dates_stay_dates() {
        // 1990-05-12 is day 7436 since the epoch; 1990-01-01 is 7305; 1990-05-01 is 7425.
        let a: ArrayRef = Arc::new(Date32Array::from(vec![Some(7436), None, Some(-1)]));
        let y = m().mask_array(&Technique::Date { keep: DatePart::Year }, &a);
        assert_eq!(y.data_type(), &DataType::Date32);
        let y = y.as_primitive::<Date32Type>();
        assert_eq!(y.value(0), 7305);
        assert!(y.is_null(1));
        assert_eq!(y.value(2), -365); // 1969-12-31 → 1969-01-01
        let mo = m().mask_array(&Technique::Date { keep: DatePart::Month }, &a);
        assert_eq!(mo.as_primitive::<Date32Type>().value(0), 7425);
        // A name technique on a date column fails closed.
        assert_eq!(m().mask_array(&Technique::Name, &a).null_count(), 3);
    }

    #[test]
    fn timestamps_truncate_in_beijing_time() {
        // 2024-01-01T00:30+08:00 is 2023-12-31T16:30Z; its Beijing year starts 2023-12-31T16:00Z.
        let ms = 1_704_040_200_000;
        let a: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![ms]).with_timezone("+08:00"));
        let y = m().mask_array(&Technique::Date { keep: DatePart::Year }, &a);
        assert_eq!(y.data_type(), a.data_type());
        assert_eq!(y.as_primitive::<TimestampMillisecondType>().value(0), 1_704_038_400_000);
    }

    #[test]
    fn integers() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(13812345678), None, Some(-42)]));
        let k = m().mask_array(&Technique::KeepEnds { first: 3, last: 4 }, &a);
        let k = k.as_primitive::<Int64Type>();
        assert_eq!(k.value(0), 13800005678);
        assert_eq!(k.value(2), 0);
        let h = m().mask_array(&Technique::Hash { encoding: HashEncoding::Hex, length: 6 }, &a);
        let h = h.as_primitive::<Int64Type>();
        assert!((0..1_000_000).contains(&h.value(0)));
        assert!(h.is_null(1));
    }
}
