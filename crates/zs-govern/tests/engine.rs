//! The engine over real Arrow batches: every rule kind on known-good and known-bad rows, blocked
//! rows, consistency against a second resource, and merged per-file statistics equal to one scan.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use time::macros::date;
use zs_govern::column::days_of_date;
use zs_govern::{merge, Check, Dimension, Plan, References, Rule};
use zs_types::codes::IdNumber;

fn id(first17: &str) -> String {
    format!("{first17}{}", IdNumber::check_char(first17).unwrap())
}

fn schema() -> Arc<Schema> {
    let f = |n: &str, t: DataType, level: &str| {
        Field::new(n, t, true).with_metadata([("security_level".to_owned(), level.to_owned())].into())
    };
    Arc::new(Schema::new(vec![
        f("id_number", DataType::Utf8, "L3"),
        f("name", DataType::Utf8, "L3"),
        f("sex", DataType::Utf8, "L2"),
        f("birth_date", DataType::Date32, "L3"),
        f("phone", DataType::Utf8, "L3"),
        f("email", DataType::Utf8, "L1"),
        f("postcode", DataType::Utf8, "L1"),
        f("division", DataType::Utf8, "L1"),
        f("credit_code", DataType::Utf8, "L1"),
        f("age", DataType::Int64, "L1"),
        f("spouse", DataType::Utf8, "L1"),
        f("married_on", DataType::Utf8, "L1"),
    ]))
}

struct Row<'a> {
    id: String,
    name: Option<&'a str>,
    sex: &'a str,
    birth: time::Date,
    phone: &'a str,
    email: &'a str,
    post: &'a str,
    div: &'a str,
    cc: &'a str,
    age: i64,
    spouse: Option<&'a str>,
    married: Option<&'a str>,
}

fn batch(rows: &[Row<'_>]) -> RecordBatch {
    let s = |f: &dyn Fn(&Row<'_>) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_new(
        schema(),
        vec![
            s(&|r| Some(r.id.clone())),
            s(&|r| r.name.map(str::to_owned)),
            s(&|r| Some(r.sex.to_owned())),
            Arc::new(Date32Array::from(rows.iter().map(|r| days_of_date(r.birth)).collect::<Vec<_>>())),
            s(&|r| Some(r.phone.to_owned())),
            s(&|r| Some(r.email.to_owned())),
            s(&|r| Some(r.post.to_owned())),
            s(&|r| Some(r.div.to_owned())),
            s(&|r| Some(r.cc.to_owned())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.age).collect::<Vec<_>>())),
            s(&|r| r.spouse.map(str::to_owned)),
            s(&|r| r.married.map(str::to_owned)),
        ],
    )
    .unwrap()
}

fn good(i: u32) -> Row<'static> {
    Row {
        id: id(&format!("63010219800101{:03}", 2 * (i % 400) + 1)),
        name: Some("王伟"),
        sex: "1",
        birth: date!(1980 - 01 - 01),
        phone: "13912345678",
        email: "wang@xining.gov.cn",
        post: "810000",
        div: "630106",
        cc: "91350100M000100Y43",
        age: 45,
        spouse: None,
        married: None,
    }
}

fn rules() -> Vec<Rule> {
    vec![
        Rule::item(
            "id_valid",
            "id_number",
            Check::IdNumber { birth_date: Some("birth_date".into()), sex: Some("sex".into()) },
        ),
        Rule::item("id_unique", "id_number", Check::Unique { with: vec![] }),
        Rule::item("name_req", "name", Check::NotBlank),
        Rule::item("sex_code", "sex", Check::OneOf { values: vec!["1".into(), "2".into(), "9".into()] }),
        Rule::item("phone", "phone", Check::Phone).warning(),
        Rule::item("email", "email", Check::Email).warning(),
        Rule::item("post", "postcode", Check::PostalCode),
        Rule::item("div", "division", Check::Division { historical: false }),
        Rule::item("cc", "credit_code", Check::CreditCode),
        Rule::item("age", "age", Check::Range { min: Some(0.0), max: Some(130.0) }),
        Rule::item("spouse_if_married", "spouse", Check::RequiredIf { when: "married_on".into() }),
        Rule::item("married_date", "married_on", Check::PlausibleDate { earliest: None }),
        Rule::item("name_len", "name", Check::Length { min: Some(2), max: Some(4) }),
        Rule::item("pattern", "postcode", Check::Pattern { regex: "8[0-9]{5}".into() }).warning(),
        Rule::item("in_population", "id_number", Check::Exists { resource: "POP".into(), column: "id_number".into() }),
        Rule::item(
            "same_name",
            "name",
            Check::SameAs {
                key: "id_number".into(),
                resource: "POP".into(),
                remote_key: "id_number".into(),
                column: "name".into(),
            },
        )
        .warning(),
        Rule::item("fresh_births", "birth_date", Check::Fresh { max_age_days: 365 }),
    ]
}

fn refs(rows: &[Row<'_>]) -> References {
    let mut r = References::default();
    r.add_set("POP", "id_number", 3, References::set_of(rows.iter().map(|r| r.id.as_str())));
    r.add_map("POP", "id_number", "name", 3, References::map_of(rows.iter().map(|r| (r.id.as_str(), "王伟"))));
    r
}

#[test]
fn every_rule_on_good_and_bad_rows() {
    let mut rows: Vec<Row<'static>> = (0..10).map(good).collect();
    let population: Vec<Row<'static>> = (0..9).map(good).collect(); // row 10's ID is not in the population
                                                                    // Row 2: wrong check digit.
    rows[1].id = format!("{}0", &rows[1].id[..17]);
    if rows[1].id == good(1).id {
        rows[1].id = format!("{}1", &rows[1].id[..17]);
    }
    // Row 3: sex differs from the ID; blank name; bad phone; bad e-mail.
    rows[2].sex = "2";
    rows[2].name = Some("  ");
    rows[2].phone = "12345";
    rows[2].email = "nobody";
    // Row 4: birth date differs; abolished division for a current address; bad postal; bad credit code.
    rows[3].birth = date!(1981 - 01 - 01);
    rows[3].div = "630122";
    rows[3].post = "91000";
    rows[3].cc = "91350100M000100Y44";
    // Row 5: age out of range, married without spouse, future marriage.
    rows[4].age = 200;
    rows[4].married = Some("2099-01-01");
    // Row 6: duplicate of row 1; name differs from the population's.
    rows[5].id = rows[0].id.clone();
    rows[5].name = Some("李娜");
    let b = batch(&rows);
    let plan = Plan::bind(&rules(), &schema(), &HashMap::new(), &refs(&population)).unwrap();
    let st = plan.evaluate([&b], date!(2025 - 06 - 30));
    let res = merge(&plan, &[&st], date!(2025 - 06 - 30));
    let by = |k: &str| res.rules.iter().find(|r| r.key == k).unwrap();
    let failed = |k: &str| by(k).failed;
    assert_eq!(failed("id_valid"), 3, "{:?}", by("id_valid").samples);
    assert_eq!(by("id_valid").samples[0].row, 2);
    assert!(by("id_valid").samples[0].reason.contains("校验码"));
    assert!(by("id_valid").samples[1].reason.contains("性别"));
    assert_eq!(by("id_valid").samples[1].other.as_deref(), Some("*"), "masked like the ID");
    assert!(by("id_valid").samples[2].reason.contains("出生日期"));
    // The ID value is masked (L3): only the first and last two characters show.
    let shown = by("id_valid").samples[0].value.clone().unwrap();
    assert!(shown.starts_with("63") && shown.contains("**************"), "{shown}");
    assert_eq!(failed("id_unique"), 2);
    assert_eq!(by("id_unique").samples.iter().map(|s| s.row).collect::<Vec<_>>(), vec![1, 6]);
    assert_eq!(failed("name_req"), 1);
    assert_eq!(failed("phone"), 1);
    assert_eq!(failed("email"), 1);
    assert_eq!(failed("post"), 1);
    assert_eq!(failed("pattern"), 1);
    assert_eq!(failed("div"), 1);
    assert_eq!(failed("cc"), 1);
    assert_eq!(failed("age"), 1);
    assert_eq!((by("spouse_if_married").checked, failed("spouse_if_married")), (1, 1));
    assert_eq!(failed("married_date"), 1);
    assert_eq!(failed("name_len"), 0, "a blank name is a completeness failure, not a length one");
    // Row 2 (bad check digit) and row 10 are not in the population; row 6 carries row 1's ID.
    assert_eq!(failed("in_population"), 2);
    assert_eq!(failed("same_name"), 1);
    assert_eq!(by("same_name").samples[0].other.as_deref(), Some("**"), "names are L3: masked");
    assert_eq!(by("same_name").samples[0].row, 6);
    // Newest birth date 1981 is far older than a year before the version.
    assert_eq!(failed("fresh_births"), 1);
    // Blocked rows: errors only (rows 2, 3, 4, 5, 10; row 6's duplicate is set-level, its name
    // conflict a warning).
    assert_eq!(res.blocked, 5);
    // The same rows, named one by one for blocking before a commit: only error rules of a row's
    // own values (no uniqueness, no freshness, no warnings), with the value masked.
    let gate = plan.blocking();
    assert!(gate.rules.iter().all(|r| !matches!(r.key.as_str(), "id_unique" | "fresh_births" | "phone" | "same_name")));
    let (gst, blocks) = gate.evaluate_rows(&b, date!(2025 - 06 - 30));
    let mut blocked_rows: Vec<usize> = blocks.iter().map(|x| x.index + 1).collect();
    blocked_rows.sort_unstable();
    blocked_rows.dedup();
    assert_eq!(blocked_rows, [2, 3, 4, 5, 10]);
    assert_eq!(gst.blocked, 5);
    let first = blocks.iter().find(|x| x.rule == "id_valid").unwrap();
    assert_eq!((first.index, first.field.as_str()), (1, "id_number"));
    assert!(first.value.as_deref().unwrap().contains("****") && first.reason.contains("校验码"), "{first:?}");
    assert!(blocks.iter().all(|x| x.rule != "email"), "warnings never block");
    let scores = res.scores(None);
    assert!(scores.validity.unwrap() < 100.0 && scores.completeness.unwrap() < 100.0);
    assert_eq!(scores.uniqueness, Some(80.0));
    assert_eq!(scores.timeliness, Some(0.0));
    assert!(scores.overall.is_some());
    assert_eq!(by("in_population").dimension, Dimension::Consistency);
}

#[test]
fn element_rules_follow_the_element() {
    let rows: Vec<Row<'static>> = (0..3).map(good).collect();
    let rule = Rule {
        id: "de_id".into(),
        target: zs_govern::Target::Element("DE0100".into()),
        check: Check::IdNumber { birth_date: None, sex: None },
        severity: zs_govern::Severity::Error,
        note: None,
    };
    let elements: HashMap<String, String> = [("id_number".to_owned(), "DE0100".to_owned())].into();
    let plan = Plan::bind(std::slice::from_ref(&rule), &schema(), &elements, &References::default()).unwrap();
    assert_eq!(plan.rules.len(), 1);
    assert_eq!(plan.rules[0].key, "de_id@id_number");
    let st = plan.evaluate([&batch(&rows)], date!(2025 - 06 - 30));
    assert_eq!(st.rules["de_id@id_number"].checked, 3);
    // No item follows the element: nothing to check, not an error.
    let plan = Plan::bind(&[rule], &schema(), &HashMap::new(), &References::default()).unwrap();
    assert!(plan.rules.is_empty());
    // An unknown item or a missing reference is an error naming the rule.
    let bad = Rule::item("x", "nope", Check::Required);
    assert!(Plan::bind(&[bad], &schema(), &HashMap::new(), &References::default()).is_err_and(|e| e.contains("nope")));
    let r = Rule::item("ref", "id_number", Check::Exists { resource: "POP".into(), column: "id_number".into() });
    assert!(Plan::bind(&[r], &schema(), &HashMap::new(), &References::default()).is_err_and(|e| e.contains("POP")));
}

#[test]
fn merged_file_statistics_equal_one_scan() {
    // 3 "files" with duplicates across them, failures spread out.
    let mut rows: Vec<Row<'static>> = (0..300).map(good).collect();
    for i in (0..300).step_by(7) {
        rows[i].cc = "91350100M000100Y44";
    }
    for i in (0..300).step_by(11) {
        rows[i].name = None;
    }
    for i in [5usize, 150, 290] {
        rows[i].id = rows[i - 3].id.clone();
    }
    let population: Vec<Row<'static>> = (0..250).map(good).collect();
    let plan = Plan::bind(&rules(), &schema(), &HashMap::new(), &refs(&population)).unwrap();
    let day = date!(2025 - 06 - 30);
    let files: Vec<RecordBatch> = [&rows[0..100], &rows[100..220], &rows[220..300]].iter().map(|r| batch(r)).collect();
    let whole = plan.evaluate(files.iter(), day);
    let per_file: Vec<_> = files.iter().map(|b| plan.evaluate([b], day)).collect();
    let refs: Vec<_> = per_file.iter().collect();
    let merged = merge(&plan, &refs, day);
    let full = merge(&plan, &[&whole], day);
    assert_eq!(merged, full);
    assert!(merged.rules.iter().any(|r| r.kind == "unique" && r.failed == 6));
    // The keys survive their binary form.
    let mut buf = Vec::new();
    zs_govern::stats::write_keys(&per_file[1], &mut buf).unwrap();
    assert_eq!(zs_govern::stats::read_keys(&buf[..]).unwrap(), per_file[1].keys);
}
