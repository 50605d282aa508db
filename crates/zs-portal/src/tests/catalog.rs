//! Pages of the catalogue, against the demo city with the demo catalogue (389 entries in every
//! workflow state) and a real search index.

use super::{Resp, T};
use axum::http::StatusCode;
use std::sync::Arc;
use zs_catalog::{CatalogService, Entry, EntryStatus};
use zs_catalog_search::CatalogIndex;
use zs_identity::{IdentityService, IdentitySettings};

/// Keeps the search index current, as the server's adapter does.
struct Ix(Arc<CatalogIndex>);

impl zs_catalog::EntryIndex for Ix {
    fn upsert(&self, entry: &Entry) -> zs_types::Result<()> {
        self.0.upsert(entry).map_err(Into::into)
    }

    fn remove(&self, id: i64) -> zs_types::Result<()> {
        self.0.remove(id).map_err(Into::into)
    }
}

pub(super) struct C {
    t: T,
    pub(super) cat: CatalogService,
    pub(super) identity: IdentityService,
    /// The hand-in service (to run queued jobs).
    pub(super) ingest: zs_ingest::IngestService,
}

impl std::ops::Deref for C {
    type Target = T;
    fn deref(&self) -> &T {
        &self.t
    }
}

impl C {
    pub(super) async fn all(&self) -> Vec<Entry> {
        self.cat.all_entries().await.unwrap()
    }

    pub(super) async fn principal(&self, username: &str) -> Arc<zs_identity::Principal> {
        let user = self.identity.user_by_name(username).await.unwrap();
        self.identity.principal_of(user).await.unwrap()
    }

    pub(super) async fn entry(&self, id: i64) -> Entry {
        self.all().await.into_iter().find(|e| e.id == id).unwrap()
    }
}

/// The seeded demo database, kept as file contents, and the demo logins.
struct Template {
    files: Vec<(std::ffi::OsString, Vec<u8>)>,
    logins: Vec<(String, String)>,
}

/// Seed the demo city and catalogue once per test run (it takes seconds) on a runtime of its
/// own; every test starts from a copy of the resulting database files.
fn template() -> &'static Template {
    static TEMPLATE: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let logins = rt.block_on(async {
                let sqlite = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
                let store: zs_meta::DynStore = sqlite.clone();
                store.migrate().await.unwrap();
                let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
                let clock = Arc::new(zs_types::SystemClock);
                let settings = IdentitySettings { demo_mode: true, ..Default::default() };
                let identity = IdentityService::new(store.clone(), sink.clone(), clock.clone(), settings);
                let logins = zs_identity::seed::demo_city(&identity, &|_| {}).await.unwrap();
                let catalog = CatalogService::new(store, sink, clock, None);
                zs_catalog::seed::demo_catalogue(&catalog, &identity, &|_| {}).await.unwrap();
                // Closed before copying: the log is checkpointed into meta.db and no connection
                // removes its files while they are read.
                sqlite.close().await;
                logins.into_iter().map(|l| (l.username, l.password)).collect()
            });
            // Every write has committed (the audit sink answers after its commit) and the store
            // is closed, so the files are complete.
            drop(rt);
            let files = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|f| {
                    let f = f.unwrap();
                    (f.file_name(), std::fs::read(f.path()).unwrap())
                })
                .collect();
            Template { files, logins }
        })
        .join()
        .unwrap()
    })
}

/// The demo city and catalogue, served in demo mode with a search index.
pub(super) async fn setup_catalogue() -> C {
    let seeded = template();
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &seeded.files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let store: zs_meta::DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
    let clock = Arc::new(zs_types::SystemClock);
    let settings = IdentitySettings { demo_mode: true, ..Default::default() };
    let identity = IdentityService::new(store.clone(), sink.clone(), clock.clone(), settings);
    let search = Arc::new(CatalogIndex::in_memory().unwrap());
    let catalog = CatalogService::new(store, sink.clone(), clock, Some(Arc::new(Ix(search.clone()))));
    search.rebuild(&catalog.all_entries().await.unwrap()).unwrap();
    let config =
        zs_config::Config { mode: zs_config::Mode::Demo, data_dir: dir.path().to_path_buf(), ..Default::default() };
    let state = zs_http::AppState::new(super::app_state(identity.clone(), catalog.clone(), search, sink, config).await);
    let ingest = state.ingest.clone();
    let app = super::router().layer(axum::middleware::from_fn(zs_http::request_id::middleware)).with_state(state);
    let t = T { app, passwords: seeded.logins.iter().cloned().collect(), store: catalog.store().clone(), _dir: dir };
    C { t, cat: catalog, identity, ingest }
}

/// The id in a redirect to an entry page.
pub(super) fn entry_of(r: &Resp) -> i64 {
    let loc = r.location();
    assert!(loc.starts_with("/catalog/entries/"), "{} {loc}: {}", r.status, r.body);
    loc["/catalog/entries/".len()..].split(['?', '#', '/']).next().unwrap().parse().unwrap()
}

/// A complete new-entry form with two item rows and one blank row.
pub(super) fn entry_form<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("summary", "门户测试用的信息资源。"),
        ("classification", "basic/1"),
        ("classification.category", "9"),
        ("classification.subcategory", ""),
        ("format.kind", "table"),
        ("format.detail", "MySQL"),
        ("update_cycle", "daily"),
        ("sharing.kind", "conditional"),
        ("sharing.conditions", "仅限履行法定职责所需"),
        ("sharing.legal_basis", ""),
        ("sharing.method", "api"),
        ("open.kind", "none"),
        ("open.conditions", ""),
        ("related", ""),
        ("items[0].name", "id_number"),
        ("items[0].label", "公民身份号码"),
        ("items[0].data_type", "string"),
        ("items[0].length", "18"),
        ("items[0].key", "on"),
        ("items[0].element", "DE0001"),
        ("items[0].security_level", "L3"),
        ("items[0].sharing", "conditional"),
        ("items[0].open", "none"),
        ("items[1].name", "full_name"),
        ("items[1].label", "姓名"),
        ("items[1].data_type", "string"),
        ("items[1].length", "50"),
        ("items[1].element", ""),
        ("items[1].security_level", "L2"),
        ("items[1].sharing", "conditional"),
        ("items[1].open", "none"),
        ("items[2].name", ""),
        ("items[2].label", ""),
        ("items[2].data_type", "string"),
        ("items[2].length", ""),
        ("items[2].element", ""),
        ("items[2].security_level", "L1"),
        ("items[2].sharing", "conditional"),
        ("items[2].open", "none"),
    ]
}

pub(super) fn set<'a>(form: &mut Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) {
    match form.iter_mut().find(|(k, _)| *k == key) {
        Some(kv) => kv.1 = value,
        None => form.push((key, value)),
    }
}

/// Create an entry of the steward's department through the form; returns its id.
pub(super) async fn create_through_form(t: &C, st: &str, name: &str) -> i64 {
    let page = t.get("/catalog/new", st).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let r = t.post("/catalog/new", st, &entry_form(&csrf, name)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?notice=created"));
    entry_of(&r)
}

#[tokio::test]
async fn entry_page_elements_items_and_scope() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let all = t.all().await;
    let own = all
        .iter()
        .find(|e| e.provider == "西宁市公安局" && e.status == EntryStatus::Published && e.pending_version.is_none())
        .unwrap();
    let r = t.get(&format!("/catalog/entries/{}", own.id), &st).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for needle in [
        "信息资源代码",
        "信息资源提供方",
        "提供方代码",
        "信息资源摘要",
        "共享类型",
        "开放属性",
        "更新周期",
        "发布日期",
        "安全级别",
        "id=\"items-table\"",
        "id=\"versions-table\"",
        "id=\"events-table\"",
        "审核通过并发布",
        "id=\"withdraw-form\"",
        "id=\"obligation-form\"",
        "id=\"action-edit\"",
    ] {
        assert!(r.body.contains(needle), "{needle}");
    }
    assert!(r.body.contains(&own.code) && r.body.contains(&own.provider_code));
    assert!(r.body.contains(&format!("id=\"item-{}\"", own.body.items[0].name)));
    assert!(r.body.contains(&own.body.items[0].label));
    assert!(r.body.contains(&zs_catalog::classification::label(&own.body.classification)));
    // A published entry of another department: readable, but not the steward's to change.
    let other = all.iter().find(|e| e.provider != "西宁市公安局" && e.status == EntryStatus::Published).unwrap();
    let r = t.get(&format!("/catalog/entries/{}", other.id), &st).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("id=\"action-edit\"") && !r.body.contains("id=\"obligation-form\""));
    // A draft of another department does not exist for the steward.
    let draft = all.iter().find(|e| e.provider != "西宁市公安局" && e.status == EntryStatus::Draft).unwrap();
    let r = t.get(&format!("/catalog/entries/{}", draft.id), &st).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("id=\"error-code\">not_found<"));
    // The city operator sees it, but there is nothing to review.
    let op = t.session("operator").await;
    let r = t.get(&format!("/catalog/entries/{}", draft.id), &op).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("id=\"approve-form\""));
    // A data user reads published entries without workflow buttons, in English on request.
    let du = t.session("datauser").await;
    let r = t.get(&format!("/catalog/entries/{}", own.id), &format!("{du}; zs_lang=en")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Resource code") && r.body.contains("Data items") && !r.body.contains("id=\"action-edit\"")
    );
    // …except applying for the data (共享申请).
    assert!(r.body.contains("id=\"action-apply\"") && r.body.contains("Apply for this data"));
    for bad in ["abc", "0", "99999999"] {
        assert_eq!(t.get(&format!("/catalog/entries/{bad}"), &st).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // Related resources resolve by code.
    let r = t.get(&format!("/catalog/by-code?code={}", crate::page::urlencode(&own.code)), &du).await;
    assert_eq!(r.location(), format!("/catalog/entries/{}", own.id));
}

#[tokio::test]
async fn entry_form_round_trip_and_errors_next_to_fields() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let page = t.get("/catalog/new", &st).await;
    assert!(page.body.contains("id=\"entry-form\"") && page.body.contains("id=\"item-row-2\""));
    assert!(page.body.contains("<optgroup label=\"基础信息资源\">") && page.body.contains("不予共享"));
    let csrf = page.csrf();

    // Two item rows and a blank one: an entry with exactly the two items.
    let r = t.post("/catalog/new", &st, &entry_form(&csrf, "门户测试资源")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = entry_of(&r);
    let e = t.entry(id).await;
    assert_eq!(e.status, EntryStatus::Draft);
    assert_eq!(e.provider, "西宁市公安局");
    assert!(e.code.starts_with("101009000/"), "{}", e.code);
    let names: Vec<&str> = e.body.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["id_number", "full_name"]);
    assert!(e.body.items[0].key && !e.body.items[1].key);
    assert_eq!(e.body.items[0].length, Some(18));
    assert_eq!(e.body.items[0].element.as_deref(), Some("DE0001"));
    let shown = t.get(r.location(), &st).await;
    assert!(shown.body.contains("id=\"notice\"") && shown.body.contains("门户测试资源"));

    // "Add a row" re-renders the form with one more row and the input kept.
    let mut form = entry_form(&csrf, "门户测试资源二");
    form.push(("action", "add_row"));
    let r = t.post("/catalog/new", &st, &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"item-row-3\"") && !r.body.contains("id=\"item-row-4\""));
    assert!(r.body.contains("value=\"门户测试资源二\"") && r.body.contains("value=\"公民身份号码\""));

    // 不予共享 without its legal basis: the form again, the problem next to the field, input kept.
    let mut form = entry_form(&csrf, "门户测试资源三");
    set(&mut form, "sharing.kind", "none");
    set(&mut form, "sharing.conditions", "");
    let r = t.post("/catalog/new", &st, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"f-sharing-legal_basis-error\" data-field=\"sharing.legal_basis\""), "{}", r.body);
    let field = r.body.split("id=\"f-sharing-legal_basis\"").nth(1).unwrap();
    assert!(field.split("</div>").next().unwrap().contains("aria-invalid=\"true\""));
    // The items more open than the entry are named too, all at once.
    assert!(r.body.contains("data-field=\"items[0].sharing\"") && r.body.contains("data-field=\"items[1].sharing\""));
    assert!(r.body.contains("id=\"form-problems\"") && r.body.contains("href=\"#f-sharing-legal_basis\""));
    assert!(r.body.contains("value=\"门户测试资源三\"") && r.body.contains("value=\"full_name\""));
    assert!(r.body.contains("<option value=\"none\" selected>不予共享</option>"));
    assert!(!t.all().await.iter().any(|e| e.body.name == "门户测试资源三"));

    // Unreadable values are named without calling the service; a taken name is reported.
    let mut form = entry_form(&csrf, "门户测试资源四");
    set(&mut form, "items[1].length", "五十");
    let r = t.post("/catalog/new", &st, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"items[1].length\"") && r.body.contains("value=\"五十\""));
    let r = t.post("/catalog/new", &st, &entry_form(&csrf, "门户测试资源")).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("value=\"门户测试资源\""));

    // CSRF, and roles that may not compile entries.
    assert_eq!(t.post("/catalog/new", &st, &entry_form("bad", "x")).await.status, StatusCode::FORBIDDEN);
    let op = t.session("operator").await;
    assert_eq!(t.get("/catalog/new", &op).await.status, StatusCode::FORBIDDEN);
    let opcsrf = t.get("/", &op).await.csrf();
    let r = t.post("/catalog/new", &op, &entry_form(&opcsrf, "x")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another department's entry cannot be edited.
    let other = t.all().await.into_iter().find(|e| e.provider != "西宁市公安局").unwrap();
    assert_eq!(t.get(&format!("/catalog/entries/{}/edit", other.id), &st).await.status, StatusCode::NOT_FOUND);
}

impl C {
    /// Upload a file through the import form.
    pub(super) async fn upload(&self, cookie: &str, csrf: &str, file_name: &str, bytes: &[u8]) -> Resp {
        use axum::http::{header, Request};
        const B: &str = "zs-test-boundary-7d1f";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
        let req = Request::post("/catalog/exchange/import")
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={B}"))
            .header(header::COOKIE, cookie)
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }
}
