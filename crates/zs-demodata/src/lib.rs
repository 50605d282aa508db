//! Deterministic demo data for the base libraries (基础库) of the demo city: the population
//! library (人口) with valid 18-digit ID numbers and the legal-person library (法人) with valid
//! unified social credit codes, legal representatives drawn from the population.
//!
//! Everything is generated from a seed, so tests and benchmarks see the same rows every run. The
//! data is synthetic: names are drawn from common characters, addresses from Xining's districts;
//! any resemblance to a real person is chance. No I/O here; callers write CSV, Parquet or tables.

mod rng;

use rng::Rng;
use serde::Serialize;
use time::{Date, Month};
use zs_types::codes::{gb11714_check, CreditCode, DivisionCode, IdNumber};

/// Division codes an ID number of a Xining resident may start with: the current districts and
/// counties and 湟中县 (630122), which became 湟中区 (630106) in 2019, so older numbers keep it.
pub const ID_REGIONS: &[(&str, &str)] = &[
    ("630102", "城东区"),
    ("630103", "城中区"),
    ("630104", "城西区"),
    ("630105", "城北区"),
    ("630106", "湟中区"),
    ("630121", "大通回族土族自治县"),
    ("630122", "湟中县"),
    ("630123", "湟源县"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "韩", "祁", "鲁", "冶", "喇", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "海", "建华", "玉兰", "青", "宁", "昆仑", "湟", "雪",
];
const ETHNICITIES: &[(&str, u32)] =
    &[("汉族", 70), ("回族", 16), ("藏族", 6), ("土族", 5), ("撒拉族", 2), ("蒙古族", 1)];
const STREETS: &[&str] =
    &["八一路", "五四大街", "昆仑路", "黄河路", "海湖大道", "柴达木路", "祁连路", "七一路", "南川东路", "宁张路"];
const INDUSTRIES: &[&str] =
    &["商贸", "建筑工程", "餐饮管理", "物流", "科技", "农牧业开发", "旅游服务", "新能源", "医药", "文化传媒"];
const FORMS: &[&str] = &["有限公司", "有限责任公司", "股份有限公司"];

/// A synthetic resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// 公民身份号码 (valid GB 11643: region, birth date, sequence with sex, check character).
    pub id_number: String,
    /// 姓名.
    pub name: String,
    /// 性别: `1` male, `2` female (GB/T 2261.1), consistent with the ID number.
    pub sex: u8,
    /// 出生日期, consistent with the ID number.
    pub birth_date: Date,
    /// 民族.
    pub ethnicity: &'static str,
    /// Current district or county code (GB/T 2260).
    pub district: &'static str,
    /// 住址.
    pub address: String,
    /// 联系电话 (mobile).
    pub phone: String,
}

/// A synthetic enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enterprise {
    /// 统一社会信用代码 (valid GB 32100, registration authority 9 工商, type 1 企业).
    pub credit_code: String,
    /// 单位名称.
    pub name: String,
    /// 法定代表人 (name of a person from the population).
    pub legal_rep: String,
    /// The representative's ID number (links to the population library).
    pub legal_rep_id: String,
    /// District code.
    pub district: &'static str,
    /// 注册地址.
    pub address: String,
    /// 注册资本 (万元).
    pub capital: u32,
    /// 成立日期.
    pub established: Date,
}

fn current_district(region: &'static str) -> &'static str {
    if region == "630122" {
        "630106"
    } else {
        region
    }
}

/// `n` residents from `seed`; every ID number is unique and valid.
pub fn population(seed: u64, n: usize) -> impl Iterator<Item = Person> {
    let mut rng = Rng::new(seed);
    let epoch = Date::from_calendar_date(1930, Month::January, 1).unwrap_or(Date::MIN);
    let mut used = std::collections::HashSet::new();
    (0..n).map(move |i| {
        let (region, _) = *rng.pick(ID_REGIONS);
        let mut birth_date = epoch + time::Duration::days(rng.below(33_000) as i64);
        let sex = if rng.below(2) == 0 { 1 } else { 2 };
        // Sequence (顺序码): odd for men, even for women; the next free one keeps numbers unique.
        let ymd = |d: Date| format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day());
        let mut seq = ((i % 500) * 2 + usize::from(sex == 1)) as u32;
        let mut first17 = format!("{region}{}{seq:03}", ymd(birth_date));
        let mut tries = 0;
        while !used.insert(first17.clone()) {
            tries += 1;
            if tries % 500 == 0 {
                // Every sequence of that day is taken: the person is born a day later.
                birth_date = birth_date.next_day().unwrap_or(birth_date);
            }
            seq = (seq + 2) % 1000;
            first17 = format!("{region}{}{seq:03}", ymd(birth_date));
        }
        let check = IdNumber::check_char(&first17).unwrap_or('0');
        let given = if rng.below(3) == 0 {
            format!("{}{}", rng.pick(GIVEN), rng.pick(GIVEN))
        } else {
            (*rng.pick(GIVEN)).to_owned()
        };
        let mut eth = rng.below(100) as u32;
        let ethnicity = ETHNICITIES
            .iter()
            .find(|(_, w)| {
                if eth < *w {
                    true
                } else {
                    eth -= w;
                    false
                }
            })
            .map(|e| e.0)
            .unwrap_or("汉族");
        let district = current_district(region);
        let dname = ID_REGIONS.iter().find(|r| r.0 == district).map(|r| r.1).unwrap_or("城中区");
        Person {
            id_number: format!("{first17}{check}"),
            name: format!("{}{}", rng.pick(SURNAMES), given),
            sex,
            birth_date,
            ethnicity,
            district,
            address: format!("青海省西宁市{dname}{}{}号", rng.pick(STREETS), 1 + rng.below(300)),
            phone: format!("1{}{:09}", [3, 5, 7, 8, 9][rng.below(5)], rng.below(1_000_000_000)),
        }
    })
}

/// `n` enterprises whose representatives are drawn from `people`; credit codes are unique and valid.
pub fn enterprises(seed: u64, n: usize, people: &[Person]) -> Vec<Enterprise> {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let epoch = Date::from_calendar_date(1995, Month::January, 1).unwrap_or(Date::MIN);
    (0..n)
        .filter_map(|i| {
            let rep = people.get(rng.below(people.len().max(1)))?;
            let division = DivisionCode::parse(rep.district).ok()?;
            // 8-digit organisation body, unique per enterprise; check characters computed.
            let body = format!("{:08}", 30_000_000 + i);
            let org = format!("{body}{}", gb11714_check(&body)?);
            let first17 = format!("91{}{org}", division.as_str());
            let code = format!("{first17}{}", CreditCode::check_char(&first17)?);
            let dname = ID_REGIONS.iter().find(|r| r.0 == rep.district).map(|r| r.1).unwrap_or("城中区");
            Some(Enterprise {
                credit_code: code,
                name: format!(
                    "西宁{}{}{}",
                    rng.pick(&["昆仑", "湟水", "夏都", "青海湖", "高原", "雪域", "祁连"]),
                    rng.pick(INDUSTRIES),
                    rng.pick(FORMS)
                ),
                legal_rep: rep.name.clone(),
                legal_rep_id: rep.id_number.clone(),
                district: rep.district,
                address: format!("青海省西宁市{dname}{}{}号", rng.pick(STREETS), 1 + rng.below(500)),
                capital: [50, 100, 200, 500, 1000, 5000][rng.below(6)],
                established: epoch + time::Duration::days(rng.below(11_000) as i64),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn people_have_valid_consistent_unique_ids() {
        let people: Vec<Person> = population(7, 20_000).collect();
        let mut ids = HashSet::new();
        for p in &people {
            let id = IdNumber::parse(&p.id_number).unwrap_or_else(|e| panic!("{}: {e}", p.id_number));
            assert_eq!(id.birth_date(), Some(p.birth_date));
            let seq_digit = p.id_number.as_bytes()[16] - b'0';
            assert_eq!(if seq_digit % 2 == 1 { 1 } else { 2 }, p.sex, "sex matches the sequence parity");
            assert!(ID_REGIONS.iter().any(|r| p.id_number.starts_with(r.0)));
            assert!(ids.insert(p.id_number.clone()), "duplicate {}", p.id_number);
            assert_eq!(p.phone.len(), 11);
        }
        let again: Vec<Person> = population(7, 100).collect();
        assert_eq!(again[..], people[..100], "deterministic");
    }

    #[test]
    fn enterprises_have_valid_codes_and_real_representatives() {
        let people: Vec<Person> = population(7, 5000).collect();
        let firms = enterprises(7, 2000, &people);
        assert_eq!(firms.len(), 2000);
        let ids: HashSet<&str> = people.iter().map(|p| p.id_number.as_str()).collect();
        let mut codes = HashSet::new();
        for f in &firms {
            assert!(CreditCode::parse(&f.credit_code).is_ok(), "{}", f.credit_code);
            assert!(ids.contains(f.legal_rep_id.as_str()));
            assert!(codes.insert(f.credit_code.clone()));
        }
    }
}
