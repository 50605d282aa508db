//! Credit base library (信用): administrative permits (行政许可) and penalties (行政处罚) of
//! enterprises, and a few penalties of natural persons.
//!
//! Convention: a record number starts with `XK` for a permit and `CF` for a penalty; only
//! penalties carry a 处罚类别 and (for fines) an amount.

use serde::Serialize;
use time::Date;

use crate::rng::Rng;
use crate::{Enterprise, Person, DEMO_TODAY};

/// The subject of a credit record: an enterprise or a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// 对象名称.
    pub name: String,
    /// 对象代码: credit code or ID number.
    pub code: String,
    /// District code.
    pub district: &'static str,
    /// The earliest date a record may have (establishment, or the 18th birthday).
    pub since: Date,
    /// Whether the subject is an enterprise (permits and penalties) or a person (penalties only,
    /// and rarely).
    pub enterprise: bool,
}

impl From<&Enterprise> for Subject {
    fn from(e: &Enterprise) -> Self {
        Self {
            name: e.name.clone(),
            code: e.credit_code.clone(),
            district: e.district,
            since: e.established,
            enterprise: true,
        }
    }
}

impl From<&Person> for Subject {
    fn from(p: &Person) -> Self {
        Self {
            name: p.name.clone(),
            code: p.id_number.clone(),
            district: p.district,
            since: crate::add_years(p.birth_date, 18),
            enterprise: false,
        }
    }
}

/// 行政许可 or 行政处罚.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecordKind {
    /// 行政许可.
    Permit,
    /// 行政处罚.
    Penalty,
}

/// A credit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditRecord {
    /// Permit or penalty.
    pub kind: RecordKind,
    /// 记录编号 (`XK…` or `CF…`, unique).
    pub record_id: String,
    /// 对象名称.
    pub subject_name: String,
    /// 对象代码.
    pub subject_code: String,
    /// 发生日期 (decision date).
    pub occurred_on: Date,
    /// 金额（元）, in fen (1/100 yuan): the fine, `None` for permits and penalties without a fine.
    pub amount_fen: Option<u64>,
    /// 办理状态.
    pub status: &'static str,
    /// 所属区县 (division code).
    pub district: &'static str,
    /// 决定文书号.
    pub decision_no: String,
    /// 处罚类别 (penalties only).
    pub penalty_category: Option<&'static str>,
}

const AGENCIES: &[(&str, &str)] =
    &[("市监", "市场监督管理"), ("环", "生态环境"), ("交", "交通运输"), ("应急", "应急管理"), ("卫健", "卫生健康")];
const PERMIT_STATUS: &[&str] = &["准予许可", "准予许可", "准予许可", "已注销"];
const PENALTY_STATUS: &[&str] = &["已执行", "已执行", "执行中", "已信用修复"];
const CATEGORIES: &[&str] = &["警告", "罚款", "罚款", "罚款", "没收违法所得", "责令停产停业", "暂扣许可证件"];

/// Credit records of `subjects`: enterprises get 0–3 records each (about 70 % permits), people a
/// penalty now and then (about 3 %). Streams over the subjects.
pub fn credit_records(seed: u64, subjects: impl IntoIterator<Item = Subject>) -> impl Iterator<Item = CreditRecord> {
    let mut rng = Rng::new(seed ^ 0xc4ed);
    let mut serial = 0u64;
    subjects.into_iter().flat_map(move |s| {
        let n =
            if s.enterprise { [0, 0, 0, 0, 0, 1, 1, 1, 2, 3][rng.below(10)] } else { usize::from(rng.below(100) < 3) };
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let from = s.since.max(time::macros::date!(2015 - 01 - 01));
            if from > DEMO_TODAY {
                break;
            }
            let days = (DEMO_TODAY - from).whole_days().max(1) as usize;
            let occurred_on = from + time::Duration::days(rng.below(days) as i64);
            let (abbr, _) = *rng.pick(AGENCIES);
            serial += 1;
            let permit = s.enterprise && rng.below(10) < 7;
            let record = if permit {
                CreditRecord {
                    kind: RecordKind::Permit,
                    record_id: format!("XK{}{serial:08}", occurred_on.year()),
                    subject_name: s.name.clone(),
                    subject_code: s.code.clone(),
                    occurred_on,
                    amount_fen: None,
                    status: PERMIT_STATUS[rng.below(PERMIT_STATUS.len())],
                    district: s.district,
                    decision_no: format!("宁{abbr}许字〔{}〕{}号", occurred_on.year(), 1 + rng.below(3000)),
                    penalty_category: None,
                }
            } else {
                let category = *rng.pick(CATEGORIES);
                let amount_fen = match category {
                    "罚款" if s.enterprise => Some((5 + rng.below(2000)) as u64 * 100 * 100),
                    "罚款" | "没收违法所得" => Some((2 + rng.below(50)) as u64 * 100 * 100),
                    _ => None,
                };
                CreditRecord {
                    kind: RecordKind::Penalty,
                    record_id: format!("CF{}{serial:08}", occurred_on.year()),
                    subject_name: s.name.clone(),
                    subject_code: s.code.clone(),
                    occurred_on,
                    amount_fen,
                    status: PENALTY_STATUS[rng.below(PENALTY_STATUS.len())],
                    district: s.district,
                    decision_no: format!("宁{abbr}罚决字〔{}〕{}号", occurred_on.year(), 1 + rng.below(3000)),
                    penalty_category: Some(category),
                }
            };
            out.push(record);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{enterprises, population};
    use std::collections::HashSet;

    #[test]
    fn records_are_unique_deterministic_and_belong_to_their_subjects() {
        let people: Vec<Person> = population(5, 4000).collect();
        let firms = enterprises(5, 1000, &people);
        let subjects = || firms.iter().map(Subject::from).chain(people.iter().map(Subject::from));
        let all: Vec<CreditRecord> = credit_records(5, subjects()).collect();
        assert_eq!(all, credit_records(5, subjects()).collect::<Vec<_>>(), "deterministic");
        let codes: HashSet<&str> =
            firms.iter().map(|f| f.credit_code.as_str()).chain(people.iter().map(|p| p.id_number.as_str())).collect();
        let mut ids = HashSet::new();
        for r in &all {
            assert!(ids.insert(r.record_id.clone()));
            assert!(codes.contains(r.subject_code.as_str()));
            assert!(r.occurred_on <= DEMO_TODAY);
            match r.kind {
                RecordKind::Permit => assert!(r.record_id.starts_with("XK") && r.penalty_category.is_none()),
                RecordKind::Penalty => assert!(r.record_id.starts_with("CF") && r.penalty_category.is_some()),
            }
        }
        let permits = all.iter().filter(|r| r.kind == RecordKind::Permit).count();
        assert!(permits > 400 && all.len() - permits > 150, "{permits} of {}", all.len());
    }
}
