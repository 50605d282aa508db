//! 行政区划代码 (administrative division code), GB/T 2260.
//!
//! Six digits: province (2), prefecture (2), county (2). This module checks the structure and the
//! province prefix; the historical code table used to validate ID numbers belongs to governance.

use crate::error::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// Province-level prefixes defined by GB/T 2260 (incl. Taiwan 71, Hong Kong 81, Macao 82).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// The level a division code denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    /// 省级, e.g. 630000 青海省.
    Province,
    /// 地级, e.g. 630100 西宁市.
    Prefecture,
    /// 县级, e.g. 630102 城东区.
    County,
}

/// A structurally valid GB/T 2260 division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parse and validate a division code.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let s = raw.trim();
        let bad = |msg: String| Error::new(ErrorCode::InvalidDivisionCode, msg).with_field("code");
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("division code '{raw}' must be exactly 6 digits")));
        }
        let b = s.as_bytes();
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(bad(format!("division code '{raw}': '{province:02}' is not a province code of GB/T 2260")));
        }
        if &s[2..4] == "00" && &s[4..6] != "00" {
            return Err(bad(format!(
                "division code '{raw}': a county part needs a prefecture part (digits 3-4 are 00)"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// Province, prefecture or county.
    pub fn level(&self) -> DivisionLevel {
        match (&self.0[2..4], &self.0[4..6]) {
            ("00", _) => DivisionLevel::Province,
            (_, "00") => DivisionLevel::Prefecture,
            _ => DivisionLevel::County,
        }
    }

    /// Whether `other` lies inside this division (or is it).
    pub fn contains(&self, other: &DivisionCode) -> bool {
        match self.level() {
            DivisionLevel::Province => self.0[..2] == other.0[..2],
            DivisionLevel::Prefecture => self.0[..4] == other.0[..4],
            DivisionLevel::County => self.0 == other.0,
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_containment() {
        let p = |s| DivisionCode::parse(s).map_err(|e| e.message);
        assert_eq!(p("630000").map(|d| d.level()), Ok(DivisionLevel::Province));
        assert_eq!(p("630100").map(|d| d.level()), Ok(DivisionLevel::Prefecture));
        assert_eq!(p("630121").map(|d| d.level()), Ok(DivisionLevel::County));
        let (Ok(city), Ok(d)) = (p("630100"), p("630102")) else { panic!("parse") };
        assert!(city.contains(&d) && !d.contains(&city));
        for bad in ["63010", "6301000", "99010", "990100", "630A00", "630012", ""] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
