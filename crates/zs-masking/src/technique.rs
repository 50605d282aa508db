//! The masking techniques (脱敏方式) a grant can name per field, in a stable JSON form.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zs_catalog::{DataItem, DataType};

/// Longest keyed hash a technique may declare (characters of its text form).
pub const MAX_HASH_LENGTH: u16 = 64;

/// How far an address is generalised (地址泛化).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressLevel {
    /// Keep down to the district or county (区/县/旗, or a county-level 市).
    District,
    /// Keep down to the street, town or road (街道/镇/乡/路/街).
    Street,
}

/// What a date keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// The year: 1990-05-12 → 1990-01-01.
    Year,
    /// The month: 1990-05-12 → 1990-05-01.
    Month,
}

/// Text form of a keyed hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashEncoding {
    /// Lower-case hexadecimal.
    Hex,
    /// URL-safe base64 without padding.
    Base64url,
}

/// One masking technique (脱敏方式). JSON: `{"kind":"keep_ends","first":6,"last":4}`,
/// `{"kind":"name"}`, `{"kind":"address","level":"district"}`, `{"kind":"date","keep":"year"}`,
/// `{"kind":"hash","encoding":"hex","length":16}`, `{"kind":"null"}`, `{"kind":"none"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Technique {
    /// 不脱敏: the value as it is.
    None,
    /// 置空: always null.
    Null,
    /// 保留首尾: keep the first `first` and last `last` characters, `*` between
    /// (`630102********1234`, `138****5678`). A value not longer than `first + last` is all `*`.
    /// On integers the masked digits become `0`.
    KeepEnds {
        /// Characters kept at the start.
        first: u16,
        /// Characters kept at the end.
        last: u16,
    },
    /// 姓名脱敏: keep the surname (compound surnames such as 欧阳 included), `*` for the rest
    /// (`张*`, `欧阳**`).
    Name,
    /// 地址泛化: keep the address down to a level, then `****`.
    Address {
        /// Down to which level.
        level: AddressLevel,
    },
    /// 日期泛化: a date keeps its year or month (and stays a date).
    Date {
        /// What is kept.
        keep: DatePart,
    },
    /// 密钥哈希: HMAC-SHA256 under the platform secret, truncated to `length` characters
    /// (on integers: to `length` digits). Equal inputs give equal outputs, so joins still work;
    /// without the secret the value cannot be enumerated back.
    Hash {
        /// Text form.
        encoding: HashEncoding,
        /// Characters (or digits) kept, 1–64.
        length: u16,
    },
}

impl Technique {
    /// Chinese label for pages and exports.
    pub fn label_zh(&self) -> String {
        match *self {
            Technique::None => "不脱敏".into(),
            Technique::Null => "置空".into(),
            Technique::KeepEnds { first, last } => format!("保留前{first}位后{last}位"),
            Technique::Name => "姓名脱敏（保留姓氏）".into(),
            Technique::Address { level: AddressLevel::District } => "地址泛化（至区县）".into(),
            Technique::Address { level: AddressLevel::Street } => "地址泛化（至街道）".into(),
            Technique::Date { keep: DatePart::Year } => "日期泛化（至年）".into(),
            Technique::Date { keep: DatePart::Month } => "日期泛化（至月）".into(),
            Technique::Hash { length, .. } => format!("密钥哈希（{length}位）"),
        }
    }

    /// English label.
    pub fn label_en(&self) -> String {
        match *self {
            Technique::None => "None".into(),
            Technique::Null => "Null".into(),
            Technique::KeepEnds { first, last } => format!("Keep first {first}, last {last}"),
            Technique::Name => "Name (keep surname)".into(),
            Technique::Address { level: AddressLevel::District } => "Address to district".into(),
            Technique::Address { level: AddressLevel::Street } => "Address to street".into(),
            Technique::Date { keep: DatePart::Year } => "Date to year".into(),
            Technique::Date { keep: DatePart::Month } => "Date to month".into(),
            Technique::Hash { length, .. } => format!("Keyed hash ({length})"),
        }
    }

    /// Whether the technique reveals the value unchanged.
    pub fn is_none(&self) -> bool {
        matches!(self, Technique::None)
    }

    /// Check that the technique can be applied to a data item so that the output keeps the
    /// item's type and length; the error says why not (in Chinese, for the reviewer).
    pub fn check_for(&self, item: &DataItem) -> Result<(), String> {
        let t = item.data_type;
        let ok = match *self {
            Technique::None | Technique::Null => true,
            Technique::KeepEnds { .. } => matches!(t, DataType::String | DataType::Integer),
            Technique::Name | Technique::Address { .. } => t == DataType::String,
            Technique::Date { .. } => matches!(t, DataType::Date | DataType::DateTime | DataType::String),
            Technique::Hash { length, .. } => {
                if length == 0 || length > MAX_HASH_LENGTH {
                    return Err(format!("哈希长度须在 1–{MAX_HASH_LENGTH} 之间"));
                }
                if t == DataType::Integer && length > 18 {
                    return Err("整数型信息项的哈希长度不能超过 18 位".into());
                }
                if let Some(max) = item.length {
                    if u32::from(length) > max {
                        return Err(format!("哈希长度 {length} 超过信息项“{}”的长度 {max}", item.label));
                    }
                }
                matches!(t, DataType::String | DataType::Integer)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("“{}”不适用于{}的信息项“{}”", self.label_zh(), t.label_zh(), item.label))
        }
    }
}
