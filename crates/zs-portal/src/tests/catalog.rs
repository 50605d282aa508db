//! Pages of the catalogue, against the demo city with the demo catalogue (387 entries in every
//! workflow state) and a real search index.

use super::{Resp, T};
use axum::http::StatusCode;
use std::sync::Arc;
use zs_catalog::{CatalogService, Entry, EntryStatus};
use zs_catalog_search::CatalogIndex;
use zs_http::AppState;
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
    cat: CatalogService,
    identity: IdentityService,
}

impl std::ops::Deref for C {
    type Target = T;
    fn deref(&self) -> &T {
        &self.t
    }
}

impl C {
    async fn all(&self) -> Vec<Entry> {
        self.cat.all_entries().await.unwrap()
    }

    async fn principal(&self, username: &str) -> Arc<zs_identity::Principal> {
        let user = self.identity.user_by_name(username).await.unwrap();
        self.identity.principal_of(user).await.unwrap()
    }

    async fn entry(&self, id: i64) -> Entry {
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
                let store: zs_meta::DynStore =
                    Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
                store.migrate().await.unwrap();
                let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
                let clock = Arc::new(zs_types::SystemClock);
                let settings = IdentitySettings { demo_mode: true, ..Default::default() };
                let identity = IdentityService::new(store.clone(), sink.clone(), clock.clone(), settings);
                let logins = zs_identity::seed::demo_city(&identity, &|_| {}).await.unwrap();
                let catalog = CatalogService::new(store, sink, clock, None);
                zs_catalog::seed::demo_catalogue(&catalog, &identity, &|_| {}).await.unwrap();
                logins.into_iter().map(|l| (l.username, l.password)).collect()
            });
            // Every write has committed (the audit sink answers after its commit); stopping the
            // runtime closes the connections, so the files are complete.
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
    let catalog = CatalogService::new(store, sink, clock, Some(Arc::new(Ix(search.clone()))));
    search.rebuild(&catalog.all_entries().await.unwrap()).unwrap();
    let config = zs_config::Config { mode: zs_config::Mode::Demo, ..Default::default() };
    let state = AppState {
        identity: identity.clone(),
        catalog: catalog.clone(),
        search,
        config: Arc::new(config),
        metrics: Arc::default(),
        audit_stats: None,
    };
    let app = super::router().layer(axum::middleware::from_fn(zs_http::request_id::middleware)).with_state(state);
    let t = T { app, passwords: seeded.logins.iter().cloned().collect(), _dir: dir };
    C { t, cat: catalog, identity }
}

/// The id in a redirect to an entry page.
fn entry_of(r: &Resp) -> i64 {
    let loc = r.location();
    assert!(loc.starts_with("/catalog/entries/"), "{} {loc}: {}", r.status, r.body);
    loc["/catalog/entries/".len()..].split(['?', '#', '/']).next().unwrap().parse().unwrap()
}

/// A complete new-entry form with two item rows and one blank row.
fn entry_form<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
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

fn set<'a>(form: &mut Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) {
    match form.iter_mut().find(|(k, _)| *k == key) {
        Some(kv) => kv.1 = value,
        None => form.push((key, value)),
    }
}

/// Create an entry of the steward's department through the form; returns its id.
async fn create_through_form(t: &C, st: &str, name: &str) -> i64 {
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
    assert!(r.body.contains("Resource code") && r.body.contains("Data items") && !r.body.contains("id=\"workflow\""));
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

#[tokio::test]
async fn review_workflow_through_the_forms() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;
    let id = create_through_form(&t, &st, "门户审核测试").await;
    let url = format!("/catalog/entries/{id}");

    // Submit.
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"submit-form\"") && page.body.contains("id=\"action-edit\""));
    let csrf = page.csrf();
    let r = t.post(&format!("{url}/submit"), &st, &[("csrf", &csrf), ("note", "首次提交")]).await;
    assert_eq!(r.location(), format!("{url}?notice=submitted"));
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("待审核") && !page.body.contains("id=\"action-edit\""));

    // The city operator's queue lists it; the district operator's does not, nor can they see it.
    let queue = t.get("/catalog/review", &op).await;
    assert_eq!(queue.status, StatusCode::OK);
    let row = queue.body.split(&format!("id=\"review-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("门户审核测试") && row.contains("西宁市公安局") && row.contains("新增"));
    let cd = t.session("cd.operator").await;
    assert!(!t.get("/catalog/review", &cd).await.body.contains(&format!("id=\"review-{id}\"")));
    assert_eq!(t.get(&url, &cd).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/catalog/review", &st).await.status, StatusCode::FORBIDDEN);

    // Returning needs a reason: the error is shown at the return form.
    let page = t.get(&url, &op).await;
    assert!(page.body.contains("id=\"approve-form\"") && page.body.contains("id=\"return-form\""));
    let ocsrf = page.csrf();
    let r = t.post(&format!("{url}/return"), &op, &[("csrf", &ocsrf), ("reason", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = r.body.split("id=\"return-form\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("data-field=\"reason\""), "{form}");
    let r =
        t.post(&format!("{url}/return"), &op, &[("csrf", &ocsrf), ("reason", "摘要过于简单，请补充数据范围")]).await;
    assert_eq!(r.location(), format!("{url}?notice=returned"));

    // The steward sees the reason, corrects through the edit form and resubmits.
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"return-reason\"") && page.body.contains("摘要过于简单"));
    assert!(page.body.contains("已退回") && page.body.contains("id=\"submit-form\""));
    let edit = t.get(&format!("{url}/edit"), &st).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"门户审核测试\"") && edit.body.contains("value=\"id_number\""));
    assert!(edit.body.contains("id=\"item-row-2\""), "one empty row after the two items");
    let mut form = entry_form(&csrf, "门户审核测试");
    set(&mut form, "summary", "门户测试用的信息资源，覆盖全市户籍人口。");
    let r = t.post(&format!("{url}/edit"), &st, &form).await;
    assert_eq!(r.location(), format!("{url}?notice=saved"), "{}", r.body);
    assert!(t.entry(id).await.body.summary.contains("覆盖全市户籍人口"));
    let r = t.post(&format!("{url}/submit"), &st, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A data user cannot approve; the operator can, once.
    let du = t.session("datauser").await;
    let dcsrf = t.get("/", &du).await.csrf();
    assert_eq!(t.post(&format!("{url}/approve"), &du, &[("csrf", &dcsrf)]).await.status, StatusCode::FORBIDDEN);
    let r = t.post(&format!("{url}/approve"), &op, &[("csrf", &ocsrf), ("note", "符合要求")]).await;
    assert_eq!(r.location(), format!("{url}?notice=approved"));
    let e = t.entry(id).await;
    assert_eq!(e.status, EntryStatus::Published);
    let page = t.get(r.location(), &op).await;
    assert!(page.body.contains("审核通过。") && !page.body.contains("id=\"approve-form\""));
    assert!(page.body.contains(e.publish_date.as_deref().unwrap()));
    // Approving again: the service's refusal is shown on the page.
    let r = t.post(&format!("{url}/approve"), &op, &[("csrf", &ocsrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("data-code=\"conflict\""));
    assert!(r.body.contains("nothing awaits review"));
    // The history names who did what and why.
    let page = t.get(&url, &st).await;
    let events = page.body.split("id=\"events-table\"").nth(1).unwrap();
    for needle in ["创建", "提交审核", "退回修改", "摘要过于简单", "审核通过并发布", "王运营", "张管理", "首次提交"]
    {
        assert!(events.contains(needle), "{needle}");
    }
    assert!(!t.get("/catalog/review", &op).await.body.contains(&format!("id=\"review-{id}\"")));
}

#[tokio::test]
async fn change_of_a_published_entry_diff_and_withdrawal() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let own = t
        .all()
        .await
        .into_iter()
        .find(|e| e.provider == "西宁市公安局" && e.status == EntryStatus::Published && e.pending_version.is_none())
        .unwrap();
    let url = format!("/catalog/entries/{}", own.id);
    let page = t.get(&format!("{url}/edit"), &st).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"f-classification\"") && page.body.contains("保存后不能修改"));
    let csrf = page.csrf();
    // Resubmit the form as shown, with a new summary.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for chunk in page.body.split("name=\"").skip(1) {
        let name = chunk.split('"').next().unwrap().to_owned();
        if name == "action" || name == "csrf" || pairs.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let tag = chunk.split('>').next().unwrap();
        let value = if let Some(v) = tag.split("value=\"").nth(1) {
            v.split('"').next().unwrap().to_owned()
        } else if chunk.starts_with(&format!("{name}\" rows")) || tag.contains("rows=") {
            chunk.split('>').nth(1).unwrap().split("</textarea").next().unwrap().to_owned()
        } else {
            // A select: its selected option.
            let body = chunk.split("</select>").next().unwrap();
            body.split("<option value=\"")
                .skip(1)
                .find(|o| o.split('>').next().unwrap().contains("selected"))
                .map(|o| o.split('"').next().unwrap().to_owned())
                .unwrap_or_default()
        };
        if tag.contains("type=\"checkbox\"") && !tag.contains("checked") {
            continue;
        }
        let value = value.replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">");
        pairs.push((name, value.replace("&amp;", "&")));
    }
    for (n, v) in pairs.iter_mut() {
        if n == "summary" {
            *v = "人口基础信息，新增流动人口字段说明。".into();
        }
    }
    let mut form: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    form.push(("csrf", &csrf));
    let r = t.post(&format!("{url}/edit"), &st, &form).await;
    assert_eq!(r.location(), format!("{url}?notice=saved"), "{}", r.body);

    // The published version stays live; the change is announced with a diff link.
    let e = t.entry(own.id).await;
    assert_eq!(e.status, EntryStatus::Published);
    assert_eq!(e.body.summary, own.body.summary);
    let pending = e.pending_version.unwrap();
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"pending-notice\"") && page.body.contains("id=\"submit-form\""));
    let diff_href = format!("{url}/diff?from={}&amp;to={pending}", e.published_version.unwrap());
    assert!(page.body.contains(&diff_href), "{}", page.body);
    let diff = t.get(&diff_href.replace("&amp;", "&"), &st).await;
    assert_eq!(diff.status, StatusCode::OK);
    let row = diff.body.split("data-field=\"summary\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("信息资源摘要") && row.contains(&own.body.summary) && row.contains("新增流动人口字段说明"));
    assert_eq!(diff.body.matches("<tr data-field=").count(), 1, "only the summary changed");
    // Defaults compare the published version with the change; bad versions are errors.
    assert!(t.get(&format!("{url}/diff"), &st).await.body.contains("新增流动人口字段说明"));
    assert_eq!(t.get(&format!("{url}/diff?from=x"), &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get(&format!("{url}/diff?from=1&to=99"), &st).await.status, StatusCode::NOT_FOUND);
    // Outsiders see neither the change nor its diff.
    let du = t.session("datauser").await;
    let page = t.get(&url, &du).await;
    assert!(!page.body.contains("新增流动人口字段说明") && !page.body.contains("id=\"pending-diff\""));
    assert_eq!(t.get(&diff_href.replace("&amp;", "&"), &du).await.status, StatusCode::NOT_FOUND);

    // A withdrawal needs a reason and waits while a change is in progress.
    let other = t
        .all()
        .await
        .into_iter()
        .find(|x| x.provider == "西宁市公安局" && x.status == EntryStatus::Published && x.pending_version.is_none())
        .unwrap();
    let wurl = format!("/catalog/entries/{}/withdraw", other.id);
    let r = t.post(&wurl, &st, &[("csrf", &csrf), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.split("id=\"withdraw-form\"").nth(1).unwrap().contains("data-field=\"reason\""));
    let r = t.post(&wurl, &st, &[("csrf", &csrf), ("reason", "业务系统停用")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get(&format!("/catalog/entries/{}", other.id), &st).await;
    assert!(page.body.contains("下架申请正在审核"));
    let op = t.session("operator").await;
    let queue = t.get("/catalog/review", &op).await;
    let row = queue.body.split(&format!("id=\"review-{}\"", other.id)).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("下架"));
}

#[tokio::test]
async fn deadlines_board_and_calendar() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let own =
        t.all().await.into_iter().find(|e| e.provider == "西宁市公安局" && e.status == EntryStatus::Published).unwrap();
    let url = format!("/catalog/entries/{}", own.id);
    let csrf = t.get(&url, &st).await.csrf();
    // A note is required: the error is shown at the obligation form, the reason kept.
    let r = t.post(&format!("{url}/obligation"), &st, &[("csrf", &csrf), ("reason", "duty"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = r.body.split("id=\"obligation-form\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("data-field=\"note\"") && form.contains("<option value=\"duty\" selected>"));
    let r = t
        .post(
            &format!("{url}/obligation"),
            &st,
            &[("csrf", &csrf), ("reason", "law"), ("note", "《数据安全法》配套办法调整")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/catalog/deadlines?notice=obligation_raised&created="));
    let oid = r.location().split("created=").nth(1).unwrap().split('#').next().unwrap().to_owned();
    // The board lists it with 20 working days from today on the calendar.
    let cal = t.cat.calendar().await.unwrap();
    let today = zs_catalog::calendar::beijing_date(t.cat.now());
    let due = cal.add_working_days(today, zs_catalog::deadlines::RESUBMIT_WORKING_DAYS).to_string();
    let board = t.get(r.location(), &st).await;
    assert_eq!(board.status, StatusCode::OK);
    let row = board.body.split(&format!("id=\"obligation-{oid}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.starts_with(&format!(" data-due=\"{due}\"")), "{row}");
    assert!(row.contains(&own.body.name) && row.contains("法律法规调整") && row.contains("《数据安全法》配套办法调整"));
    assert!(row.contains(">20<"), "{row}");
    assert!(board.body.contains("id=\"notice\"") && board.body.contains(&due));
    assert!(board.body.contains("id=\"summary-table\"") && !board.body.contains("id=\"calendar-form\""));
    // The demo has overdue obligations somewhere in the city.
    let op = t.session("operator").await;
    let board = t.get("/catalog/deadlines", &op).await;
    assert!(board.body.contains("row-overdue") && board.body.contains("id=\"calendar-form\""));
    assert!(board.body.contains("id=\"calendar-days\""));
    let ocsrf = board.csrf();
    let year = today.year();
    let day = format!("{year}-12-01");
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &op,
            &[("csrf", &ocsrf), ("day", &day), ("kind", "holiday"), ("name", "本地假日")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(t.get("/catalog/deadlines", &op).await.body.contains(&format!("id=\"day-{day}\"")));
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &op,
            &[("csrf", &ocsrf), ("day", "2026-13-40"), ("kind", "holiday"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"day\"") && r.body.contains("value=\"2026-13-40\""));
    let scsrf = t.get("/", &st).await.csrf();
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &st,
            &[("csrf", &scsrf), ("day", &day), ("kind", "holiday"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The dashboard counts them.
    let home = t.get("/", &op).await;
    assert!(home.body.contains("id=\"stat-deadlines-overdue\"") && home.body.contains("id=\"stat-awaiting-review\""));
    assert!(home.body.contains("id=\"tile-catalog\"") && home.body.contains("id=\"nav-review\""));
    let home = t.get("/", &st).await;
    assert!(home.body.contains("id=\"stat-deadlines-due\"") && !home.body.contains("id=\"stat-awaiting-review\""));
    assert!(home.body.contains("id=\"tile-catalog-new\"") && !home.body.contains("id=\"nav-review\""));
    let du = t.session("datauser").await;
    let home = t.get("/", &du).await;
    assert!(!home.body.contains("id=\"catalogue-card\"") && home.body.contains("id=\"nav-catalog\""));
    assert!(home.body.contains("id=\"nav-deadlines\""));
}

#[tokio::test]
async fn search_facets_paging_and_tree() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let home = t.get("/catalog", &st).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    for facet in ["class", "department", "area", "sharing", "open", "format", "cycle", "level", "status"] {
        assert!(home.body.contains(&format!("id=\"facet-{facet}\"")), "{facet}");
    }
    assert!(home.body.contains("id=\"page-next\"") && home.body.matches("class=\"hit\"").count() == 20);
    // Free text.
    let r = t.get(&format!("/catalog?q={}", crate::page::urlencode("人口")), &st).await;
    assert!(r.body.contains("人口基础信息"), "{}", r.body);
    // A facet link keeps the text and can be removed again.
    let href = r
        .body
        .split("id=\"facet-class\"")
        .nth(1)
        .unwrap()
        .split("<a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.contains("q=%E4%BA%BA%E5%8F%A3") && href.contains("class="), "{href}");
    let r = t.get(&href, &st).await;
    assert!(r.body.contains("id=\"active-filters\"") && r.body.contains("class=\"selected\""));
    // Drafts: only the steward's own department's are found.
    let own_drafts =
        t.all().await.iter().filter(|e| e.status == EntryStatus::Draft && e.provider == "西宁市公安局").count();
    let r = t.get("/catalog?status=draft", &st).await;
    assert_eq!(
        r.body.split("id=\"results-total\">").nth(1).unwrap().split('<').next().unwrap(),
        own_drafts.to_string()
    );
    // Paging, sorting, bad parameters.
    let p2 = t.get("/catalog?sort=name&page=2", &st).await;
    assert!(p2.body.contains("id=\"page-prev\"") && p2.body.contains(">2 / "));
    assert_eq!(t.get("/catalog?sort=random", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get("/catalog?page=999", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The tree links into the search with the filter set.
    let tree = t.get("/catalog/tree", &st).await;
    assert_eq!(tree.status, StatusCode::OK);
    assert!(tree.body.contains("基础信息资源") && tree.body.contains("href=\"/catalog?classification=101\""));
    assert!(tree.body.contains("城东区") && tree.body.contains("href=\"/catalog?org_id="));
    let r = t.get("/catalog?classification=101", &st).await;
    assert!(r.body.contains("基础信息资源 / 人口") && r.body.contains("人口基础信息"));
}

impl C {
    /// Upload a file through the import form.
    async fn upload(&self, cookie: &str, csrf: &str, file_name: &str, bytes: &[u8]) -> Resp {
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

#[tokio::test]
async fn export_files_and_all_or_nothing_import() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let page = t.get("/catalog/exchange", &st).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"export-form\"") && page.body.contains("id=\"import-form\""));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();

    // Exports: the workbook, both CSV sheets, JSON; one department only.
    let x = t.get("/catalog/export.xlsx", &st).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(x.body.starts_with("PK") && x.cache().contains("no-store"));
    assert!(t.get("/catalog/template.xlsx", &st).await.body.starts_with("PK"));
    let csv = t.get("/catalog/export.csv?sheet=items", &st).await;
    assert!(csv.body.contains("公民身份号码"));
    let visible = t.cat.visible_entries(&*t.principal("steward").await).await.unwrap();
    let police = visible.iter().find(|e| e.provider == "西宁市公安局").unwrap().org_id;
    let json = t.get(&format!("/catalog/export.json?org_id={police}"), &st).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let n_police = visible.iter().filter(|e| e.org_id == police).count();
    assert_eq!(
        v.as_array().map(Vec::len).or_else(|| v["entries"].as_array().map(Vec::len)),
        Some(n_police),
        "{}",
        json.body
    );
    assert_eq!(t.get("/catalog/export.csv?sheet=nope", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let count = || async { t.all().await.len() };
    let before = count().await;

    // Not a workbook: the problem is listed and nothing is imported.
    let r = t.upload(&st, &csrf, "坏文件.xlsx", b"this is not a workbook").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"import-problems\"") && r.body.contains("id=\"import-refused\""));
    assert!(r.body.contains("坏文件.xlsx"));
    assert_eq!(count().await, before);

    // A workbook with one bad entry among good ones: every problem, nothing imported.
    let mut own: Vec<Entry> = visible.iter().filter(|e| e.org_id == police).take(3).cloned().collect();
    for e in own.iter_mut() {
        e.body.name = format!("{}（导入）", e.body.name);
        e.code.clear();
    }
    let mut bad = own.clone();
    bad[1].body.sharing.kind = zs_catalog::SharingKind::None;
    bad[1].body.sharing.legal_basis = None;
    bad[2].body.items[0].length = None;
    let file = zs_catalog_xlsx::export_xlsx(&bad).unwrap();
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let table = r.body.split("id=\"import-problems\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("信息资源") && table.contains("信息项"), "{table}");
    assert!(table.matches("<tr>").count() >= 2, "{table}");
    assert_eq!(count().await, before);

    // The corrected workbook: every entry becomes a draft of the department.
    let file = zs_catalog_xlsx::export_xlsx(&own).unwrap();
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"import-ok\"") && r.body.contains("id=\"import-count\">3<"));
    let all = t.all().await;
    assert_eq!(all.len(), before + 3);
    for e in &own {
        let got = all.iter().find(|x| x.body.name == e.body.name).unwrap();
        assert_eq!(got.status, EntryStatus::Draft);
        assert_eq!(got.body.items, e.body.items);
    }
    // The same names again: the service refuses and nothing is imported.
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"import-problems\""));
    assert_eq!(t.all().await.len(), before + 3);

    // Empty upload, wrong CSRF, and roles that may not import.
    let r = t.upload(&st, &csrf, "", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"file\""));
    assert_eq!(t.upload(&st, "bad", "目录.xlsx", &file).await.status, StatusCode::FORBIDDEN);
    let du = t.session("datauser").await;
    let page = t.get("/catalog/exchange", &du).await;
    assert!(page.body.contains("id=\"export-form\"") && !page.body.contains("id=\"import-form\""));
    assert_eq!(t.upload(&du, &page.csrf(), "目录.xlsx", &file).await.status, StatusCode::FORBIDDEN);
}
