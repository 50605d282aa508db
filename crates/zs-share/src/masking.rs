//! Masking (脱敏) of values leaving through a grant. A stop-gap behind one function,
//! [`mask`], until the shared `zs-masking` crate lands: the technique per item is stored in the
//! grant as JSON and applied on the server before any byte leaves.

use serde::{Deserialize, Serialize};
use zs_catalog::{DataItem, DataType, SecurityLevel};

/// How one item's values are shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Technique {
    /// Shown as stored.
    Clear,
    /// Keep the first and last characters, `*` in between (`630102********1234`).
    Keep {
        /// Characters kept at the start.
        first: u8,
        /// Characters kept at the end.
        last: u8,
    },
    /// Names: the first character, `*` for the rest (`张*`, `欧**`).
    Name,
    /// Dates: the year only (`1990`), or year and month (`1990-01`).
    Truncate {
        /// `year` or `month`.
        to: String,
    },
    /// Not shown at all (null).
    Null,
}

impl Technique {
    /// The default for an item, from its security level and type: L1/L2 clear; at L3 and above
    /// names keep their first character, dates their year, other values their first and last
    /// characters.
    pub fn default_for(item: &DataItem) -> Self {
        if item.security_level < SecurityLevel::L3 {
            return Technique::Clear;
        }
        match item.data_type {
            DataType::Date | DataType::DateTime => Technique::Truncate { to: "year".into() },
            DataType::String if item.name.contains("name") || item.label.contains("姓名") => Technique::Name,
            DataType::String => {
                let n = item.length.unwrap_or(18);
                if n >= 15 {
                    Technique::Keep { first: 6, last: 4 }
                } else if n >= 8 {
                    Technique::Keep { first: 3, last: 4 }
                } else {
                    Technique::Keep { first: 1, last: 0 }
                }
            }
            _ => Technique::Null,
        }
    }

    /// Short label for pages.
    pub fn label(&self) -> String {
        match self {
            Technique::Clear => "明文".into(),
            Technique::Keep { first, last } => format!("保留前{first}后{last}"),
            Technique::Name => "姓名脱敏".into(),
            Technique::Truncate { to } if to == "month" => "日期至月".into(),
            Technique::Truncate { .. } => "日期至年".into(),
            Technique::Null => "置空".into(),
        }
    }
}

/// Apply a technique to one value (shown as text). `None` stays `None`.
pub fn mask(t: &Technique, value: Option<&str>) -> Option<String> {
    let v = value?;
    Some(match t {
        Technique::Clear => v.to_owned(),
        Technique::Null => return None,
        Technique::Keep { first, last } => {
            let chars: Vec<char> = v.chars().collect();
            let (f, l) = (usize::from(*first), usize::from(*last));
            if chars.len() <= f + l {
                "*".repeat(chars.len())
            } else {
                chars.iter().enumerate().map(|(i, &c)| if i < f || i >= chars.len() - l { c } else { '*' }).collect()
            }
        }
        Technique::Name => {
            let mut chars = v.chars();
            match chars.next() {
                Some(c) => std::iter::once(c).chain(chars.map(|_| '*')).collect(),
                None => String::new(),
            }
        }
        Technique::Truncate { to } => {
            let n = if to == "month" { 7 } else { 4 };
            v.chars().take(n).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques() {
        let keep = Technique::Keep { first: 6, last: 4 };
        assert_eq!(mask(&keep, Some("630102199001011234")).as_deref(), Some("630102********1234"));
        assert_eq!(mask(&Technique::Keep { first: 3, last: 4 }, Some("13812345678")).as_deref(), Some("138****5678"));
        assert_eq!(mask(&keep, Some("12")).as_deref(), Some("**"));
        assert_eq!(mask(&Technique::Name, Some("张三")).as_deref(), Some("张*"));
        assert_eq!(mask(&Technique::Name, Some("欧阳修文")).as_deref(), Some("欧***"));
        assert_eq!(mask(&Technique::Truncate { to: "year".into() }, Some("1990-01-01")).as_deref(), Some("1990"));
        assert_eq!(mask(&Technique::Truncate { to: "month".into() }, Some("1990-01-01")).as_deref(), Some("1990-01"));
        assert_eq!(mask(&Technique::Null, Some("x")), None);
        assert_eq!(mask(&Technique::Clear, None), None);
        let json = serde_json::to_string(&keep).unwrap_or_default();
        assert_eq!(json, r#"{"kind":"keep","first":6,"last":4}"#);
    }
}
