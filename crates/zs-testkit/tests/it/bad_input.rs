//! Bad input gets a precise 4xx and writes nothing.

use serde_json::json;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(malformed_and_invalid_requests);

async fn malformed_and_invalid_requests(backend: Backend) {
    let Some(srv) = TestServer::start_with(backend, "bad_input", |c| c.max_body_bytes = 4096).await else { return };
    let logins = srv.seed_demo().await;
    let op = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    let orgs_before = srv.get("/api/v1/orgs", Some(&op)).await.unwrap().1.as_array().unwrap().len();
    let city = srv.get("/api/v1/orgs", Some(&op)).await.unwrap().1[0]["id"].as_i64().unwrap();
    let post = |body: Vec<u8>, ct: Option<&'static str>| {
        let op = op.clone();
        let srv = &srv;
        async move { srv.post_raw("/api/v1/orgs", Some(&op), ct, body).await.unwrap() }
    };
    let json_ct = Some("application/json");

    let (s, b) = post(b"{\"parent_id\": 1, ".to_vec(), json_ct).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("malformed_body")), "{b}");
    assert!(b["request_id"].as_str().is_some_and(|r| !r.is_empty()));

    let (s, b) =
        post(br#"{"parent_id": "one", "kind": "district", "name": "x", "code": "630199"}"#.to_vec(), json_ct).await;
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_input")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("parent_id"), "{b}");

    let (s, b) = post(
        format!(r#"{{"parent_id": {city}, "kind": "district", "name": "x", "code": "630199", "colour": "red"}}"#)
            .into_bytes(),
        json_ct,
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_input")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("colour"), "unknown field named: {b}");

    let (s, b) = post(
        format!(r#"{{"parent_id": {city}, "kind": "town", "name": "x", "code": "630199"}}"#).into_bytes(),
        json_ct,
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_input")), "{b}");

    let big =
        format!(r#"{{"parent_id": {city}, "kind": "district", "name": "{}", "code": "630199"}}"#, "长".repeat(3000));
    let (s, b) = post(big.into_bytes(), json_ct).await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")), "{b}");

    let (s, b) = post(b"kind=district".to_vec(), Some("application/x-www-form-urlencoded")).await;
    assert_eq!((s, b["code"].as_str()), (415, Some("unsupported_media_type")), "{b}");

    // Official codes are checked: GB 32100 check character, GB/T 2260 structure and containment.
    let dept = |code: &str| json!({"parent_id": city, "kind": "department", "name": "西宁市测试局", "code": code});
    let (s, b) = srv.post("/api/v1/orgs", Some(&op), &dept("11630100MB1784262U")).await.unwrap();
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (422, Some("invalid_credit_code"), Some("code")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("expected 'M'"), "{b}");
    let (s, b) = srv.post("/api/v1/orgs", Some(&op), &dept("11630100MB178426")).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_credit_code")), "{b}");
    let district = |code: &str| json!({"parent_id": city, "kind": "district", "name": "新区", "code": code});
    for bad in ["6301", "990101", "630200", "620102"] {
        let (s, b) = srv.post("/api/v1/orgs", Some(&op), &district(bad)).await.unwrap();
        assert_eq!((s, b["code"].as_str()), (422, Some("invalid_division_code")), "{bad}: {b}");
    }
    // Duplicates are refused with 409.
    let (s, b) = srv.post("/api/v1/orgs", Some(&op), &district("630102")).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (409, Some("already_exists")), "{b}");

    // Injection attempts are stored as text or refused, never executed.
    let evil = json!({"parent_id": city, "kind": "department", "name": "x'); DROP TABLE orgs; --", "code": "11630100MB1784262M"});
    let (s, b) = srv.post("/api/v1/orgs", Some(&op), &evil).await.unwrap();
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["name"], "x'); DROP TABLE orgs; --");
    let (s, b) = srv.get("/api/v1/orgs/abc", Some(&op)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_input")));
    let (s, b) = srv.get("/api/v1/no-such-thing", Some(&op)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));

    let after = srv.get("/api/v1/orgs", Some(&op)).await.unwrap().1.as_array().unwrap().len();
    assert_eq!(after, orgs_before + 1, "only the one valid organisation was written");
}
