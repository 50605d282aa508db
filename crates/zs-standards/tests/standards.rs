//! The standards service against a real SQLite store seeded with the demo city, real Parquet
//! tables and the real audit sink: element management, the conformance report on a small
//! scripted catalogue, level changes with permissions and audit, value scans and suggestions.
//! With `ZS_TEST_PG_URL` set, the same flows also run on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use std::sync::Arc;
use zs_catalog::*;
use zs_identity::policy::*;
use zs_identity::{AuthVia, CreateUser, IdentityService, IdentitySettings, Principal};
use zs_meta::{AuditQuery, DynStore, MetaStore};
use zs_standards::*;
use zs_tables::{CommitMode, Table, TableSchema};
use zs_types::codes::IdNumber;
use zs_types::{ErrorCode, Role};

struct World {
    store: DynStore,
    identity: IdentityService,
    catalog: CatalogService,
    standards: StandardsService,
    _dir: tempfile::TempDir,
}

async fn world(store: DynStore, dir: tempfile::TempDir) -> World {
    let sink = Arc::new(zs_audit::StoreSink::start(store.clone()));
    let clock = Arc::new(zs_types::SystemClock);
    let identity = IdentityService::new(
        store.clone(),
        sink.clone(),
        clock.clone(),
        IdentitySettings { demo_mode: true, ..Default::default() },
    );
    zs_identity::seed::demo_city(&identity, &|_| {}).await.unwrap();
    let catalog = CatalogService::new(store.clone(), sink.clone(), clock.clone(), None);
    let root = dir.path().join("tables");
    let tables: TableOpener = Arc::new(move |e: &Entry| {
        let schema = TableSchema::from_items(&e.body.items).map_err(|e| zs_types::Error::internal(e.to_string()))?;
        Table::open(root.join(e.code.replace('/', "_")), schema).map_err(|e| zs_types::Error::internal(e.to_string()))
    });
    let standards = StandardsService::new(
        store.clone(),
        identity.clone(),
        catalog.clone(),
        sink,
        clock,
        Grading::default(),
        tables,
    );
    assert!(standards.ensure_seeded().await.unwrap() >= 25);
    assert_eq!(standards.ensure_seeded().await.unwrap(), 0, "seeding is idempotent");
    World { store, identity, catalog, standards, _dir: dir }
}

async fn sqlite() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    world(store, dir).await
}

async fn postgres(test: &str) -> Option<World> {
    let Ok(url) = std::env::var("ZS_TEST_PG_URL") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but ZS_TEST_PG_URL is not set");
        return None;
    };
    let schema = format!("stdsvc_{test}_{}", std::process::id());
    let s = zs_meta::PgStore::connect(&url, Some(&schema)).await.unwrap();
    s.migrate().await.unwrap();
    Some(world(Arc::new(s), tempfile::tempdir().unwrap()).await)
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod on_sqlite { $( #[tokio::test] async fn $name() { super::$name(super::sqlite().await).await; } )+ }
        mod on_postgres { $( #[tokio::test] async fn $name() { if let Some(w) = super::postgres(stringify!($name)).await { super::$name(w).await; } } )+ }
    };
}

both!(
    elements_are_managed_by_city_operators,
    conformance_of_a_scripted_catalogue,
    levels_change_with_permission_and_audit,
    scan_suggests_and_steward_decides
);

impl World {
    /// A session principal (so the role rules apply, unlike the machine operator).
    async fn who(&self, username: &str) -> Arc<Principal> {
        let user = self.identity.user_by_name(username).await.unwrap();
        let org = self.store.get_org(user.org_id).await.unwrap().unwrap();
        Arc::new(Principal::new(user, org, AuthVia::Session { token_hash: String::new() }))
    }

    async fn pass<A: Action>(&self, username: &str) -> zs_types::Result<Authorized<A>> {
        self.identity.authorize::<A>(&self.who(username).await, Some("test")).await
    }

    /// A steward for another department (西宁市民政局).
    async fn other_steward(&self) -> String {
        let org = self.store.list_orgs("/").await.unwrap().into_iter().find(|o| o.name == "西宁市民政局").unwrap();
        let op = self.identity.machine_operator().await.unwrap();
        let create = self.identity.authorize::<UserCreate>(&op, None).await.unwrap();
        let input = CreateUser {
            username: "steward.mz".into(),
            display_name: "民政管理员".into(),
            org_id: org.id,
            role: Role::Steward,
            password: None,
        };
        self.identity.create_user(&create, input).await.unwrap();
        "steward.mz".into()
    }

    /// Create and publish an entry of 市公安局 (steward `steward`, reviewer `operator`).
    async fn publish(&self, name: &str, items: Vec<DataItem>) -> Entry {
        let edit = self.pass::<CatalogEdit>("steward").await.unwrap();
        let e = self.catalog.create(&edit, body(name, items)).await.unwrap();
        self.catalog.submit(&edit, e.id, None).await.unwrap();
        let review = self.pass::<CatalogReview>("operator").await.unwrap();
        self.catalog.approve(&review, e.id, None).await.unwrap()
    }

    async fn audit(&self, prefix: &str) -> Vec<zs_types::AuditEvent> {
        self.store
            .list_audit(&AuditQuery { action_prefix: Some(prefix.into()), limit: 100, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.event)
            .collect()
    }
}

fn item(
    name: &str,
    label: &str,
    t: DataType,
    len: Option<u32>,
    element: Option<&str>,
    level: SecurityLevel,
) -> DataItem {
    DataItem {
        name: name.into(),
        label: label.into(),
        data_type: t,
        length: len,
        key: false,
        element: element.map(str::to_owned),
        security_level: level,
        sharing: SharingKind::Conditional,
        open: OpenKind::None,
    }
}

fn body(name: &str, mut items: Vec<DataItem>) -> EntryBody {
    items[0].key = true;
    EntryBody {
        name: name.into(),
        summary: "测试用信息资源".into(),
        classification: Classification { class: ResourceClass::Department, item: 1, category: 7, subcategory: 0 },
        format: Format { kind: FormatKind::Table, detail: "PostgreSQL".into() },
        items,
        sharing: Sharing {
            kind: SharingKind::Conditional,
            conditions: Some("依职责".into()),
            legal_basis: None,
            method: SharingMethod::Api,
        },
        open: Openness { kind: OpenKind::None, conditions: None },
        update_cycle: UpdateCycle::Daily,
        related: vec![],
    }
}

use DataType::String as Str;
use SecurityLevel::{L1, L2, L3};

fn input(id: &str, name: &str) -> ElementInput {
    ElementInput {
        id: id.into(),
        name_zh: name.into(),
        name_en: "Household number".into(),
        definition: "户口簿上登记的户的编号。".into(),
        data_type: Str,
        format: "an..20".into(),
        length: Some(20),
        value_domain: String::new(),
        code_list: vec![],
        aliases: vec!["户口号".into()],
        standard_ref: String::new(),
    }
}

async fn elements_are_managed_by_city_operators(w: World) {
    let read = w.pass::<ElementRead>("datauser").await.unwrap();
    let all = w.standards.elements(&read).await.unwrap();
    let sex = all.iter().find(|e| e.id == "DE01003").unwrap();
    assert_eq!(sex.code_list.len(), 4);
    assert_eq!(sex.status, ElementStatus::Active);

    // Only platform operators may manage; a district operator is outside the city registry.
    assert_eq!(w.pass::<ElementManage>("steward").await.unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(w.pass::<ElementManage>("secadmin").await.unwrap_err().code, ErrorCode::Forbidden);
    let district = w.pass::<ElementManage>("cd.operator").await.unwrap();
    let e = w.standards.create_element(&district, input("DE09001", "户号")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    let op = w.pass::<ElementManage>("operator").await.unwrap();
    // Invalid input names the field.
    let mut bad = input("DE09001", "户号");
    bad.length = None;
    assert_eq!(w.standards.create_element(&op, bad).await.unwrap_err().field.as_deref(), Some("length"));
    let created = w.standards.create_element(&op, input("DE09001", "户号")).await.unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(
        w.standards.create_element(&op, input("DE09001", "户号2")).await.unwrap_err().code,
        ErrorCode::AlreadyExists
    );
    let mut changed = input("ignored", "户号");
    changed.length = Some(30);
    let edited = w.standards.edit_element(&op, "DE09001", changed.clone(), Some(1)).await.unwrap();
    assert_eq!((edited.id.as_str(), edited.version, edited.length), ("DE09001", 2, Some(30)));
    // A stale version conflicts.
    assert_eq!(w.standards.edit_element(&op, "DE09001", changed, Some(1)).await.unwrap_err().code, ErrorCode::Conflict);
    let dep = w.standards.set_element_status(&op, "DE09001", ElementStatus::Deprecated, None).await.unwrap();
    assert_eq!((dep.status, dep.version), (ElementStatus::Deprecated, 3));
    let actions: Vec<String> = w.audit("element.").await.into_iter().map(|r| r.action).collect();
    for a in ["element.create", "element.edit", "element.deprecate"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn conformance_of_a_scripted_catalogue(w: World) {
    let op = w.pass::<ElementManage>("operator").await.unwrap();
    w.standards.create_element(&op, input("DE09001", "户号")).await.unwrap();
    w.standards.set_element_status(&op, "DE09001", ElementStatus::Deprecated, None).await.unwrap();
    let e = w
        .publish(
            "测试人口信息",
            vec![
                item("id_no", "身份证号", Str, Some(18), None, L3), // missing reference
                item("name", "姓名", Str, Some(30), Some("DE01002"), L3), // length 30 ≠ 50
                item("sex", "性别", Str, Some(1), Some("DE01003"), L2), // conforming
                item("birth", "出生日期", Str, Some(10), Some("DE01004"), L3), // string ≠ date
                item("household", "户号", Str, Some(20), Some("DE09001"), L2), // deprecated
                item("other", "其他编号", Str, Some(20), Some("DE99999"), L1), // unknown
                item("remark", "备注", Str, Some(200), None, L1),   // nothing expected
                item("mobile", "手机号码", Str, Some(11), Some("DE03003"), L3), // conforming
            ],
        )
        .await;
    let pass = w.pass::<ConformanceRead>("steward").await.unwrap();
    let r = w.standards.conformance(&pass, None).await.unwrap();
    assert_eq!(r.department, "西宁市公安局");
    assert_eq!((r.entries, r.items, r.referencing, r.conforming), (1, 8, 6, 2));
    // 身份证号, 姓名, 性别, 出生日期, 手机号码 name active elements (户号's element is deprecated).
    assert_eq!(r.expected, 5);
    let kinds: Vec<(&str, ProblemKind)> = r.problems.iter().map(|p| (p.item_name.as_str(), p.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("id_no", ProblemKind::MissingReference),
            ("name", ProblemKind::LengthMismatch),
            ("birth", ProblemKind::TypeMismatch),
            ("household", ProblemKind::DeprecatedElement),
            ("other", ProblemKind::UnknownElement),
        ]
    );
    let missing = &r.problems[0];
    assert_eq!((missing.element_id.as_str(), missing.code.as_str()), ("DE01001", e.code.as_str()));
    let len = &r.problems[1];
    assert_eq!((len.expected.as_deref(), len.actual.as_deref()), (Some("50"), Some("30")));
    // The workbook opens as a zip with both sheets' names inside.
    let bytes = r.to_xlsx().unwrap();
    assert_eq!(&bytes[..2], b"PK");

    // The operator reads the department by id; another department's steward cannot.
    let org_id = r.org_id;
    let op_pass = w.pass::<ConformanceRead>("operator").await.unwrap();
    assert_eq!(w.standards.conformance(&op_pass, Some(org_id)).await.unwrap().problems.len(), 5);
    // Without a department, an operator sees the own department's report.
    assert_eq!(w.standards.conformance(&op_pass, None).await.unwrap().department, "西宁市大数据管理局");
    let summary = w.standards.conformance_summary(&op_pass).await.unwrap();
    assert_eq!(summary.iter().find(|s| s.org_id == org_id).unwrap().problems, 5);
    let other = w.other_steward().await;
    let other_pass = w.pass::<ConformanceRead>(&other).await.unwrap();
    assert_eq!(w.standards.conformance(&other_pass, Some(org_id)).await.unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(w.pass::<ConformanceRead>("datauser").await.unwrap_err().code, ErrorCode::Forbidden);
}

async fn levels_change_with_permission_and_audit(w: World) {
    let e = w
        .publish(
            "测试人员名单",
            vec![item("code", "编号", Str, Some(10), None, L1), item("phone", "联系电话", Str, Some(20), None, L1)],
        )
        .await;
    // Data users may not change levels at all; another department's steward is refused.
    assert_eq!(w.pass::<ClassificationChange>("datauser").await.unwrap_err().code, ErrorCode::Forbidden);
    let other = w.other_steward().await;
    let other_pass = w.pass::<ClassificationChange>(&other).await.unwrap();
    let err = w.standards.change_level(&other_pass, &e.code, "phone", L3).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // The providing department's steward may.
    let steward = w.pass::<ClassificationChange>("steward").await.unwrap();
    let g = w.standards.change_level(&steward, &e.code, "phone", L3).await.unwrap();
    assert_eq!((g.level, g.category), (L3, Category::Important), "就高从严: the resource takes L3");
    assert_eq!(g.items[1].level, L3);
    // The level is a real attribute: the catalogue entry carries it, with a history event.
    let read = w.pass::<CatalogRead>("datauser").await.unwrap();
    let entry = w.catalog.get(&read, e.id).await.unwrap();
    assert_eq!((entry.security_level, entry.body.items[1].security_level), (L3, L3));
    assert!(w.store.list_events(e.id).await.unwrap().iter().any(|ev| ev.action == "classify"));
    // A security administrator may too, here lowering it.
    let sec = w.pass::<ClassificationChange>("secadmin").await.unwrap();
    let g = w.standards.change_level(&sec, &e.code, "phone", L2).await.unwrap();
    assert_eq!((g.level, g.category), (L2, Category::General));
    // Unknown item.
    assert_eq!(w.standards.change_level(&sec, &e.code, "nope", L2).await.unwrap_err().code, ErrorCode::NotFound);
    // Audit: two changes with old and new levels, one denied attempt.
    let recs = w.audit("classification.change").await;
    let ok: Vec<_> = recs.iter().filter(|r| r.outcome == zs_types::Outcome::Succeeded).collect();
    assert_eq!(ok.len(), 2, "{recs:?}");
    let details: Vec<(String, String)> = ok
        .iter()
        .map(|r| {
            (r.detail["old_level"].as_str().unwrap().to_owned(), r.detail["new_level"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(details.contains(&("L1".into(), "L3".into())) && details.contains(&("L3".into(), "L2".into())));
    assert!(recs.iter().any(
        |r| r.outcome == zs_types::Outcome::Denied && r.target.as_deref() == Some(&*format!("resource:{}", e.code))
    ));
    // Reading: the steward's view says they may change; a security admin's overview counts it.
    let cr = w.pass::<ClassificationRead>("steward").await.unwrap();
    assert!(w.standards.resource_grading(&cr, &e.code).await.unwrap().can_change);
    let ov = w.standards.overview(&w.pass::<ClassificationRead>("secadmin").await.unwrap()).await.unwrap();
    let dept = ov.departments.iter().find(|d| d.name == "西宁市公安局").unwrap();
    assert_eq!((dept.resources, dept.resources_by_level[1], dept.items_by_level[0]), (1, 1, 1));
    assert_eq!(ov.total.resources, 1);
}

fn id(first17: &str) -> String {
    format!("{first17}{}", IdNumber::check_char(first17).unwrap())
}

async fn scan_suggests_and_steward_decides(w: World) {
    let e = w
        .publish(
            "测试居民联系信息",
            vec![
                item("seq", "序号", Str, Some(10), None, L1),
                item("c1", "字段一", Str, Some(18), None, L1),
                item("c2", "字段二", Str, Some(20), None, L1),
                item("c3", "字段三", Str, Some(10), None, L1),
                item("c4", "字段四", Str, Some(30), None, L1),
                item("c5", "字段五", Str, Some(18), None, L3),
            ],
        )
        .await;
    let sec = w.pass::<ClassificationChange>("steward").await.unwrap();
    // No data yet: nothing scanned.
    let none = w.standards.scan(&sec, &e.code).await.unwrap();
    assert_eq!((none.version, none.rows_sampled, none.suggestions), (None, 0, 0));
    // Write one version: c1 ID numbers, c2 phones, c3 names, c4 70 % IDs (below the threshold),
    // c5 IDs already at L3.
    let n = 40;
    let ids: Vec<String> =
        (0..n).map(|i| id(&format!("630102198{}{:02}{:02}{:03}", i % 10, 1 + i % 12, 1 + i % 28, i))).collect();
    let col = |v: Vec<String>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let seq: Vec<String> = (0..n).map(|i| format!("{i:04}")).collect();
    let phones: Vec<String> = (0..n).map(|i| format!("139{:08}", 9_710_000 + i)).collect();
    let names: Vec<String> = (0..n).map(|i| ["王伟", "李娜", "祁昆仑", "马秀英"][i % 4].to_owned()).collect();
    let mixed: Vec<String> = (0..n).map(|i| if i % 10 < 7 { ids[i].clone() } else { format!("备注{i}") }).collect();
    let schema = TableSchema::from_items(&e.body.items).unwrap();
    let batch = RecordBatch::try_new(
        schema.arrow().clone(),
        vec![col(seq), col(ids.clone()), col(phones), col(names), col(mixed), col(ids.clone())],
    )
    .unwrap();
    let dir = w._dir.path().join("tables").join(e.code.replace('/', "_"));
    Table::open(&dir, schema).unwrap().commit(CommitMode::Replace, "test", "test", &[batch]).unwrap();

    let r = w.standards.scan(&sec, &e.code).await.unwrap();
    assert_eq!((r.version, r.rows_sampled), (Some(1), n as u64));
    let found: Vec<(&str, Detector, bool)> =
        r.findings.iter().map(|f| (f.item_name.as_str(), f.detection.detector, f.suggested)).collect();
    assert_eq!(
        found,
        [
            ("c1", Detector::IdNumber, true),
            ("c2", Detector::Mobile, true),
            ("c3", Detector::ChineseName, true),
            ("c5", Detector::IdNumber, false),
        ],
        "c4 (70 % IDs) is below the threshold"
    );
    assert_eq!(r.suggestions, 3);
    let read = w.pass::<ClassificationRead>("steward").await.unwrap();
    let g = w.standards.resource_grading(&read, &e.code).await.unwrap();
    let c1 = g.suggestions.iter().find(|s| s.item_name == "c1").unwrap();
    assert_eq!((c1.detector.as_str(), c1.proposed_level.as_str(), c1.state.as_str()), ("id_number", "L3", "open"));
    assert!((c1.ratio - 1.0).abs() < 1e-9);
    let c3 = g.suggestions.iter().find(|s| s.item_name == "c3").unwrap().id;

    // Another department's steward cannot decide; the steward accepts c1 and dismisses c3.
    let other = w.other_steward().await;
    let other_pass = w.pass::<ClassificationChange>(&other).await.unwrap();
    assert_eq!(w.standards.decide(&other_pass, &e.code, c1.id, true).await.unwrap_err().code, ErrorCode::Forbidden);
    let g = w.standards.decide(&sec, &e.code, c1.id, true).await.unwrap();
    assert_eq!(g.items.iter().find(|i| i.name == "c1").unwrap().level, L3);
    let g = w.standards.decide(&sec, &e.code, c3, false).await.unwrap();
    assert_eq!(g.items.iter().find(|i| i.name == "c3").unwrap().level, L1, "dismissed: unchanged");
    assert_eq!(w.standards.decide(&sec, &e.code, c3, true).await.unwrap_err().code, ErrorCode::Conflict);
    // A re-scan keeps decided suggestions and renews only the open one (c2).
    let again = w.standards.scan(&sec, &e.code).await.unwrap();
    assert_eq!(again.suggestions, 2, "c2 still open; c3 (dismissed) suggested again as it stays L1");
    // Audit: the scan names the version and counts, never a value.
    let scans = w.audit("classification.scan").await;
    assert_eq!(scans.iter().filter(|r| r.outcome == zs_types::Outcome::Succeeded).count(), 3);
    let text = serde_json::to_string(&scans.iter().map(|r| r.detail.clone()).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains(&ids[0][..10]) && !text.contains("13909710000") && !text.contains("王伟"), "{text}");
    let changes = w.audit("classification.change").await;
    assert!(changes.iter().any(|r| r.detail["suggestion"].as_i64() == Some(c1.id)));
    assert_eq!(w.audit("classification.dismiss").await.len(), 1);
}
