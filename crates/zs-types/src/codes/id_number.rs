//! 公民身份号码 (citizen ID number), GB 11643-1999.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// A validated 18-digit citizen ID number. Never log or display it unmasked.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data: only the region and the last character are shown.
        write!(f, "IdNumber({}********{})", &self.0[..6], &self.0[17..])
    }
}

impl IdNumber {
    /// Parse: 17 digits + check character, valid birth date (not after `today` if given).
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(Error::invalid("id_number", "ID number must be 17 digits followed by a digit or X"));
        }
        let expected = Self::check_char(&s[..17]).unwrap_or('?');
        if expected != b[17] as char {
            return Err(Error::invalid("id_number", "ID number check digit does not match (GB 11643)"));
        }
        Self::birth_date_of(&s)
            .ok_or_else(|| Error::invalid("id_number", "ID number holds an impossible birth date"))?;
        Ok(Self(s))
    }

    /// The check character for 17 digits.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (i, c) in first17.bytes().enumerate() {
            sum += (c as char).to_digit(10)? * WEIGHTS[i];
        }
        Some(CHECK[(sum % 11) as usize] as char)
    }

    fn birth_date_of(s: &str) -> Option<Date> {
        let y: i32 = s.get(6..10)?.parse().ok()?;
        let m: u8 = s.get(10..12)?.parse().ok()?;
        let d: u8 = s.get(12..14)?.parse().ok()?;
        if y < 1850 {
            return None;
        }
        Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
    }

    /// Birth date encoded in digits 7-14.
    pub fn birth_date(&self) -> Option<Date> {
        Self::birth_date_of(&self.0)
    }

    /// The full number. Callers must mask it before display.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdNumber {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(c: IdNumber) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_example() {
        // The worked example of GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("11010519491331002X").is_err(), "month 13");
        let dbg = format!("{:?}", IdNumber::parse("11010519491231002X").ok());
        assert!(!dbg.contains("19491231"), "Debug must not leak the birth date");
    }

    proptest! {
        #[test]
        fn computed_check_always_validates(region in 110000u32..659999, days in 0i64..40000, seq in 0u32..999) {
            let birth = Date::from_calendar_date(1920, Month::January, 1).map_err(|e| TestCaseError::fail(e.to_string()))? + time::Duration::days(days);
            let first17 = format!("{region:06}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month() as u8, birth.day());
            let check = IdNumber::check_char(&first17).unwrap_or('?');
            let good = format!("{first17}{check}");
            let wrong = format!("{first17}{}", if check == '0' { '1' } else { '0' });
            prop_assert!(IdNumber::parse(&good).is_ok());
            prop_assert!(IdNumber::parse(&wrong).is_err());
        }
    }
}
