//! Value detectors for classification (分类分级) suggestions: they look at the values of a
//! column, never its name, and say what kind of personal or organisational datum it holds.
//! A column is recognised when at least [`THRESHOLD`] of its non-empty sampled values match
//! one detector (and at least [`MIN_VALUES`] values were seen); the detector with the highest
//! ratio wins. Values are only counted, never kept or reported.

use serde::Serialize;
use utoipa::ToSchema;
use zs_catalog::SecurityLevel;
use zs_types::codes::{CreditCode, IdNumber};

/// Share of non-empty values that must match for a column to be recognised.
pub const THRESHOLD: f64 = 0.8;
/// Fewest non-empty values worth judging.
pub const MIN_VALUES: u64 = 5;
/// Rows read from the latest table version at most.
pub const SAMPLE_ROWS: usize = 10_000;

/// What a detector recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// 公民身份号码: 18 characters with a valid GB 11643 check digit and birth date.
    IdNumber,
    /// 统一社会信用代码: valid GB 32100 check character.
    CreditCode,
    /// 银行卡号: 13-19 digits passing the Luhn check.
    BankCard,
    /// 手机号码: 11 digits, 1 then 3-9 (an optional +86 prefix).
    Mobile,
    /// 电子邮箱.
    Email,
    /// 中文姓名: 2-4 Chinese characters starting with a common surname, or a name with “·”.
    ChineseName,
    /// 地址: Chinese text with place markers (省/市/区/县/路/街/号 …).
    Address,
}

impl Detector {
    /// Every detector, in precedence order for ties.
    pub const ALL: [Detector; 7] = [
        Detector::IdNumber,
        Detector::CreditCode,
        Detector::BankCard,
        Detector::Mobile,
        Detector::Email,
        Detector::ChineseName,
        Detector::Address,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdNumber => "id_number",
            Self::CreditCode => "credit_code",
            Self::BankCard => "bank_card",
            Self::Mobile => "mobile",
            Self::Email => "email",
            Self::ChineseName => "chinese_name",
            Self::Address => "address",
        }
    }

    /// Parse a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The level a column of this kind should have at least: personal identifiers, contact
    /// data, addresses and financial accounts are sensitive personal information (GB/T 35273)
    /// → L3; names and e-mail addresses alone → L2; credit codes are public → L1.
    pub fn level(self) -> SecurityLevel {
        match self {
            Self::IdNumber | Self::BankCard | Self::Mobile | Self::Address => SecurityLevel::L3,
            Self::ChineseName | Self::Email => SecurityLevel::L2,
            Self::CreditCode => SecurityLevel::L1,
        }
    }

    /// Whether one (trimmed, non-empty) value looks like this kind.
    pub fn matches(self, v: &str) -> bool {
        match self {
            Self::IdNumber => v.len() == 18 && IdNumber::parse(v).is_ok(),
            Self::CreditCode => v.len() == 18 && CreditCode::parse(v).is_ok(),
            Self::BankCard => is_bank_card(v),
            Self::Mobile => is_mobile(v),
            Self::Email => is_email(v),
            Self::ChineseName => is_chinese_name(v),
            Self::Address => is_address(v),
        }
    }
}

fn digits_only(v: &str) -> Option<Vec<u32>> {
    let d: Vec<u32> = v.chars().filter(|c| *c != ' ' && *c != '-').map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    Some(d)
}

/// The Luhn (ISO/IEC 7812) check over all digits.
pub fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn is_bank_card(v: &str) -> bool {
    match digits_only(v) {
        Some(d) => (13..=19).contains(&d.len()) && d[0] != 0 && luhn(&d),
        None => false,
    }
}

fn is_mobile(v: &str) -> bool {
    let v = v.strip_prefix("+86").or_else(|| v.strip_prefix("0086")).unwrap_or(v).trim();
    match digits_only(v) {
        Some(d) => d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]),
        None => false,
    }
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Common Chinese surnames (the hundred most frequent plus those frequent in Qinghai), and
/// compound ones.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝冶喇韩马海妥铁";
const COMPOUND: &[&str] =
    &["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "夏侯"];

fn is_chinese_name(v: &str) -> bool {
    let chars: Vec<char> = v.chars().collect();
    if let Some(dot) = chars.iter().position(|c| *c == '·' || *c == '•') {
        // Transliterated names: 阿卜杜拉·买买提.
        let (a, b) = (&chars[..dot], &chars[dot + 1..]);
        return !a.is_empty() && !b.is_empty() && chars.len() <= 20 && a.iter().chain(b).all(|c| is_han(*c));
    }
    if !(2..=4).contains(&chars.len()) || !chars.iter().all(|c| is_han(*c)) {
        return false;
    }
    SURNAMES.contains(chars[0]) || COMPOUND.iter().any(|s| v.starts_with(s))
}

/// Place markers of Chinese addresses.
const ADDRESS_MARKS: &[&str] = &[
    "省", "市", "区", "县", "镇", "乡", "街道", "路", "街", "巷", "弄", "号", "村", "社区", "小区", "栋", "幢", "单元",
    "室", "楼",
];
/// Markers of the street level (an address has one of these, a bare place name does not).
const STREET_MARKS: &[&str] = &["路", "街", "巷", "弄", "号", "村", "道", "组", "栋", "幢"];

fn is_address(v: &str) -> bool {
    let n = v.chars().count();
    if !(6..=200).contains(&n) || v.chars().filter(|c| is_han(*c)).count() < 4 {
        return false;
    }
    let marks = ADDRESS_MARKS.iter().filter(|m| v.contains(*m)).count();
    marks >= 2 && STREET_MARKS.iter().any(|m| v.contains(m))
}

/// Match counts of one column, fed value by value.
#[derive(Debug, Clone, Default)]
pub struct ColumnTally {
    /// Non-empty values seen.
    pub seen: u64,
    matched: [u64; 7],
}

/// What a column was recognised as.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Detection {
    /// The detector.
    pub detector: Detector,
    /// Non-empty values sampled.
    pub sampled: u64,
    /// Values it matched.
    pub matched: u64,
    /// `matched / sampled`.
    pub ratio: f64,
}

impl ColumnTally {
    /// Count one value (empty values are skipped).
    pub fn add(&mut self, raw: &str) {
        let v = raw.trim();
        if v.is_empty() {
            return;
        }
        self.seen += 1;
        for (i, d) in Detector::ALL.iter().enumerate() {
            if d.matches(v) {
                self.matched[i] += 1;
            }
        }
    }

    /// The best detector at or above the threshold, if any.
    pub fn detection(&self) -> Option<Detection> {
        if self.seen < MIN_VALUES {
            return None;
        }
        let mut best: Option<Detection> = None;
        for (i, d) in Detector::ALL.iter().enumerate() {
            let ratio = self.matched[i] as f64 / self.seen as f64;
            if ratio >= THRESHOLD && best.as_ref().is_none_or(|b| ratio > b.ratio) {
                best = Some(Detection { detector: *d, sampled: self.seen, matched: self.matched[i], ratio });
            }
        }
        best
    }
}

/// Recognise a column from its values.
pub fn detect<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Detection> {
    let mut t = ColumnTally::default();
    values.into_iter().for_each(|v| t.add(v));
    t.detection()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid ID number for 17 digits.
    fn id(first17: &str) -> String {
        format!("{first17}{}", IdNumber::check_char(first17).unwrap())
    }

    fn luhn_complete(body: &str) -> String {
        (0..10).map(|c| format!("{body}{c}")).find(|s| luhn(&digits_only(s).unwrap())).unwrap()
    }

    #[test]
    fn id_numbers() {
        let good = id("63010219900307123");
        assert!(Detector::IdNumber.matches(&good));
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        assert!(!Detector::IdNumber.matches(&bad), "wrong check digit");
        assert!(!Detector::IdNumber.matches(&id("63010219901307123")), "month 13");
        assert!(!Detector::IdNumber.matches("63010219900307"));
    }

    #[test]
    fn credit_codes_bank_cards_phones_mails() {
        let cc = format!("91630100MA7{}", "5BX8K3");
        let full = format!("{cc}{}", CreditCode::check_char(&cc).unwrap());
        assert!(Detector::CreditCode.matches(&full));
        assert!(!Detector::CreditCode.matches("91630100MA75BX8K3I"));
        assert!(Detector::BankCard.matches("4111111111111111"));
        assert!(Detector::BankCard.matches(&luhn_complete("622848001234567890")));
        assert!(!Detector::BankCard.matches("4111111111111112"));
        assert!(!Detector::BankCard.matches("41111"));
        assert!(Detector::Mobile.matches("13909711234") && Detector::Mobile.matches("+86 139-0971-1234"));
        assert!(!Detector::Mobile.matches("12909711234") && !Detector::Mobile.matches("0971-8123456"));
        assert!(Detector::Email.matches("zhang.san@xining.gov.cn"));
        for bad in ["zhang@", "@x.cn", "a@b", "a b@c.cn", "a@b.c1"] {
            assert!(!Detector::Email.matches(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_addresses() {
        for good in ["王伟", "欧阳秀英", "祁昆仑", "阿卜杜拉·买买提"] {
            assert!(Detector::ChineseName.matches(good), "{good}");
        }
        for bad in ["已办结", "城东区", "汉族", "王", "青海省西宁市城东区", "Wang Wei"] {
            assert!(!Detector::ChineseName.matches(bad), "{bad}");
        }
        assert!(Detector::Address.matches("青海省西宁市城东区八一路12号"));
        assert!(Detector::Address.matches("城西区海湖大道35号2单元301室"));
        for bad in ["西宁市", "城东区民政局", "准予许可", "青海省西宁市"] {
            assert!(!Detector::Address.matches(bad), "{bad}");
        }
    }

    #[test]
    fn columns_above_and_below_the_threshold() {
        let ids: Vec<String> = (0..50).map(|i| id(&format!("630102199003{:02}{:03}", 1 + i % 28, i))).collect();
        let d = detect(ids.iter().map(String::as_str)).unwrap();
        assert_eq!((d.detector, d.sampled, d.matched), (Detector::IdNumber, 50, 50));
        // Empty values are not counted.
        let with_blanks: Vec<&str> = ids.iter().map(String::as_str).chain(["", "  "]).collect();
        assert_eq!(detect(with_blanks).unwrap().sampled, 50);
        // A mixed column: 70 % ID numbers, 30 % free text, stays below the threshold.
        let mixed: Vec<String> = ids.iter().take(35).cloned().chain((0..15).map(|i| format!("备注{i}"))).collect();
        assert_eq!(detect(mixed.iter().map(String::as_str)), None);
        // Exactly at the threshold (80 %) counts.
        let at: Vec<String> = ids.iter().take(40).cloned().chain((0..10).map(|i| format!("x{i}"))).collect();
        assert_eq!(detect(at.iter().map(String::as_str)).unwrap().detector, Detector::IdNumber);
        // Too few values to judge.
        assert_eq!(detect(ids.iter().take(4).map(String::as_str)), None);
        // Phones, not bank cards or IDs.
        let phones: Vec<String> = (0..20).map(|i| format!("139{:08}", 9_710_000 + i)).collect();
        assert_eq!(detect(phones.iter().map(String::as_str)).unwrap().detector, Detector::Mobile);
        // Status words are nothing.
        assert_eq!(detect(["已办结", "办理中", "已办结", "已受理", "已办结"]), None);
    }

    proptest::proptest! {
        #[test]
        fn luhn_completion_always_detected(body in "[1-9][0-9]{14,17}") {
            let card = luhn_complete(&body);
            proptest::prop_assert!(Detector::BankCard.matches(&card));
            // Changing one digit breaks the check.
            let mut b: Vec<char> = card.chars().collect();
            let k = b.len() / 2;
            b[k] = char::from_digit((b[k].to_digit(10).unwrap() + 1) % 10, 10).unwrap();
            let changed: String = b.into_iter().collect();
            proptest::prop_assert!(!Detector::BankCard.matches(&changed));
        }

        #[test]
        fn valid_ids_detected(body in "[1-6][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}") {
            proptest::prop_assert!(Detector::IdNumber.matches(&id(&body)));
        }
    }
}
