//! The unkeyed techniques on text: keep ends, names, addresses, dates. Every function returns
//! at most as many characters as it was given.

use crate::technique::{AddressLevel, DatePart};

/// The masking character.
pub const MASK_CHAR: char = '*';

/// Keep the first `first` and last `last` characters, `*` between; all `*` when the value is
/// not longer than `first + last` (nothing is revealed of a value that short).
pub fn keep_ends(s: &str, first: usize, last: usize) -> String {
    let n = s.chars().count();
    if n <= first + last {
        return MASK_CHAR.to_string().repeat(n);
    }
    let mut out = String::with_capacity(s.len());
    for (i, ch) in s.chars().enumerate() {
        out.push(if i < first || i >= n - last { ch } else { MASK_CHAR });
    }
    out
}

/// Compound surnames (复姓) kept whole by name masking.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
    "令狐", "钟离", "闻人", "澹台", "公冶", "太史", "申屠", "端木", "赫连", "独孤", "南宫", "西门", "万俟", "司空",
    "呼延", "拓跋", "百里", "东郭", "濮阳", "单于", "第五", "左丘", "谷梁", "梁丘", "段干", "羊舌", "微生", "公羊",
    "乐正", "漆雕", "巫马", "公良", "宗政", "亓官", "子车", "颛孙", "鲜于", "闾丘", "司寇", "仲孙", "叔孙", "公西",
];

/// Keep the surname, `*` for every other character except separators (`·`, spaces), so
/// `张三` → `张*`, `欧阳娜娜` → `欧阳**`, `买买提·艾力` → `买**·**`. A compound surname counts only
/// when the name is longer than it (`欧阳` alone is surname 欧 + given name 阳).
pub fn name(s: &str) -> String {
    let n = s.chars().count();
    let keep = if n > 2 && COMPOUND_SURNAMES.iter().any(|c| s.starts_with(c)) { 2 } else { 1 };
    let mut out = String::with_capacity(s.len());
    for (i, ch) in s.chars().enumerate() {
        out.push(if i < keep || matches!(ch, '·' | '•' | '.' | ' ' | '-') { ch } else { MASK_CHAR });
    }
    out
}

/// Where the district part of an address ends (in characters), if it can be found: after the
/// first 区/县/旗 that is not part of 自治区, 地区 or 行政区; else after the last 市.
fn district_end(chars: &[char]) -> Option<usize> {
    for (i, &ch) in chars.iter().enumerate() {
        if matches!(ch, '县' | '旗') {
            return Some(i + 1);
        }
        if ch == '区' {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let prev2 = if i > 1 { chars[i - 2] } else { ' ' };
            let province = (prev2 == '自' && prev == '治') || prev == '地' || (prev2 == '行' && prev == '政');
            if !province {
                return Some(i + 1);
            }
        }
    }
    chars.iter().rposition(|&c| c == '市').map(|i| i + 1)
}

/// Where the street part ends after `from`: after 街道 if present, else after the first
/// 镇/乡/路/街/巷/村.
fn street_end(chars: &[char], from: usize) -> Option<usize> {
    let rest = &chars[from..];
    if let Some(i) = rest.windows(2).position(|w| w == ['街', '道']) {
        return Some(from + i + 2);
    }
    rest.iter().position(|c| matches!(c, '镇' | '乡' | '路' | '街' | '巷' | '村')).map(|i| from + i + 1)
}

/// Keep an address down to `level`, then `****` (never longer than the input). An address
/// whose levels cannot be found is masked whole.
pub fn address(s: &str, level: AddressLevel) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let cut = district_end(&chars).and_then(|d| match level {
        AddressLevel::District => Some(d),
        AddressLevel::Street => street_end(&chars, d).or(Some(d)),
    });
    let Some(cut) = cut else {
        return MASK_CHAR.to_string().repeat(n.min(4));
    };
    let mut out: String = chars[..cut].iter().collect();
    let rest = n - cut;
    out.extend(std::iter::repeat_n(MASK_CHAR, rest.min(4)));
    out
}

/// Generalise a date written as text: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally
/// followed by a time. The month and day (for `Year`) or the day (for `Month`) become `01`, the
/// time's digits `0`; the layout is kept. `None` when the text is not such a date.
pub fn date_text(s: &str, keep: DatePart) -> Option<String> {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    // Positions of month and day digits.
    let (m, d, end) = if (0..4).all(digit) && matches!(b.get(4), Some(b'-' | b'/')) {
        if !(digit(5) && digit(6) && b.get(7) == b.get(4) && digit(8) && digit(9)) {
            return None;
        }
        (5, 8, 10)
    } else if (0..8).all(digit) {
        (4, 6, 8)
    } else {
        return None;
    };
    let mut out = b.to_vec();
    if keep == DatePart::Year {
        out[m] = b'0';
        out[m + 1] = b'1';
    }
    out[d] = b'0';
    out[d + 1] = b'1';
    for c in &mut out[end..] {
        if c.is_ascii_digit() {
            *c = b'0';
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_ends_on_ids_and_phones() {
        assert_eq!(keep_ends("630102199001011234", 6, 4), "630102********1234");
        assert_eq!(keep_ends("13812345678", 3, 4), "138****5678");
        assert_eq!(keep_ends("1381", 3, 4), "****");
        assert_eq!(keep_ends("青海省西宁市", 2, 1), "青海***市");
        assert_eq!(keep_ends("", 2, 2), "");
    }

    #[test]
    fn names_keep_the_surname() {
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name("欧阳娜娜"), "欧阳**");
        assert_eq!(name("司马懿"), "司马*");
        assert_eq!(name("诸葛孔明"), "诸葛**");
        assert_eq!(name("欧阳"), "欧*");
        assert_eq!(name("买买提·艾力"), "买**·**");
        assert_eq!(name("王"), "王");
        assert_eq!(name("John Smith"), "J*** *****");
    }

    #[test]
    fn addresses_keep_district_or_street() {
        let a = "青海省西宁市城东区八一路街道建国路12号3单元";
        assert_eq!(address(a, AddressLevel::District), "青海省西宁市城东区****");
        assert_eq!(address(a, AddressLevel::Street), "青海省西宁市城东区八一路街道****");
        assert_eq!(
            address("青海省西宁市大通回族土族自治县桥头镇解放路5号", AddressLevel::Street),
            "青海省西宁市大通回族土族自治县桥头镇****"
        );
        assert_eq!(
            address("新疆维吾尔自治区乌鲁木齐市天山区解放南路8号", AddressLevel::District),
            "新疆维吾尔自治区乌鲁木齐市天山区****"
        );
        assert_eq!(address("西藏自治区阿里地区噶尔县狮泉河镇", AddressLevel::District), "西藏自治区阿里地区噶尔县****");
        assert_eq!(address("青海省格尔木市昆仑路1号", AddressLevel::District), "青海省格尔木市****");
        assert_eq!(address("西宁市城中区", AddressLevel::Street), "西宁市城中区");
        assert_eq!(address("某某单位宿舍", AddressLevel::District), "****");
    }

    #[test]
    fn dates_as_text() {
        assert_eq!(date_text("1990-05-12", DatePart::Year).as_deref(), Some("1990-01-01"));
        assert_eq!(date_text("1990-05-12", DatePart::Month).as_deref(), Some("1990-05-01"));
        assert_eq!(date_text("1990/05/12", DatePart::Year).as_deref(), Some("1990/01/01"));
        assert_eq!(date_text("19900512", DatePart::Year).as_deref(), Some("19900101"));
        assert_eq!(date_text("1990-05-12 08:30:15", DatePart::Month).as_deref(), Some("1990-05-01 00:00:00"));
        assert_eq!(date_text("1990年5月", DatePart::Year), None);
        assert_eq!(date_text("1990-05/12", DatePart::Year), None);
    }
}
