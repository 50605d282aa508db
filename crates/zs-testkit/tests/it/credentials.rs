//! API credentials: shown once, scoped, expiring and revocable with immediate effect.

use serde_json::json;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(scopes_expiry_and_revocation, disabling_an_account_stops_everything);

async fn scopes_expiry_and_revocation(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "credentials").await else { return };
    let logins = srv.seed_demo().await;
    let op = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    let (s, b) = srv
        .post("/api/v1/credentials", Some(&op), &json!({"name": "sync", "scopes": ["org.read"], "expires_in_days": 1}))
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("zsk_") && token.len() > 40);
    let id = b["credential"]["id"].as_i64().unwrap();
    // The token is stored hashed only: listing shows the prefix, never the token.
    let (_, list) = srv.get("/api/v1/credentials", Some(&op)).await.unwrap();
    let listed = list.as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
    assert!(token.starts_with(listed["token_prefix"].as_str().unwrap()));
    assert!(!list.to_string().contains(&token));
    // In scope: allowed. Out of scope (though the role allows it): refused.
    assert_eq!(srv.get("/api/v1/orgs", Some(&token)).await.unwrap().0, 200);
    let (s, b) = srv.get("/api/v1/users", Some(&token)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (403, Some("scope_not_granted")));
    // Expiry takes effect at once.
    srv.clock.advance(time::Duration::hours(25));
    let (s, b) = srv.get("/api/v1/orgs", Some(&token)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (401, Some("credential_expired")));

    // Revocation takes effect on the very next request. (The clock moved past the session too.)
    let op = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    let (_, b) =
        srv.post("/api/v1/credentials", Some(&op), &json!({"name": "second", "scopes": ["org.*"]})).await.unwrap();
    let token2 = b["token"].as_str().unwrap().to_owned();
    let id2 = b["credential"]["id"].as_i64().unwrap();
    assert_eq!(srv.get("/api/v1/orgs", Some(&token2)).await.unwrap().0, 200);
    // Another department's user cannot even see it.
    let du = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();
    let (s, _) = srv.post(&format!("/api/v1/credentials/{id2}/revoke"), Some(&du), &json!({})).await.unwrap();
    assert_eq!(s, 404);
    // The security administrator suspends it.
    let sec = srv.login("secadmin", TestServer::password_of(&logins, "secadmin")).await.unwrap();
    let (s, b) = srv.post(&format!("/api/v1/credentials/{id2}/revoke"), Some(&sec), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{b}");
    let (s, b) = srv.get("/api/v1/orgs", Some(&token2)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (401, Some("credential_revoked")));
    let (s, b) = srv.post(&format!("/api/v1/credentials/{id2}/revoke"), Some(&sec), &json!({})).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (409, Some("conflict")));
    // Both refused uses are in the trail, each naming its credential and why.
    let auditor = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (s, recs) = srv.get("/api/v1/audit?action=auth.credential&limit=100", Some(&auditor)).await.unwrap();
    assert_eq!(s, 200, "{recs}");
    let refused = |cred: i64, code: &str| {
        recs.as_array().unwrap().iter().any(|r| {
            r["outcome"] == "denied" && r["target"] == format!("credential:{cred}") && r["detail"]["code"] == code
        })
    };
    assert!(refused(id, "credential_expired"), "the expired credential's use is recorded: {recs}");
    assert!(refused(id2, "credential_revoked"), "the revoked credential's use is recorded: {recs}");
    // Bad scopes are named.
    let (s, b) =
        srv.post("/api/v1/credentials", Some(&op), &json!({"name": "x", "scopes": ["everything"]})).await.unwrap();
    assert_eq!((s, b["field"].as_str()), (422, Some("scopes")));
}

async fn disabling_an_account_stops_everything(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "disable").await else { return };
    let logins = srv.seed_demo().await;
    let du = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();
    let (_, b) =
        srv.post("/api/v1/credentials", Some(&du), &json!({"name": "mine", "scopes": ["org.read"]})).await.unwrap();
    let key = b["token"].as_str().unwrap().to_owned();
    let sys = srv.login("sysadmin", TestServer::password_of(&logins, "sysadmin")).await.unwrap();
    let users = srv.get("/api/v1/users", Some(&sys)).await.unwrap().1;
    let uid = users.as_array().unwrap().iter().find(|u| u["username"] == "datauser").unwrap()["id"].as_i64().unwrap();
    let (s, b) = srv.post(&format!("/api/v1/users/{uid}/disable"), Some(&sys), &json!({})).await.unwrap();
    assert_eq!((s, b["disabled"].as_bool()), (200, Some(true)));
    assert_eq!(srv.get("/api/v1/me", Some(&du)).await.unwrap().0, 401, "session ended");
    assert_eq!(srv.get("/api/v1/orgs", Some(&key)).await.unwrap().1["code"], "account_disabled");
    assert_eq!(srv.post(&format!("/api/v1/users/{uid}/enable"), Some(&sys), &json!({})).await.unwrap().0, 200);
    assert_eq!(srv.get("/api/v1/orgs", Some(&key)).await.unwrap().0, 200);
}
