//! 统一社会信用代码 (unified social credit code), GB 32100-2015.

use super::DivisionCode;
use crate::error::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// The 31 characters allowed in a credit code (no I, O, S, V, Z), in value order.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights 3^i mod 31 for positions 1..=17.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Registration authority codes (登记管理部门代码) defined by GB 32100.
const AUTHORITIES: &[u8] = b"123456789ANY";

/// A validated unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

impl CreditCode {
    /// Parse and validate: length 18, charset, registration authority, division digits, check
    /// character. The message names the first rule broken.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let s = raw.trim().to_ascii_uppercase();
        let bad = |msg: String| Error::new(ErrorCode::InvalidCreditCode, msg).with_field("code");
        if s.chars().count() != 18 {
            return Err(bad(format!(
                "credit code '{raw}' must have 18 characters, it has {}",
                raw.trim().chars().count()
            )));
        }
        let b = s.as_bytes();
        let mut values = [0u32; 18];
        for (i, &c) in b.iter().enumerate() {
            values[i] = value_of(c).ok_or_else(|| {
                bad(format!(
                    "credit code '{raw}': character {} ('{}') is not allowed (I, O, S, V, Z and lower-case symbols are never used)",
                    i + 1,
                    c as char
                ))
            })?;
        }
        if !AUTHORITIES.contains(&b[0]) {
            return Err(bad(format!(
                "credit code '{raw}': '{}' is not a registration authority code (1-9, A, N, Y)",
                b[0] as char
            )));
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(bad(format!("credit code '{raw}': characters 3-8 must be a 6-digit division code")));
        }
        let expected = Self::check_char(&s[..17]).ok_or_else(|| bad(format!("credit code '{raw}' is malformed")))?;
        if expected != b[17] as char {
            return Err(bad(format!(
                "credit code '{raw}': check character is '{}', expected '{expected}'",
                b[17] as char
            )));
        }
        Ok(Self(s))
    }

    /// The check character for the first 17 characters, or `None` if one is outside the charset.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (i, c) in first17.bytes().enumerate() {
            sum += value_of(c)? * WEIGHTS[i];
        }
        let v = (31 - sum % 31) % 31;
        Some(CHARSET[v as usize] as char)
    }

    /// Build a code for a government agency (registration authority `1` 机构编制, type `1` 机关)
    /// from a division code and an 8-character organisation body; the GB 11714 and GB 32100 check
    /// characters are computed. Used for demo data and tests.
    pub fn for_agency(division: &DivisionCode, org_body8: &str) -> Result<Self, Error> {
        let org_check = gb11714_check(org_body8)
            .ok_or_else(|| Error::invalid("code", format!("organisation code body '{org_body8}' is malformed")))?;
        let first17 = format!("11{}{org_body8}{org_check}", division.as_str());
        let check = Self::check_char(&first17)
            .ok_or_else(|| Error::invalid("code", format!("'{first17}' is outside the credit-code charset")))?;
        Self::parse(&format!("{first17}{check}"))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The division code embedded in characters 3-8.
    pub fn division_part(&self) -> &str {
        &self.0[2..8]
    }
}

/// The GB 11714 organisation-code check character for an 8-character body (digits and upper-case
/// letters), or `None` if the body is malformed. Its charset must also fit the credit code's.
pub fn gb11714_check(body8: &str) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if body8.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in body8.bytes().enumerate() {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return None,
        };
        sum += v * W[i];
    }
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        d => char::from_digit(d, 10),
    }
}

impl TryFrom<String> for CreditCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // The worked example of GB 32100 and a code computed independently (Python) for Xining.
        for ok in ["91350100M000100Y43", "11630100MB1784262M"] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}");
        }
        let e = CreditCode::parse("91350100M000100Y44").err();
        assert!(e.is_some_and(|e| e.message.contains("expected '3'")));
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("9135010OM000100Y43").is_err());
    }

    #[test]
    fn agency_codes_round_trip() {
        let d = DivisionCode::parse("630100").ok();
        let code = d.and_then(|d| CreditCode::for_agency(&d, "01234567").ok());
        let code = code.map(|c| c.as_str().to_owned()).unwrap_or_default();
        assert_eq!(&code[..8], "11630100");
        assert!(CreditCode::parse(&code).is_ok());
    }

    proptest! {
        #[test]
        fn any_single_substitution_is_detected(body in "[0-9A-HJ-NP-RT-UW-Y]{8}", pos in 0usize..18, repl in 0usize..31) {
            let d = DivisionCode::parse("630102").map_err(|e| TestCaseError::fail(e.message))?;
            let body: String = body.chars().map(|c| if c.is_ascii_digit() || "ABCDEFGHJKLMNPQRTUWXY".contains(c) { c } else { '0' }).collect();
            let Ok(code) = CreditCode::for_agency(&d, &body) else { return Ok(()) };
            let mut bytes = code.as_str().as_bytes().to_vec();
            let new = CHARSET[repl];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let mutated = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(CreditCode::parse(&mutated).is_err());
        }
    }
}
