//! The catalogue through the API: who may do which transition on whose entry, the review
//! workflow with versions and diffs, withdrawal, change obligations on the working-day calendar,
//! strict validation — on both stores.

use serde_json::{json, Value};
use zs_identity::policy::{CatalogEdit, CatalogReview, UserCreate};
use zs_identity::CreateUser;
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::Role;

on_backends!(workflow_permissions_and_versions, deadlines_on_the_working_day_calendar, validation_and_conflicts);

fn body(name: &str) -> Value {
    json!({
        "name": name,
        "summary": "公安机关登记的常住人口基础信息",
        "classification": {"class": "basic", "item": 1, "category": 1},
        "format": {"kind": "table", "detail": "PostgreSQL"},
        "items": [
            {"name": "id_number", "label": "公民身份号码", "data_type": "string", "length": 18, "key": true,
             "security_level": "L3", "sharing": "conditional", "open": "none"},
            {"name": "name", "label": "姓名", "data_type": "string", "length": 50,
             "security_level": "L3", "sharing": "conditional", "open": "none"}
        ],
        "sharing": {"kind": "conditional", "conditions": "仅限履行法定职责", "method": "api"},
        "open": {"kind": "none"},
        "update_cycle": "daily"
    })
}

struct Cast {
    steward: String,
    other_steward: String,
    datauser: String,
    operator: String,
    district_operator: String,
    sysadmin: String,
}

async fn cast(srv: &TestServer) -> Cast {
    let logins = srv.seed_demo().await;
    let id = &srv.state.identity;
    let op = id.machine_operator().await.unwrap();
    let pass = id.authorize::<UserCreate>(&op, None).await.unwrap();
    let civil = srv.store.list_orgs("/").await.unwrap().into_iter().find(|o| o.name == "西宁市民政局").unwrap();
    let input = CreateUser {
        username: "mz.steward".into(),
        display_name: "民政数据管理员".into(),
        org_id: civil.id,
        role: Role::Steward,
        password: Some("Minzheng-Data-1".into()),
    };
    id.create_user(&pass, input).await.unwrap();
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    Cast {
        steward: srv.login("steward", &pw("steward")).await.unwrap(),
        other_steward: srv.login("mz.steward", "Minzheng-Data-1").await.unwrap(),
        datauser: srv.login("datauser", &pw("datauser")).await.unwrap(),
        operator: srv.login("operator", &pw("operator")).await.unwrap(),
        district_operator: srv.login("cd.operator", &pw("cd.operator")).await.unwrap(),
        sysadmin: srv.login("sysadmin", &pw("sysadmin")).await.unwrap(),
    }
}

async fn workflow_permissions_and_versions(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "catalog_workflow").await else { return };
    let c = cast(&srv).await;
    // Only stewards register entries, for their own department.
    for (who, t) in [("operator", &c.operator), ("datauser", &c.datauser), ("sysadmin", &c.sysadmin)] {
        let (s, b) = srv.post("/api/v1/catalog/entries", Some(t), &body("人口基础信息")).await.unwrap();
        assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")), "{who}");
    }
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &body("人口基础信息")).await.unwrap();
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["code"], "101001000/000001", "code from classification + sequence");
    assert_eq!(
        (e["status"].as_str(), e["provider"].as_str(), e["security_level"].as_str()),
        (Some("draft"), Some("西宁市公安局"), Some("L3"))
    );
    let id = e["id"].as_i64().unwrap();
    let url = |p: &str| format!("/api/v1/catalog/entries/{id}{p}");

    // A draft is visible in its owner's scope only: the operator's area covers it, the district
    // operator's does not; other departments do not see it at all.
    assert_eq!(srv.get(&url(""), Some(&c.operator)).await.unwrap().0, 200);
    for t in [&c.other_steward, &c.datauser, &c.district_operator] {
        assert_eq!(srv.get(&url(""), Some(t)).await.unwrap().0, 404);
    }
    // Another department's steward can neither edit nor submit it.
    assert_eq!(srv.put(&url(""), Some(&c.other_steward), &body("改名")).await.unwrap().0, 404);
    assert_eq!(srv.post(&url("/submit"), Some(&c.other_steward), &json!({})).await.unwrap().0, 404);
    // Nothing to review yet; stewards cannot review at all.
    assert_eq!(srv.post(&url("/approve"), Some(&c.operator), &json!({})).await.unwrap().1["code"], "conflict");
    let (s, _) = srv.post(&url("/submit"), Some(&c.steward), &json!({"note": "首次编目"})).await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(srv.post(&url("/approve"), Some(&c.steward), &json!({})).await.unwrap().0, 403);
    assert_eq!(
        srv.post(&url("/approve"), Some(&c.district_operator), &json!({})).await.unwrap().0,
        404,
        "outside the district"
    );
    // Editing while under review is refused.
    assert_eq!(srv.put(&url(""), Some(&c.steward), &body("人口基础信息")).await.unwrap().1["code"], "conflict");
    let queue = srv.get("/api/v1/catalog/review-queue", Some(&c.operator)).await.unwrap().1;
    assert!(queue.as_array().unwrap().iter().any(|q| q["id"] == id));
    // Returning needs a reason.
    let (s, b) = srv.post(&url("/return"), Some(&c.operator), &json!({"reason": "  "})).await.unwrap();
    assert_eq!((s, b["field"].as_str()), (422, Some("reason")));
    let (s, b) = srv.post(&url("/return"), Some(&c.operator), &json!({"reason": "摘要过于简略"})).await.unwrap();
    assert_eq!((s, b["status"].as_str()), (200, Some("returned")));
    let mut corrected = body("人口基础信息");
    corrected["summary"] = json!("公安机关登记的常住人口基础信息，含身份号码与姓名，按日更新");
    assert_eq!(srv.put(&url(""), Some(&c.steward), &corrected).await.unwrap().0, 200);
    assert_eq!(srv.post(&url("/submit"), Some(&c.steward), &json!({})).await.unwrap().0, 200);
    let (s, b) = srv.post(&url("/approve"), Some(&c.operator), &json!({"note": "同意发布"})).await.unwrap();
    assert_eq!((s, b["status"].as_str(), b["published_version"].as_i64()), (200, Some("published"), Some(1)), "{b}");
    assert!(b["publish_date"].as_str().is_some());
    // Published: everyone sees it.
    for t in [&c.other_steward, &c.datauser, &c.district_operator] {
        assert_eq!(srv.get(&url(""), Some(t)).await.unwrap().0, 200);
    }

    // A change goes through review while the published version stays live.
    let mut changed = corrected.clone();
    changed["update_cycle"] = json!("realtime");
    let (s, b) = srv.put(&url(""), Some(&c.steward), &changed).await.unwrap();
    assert_eq!((s, b["pending_version"].as_i64(), b["version"].as_i64()), (200, Some(2), Some(1)), "{b}");
    assert_eq!(
        srv.get(&url(""), Some(&c.datauser)).await.unwrap().1["body"]["update_cycle"],
        "daily",
        "live version unchanged"
    );
    assert_eq!(
        srv.get(&url("/versions/2"), Some(&c.datauser)).await.unwrap().0,
        404,
        "drafts stay inside the department"
    );
    srv.post(&url("/submit"), Some(&c.steward), &json!({})).await.unwrap();
    let (_, b) = srv.post(&url("/approve"), Some(&c.operator), &json!({})).await.unwrap();
    assert_eq!((b["published_version"].as_i64(), b["body"]["update_cycle"].as_str()), (Some(2), Some("realtime")));
    let (s, d) = srv.get(&url("/diff?from=1&to=2"), Some(&c.datauser)).await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(d, json!([{"field": "update_cycle", "before": "daily", "after": "realtime"}]));
    let (_, h) = srv.get(&url("/history"), Some(&c.steward)).await.unwrap();
    let actions: Vec<&str> = h["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "submit", "return", "edit", "submit", "approve", "edit", "submit", "approve"]);
    assert_eq!(h["events"][2]["reason"], "摘要过于简略");
    assert_eq!(h["versions"][0]["state"], "superseded");

    // Withdrawal (下架) is requested with a reason and reviewed.
    let (s, b) = srv.post(&url("/withdraw"), Some(&c.steward), &json!({"reason": "系统停用"})).await.unwrap();
    assert_eq!((s, b["pending_withdrawal"].as_bool()), (200, Some(true)));
    let (_, b) = srv.post(&url("/approve"), Some(&c.operator), &json!({})).await.unwrap();
    assert_eq!(b["status"], "withdrawn");
    assert_eq!(
        srv.get(&url(""), Some(&c.datauser)).await.unwrap().0,
        404,
        "withdrawn entries leave the public catalogue"
    );
    assert_eq!(srv.put(&url(""), Some(&c.steward), &changed).await.unwrap().1["code"], "conflict");

    // Nobody reviews their own submission, even with review rights.
    let (_, e2) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &body("户籍人口信息")).await.unwrap();
    let id2 = e2["id"].as_i64().unwrap();
    srv.post(&format!("/api/v1/catalog/entries/{id2}/submit"), Some(&c.steward), &json!({})).await.unwrap();
    let identity = &srv.state.identity;
    let me = identity.principal_of(identity.user_by_name("steward").await.unwrap()).await.unwrap();
    let review = identity.authorize::<CatalogReview>(&me, None).await.unwrap();
    let e = srv.state.catalog.approve(&review, id2, None).await.unwrap_err();
    assert_eq!(e.code, zs_types::ErrorCode::Forbidden, "{e}");
    let _ = identity.authorize::<CatalogEdit>(&me, None).await.unwrap();

    // Every transition was recorded in the audit trail.
    let logins_auditor = srv
        .state
        .identity
        .store()
        .list_audit(&zs_meta::AuditQuery { limit: 1000, action_prefix: Some("catalog.".into()), ..Default::default() })
        .await
        .unwrap();
    let kinds: std::collections::HashSet<&str> = logins_auditor.iter().map(|r| r.event.action.as_str()).collect();
    for k in [
        "catalog.create",
        "catalog.submit",
        "catalog.return",
        "catalog.approve",
        "catalog.edit",
        "catalog.request_withdrawal",
        "catalog.withdraw",
    ] {
        assert!(kinds.contains(k), "{k} recorded");
    }
}

async fn deadlines_on_the_working_day_calendar(backend: Backend) {
    // Friday 2026-09-18, 10:00 Beijing time: 20 working days later, across National Day and
    // its 调休 Sunday and Saturday, is Thursday 2026-10-22.
    let at = time::macros::datetime!(2026-09-18 02:00 UTC);
    let Some(srv) = TestServer::start_at(backend, "catalog_deadlines", at).await else { return };
    let c = cast(&srv).await;
    let (_, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &body("人口基础信息")).await.unwrap();
    let id = e["id"].as_i64().unwrap();
    srv.post(&format!("/api/v1/catalog/entries/{id}/submit"), Some(&c.steward), &json!({})).await.unwrap();
    srv.post(&format!("/api/v1/catalog/entries/{id}/approve"), Some(&c.operator), &json!({})).await.unwrap();
    let (s, o) = srv
        .post(
            &format!("/api/v1/catalog/entries/{id}/obligations"),
            Some(&c.steward),
            &json!({"reason": "law", "note": "《户口登记条例》修订"}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{o}");
    assert_eq!(
        (o["due_date"].as_str(), o["working_days_left"].as_i64(), o["overdue"].as_bool()),
        (Some("2026-10-22"), Some(20), Some(false))
    );
    // Other departments cannot raise obligations on it.
    assert_eq!(
        srv.post(
            &format!("/api/v1/catalog/entries/{id}/obligations"),
            Some(&c.other_steward),
            &json!({"reason": "law", "note": "x"})
        )
        .await
        .unwrap()
        .0,
        404
    );
    // An operator-added holiday moves later deadlines.
    let (s, _) = srv
        .post(
            "/api/v1/catalog/calendar",
            Some(&c.operator),
            &json!({"day": "2026-09-21", "kind": "holiday", "name": "地方假日"}),
        )
        .await
        .unwrap();
    assert_eq!(s, 204);
    assert_eq!(
        srv.post(
            "/api/v1/catalog/calendar",
            Some(&c.steward),
            &json!({"day": "2026-09-22", "kind": "holiday", "name": "x"})
        )
        .await
        .unwrap()
        .0,
        403
    );
    let (_, o2) = srv
        .post(
            &format!("/api/v1/catalog/entries/{id}/obligations"),
            Some(&c.operator),
            &json!({"reason": "system", "note": "系统升级"}),
        )
        .await
        .unwrap();
    assert_eq!(o2["due_date"], "2026-10-23");
    // Past the deadline, the board shows it overdue for the department.
    srv.clock.advance(time::Duration::days(40));
    let op = srv.login("operator", TestServer::password_of(&srv.seed_demo().await, "operator")).await.unwrap();
    let (_, board) = srv.get("/api/v1/catalog/deadlines", Some(&op)).await.unwrap();
    let first = &board["obligations"][0];
    assert_eq!((first["overdue"].as_bool(), first["provider"].as_str()), (Some(true), Some("西宁市公安局")), "{board}");
    assert!(first["working_days_left"].as_i64().unwrap() < 0);
    assert_eq!(board["by_department"][0]["overdue"], 2);
    // Publishing a change meets the obligations.
    let steward = srv.login("steward", TestServer::password_of(&srv.seed_demo().await, "steward")).await.unwrap();
    let mut changed = body("人口基础信息");
    changed["summary"] = json!("按修订后的条例调整");
    srv.put(&format!("/api/v1/catalog/entries/{id}"), Some(&steward), &changed).await.unwrap();
    srv.post(&format!("/api/v1/catalog/entries/{id}/submit"), Some(&steward), &json!({})).await.unwrap();
    let op = srv.login("operator", TestServer::password_of(&srv.seed_demo().await, "operator")).await.unwrap();
    srv.post(&format!("/api/v1/catalog/entries/{id}/approve"), Some(&op), &json!({})).await.unwrap();
    let (_, board) = srv.get("/api/v1/catalog/deadlines", Some(&op)).await.unwrap();
    assert_eq!(board["obligations"].as_array().unwrap().len(), 0, "{board}");
    let (_, all) = srv.get("/api/v1/catalog/deadlines?all=true", Some(&op)).await.unwrap();
    assert!(all["obligations"].as_array().unwrap().iter().all(|o| o["fulfilled"] == true));
}

async fn validation_and_conflicts(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "catalog_validation").await else { return };
    let c = cast(&srv).await;
    let mut b = body("不予共享资源");
    b["sharing"] = json!({"kind": "none", "method": "api"});
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &b).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("sharing.legal_basis")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("不予共享"));
    let mut b = body("长度缺失");
    b["items"][1]["length"] = Value::Null;
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &b).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("items[1].length")), "{e}");
    let mut b = body("分类错误");
    b["classification"]["item"] = json!(9);
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &b).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("classification.item")), "{e}");
    let mut b = body("未知字段");
    b["colour"] = json!("red");
    assert_eq!(srv.post("/api/v1/catalog/entries", Some(&c.steward), &b).await.unwrap().0, 422);
    assert_eq!(srv.post("/api/v1/catalog/entries", Some(&c.steward), &body("人口基础信息")).await.unwrap().0, 201);
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.steward), &body("人口基础信息")).await.unwrap();
    assert_eq!((s, e["code"].as_str(), e["field"].as_str()), (409, Some("already_exists"), Some("name")), "{e}");
    // The second department may use the same name; codes continue the sequence.
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&c.other_steward), &body("人口基础信息")).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (201, Some("101001000/000002")), "{e}");
}
