//! E-licences (电子证照): business licences (营业执照) and, by industry, construction
//! qualifications and road transport permits for enterprises; resident-ID-card e-licences (居民
//! 身份证电子证照) for people aged 16 or more on [`DEMO_TODAY`](crate::DEMO_TODAY).

use serde::Serialize;
use time::Date;

use crate::rng::Rng;
use crate::{add_years, district_name, years_between, Enterprise, Person, DEMO_TODAY};

/// The kind of an e-licence; each kind is its own catalogue entry (and CSV file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LicenceKind {
    /// 企业营业执照电子证照; detail: 营业执照类型.
    BusinessLicence,
    /// 居民身份证电子证照; detail: 签发机关.
    ResidentIdCard,
    /// 建筑业企业资质证书 (enterprises in 建筑工程); details: 资质类别, 资质等级.
    ConstructionQualification,
    /// 道路运输经营许可证 (enterprises in 物流); detail: 经营范围.
    RoadTransport,
}

/// A synthetic e-licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Licence {
    /// Which licence (and which catalogue entry it belongs to).
    pub kind: LicenceKind,
    /// 证照编号 (unique across all kinds).
    pub licence_no: String,
    /// 持证主体: the enterprise's or the person's name.
    pub holder: String,
    /// 持证主体代码: the credit code or the ID number.
    pub holder_code: String,
    /// 发证日期.
    pub issued_on: Date,
    /// 有效期至; `None` for a long-term (长期) licence.
    pub valid_until: Option<Date>,
    /// 发证机关.
    pub issuer: String,
    /// The values of the kind's extra catalogue items, in item order (see [`LicenceKind`]).
    pub details: Vec<String>,
}

/// All e-licences of the enterprises (a business licence each, plus a construction qualification
/// for construction firms and a road transport permit for logistics firms) followed by the
/// resident-ID-card e-licences of the people aged 16 or more. Streams over `people`.
pub fn licences<'a>(
    seed: u64,
    firms: &'a [Enterprise],
    people: impl IntoIterator<Item = Person> + 'a,
) -> impl Iterator<Item = Licence> + 'a {
    enterprise_licences(seed, firms).chain(person_licences(seed, people))
}

/// The e-licences of enterprises (see [`licences`]).
pub fn enterprise_licences(seed: u64, firms: &[Enterprise]) -> impl Iterator<Item = Licence> + '_ {
    let mut rng = Rng::new(seed ^ 0x11ce);
    firms.iter().enumerate().flat_map(move |(i, f)| {
        let mut out = Vec::with_capacity(2);
        let authority = f.registration_authority();
        // The licence is re-issued at the latest change of registration, if any.
        let span = (DEMO_TODAY - f.established).whole_days().max(1) as usize;
        let issued_on = if rng.below(3) == 0 {
            f.established + time::Duration::days(rng.below(span) as i64)
        } else {
            f.established
        };
        // 营业期限: long-term, or 20–50 years from establishment (long-term if that ended before the
        // licence was issued).
        let valid_until = if rng.below(2) == 0 {
            None
        } else {
            Some(add_years(f.established, [20, 30, 50][rng.below(3)])).filter(|u| *u > issued_on)
        };
        out.push(Licence {
            kind: LicenceKind::BusinessLicence,
            licence_no: format!("YYZZ{}", f.credit_code),
            holder: f.name.clone(),
            holder_code: f.credit_code.clone(),
            issued_on,
            valid_until,
            issuer: authority,
            details: vec![format!("{}营业执照", f.form)],
        });
        let year_after = |rng: &mut Rng| {
            let from = f.established.max(add_years(DEMO_TODAY, -10));
            let days = (DEMO_TODAY - from).whole_days().max(1) as usize;
            from + time::Duration::days(rng.below(days) as i64)
        };
        if f.industry == "建筑工程" {
            let issued = year_after(&mut rng);
            out.push(Licence {
                kind: LicenceKind::ConstructionQualification,
                licence_no: format!("D2{}{:08}", &f.district[..4], i),
                holder: f.name.clone(),
                holder_code: f.credit_code.clone(),
                issued_on: issued,
                valid_until: Some(add_years(issued, 5)),
                issuer: "西宁市住房和城乡建设局".to_owned(),
                details: vec![
                    (*rng.pick(&["施工总承包", "专业承包"])).to_owned(),
                    (*rng.pick(&["一级", "二级", "三级"])).to_owned(),
                ],
            });
        }
        if f.industry == "物流" {
            let issued = year_after(&mut rng);
            out.push(Licence {
                kind: LicenceKind::RoadTransport,
                licence_no: format!("青交运管许可宁字{}{:06}号", f.district, i),
                holder: f.name.clone(),
                holder_code: f.credit_code.clone(),
                issued_on: issued,
                valid_until: Some(add_years(issued, 4)),
                issuer: "西宁市交通运输局".to_owned(),
                details: vec![
                    (*rng.pick(&["普通货运", "普通货运；货物专用运输（集装箱）", "道路危险货物运输"])).to_owned()
                ],
            });
        }
        out
    })
}

/// The public security bureau issuing ID cards in a district.
fn id_card_issuer(district: &str) -> String {
    match district {
        "630121" | "630123" => format!("{}公安局", district_name(district)),
        d => format!("西宁市公安局{}分局", district_name(d).trim_end_matches('区')),
    }
}

/// Resident-ID-card e-licences of the people aged 16 or more on [`DEMO_TODAY`]: the card current
/// on that day, with the validity the law sets by age at issue (16–25: 10 years, 26–45: 20 years,
/// 46 and over: long-term).
pub fn person_licences(seed: u64, people: impl IntoIterator<Item = Person>) -> impl Iterator<Item = Licence> {
    let mut rng = Rng::new(seed ^ 0x1dca);
    people.into_iter().enumerate().filter_map(move |(i, p)| {
        let at16 = add_years(p.birth_date, 16);
        if at16 > DEMO_TODAY {
            return None;
        }
        let mut issued = (at16 + time::Duration::days(rng.below(365) as i64)).min(DEMO_TODAY);
        let valid_until = loop {
            let age = years_between(p.birth_date, issued);
            let until = match age {
                ..=25 => Some(add_years(issued, 10)),
                26..=45 => Some(add_years(issued, 20)),
                _ => None,
            };
            match until {
                // Expired before today: renewed shortly before it ran out.
                Some(u) if u <= DEMO_TODAY => issued = u - time::Duration::days(rng.below(60) as i64),
                other => break other,
            }
        };
        let issuer = id_card_issuer(p.district);
        Some(Licence {
            kind: LicenceKind::ResidentIdCard,
            licence_no: format!("SFZ{}{:08}", issued.year(), i + 1),
            holder: p.name,
            holder_code: p.id_number,
            issued_on: issued,
            valid_until,
            issuer: issuer.clone(),
            details: vec![issuer],
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{enterprises, population};
    use std::collections::HashSet;

    #[test]
    fn licences_are_unique_consistent_and_deterministic() {
        let people: Vec<Person> = population(3, 3000).collect();
        let firms = enterprises(3, 500, &people);
        let all: Vec<Licence> = licences(3, &firms, people.clone()).collect();
        let again: Vec<Licence> = licences(3, &firms, people.clone()).collect();
        assert_eq!(all, again, "deterministic");
        let mut numbers = HashSet::new();
        let codes: HashSet<&str> =
            firms.iter().map(|f| f.credit_code.as_str()).chain(people.iter().map(|p| p.id_number.as_str())).collect();
        for l in &all {
            assert!(numbers.insert(l.licence_no.clone()), "duplicate {}", l.licence_no);
            assert!(l.licence_no.chars().count() <= 50);
            assert!(codes.contains(l.holder_code.as_str()));
            assert!(l.issued_on <= DEMO_TODAY);
            if let Some(u) = l.valid_until {
                assert!(u > l.issued_on);
            }
            if l.kind == LicenceKind::ResidentIdCard {
                assert!(l.valid_until.is_none_or(|u| u > DEMO_TODAY), "the current card is valid today");
            }
        }
        let business = all.iter().filter(|l| l.kind == LicenceKind::BusinessLicence).count();
        assert_eq!(business, firms.len());
        let adults = people.iter().filter(|p| add_years(p.birth_date, 16) <= DEMO_TODAY).count();
        assert_eq!(all.iter().filter(|l| l.kind == LicenceKind::ResidentIdCard).count(), adults);
        assert!(all.iter().any(|l| l.kind == LicenceKind::ConstructionQualification));
        assert!(all.iter().any(|l| l.kind == LicenceKind::RoadTransport));
    }
}
