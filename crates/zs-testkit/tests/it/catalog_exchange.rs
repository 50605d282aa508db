//! The catalogue as files through the API: the exported "一本账" imports back losslessly into
//! another node, and a file with any problem imports nothing and names every problem.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(export_import_round_trip_and_rejections);

async fn get_bytes(srv: &TestServer, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = TestServer::client().get(format!("{}{path}", srv.url)).bearer_auth(token).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned()).unwrap_or_default();
    (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
}

async fn export_import_round_trip_and_rejections(backend: Backend) {
    let Some(a) = TestServer::start(backend, "catalog_export").await else { return };
    let logins = a.seed_demo_catalogue().await;
    let steward = a.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let police =
        a.store.org_by_code(&zs_identity::seed::demo_credit_code("630100", 5).unwrap()).await.unwrap().unwrap();
    assert_eq!(police.name, "西宁市公安局");
    let (s, ct, xlsx) =
        get_bytes(&a, &format!("/api/v1/catalog/export?format=xlsx&org_id={}", police.id), &steward).await;
    assert_eq!(s, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let (_, _, json_bytes) =
        get_bytes(&a, &format!("/api/v1/catalog/export?format=json&org_id={}", police.id), &steward).await;
    let exported: Vec<Value> = serde_json::from_slice(&json_bytes).unwrap();
    assert!(exported.len() >= 5, "the police department provides several entries");
    let (s, _, csv) = get_bytes(&a, "/api/v1/catalog/export?format=csv&sheet=items", &steward).await;
    assert_eq!(s, 200);
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "CSV carries a BOM for Excel");
    assert!(String::from_utf8_lossy(&csv).contains("公民身份号码"));
    let (s, _, template) = get_bytes(&a, "/api/v1/catalog/export?kind=template", &steward).await;
    assert_eq!(s, 200);
    assert!(template.len() > 1000);

    // Another node: import the workbook as the police department's steward.
    let Some(b) = TestServer::start(backend, "catalog_import").await else { return };
    let logins_b = b.seed_demo().await;
    let steward_b = b.login("steward", TestServer::password_of(&logins_b, "steward")).await.unwrap();
    let (s, report) = b
        .post_raw(
            "/api/v1/catalog/import",
            Some(&steward_b),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            xlsx.clone(),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{report}");
    assert_eq!(report["imported"].as_u64(), Some(exported.len() as u64));
    for (orig, new) in exported.iter().zip(report["entries"].as_array().unwrap()) {
        assert_eq!(orig["body"], new["body"], "body survives export → import unchanged");
        assert_eq!(new["status"], "draft");
    }
    // Importing again: the names are taken, so nothing is imported.
    let before = b.state.catalog.all_entries().await.unwrap().len();
    let (s, e) = b
        .post_raw(
            "/api/v1/catalog/import",
            Some(&steward_b),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            xlsx,
        )
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str(), e["field"].as_str()), (409, Some("already_exists"), Some("name")), "{e}");
    // A file with problems: every problem listed, nothing imported.
    let mut bad: Vec<Value> = exported.iter().map(|e| e["body"].clone()).collect();
    bad[0]["name"] = json!("新资源一");
    bad[0]["sharing"] = json!({"kind": "none", "method": "api"});
    bad[1]["name"] = json!("新资源二");
    bad[1]["items"][0]["length"] = Value::Null;
    bad.truncate(2);
    let (s, e) = b
        .post_raw(
            "/api/v1/catalog/import",
            Some(&steward_b),
            Some("application/json"),
            serde_json::to_vec(&bad).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(s, 422, "{e}");
    let problems = e["problems"].as_array().unwrap();
    assert!(problems.len() >= 2, "{e}");
    assert!(problems.iter().any(|p| p["message"].as_str().unwrap().contains("不予共享")), "{e}");
    let (s, e) = b
        .post_raw(
            "/api/v1/catalog/import",
            Some(&steward_b),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            b"not a workbook".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(s, 422, "{e}");
    assert_eq!(b.state.catalog.all_entries().await.unwrap().len(), before, "nothing imported");
    // Only stewards import.
    let op = b.login("operator", TestServer::password_of(&logins_b, "operator")).await.unwrap();
    assert_eq!(
        b.post_raw("/api/v1/catalog/import", Some(&op), Some("application/json"), b"[]".to_vec()).await.unwrap().0,
        403
    );
}
