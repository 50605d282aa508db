//! Integration tests: versioned tables and CSV ingest on real files in a temp dir.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use time::macros::datetime;
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_tables::{
    ingest_csv, ColumnMapping, CommitMode, Enc, IngestOptions, IngestOutcome, Table, TableSchema, TablesError,
};
use zs_types::{ErrorCode, ManualClock};

fn item(
    name: &str,
    label: &str,
    data_type: DataType,
    length: Option<u32>,
    key: bool,
    level: SecurityLevel,
) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key,
        element: None,
        security_level: level,
        sharing: SharingKind::Unconditional,
        open: OpenKind::None,
    }
}

fn all_types() -> TableSchema {
    use DataType::*;
    use SecurityLevel::*;
    TableSchema::from_items(&[
        item("code", "编码", String, Some(8), true, L1),
        item("count", "数量", Integer, Some(6), false, L1),
        item("amount", "金额", Decimal, Some(10), false, L1),
        item("day", "日期", Date, None, false, L1),
        item("at", "时间", DateTime, None, false, L1),
        item("ok", "有效", Boolean, None, false, L1),
        item("blob", "附件", Binary, None, false, L1),
        item("shape", "位置", Geometry, None, false, L1),
    ])
    .unwrap()
}

fn people() -> TableSchema {
    use DataType::*;
    use SecurityLevel::*;
    TableSchema::from_items(&[
        item("id", "编号", Integer, None, true, L1),
        item("name", "姓名", String, Some(4), false, L3),
    ])
    .unwrap()
}

fn batch(schema: &TableSchema, ids: &[i64], names: &[&str]) -> RecordBatch {
    let cols: Vec<ArrayRef> =
        vec![Arc::new(Int64Array::from(ids.to_vec())), Arc::new(StringArray::from(names.to_vec()))];
    RecordBatch::try_new(schema.arrow().clone(), cols).unwrap()
}

/// (id, name) rows of a version, sorted by id.
fn rows(t: &Table, version: Option<u64>) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for b in t.scan(version).unwrap() {
        let b = b.unwrap();
        let ids = b.column(0).as_primitive::<Int64Type>();
        let names = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            out.push((ids.value(i), names.value(i).to_owned()));
        }
    }
    out.sort();
    out
}

fn pairs(v: &[(i64, &str)]) -> Vec<(i64, String)> {
    v.iter().map(|(i, s)| (*i, (*s).to_owned())).collect()
}

#[test]
fn schema_maps_every_catalogue_type() {
    use arrow_schema::{DataType as A, TimeUnit};
    let s = all_types();
    let types: Vec<A> = s.arrow().fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(
        types,
        vec![
            A::Utf8,
            A::Int64,
            A::Decimal128(14, 4),
            A::Date32,
            A::Timestamp(TimeUnit::Millisecond, Some("+08:00".into())),
            A::Boolean,
            A::Binary,
            A::Utf8
        ]
    );
    assert!(!s.arrow().field(0).is_nullable());
    assert_eq!(s.arrow().field(0).metadata().get("label").map(String::as_str), Some("编码"));
    assert_eq!(s.key_indices(), vec![0]);
    let dup = TableSchema::from_items(&[
        item("a", "甲", DataType::String, None, false, SecurityLevel::L1),
        item("a", "乙", DataType::String, None, false, SecurityLevel::L1),
    ]);
    assert!(matches!(dup, Err(TablesError::Schema(_))));
}

#[test]
fn every_type_round_trips_through_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), all_types()).unwrap();
    let csv = "编码,数量,金额,日期,时间,有效,附件,位置\n\
               A1,42,-12345.678,2024-02-29,2024-03-01 08:30:15.250,是,aGVsbG8=,\"{\"\"type\"\":\"\"Point\"\",\"\"coordinates\"\":[101.78,36.62]}\"\n\
               A2,,,,2024-03-01T00:00:00Z,false,,\n";
    let r = ingest_csv(&t, csv.as_bytes(), &IngestOptions::new(CommitMode::Append, "tester", "upload")).unwrap();
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (2, 2, 0), "{:?}", r.rejected);
    assert_eq!(r.encoding, Enc::Utf8);
    let b: Vec<RecordBatch> = t.scan(None).unwrap().map(Result::unwrap).collect();
    assert_eq!(b.len(), 1);
    let b = &b[0];
    assert_eq!(b.column(0).as_string::<i32>().value(0), "A1");
    assert_eq!(b.column(1).as_primitive::<Int64Type>().value(0), 42);
    assert!(b.column(1).is_null(1));
    assert_eq!(b.column(2).as_primitive::<Decimal128Type>().value(0), -123_456_780);
    let day = b.column(3).as_primitive::<Date32Type>().value(0);
    assert_eq!(time::Date::from_julian_day(day + 2_440_588).unwrap(), time::macros::date!(2024 - 02 - 29));
    let at = b.column(4).as_primitive::<TimestampMillisecondType>();
    assert_eq!(at.value(0), zs_types::clock::to_ms(datetime!(2024-03-01 00:30:15.250 UTC)));
    assert_eq!(at.value(1), zs_types::clock::to_ms(datetime!(2024-03-01 00:00:00 UTC)));
    assert!(b.column(5).as_boolean().value(0));
    assert!(!b.column(5).as_boolean().value(1));
    assert_eq!(b.column(6).as_binary::<i32>().value(0), b"hello");
    assert!(b.column(7).as_string::<i32>().value(0).contains("Point"));
    assert!(b.column(7).is_null(1));
}

#[test]
fn type_and_length_problems_are_rejected_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), all_types()).unwrap();
    let csv = "code,count,amount,day,at,ok,blob,shape\n\
               TOO-LONG-CODE,1,1,2024-01-01,,,,\n\
               B1,1234567,1.23456,2024-02-30,yesterday,maybe,%%%,{}\n\
               ,1,,,,,,\n\
               B2,1,,,,,,\n\
               B2,2,,,,,,\n";
    let r = ingest_csv(&t, csv.as_bytes(), &IngestOptions::new(CommitMode::Append, "tester", "upload")).unwrap();
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (5, 1, 4));
    let reasons: Vec<(u64, &str, &str)> =
        r.rejected.iter().map(|x| (x.row, x.field.as_str(), x.reason.as_str())).collect();
    assert!(reasons.contains(&(1, "code", "13 characters, longer than the declared length 8")), "{reasons:?}");
    for field in ["count", "amount", "day", "at", "ok", "blob", "shape"] {
        assert!(reasons.iter().any(|(row, f, _)| *row == 2 && *f == field), "{field}: {reasons:?}");
    }
    assert!(reasons.contains(&(3, "code", "key item is empty")));
    assert!(reasons.contains(&(5, "code", "key repeats an earlier row of this file")));
    assert_eq!(r.rejected.iter().find(|x| x.row == 5).unwrap().line, 6);
}

#[test]
fn append_replace_upsert_delete_and_version_reads() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    assert!(t.current().unwrap().is_none());
    assert_eq!(t.scan(None).unwrap().count(), 0);

    let v1 = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1, 2], &["甲", "乙"])]).unwrap();
    let v2 = t.commit(CommitMode::Append, "a", "push", &[batch(&s, &[3], &["丙"])]).unwrap();
    let v3 = t.commit(CommitMode::Upsert, "b", "pull", &[batch(&s, &[2, 4], &["乙二", "丁"])]).unwrap();
    let v4 = t.commit(CommitMode::DeleteByKey, "b", "upload", &[batch(&s, &[1, 9], &["", ""])]).unwrap();
    let v5 = t.commit(CommitMode::Replace, "c", "upload", &[batch(&s, &[7], &["戊"])]).unwrap();
    assert_eq!([v1.version, v2.version, v3.version, v4.version, v5.version], [1, 2, 3, 4, 5]);

    assert_eq!(rows(&t, Some(1)), pairs(&[(1, "甲"), (2, "乙")]));
    assert_eq!(rows(&t, Some(2)), pairs(&[(1, "甲"), (2, "乙"), (3, "丙")]));
    assert_eq!(rows(&t, Some(3)), pairs(&[(1, "甲"), (2, "乙二"), (3, "丙"), (4, "丁")]));
    assert_eq!(rows(&t, Some(4)), pairs(&[(2, "乙二"), (3, "丙"), (4, "丁")]));
    assert_eq!(rows(&t, None), pairs(&[(7, "戊")]));
    assert!(matches!(t.scan(Some(6)), Err(TablesError::VersionNotFound(6))));

    let h = t.history().unwrap();
    let summary: Vec<(u64, u64, u64, u64, &str, &str)> = h
        .iter()
        .map(|v| (v.version, v.rows, v.rows_added, v.rows_removed, v.actor.as_str(), v.channel.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, 2, 2, 0, "a", "upload"),
            (2, 3, 1, 0, "a", "push"),
            (3, 4, 2, 1, "b", "pull"),
            (4, 3, 0, 1, "b", "upload"),
            (5, 1, 1, 3, "c", "upload"),
        ]
    );
    // Upsert kept the untouched file of version 2 as it is.
    let m2 = t.manifest(Some(2)).unwrap().unwrap();
    let m3 = t.manifest(Some(3)).unwrap().unwrap();
    assert!(m3.files.contains(&m2.files[1]));
    assert!(!m3.files.contains(&m2.files[0]));

    // A commit naming the same key twice is refused and leaves nothing behind.
    let e = t.commit(CommitMode::Upsert, "b", "push", &[batch(&s, &[8, 8], &["x", "y"])]).unwrap_err();
    assert!(matches!(e, TablesError::DuplicateKey { row: 2 }));
    assert_eq!(t.current().unwrap().unwrap().version, 5);

    // Vacuum keeps the newest two versions and removes the files only older ones used.
    let before = std::fs::read_dir(dir.path().join("data")).unwrap().count();
    let report = t.vacuum(2).unwrap();
    assert_eq!(report.manifests_removed, 3);
    assert!(report.files_removed > 0);
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), before - report.files_removed);
    assert_eq!(rows(&t, Some(4)), pairs(&[(2, "乙二"), (3, "丙"), (4, "丁")]));
    assert!(matches!(t.scan(Some(3)), Err(TablesError::VersionNotFound(3))));
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let other = Table::open(dir.path(), s.clone()).unwrap();
    let txn = t.begin(CommitMode::Append, "a", "upload").unwrap();
    let e = other.begin(CommitMode::Append, "b", "upload").unwrap_err();
    assert!(matches!(e, TablesError::Locked(_)));
    assert_eq!(zs_types::Error::from(e).code, ErrorCode::Conflict);
    drop(txn);
    other.commit(CommitMode::Append, "b", "upload", &[batch(&s, &[1], &["甲"])]).unwrap();
    // A lock left by a process that is gone is taken over.
    std::fs::write(dir.path().join("_lock"), "4194999").unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[2], &["乙"])]).unwrap();
    assert_eq!(rows(&t, None).len(), 2);
}

#[test]
fn as_of_time_reads_the_version_then_current() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let clock = Arc::new(ManualClock::new(datetime!(2026-01-01 00:00 UTC)));
    let t = Table::open_with_clock(dir.path(), s.clone(), clock.clone()).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1], &["甲"])]).unwrap();
    clock.advance(time::Duration::hours(1));
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[2], &["乙"])]).unwrap();
    assert_eq!(t.as_of_time(datetime!(2025-12-31 23:59 UTC)).unwrap(), None);
    assert_eq!(t.as_of_time(datetime!(2026-01-01 00:30 UTC)).unwrap(), Some(1));
    assert_eq!(t.as_of_time(datetime!(2026-01-01 01:00 UTC)).unwrap(), Some(2));
    let v = t.as_of_time(datetime!(2026-01-01 00:59 UTC)).unwrap();
    assert_eq!(rows(&t, v), pairs(&[(1, "甲")]));
    assert_eq!(t.history().unwrap()[1].created_at, datetime!(2026-01-01 01:00 UTC));
}

#[test]
fn crash_debris_is_invisible_and_vacuumed() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1], &["甲"])]).unwrap();
    // A crash mid-commit: a half-written data file (temp and final name), a manifest that never
    // got renamed, and a truncated manifest at the next version's name.
    let good = std::fs::read(dir.path().join("_versions/00000000000000000001.json")).unwrap();
    std::fs::write(dir.path().join("data/.tmp-crashed.parquet"), b"PAR1\x00\x01half").unwrap();
    std::fs::write(dir.path().join("data/0000-orphan.parquet"), b"PAR1\x00\x01half").unwrap();
    std::fs::write(dir.path().join("_versions/.tmp-00000000000000000002.json"), &good[..good.len() / 2]).unwrap();
    std::fs::write(dir.path().join("_versions/00000000000000000002.json"), &good[..good.len() / 2]).unwrap();
    std::fs::write(dir.path().join("_lock"), "4194999").unwrap();

    let t = Table::open(dir.path(), s.clone()).unwrap();
    assert_eq!(t.current().unwrap().unwrap().version, 1);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲")]));
    assert_eq!(t.history().unwrap().len(), 1);
    assert!(matches!(t.scan(Some(2)), Err(TablesError::VersionNotFound(2))));

    let report = t.vacuum(10).unwrap();
    assert_eq!(report.damaged_manifests_removed, 1);
    assert_eq!(report.files_removed, 3);
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1);
    assert_eq!(std::fs::read_dir(dir.path().join("_versions")).unwrap().count(), 1);
    // The next commit is version 2 and everything reads.
    let v = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[2], &["乙"])]).unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲"), (2, "乙")]));
}

#[test]
fn an_aborted_commit_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    let mut txn = t.begin(CommitMode::Append, "a", "upload").unwrap();
    txn.write(&batch(&s, &[1], &["甲"])).unwrap();
    drop(txn);
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 0);
    assert!(t.current().unwrap().is_none());
    assert!(!dir.path().join("_lock").exists());
}

fn gb(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

const PEOPLE_CSV: &str = "编号,姓名\n1,张三\n2,李四\n";

#[test]
fn encodings_are_detected_or_forced() {
    let mut cases: Vec<(&str, Vec<u8>, Option<Enc>, Enc)> = vec![
        ("utf8", PEOPLE_CSV.as_bytes().to_vec(), None, Enc::Utf8),
        ("utf8 bom", [b"\xEF\xBB\xBF".as_slice(), PEOPLE_CSV.as_bytes()].concat(), None, Enc::Utf8),
        ("gb18030", gb(PEOPLE_CSV), None, Enc::Gb18030),
        ("gb18030 bom", [b"\x84\x31\x95\x33".as_slice(), &gb(PEOPLE_CSV)].concat(), None, Enc::Gb18030),
        ("gbk forced", gb(PEOPLE_CSV), Some(Enc::Gb18030), Enc::Gb18030),
    ];
    // A GB18030 file whose first 64 KiB are ASCII: detection says UTF-8, the override fixes it.
    let long = format!("id,name\n{}", (1..=10_000).map(|i| format!("{i},abcd\n")).collect::<String>());
    let late = format!("{long}10001,王五\n");
    cases.push(("late gb forced", gb(&late), Some(Enc::Gb18030), Enc::Gb18030));
    for (what, bytes, forced, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let t = Table::open(dir.path(), people()).unwrap();
        let mut opts = IngestOptions::new(CommitMode::Append, "a", "upload");
        opts.encoding = forced;
        let r = ingest_csv(&t, bytes.as_slice(), &opts).unwrap();
        assert_eq!(r.encoding, expected, "{what}");
        assert_eq!(r.rows_rejected, 0, "{what}: {:?}", r.rejected);
        let got = rows(&t, None);
        if what == "late gb forced" {
            assert_eq!(got.last().unwrap(), &(10_001, "王五".to_owned()));
        } else {
            assert_eq!(got, pairs(&[(1, "张三"), (2, "李四")]), "{what}");
        }
    }
    // Without the override, the late GB bytes are a clear error on their line, and nothing changes.
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let e = ingest_csv(&t, gb(&late).as_slice(), &IngestOptions::new(CommitMode::Append, "a", "upload")).unwrap_err();
    match e {
        TablesError::Malformed { line, ref message } => {
            assert_eq!(line, 10_002, "{message}");
            assert!(message.contains("Utf8"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(t.current().unwrap().is_none());
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 0);
}

#[test]
fn rejected_rows_are_reported_with_sensitive_values_masked() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let csv = "id,name\n1,张三\n2,欧阳司马长名\nx,李四\n";
    let r = ingest_csv(&t, csv.as_bytes(), &IngestOptions::new(CommitMode::Append, "a", "upload")).unwrap();
    assert_eq!((r.rows_read, r.rows_written, r.rows_rejected), (3, 1, 2));
    let long = &r.rejected[0];
    assert_eq!((long.row, long.line, long.field.as_str()), (2, 3, "name"));
    assert_eq!(long.value, "欧阳**长名");
    assert_eq!(long.reason, "6 characters, longer than the declared length 4");
    let bad_id = &r.rejected[1];
    assert_eq!((bad_id.row, bad_id.field.as_str(), bad_id.value.as_str()), (3, "id", "x"));
    assert!(matches!(r.outcome, IngestOutcome::Committed { .. }));
    assert_eq!(r.columns, vec![("id".to_owned(), Some("id".to_owned())), ("name".to_owned(), Some("name".to_owned()))]);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("欧阳司马"));
}

#[test]
fn error_rate_over_the_policy_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let csv = "id,name\n1,甲\nx,乙\ny,丙\n4,丁\n";
    let mut opts = IngestOptions::new(CommitMode::Append, "a", "upload");
    opts.max_error_rate = Some(0.4);
    let r = ingest_csv(&t, csv.as_bytes(), &opts).unwrap();
    assert_eq!(r.outcome, IngestOutcome::BatchRejected { error_rate: 0.5, max_error_rate: 0.4 });
    assert_eq!((r.rows_written, r.rows_rejected, r.rejected.len()), (0, 2, 2));
    assert!(t.current().unwrap().is_none());
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 0);
    opts.max_error_rate = Some(0.5);
    let r = ingest_csv(&t, csv.as_bytes(), &opts).unwrap();
    assert!(matches!(r.outcome, IngestOutcome::Committed { ref version } if version.rows == 2));
}

#[test]
fn malformed_files_name_the_line_and_change_nothing() {
    let cases = [
        ("ragged", "id,name\n1,甲\n2,乙,多\n3,丙\n", 3, "row has 3 fields, the header has 2"),
        ("short", "id,name\n1,甲\n2\n", 3, "row has 1 fields, the header has 2"),
        ("open quote", "id,name\n1,甲\n2,\"乙\n3,丙\n4,丁\n", 3, "never closed"),
    ];
    for (what, csv, line, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let s = people();
        let t = Table::open(dir.path(), s.clone()).unwrap();
        t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[100], &["旧"])]).unwrap();
        let mut opts = IngestOptions::new(CommitMode::Replace, "a", "upload");
        opts.batch_rows = 1; // the first row is already written when the error comes
        let e = ingest_csv(&t, csv.as_bytes(), &opts).unwrap_err();
        match &e {
            TablesError::Malformed { line: l, message } => {
                assert_eq!(*l, line, "{what}: {message}");
                assert!(message.contains(needle), "{what}: {message}");
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(zs_types::Error::from(e).code, ErrorCode::MalformedBody);
        assert_eq!(t.current().unwrap().unwrap().version, 1, "{what}");
        assert_eq!(rows(&t, None), pairs(&[(100, "旧")]), "{what}");
        assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1, "{what}");
    }
}

#[test]
fn header_mapping_by_label_override_and_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let opts = IngestOptions::new(CommitMode::Append, "a", "upload");
    let r = ingest_csv(&t, "ID,备注,人名\n1,x,甲\n".as_bytes(), &opts).unwrap();
    assert_eq!(r.missing_items, vec!["name".to_owned()]);
    assert_eq!(r.columns[1], ("备注".to_owned(), None));
    let mut opts2 = opts.clone();
    opts2.mapping = ColumnMapping::default().map("人名", "name");
    ingest_csv(&t, "ID,备注,人名\n2,x,乙\n".as_bytes(), &opts2).unwrap();
    let got = rows_nullable(&t);
    assert_eq!(got, vec![(1, None), (2, Some("乙".to_owned()))]);
    let e = ingest_csv(&t, "姓名\n甲\n".as_bytes(), &opts).unwrap_err();
    assert!(matches!(e, TablesError::Mapping(ref m) if m.contains("'id'")), "{e:?}");
    let e = ingest_csv(&t, "id,编号\n1,2\n".as_bytes(), &opts).unwrap_err();
    assert!(matches!(e, TablesError::Mapping(_)));
}

fn rows_nullable(t: &Table) -> Vec<(i64, Option<String>)> {
    let mut out = Vec::new();
    for b in t.scan(None).unwrap() {
        let b = b.unwrap();
        let ids = b.column(0).as_primitive::<Int64Type>();
        let names = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            out.push((ids.value(i), (!names.is_null(i)).then(|| names.value(i).to_owned())));
        }
    }
    out.sort();
    out
}

#[test]
fn big_ingest_is_written_in_bounded_batches() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let csv = format!("id,name\n{}", (0..200_000).map(|i| format!("{i},名{}\n", i % 10)).collect::<String>());
    let r = ingest_csv(&t, gb(&csv).as_slice(), &IngestOptions::new(CommitMode::Append, "a", "upload")).unwrap();
    assert_eq!(r.rows_written, 200_000);
    let batches: Vec<RecordBatch> = t.scan(None).unwrap().map(Result::unwrap).collect();
    assert!(batches.len() >= 4);
    assert!(batches.iter().all(|b| b.num_rows() <= 65_536));
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 200_000);
}

/// Endless CSV rows `i,名i`: an ingest of it only ends when the process is killed.
struct Endless {
    next: i64,
    pending: Vec<u8>,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            for _ in 0..1000 {
                self.pending.extend_from_slice(format!("{},名{}\n", self.next, self.next % 97).as_bytes());
                self.next += 1;
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

const CRASH_DIR_VAR: &str = "ZS_TABLES_CRASH_CHILD_DIR";

/// The child of `killed_during_a_hand_in_*`: ingests forever (does nothing in a normal run).
#[test]
fn crash_child_ingests_forever() {
    let Ok(dir) = std::env::var(CRASH_DIR_VAR) else { return };
    let t = Table::open(&dir, people()).unwrap();
    let reader = std::io::Read::chain("id,name\n".as_bytes(), Endless { next: 1_000, pending: Vec::new() });
    let _ = ingest_csv(&t, reader, &IngestOptions::new(CommitMode::Upsert, "child", "upload"));
    unreachable!("the endless ingest returned");
}

#[test]
fn killed_during_a_hand_in_the_last_version_survives() {
    let dir = tempfile::tempdir().unwrap();
    let s = people();
    let t = Table::open(dir.path(), s.clone()).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1, 2], &["甲", "乙"])]).unwrap();

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["crash_child_ingests_forever", "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_DIR_VAR, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it is writing a data file of its (never finished) version.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let writing = std::fs::read_dir(dir.path().join("data"))
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".tmp-") && e.metadata().is_ok_and(|m| m.len() > 0));
        if writing {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the child never started writing");
        assert!(child.try_wait().unwrap().is_none(), "the child stopped on its own");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // After the "restart": version 1 is intact, nothing of the killed hand-in is visible.
    let t = Table::open(dir.path(), s.clone()).unwrap();
    assert_eq!(t.history().unwrap().len(), 1);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲"), (2, "乙")]));
    assert!(dir.path().join("_lock").exists(), "the killed writer's lock is left behind");
    let report = t.vacuum(10).unwrap();
    assert!(report.files_removed >= 1);
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1);
    // The stale lock was taken over; the next hand-in commits version 2.
    let v = t.commit(CommitMode::Upsert, "a", "upload", &[batch(&s, &[2, 3], &["乙二", "丙"])]).unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲"), (2, "乙二"), (3, "丙")]));
}

#[test]
fn ingest_upserts_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    ingest_csv(&t, "id,name\n1,甲\n2,乙\n".as_bytes(), &IngestOptions::new(CommitMode::Append, "a", "upload")).unwrap();
    let r = ingest_csv(&t, "id,name\n2,乙二\n3,丙\n".as_bytes(), &IngestOptions::new(CommitMode::Upsert, "a", "push"))
        .unwrap();
    let IngestOutcome::Committed { version } = r.outcome else { panic!("not committed") };
    assert_eq!((version.version, version.rows, version.rows_added, version.rows_removed), (2, 3, 2, 1));
    assert_eq!(rows(&t, None), pairs(&[(1, "甲"), (2, "乙二"), (3, "丙")]));
    ingest_csv(&t, "编号\n1\n".as_bytes(), &IngestOptions::new(CommitMode::DeleteByKey, "a", "upload")).unwrap();
    assert_eq!(rows(&t, None), pairs(&[(2, "乙二"), (3, "丙")]));
}

#[test]
fn rejected_rows_can_stream_to_a_sink() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::open(dir.path(), people()).unwrap();
    let mut seen = Vec::new();
    let opts = IngestOptions::new(CommitMode::Append, "a", "upload");
    let r = zs_tables::ingest_csv_with_sink(&t, "id,name\n1,甲\nx,乙\n".as_bytes(), &opts, &mut |row| {
        seen.push(row.row);
        Ok(())
    })
    .unwrap();
    assert_eq!((r.rows_rejected, r.rejected.len(), seen), (1, 0, vec![2]));
    // A failing sink stops the ingest and commits nothing.
    let e = zs_tables::ingest_csv_with_sink(&t, "id,name\n1,甲\nx,乙\n".as_bytes(), &opts, &mut |_| {
        Err(TablesError::Internal("rejected-row store is down".into()))
    })
    .unwrap_err();
    assert!(matches!(e, TablesError::Internal(_)));
    assert_eq!(t.history().unwrap().len(), 1);
}
