//! Key lookups and paged listing over table versions, on real files in a temp dir.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray};
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_tables::{CommitMode, KeyIndex, KeyIndexCache, Table, TableSchema};

fn item(name: &str, label: &str, data_type: DataType, length: Option<u32>, key: bool) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key,
        element: None,
        security_level: SecurityLevel::L3,
        sharing: SharingKind::Conditional,
        open: OpenKind::None,
    }
}

fn people() -> TableSchema {
    TableSchema::from_items(&[
        item("id_number", "公民身份号码", DataType::String, Some(18), true),
        item("name", "姓名", DataType::String, Some(50), false),
        item("birth_date", "出生日期", DataType::Date, None, false),
        item("household", "户号", DataType::Integer, None, false),
    ])
    .unwrap()
}

fn id(i: u32) -> String {
    format!("630102{:012}", i)
}

/// Rows `ids` with name `<prefix><i>`, birth day i, household i / 3 (null for multiples of 7).
fn batch(s: &TableSchema, ids: &[u32], prefix: &str) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids.iter().map(|&i| id(i)).collect::<Vec<_>>())),
        Arc::new(StringArray::from(ids.iter().map(|i| format!("{prefix}{i}")).collect::<Vec<_>>())),
        Arc::new(Date32Array::from(ids.iter().map(|&i| i as i32).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(ids.iter().map(|&i| (i % 7 != 0).then_some(i64::from(i / 3))).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(s.arrow().clone(), cols).unwrap()
}

fn name_of(ix: &KeyIndex, i: u32) -> Option<String> {
    ix.get(&[&id(i)]).unwrap().map(|b| {
        assert_eq!(b.num_rows(), 1);
        b.column(1).as_string::<i32>().value(0).to_owned()
    })
}

#[test]
fn lookups_follow_each_version() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let all: Vec<u32> = (0..5_000).collect();
    let v1 = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &all, "甲")]).unwrap().version;
    let v2 = t.commit(CommitMode::Upsert, "a", "push", &[batch(&s, &[10, 20, 9_000], "乙")]).unwrap().version;
    let v3 = t.commit(CommitMode::DeleteByKey, "a", "push", &[batch(&s, &[20, 30], "")]).unwrap().version;
    let v4 = t.commit(CommitMode::Replace, "a", "upload", &[batch(&s, &[1, 2], "丙")]).unwrap().version;

    let i1 = KeyIndex::build(&t, Some(v1)).unwrap();
    assert_eq!(i1.rows(), 5_000);
    assert_eq!(i1.version(), Some(v1));
    for i in [0, 1, 15, 16, 17, 4_999] {
        assert_eq!(name_of(&i1, i), Some(format!("甲{i}")), "row {i}");
    }
    assert_eq!(name_of(&i1, 9_000), None);
    assert_eq!(name_of(&i1, 5_000), None);

    let i2 = KeyIndex::build(&t, Some(v2)).unwrap();
    assert_eq!(i2.rows(), 5_001);
    assert_eq!(name_of(&i2, 10), Some("乙10".into()));
    assert_eq!(name_of(&i2, 9_000), Some("乙9000".into()));
    assert_eq!(name_of(&i2, 11), Some("甲11".into()));

    let i3 = KeyIndex::build(&t, Some(v3)).unwrap();
    assert_eq!(i3.rows(), 4_999);
    assert_eq!(name_of(&i3, 20), None);
    assert_eq!(name_of(&i3, 30), None);
    assert_eq!(name_of(&i3, 10), Some("乙10".into()));

    let i4 = KeyIndex::build(&t, None).unwrap();
    assert_eq!(i4.version(), Some(v4));
    assert_eq!(i4.rows(), 2);
    assert_eq!(name_of(&i4, 1), Some("丙1".into()));
    assert_eq!(name_of(&i4, 10), None);
    // The old index still answers for its version.
    assert_eq!(name_of(&i1, 10), Some("甲10".into()));
}

#[test]
fn rows_keep_every_type_and_null() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[7, 8], "丁")]).unwrap();
    let ix = KeyIndex::build(&t, None).unwrap();
    let r = ix.get(&[&id(8)]).unwrap().unwrap();
    assert_eq!(r.schema(), *s.arrow());
    assert_eq!(r.column(2).as_primitive::<Date32Type>().value(0), 8);
    assert_eq!(r.column(3).as_primitive::<Int64Type>().value(0), 2);
    let r = ix.get(&[&id(7)]).unwrap().unwrap();
    assert!(r.column(3).is_null(0));
    // Wrong arity is an error; a key that cannot be the item's value finds nothing.
    assert!(ix.get(&[]).is_err());
    assert!(ix.get(&[""]).unwrap().is_none());
    assert!(ix.get(&["630102000000000008 "]).unwrap().is_none());
}

#[test]
fn integer_and_composite_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = TableSchema::from_items(&[
        item("year", "年度", DataType::Integer, None, true),
        item("code", "编码", DataType::String, Some(8), true),
        item("v", "值", DataType::String, Some(8), false),
    ])
    .unwrap();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let b = RecordBatch::try_new(
        s.arrow().clone(),
        vec![
            Arc::new(Int64Array::from(vec![2024, 2025, 2025])),
            Arc::new(StringArray::from(vec!["a", "a", "b"])),
            Arc::new(StringArray::from(vec!["x", "y", "z"])),
        ],
    )
    .unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[b]).unwrap();
    let ix = KeyIndex::build(&t, None).unwrap();
    let v = |y: &str, c: &str| ix.get(&[y, c]).unwrap().map(|b| b.column(2).as_string::<i32>().value(0).to_owned());
    assert_eq!(v("2025", "a").as_deref(), Some("y"));
    assert_eq!(v("2024", "a").as_deref(), Some("x"));
    assert_eq!(v("2024", "b"), None);
    assert_eq!(v("二〇二五", "a"), None);
}

#[test]
fn listing_pages_with_a_cursor_and_a_filter() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let all: Vec<u32> = (0..1_000).collect();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &all, "甲")]).unwrap();
    let ix = KeyIndex::build(&t, None).unwrap();

    // Unfiltered: pages of 300 cover every row once, in order.
    let mut seen = Vec::new();
    let mut cursor = Some(0);
    while let Some(from) = cursor {
        let page = ix.list(from, 300, None).unwrap();
        assert!(page.rows.num_rows() <= 300);
        let ids = page.rows.column(0).as_string::<i32>();
        seen.extend((0..ids.len()).map(|i| ids.value(i).to_owned()));
        cursor = page.next;
    }
    assert_eq!(seen, all.iter().map(|&i| id(i)).collect::<Vec<_>>());

    // Filtered: rows whose household is null (multiples of 7), 50 at a time.
    let filter = |b: &RecordBatch| -> zs_tables::Result<BooleanArray> {
        Ok(BooleanArray::from((0..b.num_rows()).map(|i| b.column(3).is_null(i)).collect::<Vec<_>>()))
    };
    let mut got = Vec::new();
    let mut cursor = Some(0);
    while let Some(from) = cursor {
        let page = ix.list(from, 50, Some(&filter)).unwrap();
        let days = page.rows.column(2).as_primitive::<Date32Type>();
        got.extend(days.values().iter().copied());
        cursor = page.next;
    }
    assert_eq!(got, (0..1_000).filter(|i| i % 7 == 0).collect::<Vec<i32>>());
    // A cursor past the end is an empty last page.
    let end = ix.list(5_000, 10, None).unwrap();
    assert_eq!((end.rows.num_rows(), end.next), (0, None));
}

#[test]
fn cache_builds_once_and_keeps_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let all: Vec<u32> = (0..2_000).collect();
    let v1 = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &all, "甲")]).unwrap().version;
    let v2 = t.commit(CommitMode::Upsert, "a", "push", &[batch(&s, &[1], "乙")]).unwrap().version;
    let one = KeyIndex::build(&t, Some(v1)).unwrap().stats().memory_bytes;

    // Room for one index: the second evicts the first.
    let cache = KeyIndexCache::new(one + one / 2);
    let a = cache.get(&t, v1).unwrap();
    assert!(Arc::ptr_eq(&a, &cache.get(&t, v1).unwrap()));
    assert_eq!(cache.len(), 1);
    let b = cache.get(&t, v2).unwrap();
    assert_eq!(cache.len(), 1);
    assert!(cache.memory_bytes() <= one + one / 2);
    assert_eq!(name_of(&b, 1), Some("乙1".into()));
    // An evicted index still answers for whoever holds it, and is rebuilt on the next use.
    assert_eq!(name_of(&a, 1), Some("甲1".into()));
    assert!(!Arc::ptr_eq(&a, &cache.get(&t, v1).unwrap()));
    cache.forget(&t);
    assert!(cache.is_empty());
}

#[test]
fn many_files_and_batches() {
    // Several files and a file larger than one read batch (65,536 rows): the index grows while
    // it is built and must still find every row.
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let big: Vec<u32> = (0..70_000).collect();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &big, "甲")]).unwrap();
    for k in 0..3u32 {
        let ids: Vec<u32> = (100_000 + k * 3_000..100_000 + (k + 1) * 3_000).collect();
        t.commit(CommitMode::Append, "a", "push", &[batch(&s, &ids, "乙")]).unwrap();
    }
    let ix = KeyIndex::build(&t, None).unwrap();
    assert_eq!(ix.rows(), 79_000);
    for i in (0..70_000).step_by(997).chain([65_535, 65_536, 69_999]) {
        assert_eq!(name_of(&ix, i), Some(format!("甲{i}")), "row {i}");
    }
    for i in (100_000..109_000).step_by(101).chain([108_999]) {
        assert_eq!(name_of(&ix, i), Some(format!("乙{i}")), "row {i}");
    }
    assert_eq!(name_of(&ix, 70_000), None);
}
