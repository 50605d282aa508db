//! SQL over encrypted tables: DataFusion reads the version's files through the decrypting
//! object store (local folder and in-memory bucket), with filters, aggregates and a
//! materialisation into an encrypted target.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use zs_catalog::{DataType, SecurityLevel};
use zs_crypto::{Algorithm, Keyring, LocalMasterKeys};
use zs_query::{materialise, QueryEngine, QueryOptions};
use zs_tables::{Column, CommitMode, ObjectRoot, Table, TableRoot, TableSchema};
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

fn keyring(scopes: &[&str]) -> Arc<Keyring> {
    let r = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"77".repeat(32)).unwrap()), Algorithm::Sm4Gcm);
    for s in scopes {
        let (k, _) = r.generate(s).unwrap();
        r.install(k, true);
    }
    Arc::new(r)
}

fn fill(firms: &Table, n: usize) {
    let codes: Vec<String> = (0..n).map(|i| format!("C{i:06}")).collect();
    let districts: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "630102" } else { "630103" }).collect();
    let codes: ArrayRef = Arc::new(StringArray::from(codes));
    let districts: ArrayRef = Arc::new(StringArray::from(districts));
    let b = RecordBatch::try_new(firms.schema().arrow().clone(), vec![codes, districts]).unwrap();
    firms.commit(CommitMode::Replace, "test", "upload", &[b]).unwrap();
}

async fn check(root: TableRoot, keys: Arc<Keyring>) {
    let firms =
        root.open("firms", firms_schema(), Arc::new(SystemClock)).unwrap().with_encryption(Arc::clone(&keys), "firms");
    fill(&firms, 30_000);
    let engine = QueryEngine::new();
    engine.register("firm", &firms, None).unwrap();
    let out = engine
        .query("SELECT count(*) AS n FROM firm WHERE district = '630102'", &QueryOptions::default())
        .await
        .unwrap();
    let n = out[0].column(0).as_any().downcast_ref::<Int64Array>().unwrap().value(0);
    assert_eq!(n, 10_000);
    let out = engine
        .query("SELECT credit_code FROM firm ORDER BY credit_code DESC LIMIT 1", &QueryOptions::default())
        .await
        .unwrap();
    let top = out[0].column(0).as_any().downcast_ref::<StringArray>().unwrap().value(0).to_owned();
    assert_eq!(top, "C029999");

    let target = root
        .open("counts", counts_schema(), Arc::new(SystemClock))
        .unwrap()
        .with_encryption(Arc::clone(&keys), "counts");
    let m =
        materialise("SELECT district, count(*) AS n FROM firm GROUP BY district", &[("firm", &firms)], &target, "test")
            .await
            .unwrap();
    assert_eq!(m.version.rows, 2);
    let engine = QueryEngine::new();
    engine.register("c", &target, None).unwrap();
    let out = engine.query("SELECT sum(n) FROM c", &QueryOptions::default()).await.unwrap();
    assert_eq!(out[0].column(0).as_any().downcast_ref::<Int64Array>().unwrap().value(0), 30_000);
    assert!(out[0].column(0).len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_over_encrypted_local_tables() {
    let dir = tempfile::tempdir().unwrap();
    check(TableRoot::Local(dir.path().to_owned()), keyring(&["firms", "counts"])).await;
    // The files on disk are encrypted.
    for e in std::fs::read_dir(dir.path().join("firms/data")).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(zs_crypto::is_encrypted(&bytes));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_over_encrypted_tables_in_a_bucket() {
    let store: Arc<dyn object_store::ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    let root = TableRoot::Object(ObjectRoot::new(store, "lib", "memory://bucket/lib".into()));
    check(root, keyring(&["firms", "counts"])).await;
}
