//! Incremental statistics equal a full rescan, on a real versioned table (Parquet files on disk)
//! through appends, an upsert that rewrites files and a replace; and only new files are scanned.
#![cfg(feature = "service")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
use time::macros::date;
use zs_catalog::{DataType, SecurityLevel};
use zs_govern::column::days_of_date;
use zs_govern::incremental::version_result;
use zs_govern::{merge, Check, Plan, References, Rule};
use zs_tables::{Column, CommitMode, Table, TableSchema};
use zs_types::codes::IdNumber;

fn col(name: &str, t: DataType, len: Option<u32>, key: bool, level: SecurityLevel) -> Column {
    Column { name: name.into(), label: name.into(), data_type: t, length: len, key, security_level: level }
}

fn schema() -> TableSchema {
    TableSchema::from_columns(vec![
        col("id_number", DataType::String, Some(18), true, SecurityLevel::L3),
        col("name", DataType::String, Some(50), false, SecurityLevel::L3),
        col("sex", DataType::String, Some(1), false, SecurityLevel::L2),
        col("birth_date", DataType::Date, None, false, SecurityLevel::L3),
        col("phone", DataType::String, Some(20), false, SecurityLevel::L3),
    ])
    .unwrap()
}

/// Rows `from..to`; every 13th has a wrong sex, every 17th no name, phones repeat every 700.
fn rows(schema: &TableSchema, from: usize, to: usize, tag: &str) -> RecordBatch {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    let mut sexes = Vec::new();
    let mut births = Vec::new();
    let mut phones = Vec::new();
    for i in from..to {
        let birth = date!(1950 - 01 - 01) + time::Duration::days((i * 37 % 20000) as i64);
        let seq = (i % 500) * 2 + 1;
        let first17 = format!(
            "{}{:04}{:02}{:02}{seq:03}",
            ["630102", "630103", "630122"][i % 3],
            birth.year(),
            birth.month() as u8,
            birth.day()
        );
        ids.push(format!("{first17}{}", IdNumber::check_char(&first17).unwrap()));
        names.push((i % 17 != 0).then(|| format!("{tag}{i}")));
        sexes.push(if i % 13 == 0 { "2" } else { "1" }.to_owned());
        births.push(days_of_date(birth));
        phones.push(format!("139{:08}", i % 700));
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids)),
        Arc::new(StringArray::from(names)),
        Arc::new(StringArray::from(sexes)),
        Arc::new(Date32Array::from(births)),
        Arc::new(StringArray::from(phones)),
    ];
    RecordBatch::try_new(schema.arrow().clone(), cols).unwrap()
}

#[test]
fn incremental_equals_full_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema();
    let table = Table::open(dir.path().join("t"), schema.clone()).unwrap();
    let rules = vec![
        Rule::item(
            "id",
            "id_number",
            Check::IdNumber { birth_date: Some("birth_date".into()), sex: Some("sex".into()) },
        ),
        Rule::item("name", "name", Check::NotBlank),
        Rule::item("phone_unique", "phone", Check::Unique { with: vec![] }).warning(),
        Rule::item("phone", "phone", Check::Mobile),
        Rule::item("fresh", "birth_date", Check::Fresh { max_age_days: 10_000 }),
    ];
    let plan = Plan::bind(&rules, schema.arrow(), &HashMap::new(), &References::default()).unwrap();
    let cache = dir.path().join("cache");
    let day = date!(2025 - 06 - 30);
    let steps: Vec<(CommitMode, RecordBatch)> = vec![
        (CommitMode::Append, rows(&schema, 0, 1000, "a")),
        (CommitMode::Append, rows(&schema, 1000, 1500, "b")),
        (CommitMode::Upsert, rows(&schema, 900, 1100, "c")),
        (CommitMode::Append, rows(&schema, 1500, 1700, "d")),
        (CommitMode::Replace, rows(&schema, 0, 300, "e")),
    ];
    let mut scanned_per_version = Vec::new();
    for (mode, batch) in steps {
        let v = table.commit(mode, "tester", "test", &[batch]).unwrap();
        let m = table.manifest(Some(v.version)).unwrap().unwrap();
        let (incremental, scanned) = version_result(&plan, &table, &m, &cache, day).unwrap();
        let all: Vec<RecordBatch> = table.scan(Some(v.version)).unwrap().map(Result::unwrap).collect();
        let whole = plan.evaluate(all.iter(), day);
        let full = merge(&plan, &[&whole], day);
        assert_eq!(incremental, full, "version {}", v.version);
        assert_eq!(full.rows, m.rows);
        assert!(full.rules.iter().any(|r| r.failed > 0));
        scanned_per_version.push((scanned, m.files.len()));
    }
    // v1: its one file; v2 (append): only the new file; v4 (append): only the new file.
    assert_eq!(scanned_per_version[0], (1, 1));
    assert_eq!(scanned_per_version[1].0, 1);
    assert!(scanned_per_version[1].1 >= 2);
    assert_eq!(scanned_per_version[3].0, 1);
    // Checking a version again scans nothing.
    let m = table.current().unwrap().unwrap();
    let (_, scanned) = version_result(&plan, &table, &m, &cache, day).unwrap();
    assert_eq!(scanned, 0);
}
