//! In-process tests of the portal pages against a real SQLite store seeded with the demo city.

mod admin;
mod catalog;
mod catalog_files;
mod catalog_workflow;
mod pulls;
mod quality;
mod resources;
mod security;
mod share;
mod share_delivery;
mod share_demand;
mod standards;
mod trace;

use super::router;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;
use zs_http::AppState;
use zs_identity::{IdentityService, IdentitySettings};

pub(super) struct T {
    app: Router,
    passwords: HashMap<String, String>,
    /// The store behind the pages (to look up ids).
    pub(super) store: zs_meta::DynStore,
    _dir: tempfile::TempDir,
}

pub(super) struct Resp {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

impl Resp {
    pub(super) fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }
    /// `name=value` of a cookie set by the response.
    pub(super) fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_owned())
    }
    pub(super) fn csrf(&self) -> String {
        let i = self.body.find("name=\"csrf\" value=\"").expect("page has a csrf field") + 19;
        self.body[i..].split('"').next().unwrap().to_owned()
    }
    pub(super) fn cache(&self) -> &str {
        self.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

pub(super) async fn setup(demo: bool) -> T {
    let dir = tempfile::tempdir().unwrap();
    let store: zs_meta::DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    let ledger = zs_audit::NodeLedger::open_or_create(dir.path(), "portal.test/ledger").unwrap();
    let sink = Arc::new(zs_audit::StoreSink::start_with_ledger(store.clone(), Some(ledger.clone())));
    let clock = Arc::new(zs_types::SystemClock);
    // Seed with demo settings (no forced password change); serve with the mode under test.
    let seeder = IdentityService::new(
        store.clone(),
        sink.clone(),
        clock.clone(),
        IdentitySettings { demo_mode: true, ..Default::default() },
    );
    let logins = zs_identity::seed::demo_city(&seeder, &|_| {}).await.unwrap();
    let search = Arc::new(zs_catalog_search::CatalogIndex::in_memory().unwrap());
    let catalog = zs_catalog::CatalogService::new(store.clone(), sink.clone(), clock.clone(), None);
    let identity =
        IdentityService::new(store, sink.clone(), clock, IdentitySettings { demo_mode: demo, ..Default::default() });
    let mut config = zs_config::Config::default();
    if demo {
        config.mode = zs_config::Mode::Demo;
    }
    config.data_dir = dir.path().to_path_buf();
    let mut services = app_state(identity, catalog, search, sink.clone(), config).await;
    services.trace = zs_trace::TraceService::new(
        services.catalog.store().clone(),
        Some(ledger),
        b"portal-test-secret",
        sink.clone(),
        Arc::new(zs_types::SystemClock),
    );
    let state = AppState::new(services);
    let store = state.catalog.store().clone();
    let app = router().layer(axum::middleware::from_fn(zs_http::request_id::middleware)).with_state(state);
    T { app, passwords: logins.into_iter().map(|l| (l.username, l.password)).collect(), store, _dir: dir }
}

/// The standards service over the same store, with the registry seeded.
/// The application state over the given identity, catalogue and search, with every later stage
/// (hand-in, governance, sharing, standards) wired as `zs_server::state` wires them.
pub(super) async fn app_state(
    identity: IdentityService,
    catalog: zs_catalog::CatalogService,
    search: Arc<zs_catalog_search::CatalogIndex>,
    sink: Arc<zs_audit::StoreSink>,
    config: zs_config::Config,
) -> zs_http::state::Services {
    let ingest = zs_ingest::IngestService::new(
        catalog.store().clone(),
        identity.clone(),
        catalog.clone(),
        sink.clone(),
        Arc::new(zs_types::SystemClock),
        &config.data_dir,
    );
    let govern = zs_govern::GovernService::new(
        catalog.store().clone(),
        identity.clone(),
        catalog.clone(),
        ingest.clone(),
        sink.clone(),
        Arc::new(zs_types::SystemClock),
        &config.data_dir,
    );
    ingest.set_version_hook(Arc::new(zs_govern::GovernHook(govern.clone())));
    let share = zs_share::ShareService::new(
        catalog.store().clone(),
        identity.clone(),
        catalog.clone(),
        ingest.clone(),
        sink.clone(),
        Arc::new(zs_types::SystemClock),
        zs_share::ShareSettings { review_days: 5, masking_secret: b"portal-test-secret".to_vec() },
    );
    let standards = standards(&identity, &catalog, &ingest, sink.clone()).await;
    let trace = zs_trace::TraceService::new(
        catalog.store().clone(),
        None,
        b"portal-test-secret",
        sink.clone(),
        Arc::new(zs_types::SystemClock),
    );
    let anomaly = zs_anomaly::AnomalyService::new(
        catalog.store().clone(),
        identity.clone(),
        share.clone(),
        catalog.clone(),
        sink.clone(),
        Arc::new(zs_types::SystemClock),
        zs_anomaly::AnomalySettings::default(),
    );
    zs_http::state::Services {
        anomaly,
        identity,
        catalog,
        ingest,
        govern,
        share,
        trace,
        standards,
        search,
        audit: sink,
        config: Arc::new(config),
        metrics: Arc::default(),
        audit_stats: None,
    }
}

pub(super) async fn standards(
    identity: &IdentityService,
    catalog: &zs_catalog::CatalogService,
    ingest: &zs_ingest::IngestService,
    sink: Arc<zs_audit::StoreSink>,
) -> zs_standards::StandardsService {
    let tables = ingest.clone();
    let s = zs_standards::StandardsService::new(
        catalog.store().clone(),
        identity.clone(),
        catalog.clone(),
        sink,
        Arc::new(zs_types::SystemClock),
        zs_standards::Grading::default(),
        Arc::new(move |e: &zs_catalog::Entry| tables.open_table(e)),
    );
    s.ensure_seeded().await.unwrap();
    s
}

impl T {
    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub(super) async fn get(&self, path: &str, cookie: &str) -> Resp {
        let mut b = Request::get(path);
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub(super) async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
        let body: String =
            form.iter().map(|(k, v)| format!("{k}={}", crate::page::urlencode(v))).collect::<Vec<_>>().join("&");
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Log in through the form; returns the session cookie (`zs_session=…`).
    pub(super) async fn login_as(&self, user: &str, password: &str) -> Resp {
        let form = self.get("/login", "").await;
        let csrf_cookie = form.cookie("zs_csrf").unwrap();
        self.post(
            "/login",
            &csrf_cookie,
            &[("username", user), ("password", password), ("csrf", &form.csrf()), ("next", "/")],
        )
        .await
    }

    pub(super) async fn session(&self, user: &str) -> String {
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
async fn locked_account_shows_the_wait() {
    let t = setup(true).await;
    for _ in 0..5 {
        assert_eq!(t.login_as("steward", "wrong-password").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = t.login_as("steward", "wrong-password").await;
    assert_eq!(r.status, StatusCode::LOCKED);
    assert!(r.body.contains("data-code=\"account_locked\"") && r.body.contains("秒后重试"), "{}", r.body);
    // Even the right password waits.
    let pw = t.passwords["steward"].clone();
    assert_eq!(t.login_as("steward", &pw).await.status, StatusCode::LOCKED);
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
