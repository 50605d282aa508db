//! 分域分级: a district operator and a district system administrator act only inside their
//! district; objects elsewhere do not exist for them (404), and admin roles cannot be minted online.

use serde_json::json;
use zs_identity::policy::UserCreate;
use zs_identity::CreateUser;
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::Role;

on_backends!(district_scope);

async fn district_scope(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "scope").await else { return };
    let logins = srv.seed_demo().await;
    let id = &srv.state.identity;
    let orgs = srv.store.list_orgs("/").await.unwrap();
    let by_name = |n: &str| orgs.iter().find(|o| o.name == n).unwrap().clone();
    let (chengdong, chengxi) = (by_name("城东区"), by_name("城西区"));

    // A district system administrator, created by the machine operator.
    let op = id.machine_operator().await.unwrap();
    let pass = id.authorize::<UserCreate>(&op, None).await.unwrap();
    let input = CreateUser {
        username: "cd.sysadmin".into(),
        display_name: "城东系统管理员".into(),
        org_id: chengdong.id,
        role: Role::SystemAdmin,
        password: Some("Chengdong-Admin-1".into()),
    };
    id.create_user(&pass, input).await.unwrap();
    let input = CreateUser {
        username: "cx.user".into(),
        display_name: "城西用户".into(),
        org_id: by_name("城西区民政局").id,
        role: Role::DataUser,
        password: Some("Chengxi-User-123".into()),
    };
    let (cx_user, _) = id.create_user(&pass, input).await.unwrap();

    let cd_admin = srv.login("cd.sysadmin", "Chengdong-Admin-1").await.unwrap();
    let users = srv.get("/api/v1/users", Some(&cd_admin)).await.unwrap().1;
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(names.contains(&"cd.operator") && names.contains(&"cd.sysadmin"), "{names:?}");
    assert!(!names.contains(&"cx.user") && !names.contains(&"operator"), "{names:?}");
    let (s, b) =
        srv.post(&format!("/api/v1/users/{}/reset-password", cx_user.id), Some(&cd_admin), &json!({})).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")), "another district's account does not exist for them");
    let (s, b) = srv
        .post(
            "/api/v1/users",
            Some(&cd_admin),
            &json!({"username": "x.y", "display_name": "X", "org_id": chengxi.id, "role": "data_user"}),
        )
        .await
        .unwrap();
    assert_eq!((s, b["field"].as_str()), (422, Some("org_id")), "{b}");
    let (s, b) = srv
        .post(
            "/api/v1/users",
            Some(&cd_admin),
            &json!({"username": "x.y", "display_name": "X", "org_id": chengdong.id, "role": "audit_admin"}),
        )
        .await
        .unwrap();
    assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")), "admin roles only via the CLI: {b}");
    let (s, b) = srv
        .post(
            "/api/v1/users",
            Some(&cd_admin),
            &json!({"username": "x.y", "display_name": "X", "org_id": chengdong.id, "role": "steward"}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    // 三员分立: no online administrator can reset or disable another administrator's account.
    let sys = srv.login("sysadmin", TestServer::password_of(&logins, "sysadmin")).await.unwrap();
    let all = srv.get("/api/v1/users", Some(&sys)).await.unwrap().1;
    let uid =
        |name: &str| all.as_array().unwrap().iter().find(|u| u["username"] == name).unwrap()["id"].as_i64().unwrap();
    let (s, b) =
        srv.post(&format!("/api/v1/users/{}/reset-password", uid("auditor")), Some(&sys), &json!({})).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")), "{b}");
    let sec = srv.login("secadmin", TestServer::password_of(&logins, "secadmin")).await.unwrap();
    let (s, b) = srv.post(&format!("/api/v1/users/{}/disable", uid("sysadmin")), Some(&sec), &json!({})).await.unwrap();
    assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")), "{b}");
    let (s, _) = srv.post(&format!("/api/v1/users/{}/disable", uid("steward")), Some(&sec), &json!({})).await.unwrap();
    assert_eq!(s, 200, "the security administrator may disable an ordinary account");

    // The district operator adds departments only inside the district.
    let cd_op = srv.login("cd.operator", TestServer::password_of(&logins, "cd.operator")).await.unwrap();
    let code_in = zs_identity::seed::demo_credit_code("630102", 9).unwrap();
    let (s, b) = srv
        .post(
            "/api/v1/orgs",
            Some(&cd_op),
            &json!({"parent_id": chengxi.id, "kind": "department", "name": "城西区新局", "code": code_in}),
        )
        .await
        .unwrap();
    assert_eq!((s, b["field"].as_str()), (422, Some("parent_id")), "{b}");
    let (s, b) = srv
        .post(
            "/api/v1/orgs",
            Some(&cd_op),
            &json!({"parent_id": chengdong.id, "kind": "department", "name": "城东区新局", "code": code_in}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    assert!(b["path"].as_str().unwrap().starts_with(&chengdong.path));
}
