//! Integration tests: versioned tables in an S3-compatible bucket, against a real S3 server
//! (`s3s-fs`, started per test on a loopback port; see `support/s3_server.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/s3_server.rs"]
mod s3_server;

use std::sync::Arc;
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use object_store::ObjectStore;
use time::macros::datetime;
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_tables::{CommitMode, ObjectRoot, S3Settings, Table, TableRoot, TableSchema, TablesError};
use zs_types::{ErrorCode, ManualClock, SystemClock};

use s3_server::{server, BUCKET};

fn item(name: &str, label: &str, data_type: DataType, length: Option<u32>, key: bool) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type,
        length,
        key,
        element: None,
        security_level: SecurityLevel::L1,
        sharing: SharingKind::Unconditional,
        open: OpenKind::None,
    }
}

fn people() -> TableSchema {
    TableSchema::from_items(&[
        item("id", "编号", DataType::Integer, None, true),
        item("name", "姓名", DataType::String, Some(64), false),
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
fn every_commit_mode_and_as_of_reads_on_s3() {
    let Some(srv) = server("every_commit_mode_and_as_of_reads_on_s3") else { return };
    let s = people();
    let clock = Arc::new(ManualClock::new(datetime!(2026-01-01 00:00 UTC)));
    let root = TableRoot::Object(srv.root("zhengshu/tables"));
    let t = root.open("people", s.clone(), clock.clone()).unwrap();
    assert_eq!(t.location(), format!("s3://{BUCKET}/zhengshu/tables/people"));
    assert!(t.local_dir().is_none());
    assert!(t.current().unwrap().is_none());
    assert_eq!(t.scan(None).unwrap().count(), 0);

    let mut versions = Vec::new();
    let commits: [(CommitMode, &str, RecordBatch); 5] = [
        (CommitMode::Append, "upload", batch(&s, &[1, 2], &["甲", "乙"])),
        (CommitMode::Append, "push", batch(&s, &[3], &["丙"])),
        (CommitMode::Upsert, "pull", batch(&s, &[2, 4], &["乙二", "丁"])),
        (CommitMode::DeleteByKey, "upload", batch(&s, &[1, 9], &["", ""])),
        (CommitMode::Replace, "upload", batch(&s, &[7], &["戊"])),
    ];
    for (mode, channel, b) in commits {
        versions.push(t.commit(mode, "a", channel, &[b]).unwrap().version);
        clock.advance(time::Duration::hours(1));
    }
    assert_eq!(versions, [1, 2, 3, 4, 5]);

    // A second handle (another process, say) reads the same versions.
    let t2 = root.open("people", s.clone(), Arc::new(SystemClock)).unwrap();
    assert_eq!(rows(&t2, Some(1)), pairs(&[(1, "甲"), (2, "乙")]));
    assert_eq!(rows(&t2, Some(2)), pairs(&[(1, "甲"), (2, "乙"), (3, "丙")]));
    assert_eq!(rows(&t2, Some(3)), pairs(&[(1, "甲"), (2, "乙二"), (3, "丙"), (4, "丁")]));
    assert_eq!(rows(&t2, Some(4)), pairs(&[(2, "乙二"), (3, "丙"), (4, "丁")]));
    assert_eq!(rows(&t2, None), pairs(&[(7, "戊")]));
    assert!(matches!(t2.scan(Some(6)), Err(TablesError::VersionNotFound(6))));
    let summary: Vec<(u64, u64, u64, u64)> =
        t2.history().unwrap().iter().map(|v| (v.version, v.rows, v.rows_added, v.rows_removed)).collect();
    assert_eq!(summary, [(1, 2, 2, 0), (2, 3, 1, 0), (3, 4, 2, 1), (4, 3, 0, 1), (5, 1, 1, 3)]);

    // As of a time: the version committed at or before it.
    assert_eq!(t2.as_of_time(datetime!(2025-12-31 23:59 UTC)).unwrap(), None);
    let v = t2.as_of_time(datetime!(2026-01-01 02:30 UTC)).unwrap();
    assert_eq!(v, Some(3));
    assert_eq!(rows(&t2, v), pairs(&[(1, "甲"), (2, "乙二"), (3, "丙"), (4, "丁")]));

    // The objects are where the layout says, under the prefix.
    assert_eq!(srv.files("zhengshu/tables/people/_versions").len(), 5);
    assert!(srv.files("zhengshu/tables/people/data").iter().all(|n| n.ends_with(".parquet")));

    // Vacuum keeps the newest two versions; old versions' files go at once only with no grace.
    let report = t2.vacuum(2).unwrap();
    assert_eq!((report.manifests_removed, report.files_removed), (3, 0), "files younger than the grace stay");
    let fast = TableRoot::Object(srv.root("zhengshu/tables").with_debris_grace(Duration::ZERO));
    let t3 = fast.open("people", s.clone(), Arc::new(SystemClock)).unwrap();
    let report = t3.vacuum(2).unwrap();
    assert!(report.files_removed > 0);
    let referenced: usize = [4, 5].iter().map(|&v| t3.manifest(Some(v)).unwrap().unwrap().files.len()).sum();
    assert_eq!(srv.files("zhengshu/tables/people/data").len(), referenced);
    assert_eq!(rows(&t3, Some(4)), pairs(&[(2, "乙二"), (3, "丙"), (4, "丁")]));
    assert!(matches!(t3.scan(Some(3)), Err(TablesError::VersionNotFound(3))));
}

#[test]
fn two_writers_exactly_one_commits_each_version() {
    let Some(srv) = server("two_writers_exactly_one_commits_each_version") else { return };
    let s = people();
    let root = TableRoot::Object(srv.root("w"));
    let a = root.open("t", s.clone(), Arc::new(SystemClock)).unwrap();
    let b = root.open("t", s.clone(), Arc::new(SystemClock)).unwrap();
    a.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1], &["甲"])]).unwrap();

    // Both start from version 1 and both upload their data; the first manifest wins version 2.
    let mut ta = a.begin(CommitMode::Append, "a", "upload").unwrap();
    let mut tb = b.begin(CommitMode::Upsert, "b", "push").unwrap();
    ta.write(&batch(&s, &[2], &["乙"])).unwrap();
    tb.write(&batch(&s, &[1, 3], &["甲二", "丙"])).unwrap();
    assert_eq!(ta.commit().unwrap().version, 2);
    let e = tb.commit().unwrap_err();
    assert!(matches!(e, TablesError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("version 2") && e.to_string().contains("another writer"), "{e}");
    assert_eq!(zs_types::Error::from(e).code, ErrorCode::Conflict);

    // Version 2 is the winner's; the loser left no files behind.
    assert_eq!(rows(&b, None), pairs(&[(1, "甲"), (2, "乙")]));
    assert_eq!(b.history().unwrap().len(), 2);
    let referenced: usize = b.current().unwrap().unwrap().files.len();
    assert_eq!(srv.files("w/t/data").len(), referenced);

    // Retrying builds on version 2 and commits version 3.
    let v = b.commit(CommitMode::Upsert, "b", "push", &[batch(&s, &[1, 3], &["甲二", "丙"])]).unwrap();
    assert_eq!(v.version, 3);
    assert_eq!(rows(&a, None), pairs(&[(1, "甲二"), (2, "乙"), (3, "丙")]));
    // (Not raced from threads here: s3s-fs checks If-None-Match and then renames its temporary
    // file, so two requests arriving together can both pass; S3 itself decides atomically.)
}

#[test]
fn an_interrupted_upload_leaves_the_last_version_and_vacuum_clears_it() {
    let Some(srv) = server("an_interrupted_upload_leaves_the_last_version_and_vacuum_clears_it") else { return };
    let s = people();
    let root = srv.root("crash");
    let t = Table::open_object(&root, "t", s.clone(), Arc::new(SystemClock)).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[1], &["甲"])]).unwrap();

    // A writer that died after uploading its data files and before creating the manifest: its
    // complete data file sits in data/, and a multipart upload was started and never completed.
    let stray = "crash/t/data/0190aaaa-0000-7000-8000-000000000000.parquet";
    let good = t.manifest(Some(1)).unwrap().unwrap().files[0].path.clone();
    let bytes = std::fs::read(srv.root.path().join(BUCKET).join("crash/t").join(&good)).unwrap();
    let store = root.store().clone();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        store.put(&stray.into(), bytes.into()).await.unwrap();
        let mut upload = store.put_multipart(&"crash/t/data/0190bbbb.parquet".into()).await.unwrap();
        upload.put_part(vec![0u8; 5 << 20].into()).await.unwrap();
        std::mem::forget(upload);
    });
    // So did a transaction dropped mid-way in this process: it removes what it uploaded.
    let mut txn = t.begin(CommitMode::Append, "a", "upload").unwrap();
    txn.write(&batch(&s, &[5], &["戊"])).unwrap();
    drop(txn);

    let t = Table::open_object(&root, "t", s.clone(), Arc::new(SystemClock)).unwrap();
    assert_eq!(t.current().unwrap().unwrap().version, 1);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲")]));
    assert_eq!(srv.files("crash/t/data").len(), 2, "the committed file and the stray one");

    // Within the grace the stray file may be a live commit's: kept.
    assert_eq!(t.vacuum(10).unwrap().files_removed, 0);
    let fast = root.clone().with_debris_grace(Duration::ZERO);
    let t = Table::open_object(&fast, "t", s.clone(), Arc::new(SystemClock)).unwrap();
    let report = t.vacuum(10).unwrap();
    assert_eq!((report.files_removed, report.manifests_removed, report.damaged_manifests_removed), (1, 0, 0));
    assert_eq!(srv.files("crash/t/data"), vec![good.trim_start_matches("data/").to_owned()]);

    // A damaged manifest (written outside the protocol) is skipped by readers and vacuumed.
    rt.block_on(store.put(&"crash/t/_versions/00000000000000000002.json".into(), b"{\"trunc".to_vec().into())).unwrap();
    assert_eq!(t.current().unwrap().unwrap().version, 1);
    assert_eq!(t.vacuum(10).unwrap().damaged_manifests_removed, 1);
    // With no grace at all a commit cannot outrun vacuum, so it refuses; with the default it commits.
    let e = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[2], &["乙"])]).unwrap_err();
    assert!(matches!(e, TablesError::Conflict(_)) && e.to_string().contains("debris grace"), "{e}");
    let t = Table::open_object(&root, "t", s.clone(), Arc::new(SystemClock)).unwrap();
    let v = t.commit(CommitMode::Append, "a", "upload", &[batch(&s, &[2], &["乙"])]).unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(rows(&t, None), pairs(&[(1, "甲"), (2, "乙")]));
    assert_eq!(srv.files("crash/t/data").len(), 2, "the refused commit left no file");
}

#[test]
fn a_file_of_several_row_groups_streams_back_by_ranged_reads() {
    let Some(srv) = server("a_file_of_several_row_groups_streams_back_by_ranged_reads") else { return };
    let s = people();
    let t = Table::open_object(&srv.root(""), "big", s.clone(), Arc::new(SystemClock)).unwrap();
    let n: i64 = 400_000;
    let mut txn = t.begin(CommitMode::Append, "a", "upload").unwrap();
    for start in (0..n).step_by(50_000) {
        let ids: Vec<i64> = (start..start + 50_000).collect();
        let names: Vec<String> = ids
            .iter()
            .map(|i| {
                let h = (*i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                format!("{h:016x}{:016x}", h.rotate_left(29) ^ 0x5DEE_CE66)
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        txn.write(&batch(&s, &ids, &names)).unwrap();
    }
    let v = txn.commit().unwrap();
    assert_eq!(v.rows, n as u64);
    let m = t.current().unwrap().unwrap();
    assert_eq!(m.files.len(), 1);
    // Larger than one 5 MiB part: it went up as a multipart upload.
    assert!(m.files[0].bytes > 5 << 20, "{} bytes", m.files[0].bytes);
    let (mut count, mut sum, mut batches) = (0i64, 0i64, 0usize);
    for b in t.scan(None).unwrap() {
        let b = b.unwrap();
        assert!(b.num_rows() <= 65_536);
        count += b.num_rows() as i64;
        sum += b.column(0).as_primitive::<Int64Type>().iter().flatten().sum::<i64>();
        batches += 1;
    }
    assert_eq!((count, sum), (n, n * (n - 1) / 2));
    assert!(batches >= 4, "{batches} batches");
    // Deleting by key rewrites the file through the same reads and uploads.
    let v = t.commit(CommitMode::DeleteByKey, "a", "upload", &[batch(&s, &[0, 399_999], &["", ""])]).unwrap();
    assert_eq!((v.rows, v.rows_removed), (n as u64 - 2, 2));
}

#[test]
fn bad_storage_settings_are_refused() {
    let e = ObjectRoot::s3(&S3Settings::default()).unwrap_err();
    assert!(matches!(e, TablesError::Config(_)), "{e:?}");
    assert!(e.to_string().contains("bucket"), "{e}");
    let settings = S3Settings { bucket: "b".into(), secret_access_key: "s3cr3t-value".into(), ..S3Settings::default() };
    assert!(!format!("{settings:?}").contains("s3cr3t"), "the secret never shows in Debug output");
    let root = ObjectRoot::s3(&settings).unwrap();
    assert!(!format!("{root:?}").contains("s3cr3t"));
    for bad in ["", "a/b", "..", ".hidden"] {
        let e = Table::open_object(&root, bad, people(), Arc::new(SystemClock)).unwrap_err();
        assert!(matches!(e, TablesError::Config(_)), "{bad}: {e:?}");
    }
}
