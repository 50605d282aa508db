//! Queries and materialisations over real Parquet tables in temporary folders.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray};
use zs_catalog::{DataType, SecurityLevel};
use zs_query::{materialise, QueryEngine, QueryError, QueryOptions};
use zs_tables::{Column, CommitMode, Table, TableSchema};

fn column(name: &str, data_type: DataType, key: bool) -> Column {
    Column {
        name: name.into(),
        label: name.into(),
        data_type,
        length: if data_type == DataType::Decimal { Some(18) } else { None },
        key,
        security_level: SecurityLevel::L1,
    }
}

fn firms_schema() -> TableSchema {
    TableSchema::from_columns(vec![
        column("credit_code", DataType::String, true),
        column("org_name", DataType::String, false),
        column("district", DataType::String, false),
    ])
    .unwrap()
}

fn records_schema() -> TableSchema {
    TableSchema::from_columns(vec![
        column("record_id", DataType::String, true),
        column("subject_code", DataType::String, false),
        column("amount", DataType::Decimal, false),
        column("occurred_on", DataType::Date, false),
    ])
    .unwrap()
}

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn firms_batch(table: &Table, rows: &[(&str, &str, &str)]) -> RecordBatch {
    let cols = vec![
        strings(&rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        strings(&rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        strings(&rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ];
    RecordBatch::try_new(table.schema().arrow().clone(), cols).unwrap()
}

/// Records: (id, subject, amount in yuan, day number since 1970).
fn records_batch(table: &Table, rows: &[(&str, &str, i64, i32)]) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        strings(&rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        strings(&rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Arc::new(
            Decimal128Array::from(rows.iter().map(|r| i128::from(r.2) * 10_000).collect::<Vec<_>>())
                .with_precision_and_scale(22, 4)
                .unwrap(),
        ),
        Arc::new(Date32Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(table.schema().arrow().clone(), cols).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    firms: Table,
    records: Table,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let firms = Table::open(dir.path().join("firms"), firms_schema()).unwrap();
    let records = Table::open(dir.path().join("records"), records_schema()).unwrap();
    let b = firms_batch(
        &firms,
        &[("A1", "昆仑商贸", "630102"), ("B2", "湟水物流", "630103"), ("C3", "夏都科技", "630102")],
    );
    firms.commit(CommitMode::Replace, "test", "upload", &[b]).unwrap();
    let b = records_batch(
        &records,
        &[("CF1", "A1", 500, 19000), ("CF2", "A1", 1500, 19100), ("XK1", "B2", 0, 19200), ("CF3", "Z9", 99, 19300)],
    );
    records.commit(CommitMode::Replace, "test", "upload", &[b]).unwrap();
    Fixture { _dir: dir, firms, records }
}

fn total_rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

fn int_col(batches: &[RecordBatch], i: usize) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column(i).as_any().downcast_ref::<Int64Array>().unwrap();
            a.iter().map(|v| v.unwrap_or(-1)).collect::<Vec<_>>()
        })
        .collect()
}

fn str_col(batches: &[RecordBatch], i: usize) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column(i).as_any().downcast_ref::<StringArray>().unwrap();
            a.iter().map(|v| v.unwrap_or("").to_owned()).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_two_tables() {
    let f = fixture();
    let engine = QueryEngine::new();
    let p = engine.register("firm", &f.firms, None).unwrap();
    assert_eq!((p.version, p.rows), (Some(1), 3));
    engine.register("record", &f.records, None).unwrap();
    let out = engine
        .query(
            "SELECT f.credit_code, f.org_name, COUNT(r.record_id) AS n, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS total
             FROM firm f LEFT JOIN record r ON r.subject_code = f.credit_code
             GROUP BY f.credit_code, f.org_name ORDER BY f.credit_code",
            &QueryOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(str_col(&out, 0), ["A1", "B2", "C3"]);
    assert_eq!(str_col(&out, 1), ["昆仑商贸", "湟水物流", "夏都科技"]);
    assert_eq!(int_col(&out, 2), [2, 1, 0]);
    assert_eq!(int_col(&out, 3), [2000, 0, 0]);

    // The row limit applies to the whole query.
    let limited = engine.query("SELECT * FROM record", &QueryOptions::limit(2)).await.unwrap();
    assert_eq!(total_rows(&limited), 2);
    // Dates and decimals come back typed.
    let typed = engine
        .query("SELECT occurred_on, amount FROM record WHERE record_id = 'CF2'", &QueryOptions::default())
        .await
        .unwrap();
    assert_eq!(typed[0].schema().field(0).data_type(), &arrow_schema::DataType::Date32);
    assert_eq!(typed[0].schema().field(1).data_type(), &arrow_schema::DataType::Decimal128(22, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_version_does_not_move() {
    let f = fixture();
    let pinned = QueryEngine::new();
    pinned.register("record", &f.records, None).unwrap();
    // Later commits: an append, then a replace.
    let b = records_batch(&f.records, &[("CF9", "C3", 10, 19400)]);
    f.records.commit(CommitMode::Append, "test", "upload", &[b]).unwrap();
    let b = records_batch(&f.records, &[("XK8", "C3", 0, 19500)]);
    f.records.commit(CommitMode::Replace, "test", "upload", &[b]).unwrap();

    let n = |out: Vec<RecordBatch>| int_col(&out, 0)[0];
    let q = "SELECT COUNT(*) AS n FROM record";
    assert_eq!(n(pinned.query(q, &QueryOptions::default()).await.unwrap()), 4, "still version 1");
    let current = QueryEngine::new();
    assert_eq!(current.register("record", &f.records, None).unwrap().version, Some(3));
    assert_eq!(n(current.query(q, &QueryOptions::default()).await.unwrap()), 1);
    current.register("record", &f.records, Some(2)).unwrap();
    assert_eq!(n(current.query(q, &QueryOptions::default()).await.unwrap()), 5);
    assert!(matches!(current.register("record", &f.records, Some(9)), Err(QueryError::Tables(_))));
    assert_eq!(current.pinned().len(), 1, "re-registering replaces");
}

fn panorama_schema() -> TableSchema {
    TableSchema::from_columns(vec![
        column("credit_code", DataType::String, true),
        column("org_name", DataType::String, false),
        column("penalties", DataType::Integer, false),
        column("penalty_amount", DataType::Decimal, false),
        column("last_penalty_on", DataType::Date, false),
    ])
    .unwrap()
}

const PANORAMA: &str = "SELECT f.credit_code, f.org_name, COUNT(r.record_id) AS penalties,
        SUM(r.amount) AS penalty_amount, MAX(r.occurred_on) AS last_penalty_on
    FROM firm f LEFT JOIN record r ON r.subject_code = f.credit_code AND r.record_id LIKE 'CF%'
    GROUP BY f.credit_code, f.org_name";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn materialising_twice_makes_two_versions_with_their_lineage() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = Table::open(dir.path().join("panorama"), panorama_schema()).unwrap();
    let sources = [("firm", &f.firms), ("record", &f.records)];

    let first = materialise(PANORAMA, &sources, &target, "scheduler").await.unwrap();
    assert_eq!(first.version.version, 1);
    assert_eq!(first.rows, 3);
    assert_eq!(first.lineage, [("firm".to_owned(), 1), ("record".to_owned(), 1)]);
    assert_eq!(first.version.channel, "sql:firm@1,record@1");
    assert_eq!(first.version.actor, "scheduler");

    let b = records_batch(&f.records, &[("CF7", "B2", 300, 19600)]);
    f.records.commit(CommitMode::Append, "test", "upload", &[b]).unwrap();
    let second = materialise(PANORAMA, &sources, &target, "scheduler").await.unwrap();
    assert_eq!(second.version.version, 2);
    assert_eq!(second.version.mode, CommitMode::Replace);
    assert_eq!(second.version.parent, Some(1));
    assert_eq!(second.lineage, [("firm".to_owned(), 1), ("record".to_owned(), 2)]);
    assert_eq!(second.rows, 3, "replaced, not appended");
    let history = target.history().unwrap();
    assert_eq!(
        history.iter().map(|h| h.channel.as_str()).collect::<Vec<_>>(),
        ["sql:firm@1,record@1", "sql:firm@1,record@2"]
    );

    // The stored rows: casts applied (COUNT → Int64, SUM(decimal) → the target's decimal).
    let engine = QueryEngine::new();
    engine.register("p", &target, None).unwrap();
    let out = engine
        .query(
            "SELECT credit_code, penalties, CAST(penalty_amount AS BIGINT) FROM p ORDER BY credit_code",
            &QueryOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(str_col(&out, 0), ["A1", "B2", "C3"]);
    assert_eq!(int_col(&out, 1), [2, 1, 0]);
    assert_eq!(int_col(&out, 2), [2000, 300, -1], "no penalty: null amount");
    // The first version is still readable as it was.
    engine.register("p", &target, Some(1)).unwrap();
    let out = engine.query("SELECT penalties FROM p WHERE credit_code = 'B2'", &QueryOptions::default()).await.unwrap();
    assert_eq!(int_col(&out, 0), [0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sql_is_a_typed_error_naming_the_problem() {
    let f = fixture();
    let engine = QueryEngine::new();
    engine.register("firm", &f.firms, None).unwrap();
    let err = |sql: &'static str| {
        let engine = &engine;
        async move { engine.query(sql, &QueryOptions::default()).await.unwrap_err() }
    };
    let e = err("SELEC * FROM firm").await;
    assert!(matches!(&e, QueryError::Sql(m) if m.contains("SELEC")), "{e}");
    let e = err("SELECT * FROM nowhere").await;
    assert!(matches!(&e, QueryError::Sql(m) if m.contains("nowhere")), "{e}");
    let e = err("SELECT no_such_column FROM firm").await;
    assert!(matches!(&e, QueryError::Sql(m) if m.contains("no_such_column")), "{e}");
    // Read-only: no DDL, DML or SET.
    for sql in [
        "CREATE TABLE x AS SELECT 1",
        "COPY firm TO '/tmp/zs-query-copy.csv'",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let e = err(sql).await;
        assert!(matches!(e, QueryError::Sql(_)), "{sql}: {e}");
    }
    assert!(!std::path::Path::new("/tmp/zs-query-copy.csv").exists());
    assert!(matches!(engine.register("Bad-Name", &f.firms, None), Err(QueryError::BadName(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incompatible_target_is_refused_and_nothing_is_committed() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = Table::open(dir.path().join("panorama"), panorama_schema()).unwrap();
    let sources = [("firm", &f.firms), ("record", &f.records)];

    let missing = "SELECT credit_code, org_name, 1 AS penalties, 2.5 AS penalty_amount FROM firm";
    let e = materialise(missing, &sources, &target, "t").await.unwrap_err();
    assert!(matches!(&e, QueryError::MissingColumn { column, .. } if column == "last_penalty_on"), "{e}");

    let extra = "SELECT credit_code, org_name, 1 AS penalties, 2.5 AS penalty_amount,
        CAST(NULL AS DATE) AS last_penalty_on, district FROM firm";
    let e = materialise(extra, &sources, &target, "t").await.unwrap_err();
    assert!(matches!(&e, QueryError::ExtraColumn(c) if c == "district"), "{e}");

    let wrong_type = "SELECT credit_code, org_name, district AS penalties, 2.5 AS penalty_amount,
        CAST(NULL AS DATE) AS last_penalty_on FROM firm";
    let e = materialise(wrong_type, &sources, &target, "t").await.unwrap_err();
    assert!(matches!(&e, QueryError::IncompatibleType { column, .. } if column == "penalties"), "{e}");
    assert!(e.to_string().contains("penalties") && e.to_string().contains("Int64"), "{e}");

    let null_key = "SELECT CAST(NULL AS VARCHAR) AS credit_code, org_name, 1 AS penalties, 2.5 AS penalty_amount,
        CAST(NULL AS DATE) AS last_penalty_on FROM firm";
    let e = materialise(null_key, &sources, &target, "t").await.unwrap_err();
    assert!(matches!(&e, QueryError::BadValue { column, .. } if column == "credit_code"), "{e}");

    let e = materialise("SELECT FROM", &sources, &target, "t").await.unwrap_err();
    assert!(matches!(e, QueryError::Sql(_)), "{e}");

    assert!(target.history().unwrap().is_empty(), "nothing committed");

    // A source without any version cannot be materialised from.
    let empty = Table::open(dir.path().join("empty"), records_schema()).unwrap();
    let e = materialise(PANORAMA, &[("firm", &f.firms), ("record", &empty)], &target, "t").await.unwrap_err();
    assert!(matches!(&e, QueryError::EmptySource(n) if n == "record"), "{e}");
    // …but it can be queried (as empty).
    let engine = QueryEngine::new();
    assert_eq!(engine.register("record", &empty, None).unwrap().version, None);
    let out = engine.query("SELECT * FROM record", &QueryOptions::default()).await.unwrap();
    assert_eq!(total_rows(&out), 0);
}

#[test]
fn materialise_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = Table::open(dir.path().join("t"), panorama_schema()).unwrap();
    let sources = [("firm", &f.firms)];
    assert_send(materialise(PANORAMA, &sources, &target, "t"));
}
