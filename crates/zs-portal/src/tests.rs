//! In-process tests of the portal pages against a real SQLite store seeded with the demo city.

use super::router;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;
use zs_http::AppState;
use zs_identity::{IdentityService, IdentitySettings};

struct T {
    app: Router,
    passwords: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }
    /// `name=value` of a cookie set by the response.
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_owned())
    }
    fn csrf(&self) -> String {
        let i = self.body.find("name=\"csrf\" value=\"").expect("page has a csrf field") + 19;
        self.body[i..].split('"').next().unwrap().to_owned()
    }
    fn cache(&self) -> &str {
        self.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

async fn setup(demo: bool) -> T {
    let dir = tempfile::tempdir().unwrap();
    let store: zs_meta::DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
    let clock = Arc::new(zs_types::SystemClock);
    // Seed with demo settings (no forced password change); serve with the mode under test.
    let seeder = IdentityService::new(
        store.clone(),
        sink.clone(),
        clock.clone(),
        IdentitySettings { demo_mode: true, ..Default::default() },
    );
    let logins = zs_identity::seed::demo_city(&seeder, &|_| {}).await.unwrap();
    let identity = IdentityService::new(store, sink, clock, IdentitySettings { demo_mode: demo, ..Default::default() });
    let mut config = zs_config::Config::default();
    if demo {
        config.mode = zs_config::Mode::Demo;
    }
    let state = AppState { identity, config: Arc::new(config), metrics: Arc::default(), audit_stats: None };
    let app = router().layer(axum::middleware::from_fn(zs_http::request_id::middleware)).with_state(state);
    T { app, passwords: logins.into_iter().map(|l| (l.username, l.password)).collect(), _dir: dir }
}

impl T {
    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&self, path: &str, cookie: &str) -> Resp {
        let mut b = Request::get(path);
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
        let body: String =
            form.iter().map(|(k, v)| format!("{k}={}", crate::page::urlencode(v))).collect::<Vec<_>>().join("&");
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Log in through the form; returns the session cookie (`zs_session=…`).
    async fn login_as(&self, user: &str, password: &str) -> Resp {
        let form = self.get("/login", "").await;
        let csrf_cookie = form.cookie("zs_csrf").unwrap();
        self.post(
            "/login",
            &csrf_cookie,
            &[("username", user), ("password", password), ("csrf", &form.csrf()), ("next", "/")],
        )
        .await
    }

    async fn session(&self, user: &str) -> String {
        let pw = self.passwords[user].clone();
        let r = self.login_as(user, &pw).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.cookie("zs_session").unwrap()
    }
}

#[tokio::test]
async fn login_flow_and_csrf() {
    let t = setup(true).await;
    let form = t.get("/login", "").await;
    assert_eq!(form.status, StatusCode::OK);
    for needle in [
        "name=\"username\"",
        "name=\"password\"",
        "id=\"login-submit\"",
        "id=\"lang-en\"",
        "id=\"lang-zh\"",
        "<html lang=\"zh-CN\">",
        "id=\"demo-banner\"",
    ] {
        assert!(form.body.contains(needle), "{needle}");
    }
    assert!(form.cache().contains("no-store"));
    let c = form.cookies().into_iter().find(|c| c.starts_with("zs_csrf=")).unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"));

    // Missing or wrong double-submit token: 403 csrf_mismatch.
    let pw = t.passwords["operator"].clone();
    let r = t.post("/login", "", &[("username", "operator"), ("password", &pw), ("csrf", &form.csrf())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("csrf_mismatch"));
    let r = t
        .post("/login", &form.cookie("zs_csrf").unwrap(), &[("username", "operator"), ("password", &pw), ("csrf", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Wrong password: the form again, with the message and the user name kept.
    let r = t.login_as("operator", "wrong-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码错误") && r.body.contains("value=\"operator\""), "{}", r.body);
    assert!(r.body.contains("data-code=\"invalid_credentials\""));

    // Success: session cookie, redirect home, dashboard shows the user.
    let r = t.login_as("operator", &pw).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let session = r.cookie("zs_session").unwrap();
    let home = t.get("/", &session).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("id=\"dashboard\""));
    assert!(home.body.contains("<span id=\"current-user\" class=\"user-name\">王运营</span>"));
    assert!(home.body.contains("平台运营管理员"));
    assert!(home.body.contains("即将推出 / coming soon"));
    assert!(home.body.contains("id=\"nav-orgs\"") && !home.body.contains("id=\"nav-audit\""));

    // Logout needs the session's CSRF token.
    let bad = t.post("/logout", &session, &[("csrf", "00")]).await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let missing = t.post("/logout", &session, &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let out = t.post("/logout", &session, &[("csrf", &home.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(out.cookie("zs_session").is_some_and(|c| c == "zs_session="));
    // The ended session no longer works.
    let again = t.get("/", &session).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(again.location().starts_with("/login"));
}

#[tokio::test]
async fn anonymous_requests_go_to_login_and_back() {
    let t = setup(true).await;
    let r = t.get("/users", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=/users");
    // An API credential token in the cookie is not a session.
    let r = t.get("/", "zs_session=zsk_not-a-session").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Login honours a local next, ignores a foreign one.
    let form = t.get("/login?next=/orgs", "").await;
    assert!(form.body.contains("name=\"next\" value=\"/orgs\""));
    let pw = t.passwords["operator"].clone();
    let r = t
        .post(
            "/login",
            &form.cookie("zs_csrf").unwrap(),
            &[("username", "operator"), ("password", &pw), ("csrf", &form.csrf()), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn language_switch_and_negotiation() {
    let t = setup(false).await;
    let r = t.get("/lang/en?next=/orgs", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/orgs");
    assert_eq!(r.cookie("zs_lang").as_deref(), Some("zs_lang=en"));
    for bad in ["//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)", ""] {
        let r = t.get(&format!("/lang/zh?next={}", crate::page::urlencode(bad)), "").await;
        assert_eq!(r.location(), "/", "{bad}");
    }
    assert_eq!(t.get("/lang/fr", "").await.status, StatusCode::NOT_FOUND);
    let en = t.get("/login", "zs_lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Xining Integrated Government Data Platform"));
    assert!(!en.body.contains("id=\"demo-banner\""), "no banner outside demo mode");
    let req = Request::get("/login").header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9").body(Body::empty()).unwrap();
    assert!(t.send(req).await.body.contains("Sign in"));
}

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

#[tokio::test]
async fn not_found_static_and_methods() {
    let t = setup(true).await;
    let r = t.get("/no-such-page", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("页面不存在") && r.body.contains("id=\"error-code\">not_found<"));
    let op = t.session("operator").await;
    let r = t.get("/no-such-page", &op).await;
    assert!(r.body.contains("id=\"current-user\""), "signed-in 404 keeps the header");
    let r = t.get("/logout", &op).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let css = t.get(&format!("/static/portal.css?v={}", crate::assets::version()), "").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.cache().contains("immutable"));
    assert!(css.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
    let etag = css.headers[header::ETAG].to_str().unwrap().to_owned();
    let req = Request::get("/static/portal.js").header(header::IF_NONE_MATCH, etag).body(Body::empty()).unwrap();
    assert_eq!(t.send(req).await.status, StatusCode::NOT_MODIFIED);
    assert_eq!(t.get("/static/nope.css", "").await.status, StatusCode::NOT_FOUND);
}

/// No inline scripts or style attributes, so the server's `default-src 'self'` CSP holds.
#[test]
fn templates_are_csp_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for bad in ["style=", "<style", "onclick", "onsubmit", "onload", "javascript:", "http://", "https://"] {
            assert!(!text.contains(bad), "{} contains {bad}", p.display());
        }
        for (i, _) in text.match_indices("<script") {
            assert!(text[i..].starts_with("<script src=\"/static/"), "{}: inline script", p.display());
        }
    }
}
