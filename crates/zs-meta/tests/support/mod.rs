//! The store test harness shared by the conformance files: a migrated SQLite store in a temp
//! file, a migrated PostgreSQL store in a fresh schema (`ZS_TEST_PG_URL`; with `CI=true` a missing
//! URL fails), and `conformance!` to run each test on both.

use std::sync::Arc;
use zs_meta::{DynStore, MetaStore, PgStore, SqliteStore};

/// A migrated SQLite store; keep the folder alive as long as the store.
pub async fn sqlite() -> (DynStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
    s.migrate().await.unwrap();
    (Arc::new(s), dir)
}

/// A migrated PostgreSQL store in schema `<prefix>_<test>_<pid>` (dropped first), or `None`
/// outside CI without `ZS_TEST_PG_URL`.
pub async fn postgres(prefix: &str, test: &str) -> Option<DynStore> {
    let Ok(url) = std::env::var("ZS_TEST_PG_URL") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but ZS_TEST_PG_URL is not set");
        eprintln!("ZS_TEST_PG_URL not set: PostgreSQL half of {test} not run");
        return None;
    };
    let schema = format!("{prefix}_{test}_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&admin).await.unwrap();
    // Released now, not when the process ends.
    admin.close().await;
    let s = PgStore::connect(&url, Some(&schema)).await.unwrap();
    s.migrate().await.unwrap();
    Some(Arc::new(s))
}

/// Each named `async fn(DynStore)` as a test on SQLite and one on PostgreSQL (schema prefix
/// first).
macro_rules! conformance {
    ($prefix:literal; $($name:ident),+ $(,)?) => {
        mod on_sqlite { $( #[tokio::test] async fn $name() { let (s, _d) = crate::support::sqlite().await; super::$name(s).await; } )+ }
        mod on_postgres { $( #[tokio::test] async fn $name() { if let Some(s) = crate::support::postgres($prefix, stringify!($name)).await { super::$name(s).await; } } )+ }
    };
}
pub(crate) use conformance;
