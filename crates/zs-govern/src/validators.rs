//! Value validators: pure functions over one text value, `Ok(())` or the reason it fails.
//!
//! Built for speed (they run once per cell): byte checks, no allocation, the check-character
//! arithmetic of `zs_types::codes` and its curated GB/T 2260 table.

use time::{Date, Month};
use zs_types::codes::{CreditCode, DivisionTable, IdNumber};

/// Why a value fails: a short bilingual message.
pub type Reason = &'static str;

/// Facts read from a valid ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdFacts {
    /// Birth date (digits 7–14).
    pub birth: Date,
    /// `true` for men (digit 17 odd).
    pub male: bool,
}

/// GB 11643: 17 digits + check character, a division code that exists or existed (where the
/// table covers it), a real birth date from 1850 on.
pub fn id_number(v: &str) -> Result<IdFacts, Reason> {
    let b = v.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return Err("格式错误：应为17位数字加校验码 (must be 17 digits and a check character)");
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let expected = b"10X98765432"[(sum % 11) as usize];
    if expected != b[17].to_ascii_uppercase() {
        return Err("校验码错误 (check character does not match, GB 11643)");
    }
    division_known(&v[..6], true).map_err(|_| "地址码不存在 (region code is not a GB/T 2260 code)")?;
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32);
    let (y, m, d) = (num(6..10) as i32, num(10..12) as u8, num(12..14) as u8);
    let birth = Month::try_from(m)
        .ok()
        .and_then(|m| Date::from_calendar_date(y, m, d).ok())
        .filter(|_| y >= 1850)
        .ok_or("出生日期无效 (impossible birth date)")?;
    Ok(IdFacts { birth, male: (b[16] - b'0') % 2 == 1 })
}

/// Whether a text sex value agrees with an ID number's parity: `1`/`男`/`M` male,
/// `2`/`女`/`F` female; `0`/`9` (unknown, unstated) never conflict.
pub fn sex_agrees(sex: &str, male: bool) -> Result<(), Reason> {
    let s = sex.trim();
    let is_male = match s {
        "1" | "男" | "M" | "m" | "male" => true,
        "2" | "女" | "F" | "f" | "female" => false,
        "0" | "9" | "未知" | "未说明" => return Ok(()),
        _ => return Err("性别代码无效 (sex is not a GB/T 2261.1 code)"),
    };
    if is_male == male {
        Ok(())
    } else {
        Err("性别与身份号码不一致 (sex differs from the ID number)")
    }
}

/// GB 32100: 18 characters of the code charset, registration authority, check character.
pub fn credit_code(v: &str) -> Result<(), Reason> {
    let b = v.as_bytes();
    if b.len() != 18 {
        return Err("长度应为18位 (must have 18 characters)");
    }
    if !b"123456789ANY".contains(&b[0]) {
        return Err("登记管理部门代码无效 (registration authority)");
    }
    if !b[2..8].iter().all(u8::is_ascii_digit) {
        return Err("第3-8位应为行政区划码 (characters 3-8 must be a division code)");
    }
    match std::str::from_utf8(&b[..17]).ok().and_then(CreditCode::check_char) {
        None => Err("含非法字符 (character outside the code set)"),
        Some(c) if c as u8 == b[17] => Ok(()),
        Some(_) => Err("校验码错误 (check character does not match, GB 32100)"),
    }
}

/// GB/T 2260: structure, and where the curated table covers the code, that it exists now (or
/// existed, with `historical`). Allocation-free: the table is looked up by binary search.
pub fn division_known(v: &str, historical: bool) -> Result<(), Reason> {
    let b = v.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Err("应为6位数字 (must be 6 digits)");
    }
    let province = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let structure_ok = PROVINCES.contains(&province) && !(&b[2..4] == b"00" && &b[4..6] != b"00");
    if !structure_ok {
        return Err("不是有效的行政区划代码结构 (not a GB/T 2260 code)");
    }
    let code = b.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let table = table();
    match table.binary_search_by_key(&code, |r| r.0) {
        Ok(i) if table[i].1 || historical => Ok(()),
        Ok(_) => Err("已撤销的行政区划代码 (abolished division code)"),
        Err(_) if DivisionTable::covers(v) => Err("行政区划代码不存在 (no such division)"),
        Err(_) => Ok(()),
    }
}

const PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// The curated table as (code, in use now), sorted.
fn table() -> &'static [(u32, bool)] {
    static TABLE: std::sync::OnceLock<Vec<(u32, bool)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(u32, bool)> = DivisionTable::rows()
            .iter()
            .filter_map(|(code, _, _, until)| code.parse().ok().map(|c| (c, until.is_none())))
            .collect();
        t.sort_unstable();
        t
    })
}

/// Mainland mobile: 11 digits starting 13–19.
pub fn mobile(v: &str) -> Result<(), Reason> {
    let v = v.strip_prefix("+86").or_else(|| v.strip_prefix("86-")).unwrap_or(v);
    let b = v.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err("手机号码格式错误 (not a mobile number)")
    }
}

/// Landline: optional area code `0` + 2–3 digits (with `-` or not), 7–8 digit number, optional
/// `-` extension of 1–6 digits.
pub fn landline(v: &str) -> Result<(), Reason> {
    const BAD: Reason = "固定电话格式错误 (not a landline number)";
    let (main, ext) = match v.rsplit_once('-') {
        Some((m, e)) if m.contains('-') || (e.len() <= 6 && m.len() >= 7 && !m.starts_with('0')) => (m, Some(e)),
        _ => (v, None),
    };
    if let Some(e) = ext {
        if e.is_empty() || e.len() > 6 || !e.bytes().all(|c| c.is_ascii_digit()) {
            return Err(BAD);
        }
    }
    let (area, number) = match main.split_once('-') {
        Some((a, n)) => (Some(a), n),
        None if main.starts_with('0') && (main.len() == 10 || main.len() == 11 || main.len() == 12) => {
            // 0xx + 8 digits or 0xxx + 7/8 digits, without a separator.
            let n = if main.len() == 12 { 4 } else { main.len() - 8 };
            (Some(&main[..n]), &main[n..])
        }
        None => (None, main),
    };
    if let Some(a) = area {
        if !(3..=4).contains(&a.len()) || !a.starts_with('0') || !a.bytes().all(|c| c.is_ascii_digit()) {
            return Err(BAD);
        }
    }
    if !(7..=8).contains(&number.len()) || number.starts_with('0') || !number.bytes().all(|c| c.is_ascii_digit()) {
        return Err(BAD);
    }
    Ok(())
}

/// A mobile or landline number.
pub fn phone(v: &str) -> Result<(), Reason> {
    mobile(v).or_else(|_| landline(v)).map_err(|_| "电话号码格式错误 (not a phone number)")
}

/// An e-mail address: one `@`, a local part of allowed characters, a dotted domain.
pub fn email(v: &str) -> Result<(), Reason> {
    const BAD: Reason = "电子邮箱格式错误 (not an e-mail address)";
    let (local, domain) = v.split_once('@').ok_or(BAD)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.bytes().all(|c| c.is_ascii_alphanumeric() || b"._%+-".contains(&c));
    let labels_ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
    let tld_ok = domain.rsplit('.').next().is_some_and(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()));
    if local_ok && labels_ok && tld_ok {
        Ok(())
    } else {
        Err(BAD)
    }
}

/// A postal code: six digits; the first is 0–8 (no 9 region in use).
pub fn postal_code(v: &str) -> Result<(), Reason> {
    let b = v.as_bytes();
    if b.len() == 6 && b.iter().all(u8::is_ascii_digit) && b[0] != b'9' {
        Ok(())
    } else {
        Err("邮政编码格式错误 (not a six-digit postal code)")
    }
}

/// Parse `YYYY-MM-DD` (also `YYYYMMDD` and `YYYY/MM/DD`).
pub fn parse_date(v: &str) -> Option<Date> {
    let b = v.trim().as_bytes();
    let digits: &[u8] = b;
    let (y, m, d) = match digits.len() {
        8 if digits.iter().all(u8::is_ascii_digit) => (&digits[0..4], &digits[4..6], &digits[6..8]),
        10 if matches!(digits[4], b'-' | b'/') && digits[7] == digits[4] => {
            (&digits[0..4], &digits[5..7], &digits[8..10])
        }
        _ => return None,
    };
    let n = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |a, c| c.is_ascii_digit().then(|| a * 10 + (c - b'0') as u32))
    };
    Date::from_calendar_date(n(y)? as i32, Month::try_from(n(m)? as u8).ok()?, n(d)? as u8).ok()
}

/// Whether `IdNumber` (the platform's parser) and this validator agree; used by tests.
pub fn agrees_with_types(v: &str) -> bool {
    IdNumber::parse(v).is_ok() == id_number(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_numbers() {
        assert!(id_number("11010519491231002X").is_ok());
        assert!(id_number("11010519491231002x").is_ok());
        let facts = id_number("11010519491231002X").ok();
        assert_eq!(facts.map(|f| f.male), Some(false));
        assert!(id_number("110105194912310021").is_err_and(|r| r.contains("校验码")));
        assert!(id_number("11010519491331002X").is_err(), "month 13 (check digit differs anyway)");
        assert!(id_number("1101051949123100").is_err());
        // An abolished county (湟中县, 630122) is still a valid ID region; an invented one is not.
        let first = "63012219800101001";
        let ok = format!("{first}{}", IdNumber::check_char(first).unwrap_or('?'));
        assert!(id_number(&ok).is_ok());
        let first = "63019919800101001";
        let bad = format!("{first}{}", IdNumber::check_char(first).unwrap_or('?'));
        assert!(id_number(&bad).is_err_and(|r| r.contains("地址码")));
        // Birth date impossible but check digit right.
        let first = "63010219800230001";
        let feb30 = format!("{first}{}", IdNumber::check_char(first).unwrap_or('?'));
        assert!(id_number(&feb30).is_err_and(|r| r.contains("出生日期")));
    }

    #[test]
    fn sex_parity() {
        assert!(sex_agrees("1", true).is_ok() && sex_agrees("男", true).is_ok());
        assert!(sex_agrees("2", true).is_err() && sex_agrees("女", false).is_ok());
        assert!(sex_agrees("9", true).is_ok());
        assert!(sex_agrees("x", true).is_err());
    }

    #[test]
    fn credit_codes() {
        assert!(credit_code("91350100M000100Y43").is_ok());
        assert!(credit_code("11630100MB1784262M").is_ok());
        assert!(credit_code("91350100M000100Y44").is_err_and(|r| r.contains("校验码")));
        assert!(credit_code("01350100M000100Y43").is_err());
        assert!(credit_code("9135010OM000100Y43").is_err());
        assert!(credit_code("91350100M000100Y4").is_err());
    }

    #[test]
    fn divisions() {
        assert!(division_known("630106", false).is_ok());
        assert!(division_known("630122", false).is_err_and(|r| r.contains("撤销")));
        assert!(division_known("630122", true).is_ok());
        assert!(division_known("630199", true).is_err());
        assert!(division_known("440305", false).is_ok(), "outside the table: structure only");
        assert!(division_known("990100", true).is_err());
        assert!(division_known("63010", true).is_err());
    }

    #[test]
    fn phones_mail_postal() {
        for ok in ["13912345678", "+8613912345678", "19800001111"] {
            assert!(mobile(ok).is_ok(), "{ok}");
        }
        for bad in ["12912345678", "1391234567", "139123456789", "1391234567a"] {
            assert!(mobile(bad).is_err(), "{bad}");
        }
        for ok in ["0971-8123456", "09718123456", "010-12345678", "8123456", "0971-8123456-123", "01012345678"] {
            assert!(landline(ok).is_ok(), "{ok}");
        }
        for bad in ["971-8123456", "0971-0123456", "0971-812345", "0971-8123456-", "abc", "0971-81234567890"] {
            assert!(landline(bad).is_err(), "{bad}");
        }
        assert!(phone("13912345678").is_ok() && phone("0971-8123456").is_ok() && phone("123").is_err());
        for ok in ["a@b.cn", "zhang.san+x@xining.gov.cn", "a_b@mail-1.example.com"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "a@b", "@b.cn", "a@.cn", "a@b.c", "a b@c.cn", "a@b..cn", ".a@b.cn", "a@-b.cn"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(postal_code("810000").is_ok() && postal_code("010000").is_ok());
        assert!(postal_code("910000").is_err() && postal_code("81000").is_err() && postal_code("81000a").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-02-29").map(|d| d.day()), Some(29));
        assert!(parse_date("20240229").is_some() && parse_date("2024/02/29").is_some());
        assert!(parse_date("2023-02-29").is_none() && parse_date("2024-02/29").is_none() && parse_date("x").is_none());
    }

    proptest! {
        #[test]
        fn id_check_agrees_with_platform_parser(region in prop::sample::select(vec!["630102", "630122", "110105", "440305"]), days in 0i64..40000, seq in 0u32..999, check in 0usize..11) {
            let birth = Date::from_calendar_date(1920, Month::January, 1).map_err(|e| TestCaseError::fail(e.to_string()))? + time::Duration::days(days);
            let first17 = format!("{region}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month() as u8, birth.day());
            let right = IdNumber::check_char(&first17).unwrap_or('?');
            let good = format!("{first17}{right}");
            prop_assert!(id_number(&good).is_ok());
            prop_assert!(agrees_with_types(&good));
            let c = b"0123456789X"[check] as char;
            let any = format!("{first17}{c}");
            prop_assert_eq!(id_number(&any).is_ok(), c == right);
        }

        #[test]
        fn credit_check_detects_any_substitution(body in "[0-9A-HJ-NP-RT-UW-Y]{8}", pos in 0usize..18, repl in 0usize..31) {
            let first17 = format!("91630102{body}{}", zs_types::codes::gb11714_check(&body).unwrap_or('0'));
            prop_assume!(first17.len() == 17 && CreditCode::check_char(&first17).is_some());
            let code = format!("{first17}{}", CreditCode::check_char(&first17).unwrap_or('?'));
            prop_assert!(credit_code(&code).is_ok());
            let mut bytes = code.into_bytes();
            let new = b"0123456789ABCDEFGHJKLMNPQRTUWXY"[repl];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let mutated = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(credit_code(&mutated).is_err());
        }
    }
}
