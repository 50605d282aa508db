//! Deterministic demo data for the five base libraries (基础库) of the demo city Xining (630100):
//!
//! * population (人口): [`population`], residents with valid 18-digit ID numbers (GB 11643 check
//!   character, birth date and sex consistent with the number, real Xining division codes);
//! * legal persons (法人): [`enterprises`] / [`legal_persons`], enterprises with valid GB 32100
//!   unified social credit codes whose legal representatives are drawn from the population;
//! * e-licences (电子证照): [`licences`], business licences and other enterprise licences, and
//!   resident-ID-card e-licences for people;
//! * spatial-geographic (空间地理): [`spatial`], the districts and counties as GeoJSON polygons
//!   with their area, and points of interest inside them;
//! * credit (信用): [`credit`], administrative permits and penalties (行政许可/行政处罚).
//!
//! Everything is generated from a seed, so tests and benchmarks see the same rows every run, and
//! dates are relative to the fixed [`DEMO_TODAY`], never the clock. The data is synthetic: names
//! are drawn from common characters, addresses from Xining's districts; any resemblance to a real
//! person or enterprise is chance.
//!
//! [`csv`] writes each base library as a CSV file whose header is the Chinese labels of the
//! seeded catalogue entry's items, so the files go through the platform's normal checked ingest
//! (`zs_tables::ingest_csv`, mapping by label). This crate owns the rows and their CSV form; it
//! must not open files or folders itself (writers take any `io::Write`), know table formats or
//! talk to the store. Memory: generators are iterators; only [`legal_persons`] holds the chosen
//! representatives (one small record per enterprise) and [`population`] a set of 8-byte keys.

pub mod credit;
pub mod csv;
pub mod licences;
mod rng;
pub mod spatial;

use rng::Rng;
use serde::Serialize;
use std::collections::HashMap;
use time::{Date, Month};
use zs_types::codes::{gb11714_check, CreditCode, DivisionCode, IdNumber};

/// The reference date of the demo data: ages, validity periods and record dates are relative to
/// it (generated data must not depend on the day it is generated).
pub const DEMO_TODAY: Date = time::macros::date!(2025 - 06 - 30);

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

/// The current districts and counties of Xining (GB/T 2260 code, name).
pub const DISTRICTS: &[(&str, &str)] = &[
    ("630102", "城东区"),
    ("630103", "城中区"),
    ("630104", "城西区"),
    ("630105", "城北区"),
    ("630106", "湟中区"),
    ("630121", "大通回族土族自治县"),
    ("630123", "湟源县"),
];

/// Name of a current district or county code; `城中区` for an unknown one.
pub fn district_name(code: &str) -> &'static str {
    DISTRICTS.iter().find(|r| r.0 == code).map(|r| r.1).unwrap_or("城中区")
}

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
pub(crate) const STREETS: &[&str] =
    &["八一路", "五四大街", "昆仑路", "黄河路", "海湖大道", "柴达木路", "祁连路", "七一路", "南川东路", "宁张路"];
/// Industries of the demo enterprises with a business scope (经营范围) for each.
pub const INDUSTRIES: &[(&str, &str)] = &[
    ("商贸", "日用百货、五金交电、建筑材料的批发和零售"),
    ("建筑工程", "房屋建筑工程、市政公用工程、土石方工程施工"),
    ("餐饮管理", "餐饮服务；餐饮管理；食品销售"),
    ("物流", "普通货物道路运输；仓储服务；货物装卸搬运"),
    ("科技", "软件开发；信息技术咨询服务；计算机系统集成"),
    ("农牧业开发", "牛羊养殖；农畜产品收购、加工和销售"),
    ("旅游服务", "旅游信息咨询；旅行社服务；景区管理"),
    ("新能源", "光伏发电项目开发、建设和运营；储能技术服务"),
    ("医药", "药品零售；医疗器械销售；保健食品销售"),
    ("文化传媒", "广告设计、制作、发布；文化艺术交流活动策划"),
];
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
    /// 户籍地址 (household registration address; mostly the same as the address).
    pub registered_address: String,
    /// 户号 (household number, 9 digits; members of a household share it).
    pub household_no: String,
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
    /// Industry, one of [`INDUSTRIES`].
    pub industry: &'static str,
    /// 经营范围.
    pub business_scope: &'static str,
    /// Legal form, e.g. `有限责任公司`.
    pub form: &'static str,
}

impl Enterprise {
    /// 登记机关: the market regulator of the enterprise's district.
    pub fn registration_authority(&self) -> String {
        format!("西宁市{}市场监督管理局", district_name(self.district))
    }
}

fn current_district(region: &'static str) -> &'static str {
    if region == "630122" {
        "630106"
    } else {
        region
    }
}

/// `n` residents from `seed`; every ID number is unique and valid. Streams: the only state kept
/// is one 8-byte key per generated number (for uniqueness).
pub fn population(seed: u64, n: usize) -> impl Iterator<Item = Person> {
    let mut rng = Rng::new(seed);
    let epoch = Date::from_calendar_date(1930, Month::January, 1).unwrap_or(Date::MIN);
    let mut used = std::collections::HashSet::<u64>::new();
    let mut household = 0u64;
    (0..n).map(move |i| {
        let (region, _) = *rng.pick(ID_REGIONS);
        let mut birth_date = epoch + time::Duration::days(rng.below(33_000) as i64);
        let sex = if rng.below(2) == 0 { 1 } else { 2 };
        // Sequence (顺序码): odd for men, even for women; the next free one keeps numbers unique.
        let ymd = |d: Date| format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day());
        let mut seq = ((i % 500) * 2 + usize::from(sex == 1)) as u32;
        let mut first17 = format!("{region}{}{seq:03}", ymd(birth_date));
        let mut tries = 0;
        while !used.insert(first17.parse::<u64>().unwrap_or(u64::MAX)) {
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
        let address = format!("青海省西宁市{}{}{}号", district_name(district), rng.pick(STREETS), 1 + rng.below(300));
        let registered_address = if rng.below(5) == 0 {
            let (d, _) = *rng.pick(DISTRICTS);
            format!("青海省西宁市{}{}{}号", district_name(d), rng.pick(STREETS), 1 + rng.below(300))
        } else {
            address.clone()
        };
        // About 2.5 people per household: a new household number every other person or so.
        if i == 0 || rng.below(5) < 2 {
            household += 1;
        }
        Person {
            id_number: format!("{first17}{check}"),
            name: format!("{}{}", rng.pick(SURNAMES), given),
            sex,
            birth_date,
            ethnicity,
            district,
            address,
            phone: format!("1{}{:09}", [3, 5, 7, 8, 9][rng.below(5)], rng.below(1_000_000_000)),
            registered_address,
            household_no: format!("{:09}", 100_000_000 + household),
        }
    })
}

/// What an enterprise needs of its representative.
struct Rep {
    name: String,
    id_number: String,
    district: &'static str,
}

/// `n` enterprises whose representatives are drawn from `people`; credit codes are unique and valid.
pub fn enterprises(seed: u64, n: usize, people: &[Person]) -> Vec<Enterprise> {
    let picks = rep_indices(seed, n, people.len());
    build_enterprises(seed, &picks, |i| {
        people.get(i).map(|p| Rep { name: p.name.clone(), id_number: p.id_number.clone(), district: p.district })
    })
}

/// `n` enterprises whose representatives are drawn from the population
/// `population(population_seed, population_n)` without holding it: the population is streamed once
/// and only the chosen representatives are kept. Equal to
/// `enterprises(seed, n, &population(population_seed, population_n).collect::<Vec<_>>())`.
pub fn legal_persons(seed: u64, n: usize, population_seed: u64, population_n: usize) -> Vec<Enterprise> {
    let picks = rep_indices(seed, n, population_n);
    let wanted: std::collections::HashSet<usize> = picks.iter().copied().collect();
    let mut reps: HashMap<usize, Rep> = HashMap::with_capacity(wanted.len());
    for (i, p) in population(population_seed, population_n).enumerate() {
        if wanted.contains(&i) {
            reps.insert(i, Rep { name: p.name, id_number: p.id_number, district: p.district });
        }
    }
    build_enterprises(seed, &picks, |i| {
        reps.get(&i).map(|r| Rep { name: r.name.clone(), id_number: r.id_number.clone(), district: r.district })
    })
}

/// The population index of each enterprise's representative (a stream of its own, so both
/// constructors agree).
fn rep_indices(seed: u64, n: usize, population_n: usize) -> Vec<usize> {
    if population_n == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(seed ^ 0x2e95);
    (0..n).map(|_| rng.below(population_n)).collect()
}

fn build_enterprises(seed: u64, picks: &[usize], rep_of: impl Fn(usize) -> Option<Rep>) -> Vec<Enterprise> {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let epoch = Date::from_calendar_date(1995, Month::January, 1).unwrap_or(Date::MIN);
    picks
        .iter()
        .enumerate()
        .filter_map(|(i, &pick)| {
            let rep = rep_of(pick)?;
            let division = DivisionCode::parse(rep.district).ok()?;
            // 8-digit organisation body, unique per enterprise; check characters computed.
            let body = format!("{:08}", 30_000_000 + i);
            let org = format!("{body}{}", gb11714_check(&body)?);
            let first17 = format!("91{}{org}", division.as_str());
            let code = format!("{first17}{}", CreditCode::check_char(&first17)?);
            let (industry, business_scope) = *rng.pick(INDUSTRIES);
            let form = *rng.pick(FORMS);
            Some(Enterprise {
                credit_code: code,
                name: format!(
                    "西宁{}{}{}",
                    rng.pick(&["昆仑", "湟水", "夏都", "青海湖", "高原", "雪域", "祁连"]),
                    industry,
                    form
                ),
                legal_rep: rep.name,
                legal_rep_id: rep.id_number,
                district: rep.district,
                address: format!(
                    "青海省西宁市{}{}{}号",
                    district_name(rep.district),
                    rng.pick(STREETS),
                    1 + rng.below(500)
                ),
                capital: [50, 100, 200, 500, 1000, 5000][rng.below(6)],
                established: epoch + time::Duration::days(rng.below(11_000) as i64),
                industry,
                business_scope,
                form,
            })
        })
        .collect()
}

/// `date` plus `years` calendar years (29 February becomes 28 February).
pub(crate) fn add_years(date: Date, years: i32) -> Date {
    let y = date.year() + years;
    Date::from_calendar_date(y, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(y, date.month(), 28))
        .unwrap_or(date)
}

/// Whole years from `from` to `to`.
pub(crate) fn years_between(from: Date, to: Date) -> i32 {
    let mut y = to.year() - from.year();
    if (to.month() as u8, to.day()) < (from.month() as u8, from.day()) {
        y -= 1;
    }
    y
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
            assert!(DISTRICTS.iter().any(|d| d.0 == p.district));
            assert!(ids.insert(p.id_number.clone()), "duplicate {}", p.id_number);
            assert_eq!(p.phone.len(), 11);
            assert_eq!(p.household_no.len(), 9);
            assert!(p.birth_date <= DEMO_TODAY);
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
            let code = CreditCode::parse(&f.credit_code).unwrap_or_else(|e| panic!("{}: {e}", f.credit_code));
            assert_eq!(code.division_part(), f.district);
            assert!(ids.contains(f.legal_rep_id.as_str()));
            assert!(codes.insert(f.credit_code.clone()));
        }
        assert_eq!(legal_persons(7, 2000, 7, 5000), firms, "the streaming constructor agrees");
    }

    #[test]
    fn year_arithmetic() {
        let leap = time::macros::date!(2000 - 02 - 29);
        assert_eq!(add_years(leap, 1), time::macros::date!(2001 - 02 - 28));
        assert_eq!(years_between(leap, time::macros::date!(2016 - 02 - 28)), 15);
        assert_eq!(years_between(leap, time::macros::date!(2016 - 02 - 29)), 16);
    }
}
