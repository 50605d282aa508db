//! The data-element conformance report (数据元贯标情况) of a department: items that should refer
//! to a standard data element and do not (matched by their label), items whose reference is
//! unknown or deprecated, and items whose type or length differ from their element.

use crate::element::{DataElement, ElementStatus};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use zs_catalog::Entry;

/// What is wrong with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Its label names an element, but it refers to none.
    MissingReference,
    /// It refers to an element the registry does not hold.
    UnknownElement,
    /// It refers to a deprecated element.
    DeprecatedElement,
    /// Its data type differs from its element's.
    TypeMismatch,
    /// Its length differs from its element's.
    LengthMismatch,
}

impl ProblemKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingReference => "missing_reference",
            Self::UnknownElement => "unknown_element",
            Self::DeprecatedElement => "deprecated_element",
            Self::TypeMismatch => "type_mismatch",
            Self::LengthMismatch => "length_mismatch",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::MissingReference => "应引用数据元而未引用",
            Self::UnknownElement => "引用的数据元不存在",
            Self::DeprecatedElement => "引用的数据元已废止",
            Self::TypeMismatch => "数据类型与数据元不一致",
            Self::LengthMismatch => "长度与数据元不一致",
        }
    }
}

/// One problem with one item.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Problem {
    /// The entry.
    pub entry_id: i64,
    /// 信息资源代码.
    pub code: String,
    /// 信息资源名称.
    pub entry_name: String,
    /// The item's machine name.
    pub item_name: String,
    /// The item's label.
    pub item_label: String,
    /// What is wrong.
    pub kind: ProblemKind,
    /// The element concerned (referenced or suggested).
    pub element_id: String,
    /// Its Chinese name (empty when unknown).
    pub element_name: String,
    /// What the element prescribes (type or length), when relevant.
    pub expected: Option<String>,
    /// What the item has.
    pub actual: Option<String>,
}

/// The report for one department.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConformanceReport {
    /// The department.
    pub org_id: i64,
    /// Its name.
    pub department: String,
    /// Entries looked at.
    pub entries: u64,
    /// Items looked at.
    pub items: u64,
    /// Items that refer to an element.
    pub referencing: u64,
    /// Items that refer to an active element and agree with it in type and length.
    pub conforming: u64,
    /// Items whose label names an element (whether or not they refer to it).
    pub expected: u64,
    /// Every problem, in entry code and item order.
    pub problems: Vec<Problem>,
}

/// Build the report over `entries` of one department.
pub fn report(org_id: i64, department: &str, entries: &[Entry], elements: &[DataElement]) -> ConformanceReport {
    let by_id: HashMap<&str, &DataElement> = elements.iter().map(|e| (e.id.as_str(), e)).collect();
    let active: Vec<&DataElement> = elements.iter().filter(|e| e.status == ElementStatus::Active).collect();
    let mut r = ConformanceReport {
        org_id,
        department: department.to_owned(),
        entries: entries.len() as u64,
        items: 0,
        referencing: 0,
        conforming: 0,
        expected: 0,
        problems: Vec::new(),
    };
    for e in entries {
        for item in &e.body.items {
            r.items += 1;
            let named = active.iter().find(|el| el.matches_label(&item.label)).copied();
            if named.is_some() {
                r.expected += 1;
            }
            let problem =
                |kind: ProblemKind, el_id: &str, el_name: &str, expected: Option<String>, actual: Option<String>| {
                    Problem {
                        entry_id: e.id,
                        code: e.code.clone(),
                        entry_name: e.body.name.clone(),
                        item_name: item.name.clone(),
                        item_label: item.label.clone(),
                        kind,
                        element_id: el_id.to_owned(),
                        element_name: el_name.to_owned(),
                        expected,
                        actual,
                    }
                };
            let Some(reference) = item.element.as_deref() else {
                if let Some(el) = named {
                    r.problems.push(problem(ProblemKind::MissingReference, &el.id, &el.name_zh, None, None));
                }
                continue;
            };
            r.referencing += 1;
            let Some(el) = by_id.get(reference).copied() else {
                r.problems.push(problem(ProblemKind::UnknownElement, reference, "", None, None));
                continue;
            };
            let mut ok = true;
            if el.status == ElementStatus::Deprecated {
                ok = false;
                r.problems.push(problem(ProblemKind::DeprecatedElement, &el.id, &el.name_zh, None, None));
            }
            if el.data_type != item.data_type {
                ok = false;
                r.problems.push(problem(
                    ProblemKind::TypeMismatch,
                    &el.id,
                    &el.name_zh,
                    Some(el.data_type.label_zh().to_owned()),
                    Some(item.data_type.label_zh().to_owned()),
                ));
            } else if el.length.is_some() && el.length != item.length {
                ok = false;
                let show = |n: Option<u32>| n.map_or_else(|| "—".to_owned(), |n| n.to_string());
                r.problems.push(problem(
                    ProblemKind::LengthMismatch,
                    &el.id,
                    &el.name_zh,
                    Some(show(el.length)),
                    Some(show(item.length)),
                ));
            }
            if ok {
                r.conforming += 1;
            }
        }
    }
    r
}

/// One department's figures in the city-wide summary.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConformanceSummary {
    /// The department.
    pub org_id: i64,
    /// Its name.
    pub department: String,
    /// Entries.
    pub entries: u64,
    /// Items.
    pub items: u64,
    /// Items that refer to an element.
    pub referencing: u64,
    /// Items that conform.
    pub conforming: u64,
    /// Problems found.
    pub problems: u64,
}

impl From<&ConformanceReport> for ConformanceSummary {
    fn from(r: &ConformanceReport) -> Self {
        Self {
            org_id: r.org_id,
            department: r.department.clone(),
            entries: r.entries,
            items: r.items,
            referencing: r.referencing,
            conforming: r.conforming,
            problems: r.problems.len() as u64,
        }
    }
}
