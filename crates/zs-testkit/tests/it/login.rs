//! Login, lockout with back-off, forced password change, logout.

use serde_json::json;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(lockout_with_backoff, forced_password_change, logout_ends_session);

async fn lockout_with_backoff(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "lockout").await else { return };
    let logins = srv.seed_demo().await;
    let pw = TestServer::password_of(&logins, "steward");
    let bad = json!({"username": "steward", "password": "wrong-Password-1"});
    for _ in 0..5 {
        let (s, b) = srv.post("/api/v1/auth/login", None, &bad).await.unwrap();
        assert_eq!((s, b["code"].as_str()), (401, Some("invalid_credentials")));
    }
    // Locked now: even the right password is refused, and it says how long to wait.
    let good = json!({"username": "steward", "password": pw});
    let (s, b) = srv.post("/api/v1/auth/login", None, &good).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (423, Some("account_locked")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("try again in"));
    srv.clock.advance(time::Duration::seconds(61));
    // One more failure after the first lock doubles the lock (2 minutes).
    let (s, _) = srv.post("/api/v1/auth/login", None, &bad).await.unwrap();
    assert_eq!(s, 401);
    srv.clock.advance(time::Duration::seconds(61));
    let (s, _) = srv.post("/api/v1/auth/login", None, &good).await.unwrap();
    assert_eq!(s, 423, "second lock lasts two minutes");
    srv.clock.advance(time::Duration::seconds(60));
    let (s, b) = srv.post("/api/v1/auth/login", None, &good).await.unwrap();
    assert_eq!(s, 200, "{b}");
    // Success reset the counter: one more failure does not lock again.
    let (s, _) = srv.post("/api/v1/auth/login", None, &bad).await.unwrap();
    assert_eq!(s, 401);
    assert_eq!(srv.post("/api/v1/auth/login", None, &good).await.unwrap().0, 200);
    // An unknown user gets the same answer as a wrong password.
    let (s, b) = srv.post("/api/v1/auth/login", None, &json!({"username": "nobody", "password": "x"})).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (401, Some("invalid_credentials")));
}

async fn forced_password_change(backend: Backend) {
    // Production mode: generated passwords must be changed at first login.
    let Some(srv) = TestServer::start_with(backend, "forced_change", |c| c.mode = zs_config::Mode::Production).await
    else {
        return;
    };
    let logins = srv.seed_demo().await;
    let sysadmin = srv.login("sysadmin", TestServer::password_of(&logins, "sysadmin")).await.unwrap();
    let (s, b) = srv.get("/api/v1/orgs", Some(&sysadmin)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (403, Some("password_change_required")), "{b}");
    let (s, me) = srv.get("/api/v1/me", Some(&sysadmin)).await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(me["user"]["must_change_password"], true);
    let old = TestServer::password_of(&logins, "sysadmin");
    let (s, b) = srv
        .post("/api/v1/me/password", Some(&sysadmin), &json!({"current_password": old, "new_password": "short"}))
        .await
        .unwrap();
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (422, Some("weak_password"), Some("new_password")));
    let (s, b) = srv
        .post(
            "/api/v1/me/password",
            Some(&sysadmin),
            &json!({"current_password": "wrong", "new_password": "Xining-Data-2026"}),
        )
        .await
        .unwrap();
    assert_eq!((s, b["code"].as_str()), (401, Some("invalid_credentials")));
    let (s, _) = srv
        .post(
            "/api/v1/me/password",
            Some(&sysadmin),
            &json!({"current_password": old, "new_password": "Xining-Data-2026"}),
        )
        .await
        .unwrap();
    assert_eq!(s, 204);
    assert_eq!(srv.get("/api/v1/orgs", Some(&sysadmin)).await.unwrap().0, 200, "same session works after the change");
    assert!(srv.login("sysadmin", old).await.is_err(), "old password no longer works");
    let fresh = srv.login("sysadmin", "Xining-Data-2026").await.unwrap();
    // A new account created by the administrator without a password gets a generated one.
    let orgs = srv.get("/api/v1/orgs", Some(&fresh)).await.unwrap().1;
    let police = orgs.as_array().unwrap().iter().find(|o| o["name"] == "西宁市公安局").unwrap()["id"].clone();
    let (s, b) = srv
        .post(
            "/api/v1/users",
            Some(&fresh),
            &json!({"username": "li.si", "display_name": "李四", "org_id": police, "role": "data_user"}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    let generated = b["generated_password"].as_str().unwrap();
    let t = srv.login("li.si", generated).await.unwrap();
    assert_eq!(srv.get("/api/v1/orgs", Some(&t)).await.unwrap().0, 403);
}

async fn logout_ends_session(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "logout").await else { return };
    let logins = srv.seed_demo().await;
    let t = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    assert_eq!(srv.get("/api/v1/me", Some(&t)).await.unwrap().0, 200);
    assert_eq!(srv.post("/api/v1/auth/logout", Some(&t), &json!({})).await.unwrap().0, 204);
    let (s, b) = srv.get("/api/v1/me", Some(&t)).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (401, Some("session_expired")));
    // Sessions expire by time too.
    let t = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    srv.clock.advance(time::Duration::minutes(481));
    assert_eq!(srv.get("/api/v1/me", Some(&t)).await.unwrap().1["code"], "session_expired");
}
