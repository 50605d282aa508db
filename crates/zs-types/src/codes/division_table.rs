//! The GB/T 2260 code table with history: which codes exist now and which existed once.
//!
//! An ID number keeps the division code of the place and year it was issued, so a code that was
//! abolished (湟中县 630122 became 湟中区 630106 in 2019) is still valid at the head of an ID
//! number while a current-address column must carry a current code. This table is curated, not
//! the national list: it holds every province-level code, the prefectures of Qinghai and the
//! districts and counties of Xining (the demo city) and of Beijing's old city (the standard's
//! worked example), each with its years. [`DivisionTable::covers`] says whether a code lies in a
//! part the table lists completely; outside those parts only the structure (province prefix,
//! levels) can be checked.

/// One code of the table: code, name, first year, last year (None: still in use).
pub type DivisionRow = (&'static str, &'static str, u16, Option<u16>);

const ROWS: &[DivisionRow] = &[
    ("110000", "北京市", 1980, None),
    ("120000", "天津市", 1980, None),
    ("130000", "河北省", 1980, None),
    ("140000", "山西省", 1980, None),
    ("150000", "内蒙古自治区", 1980, None),
    ("210000", "辽宁省", 1980, None),
    ("220000", "吉林省", 1980, None),
    ("230000", "黑龙江省", 1980, None),
    ("310000", "上海市", 1980, None),
    ("320000", "江苏省", 1980, None),
    ("330000", "浙江省", 1980, None),
    ("340000", "安徽省", 1980, None),
    ("350000", "福建省", 1980, None),
    ("360000", "江西省", 1980, None),
    ("370000", "山东省", 1980, None),
    ("410000", "河南省", 1980, None),
    ("420000", "湖北省", 1980, None),
    ("430000", "湖南省", 1980, None),
    ("440000", "广东省", 1980, None),
    ("450000", "广西壮族自治区", 1980, None),
    ("460000", "海南省", 1988, None),
    ("500000", "重庆市", 1997, None),
    ("510000", "四川省", 1980, None),
    ("520000", "贵州省", 1980, None),
    ("530000", "云南省", 1980, None),
    ("540000", "西藏自治区", 1980, None),
    ("610000", "陕西省", 1980, None),
    ("620000", "甘肃省", 1980, None),
    ("630000", "青海省", 1980, None),
    ("640000", "宁夏回族自治区", 1980, None),
    ("650000", "新疆维吾尔自治区", 1980, None),
    ("710000", "台湾省", 1980, None),
    ("810000", "香港特别行政区", 1997, None),
    ("820000", "澳门特别行政区", 1999, None),
    // Beijing's old city: 崇文区 and 宣武区 merged into 东城区 and 西城区 in 2010.
    ("110100", "北京市市辖区", 1980, None),
    ("110101", "东城区", 1980, None),
    ("110102", "西城区", 1980, None),
    ("110103", "崇文区", 1980, Some(2010)),
    ("110104", "宣武区", 1980, Some(2010)),
    ("110105", "朝阳区", 1980, None),
    ("110106", "丰台区", 1980, None),
    ("110107", "石景山区", 1980, None),
    ("110108", "海淀区", 1980, None),
    // Qinghai: 海东地区 (632100) became the prefecture-level city 海东市 (630200) in 2013.
    ("630100", "西宁市", 1980, None),
    ("630200", "海东市", 2013, None),
    ("632100", "海东地区", 1980, Some(2013)),
    ("632200", "海北藏族自治州", 1980, None),
    ("632300", "黄南藏族自治州", 1980, None),
    ("632500", "海南藏族自治州", 1980, None),
    ("632600", "果洛藏族自治州", 1980, None),
    ("632700", "玉树藏族自治州", 1980, None),
    ("632800", "海西蒙古族藏族自治州", 1985, None),
    // Xining: 湟中县 (630122) became 湟中区 (630106) in 2019.
    ("630101", "西宁市市辖区", 1980, None),
    ("630102", "城东区", 1980, None),
    ("630103", "城中区", 1980, None),
    ("630104", "城西区", 1980, None),
    ("630105", "城北区", 1980, None),
    ("630106", "湟中区", 2019, None),
    ("630121", "大通回族土族自治县", 1986, None),
    ("630122", "湟中县", 1980, Some(2019)),
    ("630123", "湟源县", 1980, None),
];

/// Prefixes the table lists completely: every code under them is in [`ROWS`].
const COVERED_PREFIXES: &[&str] = &["1101", "6301", "63"];

/// What the table says about a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivisionStatus {
    /// In use now.
    Current(&'static str),
    /// Existed once (valid in old records such as ID numbers), not any more.
    Historical(&'static str),
    /// Lies in a part the table lists completely but is not there: never existed.
    Unknown,
    /// Outside the parts the table lists: only its structure can be judged.
    NotCovered,
}

/// The curated GB/T 2260 table (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct DivisionTable;

impl DivisionTable {
    /// Every row.
    pub fn rows() -> &'static [DivisionRow] {
        ROWS
    }

    /// Whether the table lists every code under `code`'s prefecture (or province, for a
    /// prefecture-level code).
    pub fn covers(code: &str) -> bool {
        if code.len() != 6 {
            return false;
        }
        let county_level = &code[4..6] != "00";
        let prefecture_level = &code[2..4] != "00" && !county_level;
        COVERED_PREFIXES.iter().any(|p| match p.len() {
            4 => county_level && code.starts_with(p),
            2 => prefecture_level && code.starts_with(p),
            _ => false,
        }) || (&code[2..6] == "0000")
    }

    /// Look a code up.
    pub fn status(code: &str) -> DivisionStatus {
        match ROWS.iter().find(|r| r.0 == code) {
            Some((_, name, _, None)) => DivisionStatus::Current(name),
            Some((_, name, _, Some(_))) => DivisionStatus::Historical(name),
            None if Self::covers(code) => DivisionStatus::Unknown,
            None => DivisionStatus::NotCovered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_kept() {
        assert_eq!(DivisionTable::status("630106"), DivisionStatus::Current("湟中区"));
        assert_eq!(DivisionTable::status("630122"), DivisionStatus::Historical("湟中县"));
        assert_eq!(DivisionTable::status("630199"), DivisionStatus::Unknown);
        assert_eq!(DivisionTable::status("630000"), DivisionStatus::Current("青海省"));
        assert_eq!(DivisionTable::status("632900"), DivisionStatus::Unknown);
        assert_eq!(DivisionTable::status("440305"), DivisionStatus::NotCovered);
        assert_eq!(DivisionTable::status("110103"), DivisionStatus::Historical("崇文区"));
        assert_eq!(DivisionTable::status("990000"), DivisionStatus::Unknown);
    }
}
