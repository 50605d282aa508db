//! Pages of the administration areas: organisations, users, credentials, audit.

use super::setup;
use axum::http::StatusCode;

#[tokio::test]
async fn org_tree_and_form() {
    let t = setup(true).await;
    let op = t.session("operator").await;
    let page = t.get("/orgs", &op).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"org-tree\"") && page.body.contains("西宁市") && page.body.contains("城东区卫生健康局")
    );
    assert!(page.body.contains("630102") && page.body.contains("id=\"org-form\""));
    assert_eq!(page.body.matches("<details").count(), page.body.matches("</details>").count());
    let csrf = page.csrf();
    let city = page.body.split("<option value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // Bad code: the form again with the field marked and the input kept.
    let r = t
        .post(
            "/orgs",
            &op,
            &[("csrf", &csrf), ("parent_id", &city), ("kind", "department"), ("name", "西宁市测试局"), ("code", "123")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"西宁市测试局\"") && r.body.contains("data-field=\"code\""));
    // Wrong CSRF.
    let r = t
        .post(
            "/orgs",
            &op,
            &[("csrf", "bad"), ("parent_id", &city), ("kind", "department"), ("name", "x"), ("code", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Valid department.
    let code = zs_identity::seed::demo_credit_code("630100", 77).unwrap();
    let r = t
        .post(
            "/orgs",
            &op,
            &[("csrf", &csrf), ("parent_id", &city), ("kind", "department"), ("name", "西宁市测试局"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = t.get(r.location(), &op).await;
    assert!(after.body.contains("id=\"notice\"") && after.body.contains("just-added"));

    // A data user sees the tree but no form, and cannot post it.
    let du = t.session("datauser").await;
    let page = t.get("/orgs", &du).await;
    assert!(page.body.contains("id=\"org-tree\"") && !page.body.contains("id=\"org-form\""));
    let r = t
        .post(
            "/orgs",
            &du,
            &[("csrf", &page.csrf()), ("parent_id", &city), ("kind", "department"), ("name", "x"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"error-code\">forbidden<"));
}

#[tokio::test]
async fn users_admin_and_forced_password_change() {
    let t = setup(false).await;
    let sys = t.session("sysadmin").await;
    let page = t.get("/users", &sys).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"users-table\"") && page.body.contains("id=\"user-form\""));
    let org = page
        .body
        .split("id=\"org_id\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = t
        .post(
            "/users",
            &sys,
            &[
                ("csrf", &page.csrf()),
                ("username", "new.user"),
                ("display_name", "新用户"),
                ("org_id", &org),
                ("role", "data_user"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.cache(), "no-store");
    let needle = "id=\"secret-value\" class=\"secret-value\">";
    let i = r.body.find(needle).unwrap() + needle.len();
    let password = r.body[i..].split('<').next().unwrap().to_owned();
    assert_eq!(password.len(), 16);
    // Duplicate name: form error, input kept.
    let r = t
        .post(
            "/users",
            &sys,
            &[
                ("csrf", &page.csrf()),
                ("username", "new.user"),
                ("display_name", "重复"),
                ("org_id", &org),
                ("role", "data_user"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("value=\"重复\""));

    // The new user must change the generated password before anything else.
    let r = t.login_as("new.user", &password).await;
    assert_eq!(r.location(), "/password");
    let s = r.cookie("zs_session").unwrap();
    assert_eq!(t.get("/", &s).await.location(), "/password");
    assert_eq!(t.get("/credentials", &s).await.location(), "/password");
    let form = t.get("/password", &s).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"must-change\""));
    let csrf = form.csrf();
    let r = t
        .post(
            "/password",
            &s,
            &[
                ("csrf", &csrf),
                ("current_password", &password),
                ("new_password", "Qinghai-Xining-2026"),
                ("repeat_password", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post(
            "/password",
            &s,
            &[
                ("csrf", &csrf),
                ("current_password", &password),
                ("new_password", "short"),
                ("repeat_password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("weak_password"));
    let r = t
        .post(
            "/password",
            &s,
            &[
                ("csrf", &csrf),
                ("current_password", &password),
                ("new_password", "Qinghai-Xining-2026"),
                ("repeat_password", "Qinghai-Xining-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = t.get(r.location(), &s).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("密码已修改"));

    // Reset and disable from the list.
    let list = t.get("/users", &sys).await;
    let id = list
        .body
        .split("data-username=\"new.user\"")
        .next()
        .unwrap()
        .rsplit("id=\"user-")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = t.post(&format!("/users/{id}/reset-password"), &sys, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.cache(), "no-store");
    assert!(r.body.contains("new.user"));
    let r = t.post(&format!("/users/{id}/disable"), &sys, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.get("/users", &sys).await.body.contains("已停用"));
    // Unknown or out-of-scope ids are a 404 page.
    let r = t.post("/users/999999/disable", &sys, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.post("/users/abc/disable", &sys, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A steward may not list users: 403 page with a request id.
    let st = t.session("steward").await;
    let r = t.get("/users", &st).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"request-id\""));
}

#[tokio::test]
async fn credentials_issue_and_revoke() {
    let t = setup(true).await;
    let du = t.session("datauser").await;
    let page = t.get("/credentials", &du).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"credential-form\""));
    let r = t
        .post(
            "/credentials",
            &du,
            &[("csrf", &page.csrf()), ("name", "夜间同步"), ("scopes", "nope.read"), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"scopes\"") && r.body.contains("value=\"夜间同步\""));
    let r = t
        .post(
            "/credentials",
            &du,
            &[("csrf", &page.csrf()), ("name", "夜间同步"), ("scopes", "org.read, credential.read"), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.cache(), "no-store");
    assert!(r.body.contains("zsk_"));
    let list = t.get("/credentials", &du).await;
    assert!(list.body.contains("夜间同步") && list.body.contains("datauser"));
    let id = list.body.split("id=\"revoke-").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = t.post(&format!("/credentials/{id}/revoke"), &du, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = t.get("/credentials", &du).await;
    assert!(list.body.contains("已吊销") && !list.body.contains("id=\"revoke-"));
    // Revoking again is a conflict page.
    let r = t.post(&format!("/credentials/{id}/revoke"), &du, &[("csrf", &list.csrf())]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn audit_trail_for_auditors_only() {
    let t = setup(true).await;
    let a = t.session("auditor").await;
    let page = t.get("/audit", &a).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"audit-table\"") && page.body.contains("auth.login"));
    let filtered = t.get("/audit?action=auth.", &a).await;
    assert!(filtered.body.contains("auth.login") && !filtered.body.contains("<code>stats.read</code>"));
    let first_seq: i64 = page.body.split("<tr id=\"audit-").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let older = t.get(&format!("/audit?before={first_seq}"), &a).await;
    assert!(!older.body.contains(&format!("id=\"audit-{first_seq}\"")));
    assert!(older.body.contains("id=\"audit-newest\""));
    assert_eq!(t.get("/audit?before=x", &a).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sys = t.session("sysadmin").await;
    assert_eq!(t.get("/audit", &sys).await.status, StatusCode::FORBIDDEN);
}
