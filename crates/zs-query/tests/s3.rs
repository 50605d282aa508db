//! SQL and materialisation over tables in an S3-compatible bucket, against a real S3 server
//! (`s3s-fs`, started per test; see zs-tables' `tests/support/s3_server.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../zs-tables/tests/support/s3_server.rs"]
mod s3_server;

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use zs_catalog::{DataType, SecurityLevel};
use zs_query::{materialise, QueryEngine, QueryOptions};
use zs_tables::{Column, CommitMode, Table, TableRoot, TableSchema};
use zs_types::SystemClock;

fn column(name: &str, data_type: DataType, key: bool) -> Column {
    Column { name: name.into(), label: name.into(), data_type, length: None, key, security_level: SecurityLevel::L1 }
}

fn firms_schema() -> TableSchema {
    TableSchema::from_columns(vec![
        column("credit_code", DataType::String, true),
        column("district", DataType::String, false),
    ])
    .unwrap()
}

fn counts_schema() -> TableSchema {
    TableSchema::from_columns(vec![column("district", DataType::String, true), column("n", DataType::Integer, false)])
        .unwrap()
}

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn col<T: Array + 'static>(batches: &[RecordBatch], i: usize) -> Vec<&T> {
    batches.iter().map(|b| b.column(i).as_any().downcast_ref::<T>().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_reads_and_materialises_tables_in_a_bucket() {
    let Some(srv) = s3_server::server("sql_reads_and_materialises_tables_in_a_bucket") else { return };
    let root = TableRoot::Object(srv.root("lib"));
    let firms = root.open("firms", firms_schema(), Arc::new(SystemClock)).unwrap();
    let b = RecordBatch::try_new(
        firms.schema().arrow().clone(),
        vec![strings(&["A1", "B2", "C3"]), strings(&["630102", "630103", "630102"])],
    )
    .unwrap();
    firms.commit(CommitMode::Replace, "test", "upload", &[b]).unwrap();
    let b = RecordBatch::try_new(firms.schema().arrow().clone(), vec![strings(&["D4"]), strings(&["630104"])]).unwrap();
    firms.commit(CommitMode::Append, "test", "push", &[b]).unwrap();

    // DataFusion reads the version's files from the bucket through the table's store.
    let engine = QueryEngine::new();
    let p = engine.register("firm", &firms, Some(1)).unwrap();
    assert_eq!((p.version, p.rows), (Some(1), 3));
    let out = engine
        .query("SELECT credit_code FROM firm WHERE district = '630102' ORDER BY credit_code", &QueryOptions::default())
        .await
        .unwrap();
    let codes: Vec<String> =
        col::<StringArray>(&out, 0).into_iter().flat_map(|a| a.iter().map(|v| v.unwrap().to_owned())).collect();
    assert_eq!(codes, ["A1", "C3"]);

    // A theme library materialised from it into another table of the bucket.
    let target: Table = root.open("district_counts", counts_schema(), Arc::new(SystemClock)).unwrap();
    let m = materialise(
        "SELECT district, COUNT(*) AS n FROM firm GROUP BY district",
        &[("firm", &firms)],
        &target,
        "scheduler",
    )
    .await
    .unwrap();
    assert_eq!((m.version.version, m.rows), (1, 3));
    assert_eq!(m.lineage, [("firm".to_owned(), 2)]);
    engine.register("c", &target, None).unwrap();
    let out = engine.query("SELECT n FROM c ORDER BY district", &QueryOptions::default()).await.unwrap();
    let n: Vec<i64> = col::<Int64Array>(&out, 0).into_iter().flat_map(|a| a.iter().map(|v| v.unwrap())).collect();
    assert_eq!(n, [2, 1, 1]);
}
