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
