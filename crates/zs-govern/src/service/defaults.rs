//! The rules a resource gets until its steward writes its own: derived from the catalogue items
//! (keys, well-known items by name or Chinese label, declared lengths) and, for the base
//! libraries' e-licences and credit records, consistency with the population and legal-person
//! libraries.

use zs_catalog::{DataType, Entry};

use crate::rules::{Check, Rule};

fn has(entry: &Entry, name: &str) -> bool {
    entry.body.items.iter().any(|i| i.name == name)
}

/// The default rule set of `entry`; `all` is the catalogue (to find referenced libraries).
pub fn default_rules(entry: &Entry, all: &[Entry]) -> Vec<Rule> {
    let mut out = Vec::new();
    let keys: Vec<&str> = entry.body.items.iter().filter(|i| i.key).map(|i| i.name.as_str()).collect();
    if let Some((first, rest)) = keys.split_first() {
        out.push(Rule::item(
            "key_unique",
            first,
            Check::Unique { with: rest.iter().map(|s| (*s).to_owned()).collect() },
        ));
    }
    for it in &entry.body.items {
        let n = it.name.as_str();
        let l = it.label.as_str();
        let id = |kind: &str| format!("{n}_{kind}");
        if it.key || matches!(n, "name" | "org_name" | "holder" | "subject_name" | "feature_name") {
            out.push(Rule::item(&id("required"), n, Check::NotBlank));
        }
        if it.data_type == DataType::String {
            if let Some(max) = it.length {
                out.push(Rule::item(&id("length"), n, Check::Length { min: None, max: Some(max) }));
            }
        }
        if n == "id_number" || l == "公民身份号码" {
            let birth = has(entry, "birth_date").then(|| "birth_date".to_owned());
            let sex = has(entry, "sex").then(|| "sex".to_owned());
            out.push(Rule::item(&id("gb11643"), n, Check::IdNumber { birth_date: birth, sex }));
        } else if n == "credit_code" || l == "统一社会信用代码" {
            out.push(Rule::item(&id("gb32100"), n, Check::CreditCode));
        } else if matches!(n, "division_code" | "district") || l == "行政区划代码" {
            out.push(Rule::item(&id("gb2260"), n, Check::Division { historical: false }));
        } else if n == "phone" || l.contains("电话") {
            out.push(Rule::item(&id("phone"), n, Check::Phone).warning());
        } else if l.contains("邮政编码") {
            out.push(Rule::item(&id("postal"), n, Check::PostalCode).warning());
        } else if l.contains("邮箱") {
            out.push(Rule::item(&id("email"), n, Check::Email).warning());
        } else if n == "sex" || l == "性别" {
            let codes = ["1", "2", "0", "9"].iter().map(|s| (*s).to_owned()).collect();
            out.push(Rule::item(&id("codes"), n, Check::OneOf { values: codes }));
        } else if n == "birth_date" || l == "出生日期" {
            out.push(Rule::item(&id("plausible"), n, Check::PlausibleDate { earliest: None }));
        } else if matches!(it.data_type, DataType::Date) && matches!(n, "established" | "issued_on" | "occurred_on") {
            out.push(Rule::item(&id("plausible"), n, Check::PlausibleDate { earliest: None }).warning());
        }
    }
    let code_of =
        |name: &str| all.iter().find(|e| e.body.name == name && e.published_version.is_some()).map(|e| e.code.clone());
    let person_licence = entry.body.name == "居民身份证电子证照";
    let enterprise_licence = has(entry, "holder_code") && entry.body.name.contains("证") && !person_licence;
    if person_licence {
        if let Some(pop) = code_of("人口基础信息") {
            out.push(Rule::item(
                "holder_in_population",
                "holder_code",
                Check::Exists { resource: pop.clone(), column: "id_number".into() },
            ));
            out.push(
                Rule::item(
                    "holder_name_matches",
                    "holder",
                    Check::SameAs {
                        key: "holder_code".into(),
                        resource: pop,
                        remote_key: "id_number".into(),
                        column: "name".into(),
                    },
                )
                .warning(),
            );
        }
        out.push(Rule::item("holder_code_gb11643", "holder_code", Check::IdNumber { birth_date: None, sex: None }));
    } else if enterprise_licence {
        if let Some(lp) = code_of("法人单位基础信息") {
            out.push(Rule::item(
                "holder_in_legal_persons",
                "holder_code",
                Check::Exists { resource: lp.clone(), column: "credit_code".into() },
            ));
            out.push(
                Rule::item(
                    "holder_name_matches",
                    "holder",
                    Check::SameAs {
                        key: "holder_code".into(),
                        resource: lp,
                        remote_key: "credit_code".into(),
                        column: "org_name".into(),
                    },
                )
                .warning(),
            );
        }
        out.push(Rule::item("holder_code_gb32100", "holder_code", Check::CreditCode));
    }
    if has(entry, "issued_on") && has(entry, "valid_until") {
        out.push(
            Rule::item("valid_until_present", "valid_until", Check::RequiredIf { when: "issued_on".into() }).warning(),
        );
    }
    if entry.body.name == "行政许可和行政处罚信用信息" && has(entry, "subject_code") {
        if let Some(lp) = code_of("法人单位基础信息") {
            out.push(
                Rule::item(
                    "subject_in_legal_persons",
                    "subject_code",
                    Check::Exists { resource: lp, column: "credit_code".into() },
                )
                .warning(),
            );
        }
    }
    // Ids must be unique: keep the first of a duplicate id.
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.id.clone()));
    out
}
