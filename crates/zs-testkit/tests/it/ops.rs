//! Health, readiness, metrics, request ids, security headers and the committed OpenAPI copy.

use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(operational_endpoints);

async fn operational_endpoints(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "ops").await else { return };
    let c = TestServer::client();
    let r = c.get(format!("{}/healthz", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{}/readyz", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{}/api/v1/me", srv.url)).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-42");
    for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
        assert!(r.headers().contains_key(h), "missing {h}");
    }
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-me-42", "request id in the error body");
    let m = c.get(format!("{}/metrics", srv.url)).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("zs_http_requests_total{class=\"4xx\"}"), "{m}");
    assert!(m.contains("zs_process_resident_memory_bytes"));
    let spec = c.get(format!("{}/api/openapi.json", srv.url)).send().await.unwrap().text().await.unwrap();
    assert!(spec.contains("\"openapi\": \"3.1"), "OpenAPI 3.1");
}

#[test]
fn committed_openapi_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = zs_http::openapi::document();
    if std::env::var("ZS_UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "docs/openapi.json is stale: run `ZS_UPDATE_OPENAPI=1 cargo test -p zs-testkit committed_openapi` and commit it");
}

/// A stopped server leaves no PostgreSQL connection open once its runtime has ended: the suite
/// starts hundreds of servers in one process, and a cycle between services once kept every
/// server's pool (16 connections) until the process ended.
#[test]
fn a_stopped_server_closes_its_connections() {
    let Some(url) = zs_testkit::pg_url("closes_connections") else { return };
    let runtime = || tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let count = |url: String, schema: String| async move {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&schema)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    };
    let first = runtime();
    let schema = first.block_on(async {
        let srv = TestServer::start(Backend::Postgres, "closes_connections").await.unwrap();
        let logins = srv.seed_demo().await;
        let pw = TestServer::password_of(&logins, "operator").to_owned();
        srv.login("operator", &pw).await.unwrap();
        let schema = srv.pg_schema().unwrap().to_owned();
        assert!(count(url.clone(), schema.clone()).await > 0, "the running server holds connections");
        schema
    });
    drop(first);
    let second = runtime();
    second.block_on(async {
        let mut open = -1;
        for _ in 0..100 {
            open = count(url.clone(), schema.clone()).await;
            if open == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(open, 0, "connections of {schema} still open after its server stopped");
    });
}
