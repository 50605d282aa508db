//! The base libraries as CSV files for the platform's checked ingest: one file per catalogue
//! entry, the header being the Chinese labels (中文名称) of the seeded entry's data items in item
//! order (the template's items, then the entry's extra items), UTF-8 without BOM, dates as
//! `YYYY-MM-DD`, decimals with a point, empty fields for missing values.
//!
//! Writers stream: they take any iterator of rows and any `io::Write` and hold one row at a time.

use std::borrow::Borrow;
use std::io::{self, Write};

use time::Date;

use crate::credit::{credit_records, CreditRecord, Subject};
use crate::licences::{enterprise_licences, person_licences, Licence, LicenceKind};
use crate::spatial::{districts, points_of_interest, District, Poi};
use crate::{legal_persons, population, Enterprise, Person};

/// One base-library CSV file: the catalogue entry it is handed in to and its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFile {
    /// Name (资源名称) of the seeded catalogue entry.
    pub entry: &'static str,
    /// Suggested file name.
    pub file_name: &'static str,
    /// The header: the entry's item labels in item order.
    pub header: &'static [&'static str],
}

/// 人口基础信息 (population).
pub const POPULATION: CsvFile = CsvFile {
    entry: "人口基础信息",
    file_name: "population.csv",
    header: &["公民身份号码", "姓名", "性别", "出生日期", "民族", "住址", "联系电话", "户籍地址", "户号"],
};
/// 法人单位基础信息 (legal persons).
pub const LEGAL_PERSONS: CsvFile = CsvFile {
    entry: "法人单位基础信息",
    file_name: "legal_persons.csv",
    header: &["统一社会信用代码", "单位名称", "法定代表人", "注册地址", "注册资本", "成立日期", "登记机关", "经营范围"],
};
const LICENCE_ITEMS: [&str; 6] = ["证照编号", "持证主体", "持证主体代码", "发证日期", "有效期至", "发证机关"];
/// 企业营业执照电子证照.
pub const BUSINESS_LICENCES: CsvFile = CsvFile {
    entry: "企业营业执照电子证照",
    file_name: "licences_business.csv",
    header: &["证照编号", "持证主体", "持证主体代码", "发证日期", "有效期至", "发证机关", "营业执照类型"],
};
/// 居民身份证电子证照.
pub const ID_CARD_LICENCES: CsvFile = CsvFile {
    entry: "居民身份证电子证照",
    file_name: "licences_id_card.csv",
    header: &["证照编号", "持证主体", "持证主体代码", "发证日期", "有效期至", "发证机关", "签发机关"],
};
/// 建筑业企业资质证书.
pub const CONSTRUCTION_LICENCES: CsvFile = CsvFile {
    entry: "建筑业企业资质证书",
    file_name: "licences_construction.csv",
    header: &["证照编号", "持证主体", "持证主体代码", "发证日期", "有效期至", "发证机关", "资质类别", "资质等级"],
};
/// 道路运输经营许可证.
pub const ROAD_TRANSPORT_LICENCES: CsvFile = CsvFile {
    entry: "道路运输经营许可证",
    file_name: "licences_road_transport.csv",
    header: &["证照编号", "持证主体", "持证主体代码", "发证日期", "有效期至", "发证机关", "经营范围"],
};
/// 基础地理信息: the districts and counties as polygons.
pub const DISTRICTS: CsvFile = CsvFile {
    entry: "基础地理信息",
    file_name: "districts.csv",
    header: &["要素编号", "要素名称", "行政区划代码", "空间范围", "面积（平方米）", "比例尺"],
};
/// 地名地址信息: points of interest.
pub const POINTS_OF_INTEREST: CsvFile = CsvFile {
    entry: "地名地址信息",
    file_name: "points_of_interest.csv",
    header: &["要素编号", "要素名称", "行政区划代码", "空间范围", "面积（平方米）", "门牌号", "邮政编码"],
};
/// 行政许可和行政处罚信用信息.
pub const CREDIT: CsvFile = CsvFile {
    entry: "行政许可和行政处罚信用信息",
    file_name: "credit.csv",
    header: &[
        "记录编号",
        "对象名称",
        "对象代码",
        "发生日期",
        "金额（元）",
        "办理状态",
        "所属区县",
        "决定文书号",
        "处罚类别",
    ],
};

/// Every base-library file, in the order [`write_all`] writes them.
pub const FILES: &[CsvFile] = &[
    POPULATION,
    LEGAL_PERSONS,
    BUSINESS_LICENCES,
    ID_CARD_LICENCES,
    CONSTRUCTION_LICENCES,
    ROAD_TRANSPORT_LICENCES,
    DISTRICTS,
    POINTS_OF_INTEREST,
    CREDIT,
];

impl LicenceKind {
    /// The CSV file (and catalogue entry) of this kind.
    pub fn csv_file(self) -> CsvFile {
        match self {
            LicenceKind::BusinessLicence => BUSINESS_LICENCES,
            LicenceKind::ResidentIdCard => ID_CARD_LICENCES,
            LicenceKind::ConstructionQualification => CONSTRUCTION_LICENCES,
            LicenceKind::RoadTransport => ROAD_TRANSPORT_LICENCES,
        }
    }
}

/// The demo files carry a few deliberate, deterministic faults so that governance has something
/// to find (the generators' rows stay valid): in the population every 97th phone number is one
/// digit short and every 211th sex contradicts the ID number; in the licence files every 89th
/// holder's name differs from the base library's; in the legal persons every 149th founding
/// date lies ten years after [`crate::DEMO_TODAY`]. Keys and codes are never touched, so joins and theme
/// libraries are unchanged.
pub const DIRTY: &str = "phone 1/97 short, sex 1/211 flipped, licence holder 1/89 renamed, founding 1/149 future";

fn writer<W: Write>(w: W, file: &CsvFile) -> io::Result<::csv::Writer<W>> {
    let mut out = ::csv::WriterBuilder::new().from_writer(w);
    out.write_record(file.header).map_err(io::Error::other)?;
    Ok(out)
}

fn finish<W: Write>(mut out: ::csv::Writer<W>, rows: u64) -> io::Result<u64> {
    out.flush()?;
    Ok(rows)
}

fn row<W: Write, const N: usize>(out: &mut ::csv::Writer<W>, fields: [&str; N]) -> io::Result<()> {
    out.write_record(fields).map_err(io::Error::other)
}

fn date(d: Date) -> String {
    d.to_string()
}

fn opt_date(d: Option<Date>) -> String {
    d.map(date).unwrap_or_default()
}

/// Yuan with two decimals from fen.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Write [`POPULATION`]; returns the rows written.
pub fn write_population_csv<W, I>(w: W, people: I) -> io::Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Person>,
{
    let mut out = writer(w, &POPULATION)?;
    let mut n = 0;
    for p in people {
        let p = p.borrow();
        // Deliberate faults for governance (see [`DIRTY`]): a short phone number, a sex that
        // contradicts the ID number.
        let sex = if n % 211 == 17 { 3 - p.sex } else { p.sex }.to_string();
        let phone = if n % 97 == 41 { p.phone[..10].to_owned() } else { p.phone.clone() };
        let born = date(p.birth_date);
        row(
            &mut out,
            [
                &p.id_number,
                &p.name,
                &sex,
                &born,
                p.ethnicity,
                &p.address,
                &phone,
                &p.registered_address,
                &p.household_no,
            ],
        )?;
        n += 1;
    }
    finish(out, n)
}

/// Write [`LEGAL_PERSONS`] (注册资本 in 万元); returns the rows written.
pub fn write_legal_persons_csv<W, I>(w: W, firms: I) -> io::Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Enterprise>,
{
    let mut out = writer(w, &LEGAL_PERSONS)?;
    let mut n = 0;
    for f in firms {
        let f = f.borrow();
        let capital = f.capital.to_string();
        // Deliberate fault (see [`DIRTY`]): a founding date after the data's reference day.
        let established =
            if n % 149 == 60 { date(crate::DEMO_TODAY + time::Duration::days(3650)) } else { date(f.established) };
        let authority = f.registration_authority();
        row(
            &mut out,
            [&f.credit_code, &f.name, &f.legal_rep, &f.address, &capital, &established, &authority, f.business_scope],
        )?;
        n += 1;
    }
    finish(out, n)
}

/// Write the licences of one `kind` (licences of other kinds are skipped) to that kind's file
/// ([`LicenceKind::csv_file`]); returns the rows written.
pub fn write_licences_csv<W, I>(w: W, kind: LicenceKind, licences: I) -> io::Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Licence>,
{
    let file = kind.csv_file();
    let mut out = writer(w, &file)?;
    let mut n = 0;
    for l in licences {
        let l = l.borrow();
        if l.kind != kind {
            continue;
        }
        let issued = date(l.issued_on);
        let until = opt_date(l.valid_until);
        // Deliberate fault (see [`DIRTY`]): a holder's name that differs from the base library.
        let holder = if n % 89 == 23 { format!("{}某", l.holder) } else { l.holder.clone() };
        let mut record: Vec<&str> = vec![&l.licence_no, &holder, &l.holder_code, &issued, &until, &l.issuer];
        record.extend(l.details.iter().map(String::as_str));
        debug_assert_eq!(record.len(), file.header.len());
        debug_assert_eq!(LICENCE_ITEMS, file.header[..6]);
        out.write_record(&record).map_err(io::Error::other)?;
        n += 1;
    }
    finish(out, n)
}

/// Write [`DISTRICTS`] (比例尺 `1:250000（示意）`: the outlines are approximate); returns the rows.
pub fn write_districts_csv<W: Write>(w: W, districts: &[District]) -> io::Result<u64> {
    let mut out = writer(w, &DISTRICTS)?;
    for d in districts {
        let area = format!("{:.2}", d.area_m2);
        row(&mut out, [&d.feature_id, d.name, d.code, &d.geojson(), &area, "1:250000（示意）"])?;
    }
    finish(out, districts.len() as u64)
}

/// Write [`POINTS_OF_INTEREST`] (面积 empty: points have none); returns the rows written.
pub fn write_pois_csv<W: Write>(w: W, pois: &[Poi]) -> io::Result<u64> {
    let mut out = writer(w, &POINTS_OF_INTEREST)?;
    for p in pois {
        row(&mut out, [&p.feature_id, &p.name, p.district, &p.geojson(), "", &p.house_number, p.postal_code])?;
    }
    finish(out, pois.len() as u64)
}

/// Write [`CREDIT`]; returns the rows written.
pub fn write_credit_csv<W, I>(w: W, records: I) -> io::Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<CreditRecord>,
{
    let mut out = writer(w, &CREDIT)?;
    let mut n = 0;
    for r in records {
        let r = r.borrow();
        let occurred = date(r.occurred_on);
        let amount = r.amount_fen.map(yuan).unwrap_or_default();
        row(
            &mut out,
            [
                &r.record_id,
                &r.subject_name,
                &r.subject_code,
                &occurred,
                &amount,
                r.status,
                r.district,
                &r.decision_no,
                r.penalty_category.unwrap_or(""),
            ],
        )?;
        n += 1;
    }
    finish(out, n)
}

/// How much demo data [`write_all`] generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSizes {
    /// Seed of every generator.
    pub seed: u64,
    /// Residents (the issue asks for 200 000).
    pub people: usize,
    /// Enterprises (the issue asks for 20 000).
    pub enterprises: usize,
}

impl Default for DemoSizes {
    fn default() -> Self {
        Self { seed: 630_100, people: 200_000, enterprises: 20_000 }
    }
}

/// Generate every base library and write each file of [`FILES`] to the writer `open` returns for
/// it; returns the rows written per file. Memory stays bounded: the population is streamed (three
/// times: people, ID cards, credit), only the enterprises are held.
pub fn write_all<W: Write>(
    sizes: DemoSizes,
    mut open: impl FnMut(&CsvFile) -> io::Result<W>,
) -> io::Result<Vec<(CsvFile, u64)>> {
    let DemoSizes { seed, people, enterprises } = sizes;
    let mut done = Vec::with_capacity(FILES.len());
    done.push((POPULATION, write_population_csv(open(&POPULATION)?, population(seed, people))?));
    let firms = legal_persons(seed, enterprises, seed, people);
    done.push((LEGAL_PERSONS, write_legal_persons_csv(open(&LEGAL_PERSONS)?, &firms)?));
    for kind in [
        LicenceKind::BusinessLicence,
        LicenceKind::ResidentIdCard,
        LicenceKind::ConstructionQualification,
        LicenceKind::RoadTransport,
    ] {
        let file = kind.csv_file();
        let w = open(&file)?;
        let rows = if kind == LicenceKind::ResidentIdCard {
            write_licences_csv(w, kind, person_licences(seed, population(seed, people)))?
        } else {
            write_licences_csv(w, kind, enterprise_licences(seed, &firms))?
        };
        done.push((file, rows));
    }
    done.push((DISTRICTS, write_districts_csv(open(&DISTRICTS)?, &districts())?));
    done.push((POINTS_OF_INTEREST, write_pois_csv(open(&POINTS_OF_INTEREST)?, &points_of_interest(seed))?));
    let subjects = firms.iter().map(Subject::from).chain(population(seed, people).map(|p| Subject::from(&p)));
    done.push((CREDIT, write_credit_csv(open(&CREDIT)?, credit_records(seed, subjects))?));
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer into a shared buffer, so the test keeps what `write_all` wrote.
    struct Buf(Rc<RefCell<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn generate(sizes: DemoSizes) -> (Vec<(CsvFile, u64)>, Vec<Vec<u8>>) {
        let mut bufs: Vec<Rc<RefCell<Vec<u8>>>> = Vec::new();
        let written = write_all(sizes, |_| {
            let b = Rc::new(RefCell::new(Vec::new()));
            bufs.push(b.clone());
            Ok(Buf(b))
        })
        .unwrap_or_default();
        (written, bufs.into_iter().map(|b| b.take()).collect())
    }

    #[test]
    fn every_file_has_its_header_and_well_formed_rows() {
        let sizes = DemoSizes { seed: 9, people: 3000, enterprises: 400 };
        let (written, data) = generate(sizes);
        assert_eq!(written.len(), FILES.len());
        for ((file, rows), bytes) in written.iter().zip(&data) {
            let mut r = ::csv::Reader::from_reader(bytes.as_slice());
            let header: Vec<String> = r.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
            assert_eq!(header, file.header, "{}", file.entry);
            let mut n = 0u64;
            for rec in r.records() {
                let rec = rec.unwrap_or_default();
                assert_eq!(rec.len(), file.header.len(), "{}", file.entry);
                assert!(!rec[0].is_empty(), "{}: key present", file.entry);
                n += 1;
            }
            assert_eq!(n, *rows, "{}", file.entry);
            assert!(*rows > 0, "{} is empty", file.entry);
        }
        assert_eq!(written[0].1, 3000);
        assert_eq!(written[1].1, 400);
        assert_eq!(written[6].1, 7);
        assert_eq!(generate(sizes).1, data, "deterministic to the byte");
    }
}
