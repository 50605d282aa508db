//! Supply–demand matching (供需对接) through the API: a department posts a demand, only the
//! platform operator of the requester's area routes it, the deadline in working days crosses the
//! National Day holiday and its 调休, the overdue flag, only the provider department answers
//! (reasons required to decline), only the requesting department closes or re-opens it, and
//! every transition is in the history and the audit trail.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::model::NewUser;
use zs_types::Role;

on_backends!(demand_life_cycle);

const CODE: &str = "101001000/000001";

pub(crate) fn day(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(&format!("{s}T10:00:00+08:00"), &time::format_description::well_known::Rfc3339).unwrap()
}

/// Add an account with a known password in a named department.
pub(crate) async fn add_user(srv: &TestServer, username: &str, org: &str, role: Role) {
    let orgs = srv.store.list_orgs("/").await.unwrap();
    let o = orgs.iter().find(|o| o.name == org).unwrap_or_else(|| panic!("no {org}"));
    let user = NewUser {
        username: username.into(),
        display_name: username.into(),
        org_id: o.id,
        role,
        password_hash: zs_identity::password::hash("Demand-test-pass-2026").unwrap(),
        must_change_password: false,
    };
    srv.store.create_user(user, 0).await.unwrap();
}

pub(crate) async fn org_id(srv: &TestServer, name: &str) -> i64 {
    srv.store.list_orgs("/").await.unwrap().iter().find(|o| o.name == name).unwrap().id.0
}

/// Log every named account in again (sessions end after a long clock advance).
pub(crate) struct Logins {
    demo: Vec<zs_identity::seed::DemoLogin>,
}

impl Logins {
    pub(crate) async fn token(&self, srv: &TestServer, user: &str) -> String {
        let pw = self
            .demo
            .iter()
            .find(|l| l.username == user)
            .map(|l| l.password.clone())
            .unwrap_or_else(|| "Demand-test-pass-2026".to_owned());
        srv.login(user, &pw).await.unwrap()
    }
}

pub(crate) async fn setup(srv: &TestServer) -> Logins {
    let demo = srv.seed_demo_catalogue().await;
    add_user(srv, "mz.steward", "西宁市民政局", Role::Steward).await;
    add_user(srv, "mz.datauser", "西宁市民政局", Role::DataUser).await;
    Logins { demo }
}

async fn demand_life_cycle(backend: Backend) {
    // Tuesday 29 September 2026 in Xining; 1-7 October is the National Day holiday and Saturday
    // 10 October a make-up working day (调休).
    let Some(srv) = TestServer::start_at(backend, "demand_flow", day("2026-09-29")).await else { return };
    let logins = setup(&srv).await;
    let datauser = logins.token(&srv, "datauser").await; // 人社局
    let steward = logins.token(&srv, "steward").await; // 公安局
    let operator = logins.token(&srv, "operator").await; // city operator
    let cd_operator = logins.token(&srv, "cd.operator").await; // 城东区 operator
    let auditor = logins.token(&srv, "auditor").await;
    let mz_steward = logins.token(&srv, "mz.steward").await;
    let mz_user = logins.token(&srv, "mz.datauser").await;
    let police = org_id(&srv, "西宁市公安局").await;
    let hrss = org_id(&srv, "西宁市人力资源和社会保障局").await;

    // Post: precise errors change nothing; the demand appears on every department's board.
    let demand = json!({ "title": "驾驶证状态", "description": "需要机动车驾驶证的准驾车型与状态", "purpose": "核验公益性岗位申请人资格", "guessed_provider_id": police });
    for (field, bad) in [
        ("title", json!({ "title": " ", "description": "x", "purpose": "y" })),
        ("description", json!({ "title": "t", "description": "", "purpose": "y" })),
        ("purpose", json!({ "title": "t", "description": "x", "purpose": "" })),
        (
            "guessed_provider_id",
            json!({ "title": "t", "description": "x", "purpose": "y", "guessed_provider_id": 987654 }),
        ),
    ] {
        let (s, e) = srv.post("/api/v1/share/demands", Some(&datauser), &bad).await.unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (_, board) = srv.get("/api/v1/share/demands", Some(&mz_user)).await.unwrap();
    assert_eq!(board, json!([]), "the refused posts left nothing");
    let (s, d) = srv.post("/api/v1/share/demands", Some(&datauser), &demand).await.unwrap();
    assert_eq!((s, d["state"].as_str()), (201, Some("posted")), "{d}");
    assert_eq!(
        (d["requester"].as_str(), d["guessed_provider"].as_str()),
        (Some("西宁市人力资源和社会保障局"), Some("西宁市公安局"))
    );
    let id = d["id"].as_i64().unwrap();
    let (s, board) = srv.get("/api/v1/share/demands", Some(&mz_user)).await.unwrap();
    assert_eq!((s, board[0]["id"].as_i64()), (200, Some(id)), "another department sees the board");
    assert_eq!(srv.get("/api/v1/share/demands", Some(&auditor)).await.unwrap().0, 403, "not for non-department roles");
    assert_eq!(srv.get("/api/v1/share/demands", None).await.unwrap().0, 401, "not public");
    let (s, e) = srv.get("/api/v1/share/demands?state=lost", Some(&datauser)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("state")));

    // Routing: the platform operator of the requester's area only.
    let url = |what: &str| format!("/api/v1/share/demands/{id}/{what}");
    let route = json!({ "provider_org_id": police });
    assert_eq!(srv.post(&url("route"), Some(&datauser), &route).await.unwrap().0, 403, "data users do not route");
    assert_eq!(srv.post(&url("route"), Some(&steward), &route).await.unwrap().0, 403, "stewards do not route");
    let (s, e) = srv.post(&url("route"), Some(&cd_operator), &route).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")), "outside the district operator's area: {e}");
    let (s, e) = srv.post(&url("route"), Some(&operator), &json!({ "provider_org_id": hrss })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("provider_org_id")), "not back to the requester: {e}");
    let (s, e) = srv
        .post(&url("route"), Some(&operator), &json!({ "provider_org_id": police, "working_days": 0 }))
        .await
        .unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("working_days")), "{e}");
    // Answering before routing is refused.
    let (s, _) = srv.post(&url("answer"), Some(&steward), &json!({ "kind": "pointed", "code": CODE })).await.unwrap();
    assert_eq!(s, 403, "not yet routed to the police");
    let (s, r) = srv.post(&url("route"), Some(&operator), &route).await.unwrap();
    assert_eq!((s, r["state"].as_str()), (200, Some("routed")), "{r}");
    assert_eq!(r["due_date"], "2026-10-12", "5 working days: 30 Sep, 8, 9, 10 (调休) and 12 Oct");
    assert_eq!(r["working_days_left"], 5);
    assert_eq!(r["overdue"], false);

    // Due on 12 October; overdue on the 13th.
    srv.clock.advance(day("2026-10-12") - day("2026-09-29"));
    let steward = logins.token(&srv, "steward").await;
    let (_, overdue) = srv.get("/api/v1/share/demands?state=overdue", Some(&steward)).await.unwrap();
    assert_eq!(overdue, json!([]), "due today is not overdue");
    srv.clock.advance(time::Duration::days(1));
    let steward = logins.token(&srv, "steward").await;
    let datauser = logins.token(&srv, "datauser").await;
    let mz_steward_again = logins.token(&srv, "mz.steward").await;
    let mz_user = logins.token(&srv, "mz.datauser").await;
    let auditor = logins.token(&srv, "auditor").await;
    let _ = mz_steward;
    let (_, overdue) = srv.get("/api/v1/share/demands?state=overdue", Some(&datauser)).await.unwrap();
    assert_eq!(
        (overdue[0]["id"].as_i64(), overdue[0]["working_days_left"].as_i64()),
        (Some(id), Some(-1)),
        "{overdue}"
    );
    let (_, mine) = srv.get("/api/v1/share/demands?mine=true", Some(&steward)).await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "routed to the police: {mine}");
    let (_, mine) = srv.get("/api/v1/share/demands?mine=true", Some(&mz_user)).await.unwrap();
    assert_eq!(mine, json!([]));
    // Overdue: escalated to the platform operator once per deadline, however often it is read.
    assert_eq!(srv.state.share.escalate_demands().await.unwrap(), 0, "the board reads escalated it already");
    let (_, detail) = srv.get(&format!("/api/v1/share/demands/{id}"), Some(&datauser)).await.unwrap();
    let escalations: Vec<&Value> =
        detail["events"].as_array().unwrap().iter().filter(|e| e["action"] == "escalate").collect();
    assert_eq!(escalations.len(), 1, "{detail}");
    assert_eq!(
        (escalations[0]["state_after"].as_str(), escalations[0]["due_date"].as_str()),
        (Some("routed"), Some("2026-10-12"))
    );
    let (_, trail) = srv.get("/api/v1/audit?action=demand.escalate", Some(&auditor)).await.unwrap();
    assert_eq!(trail.as_array().unwrap().len(), 1, "{trail}");

    // Answering: the provider department's stewards only; declining needs reasons.
    let (s, e) = srv
        .post(&url("answer"), Some(&mz_steward_again), &json!({ "kind": "declined", "note": "无此数据" }))
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("forbidden")), "wrong department: {e}");
    assert_eq!(
        srv.post(&url("answer"), Some(&datauser), &json!({ "kind": "declined", "note": "x" })).await.unwrap().0,
        403
    );
    let (s, e) = srv.post(&url("answer"), Some(&steward), &json!({ "kind": "declined" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("note")), "{e}");
    let (s, e) = srv
        .post(&url("answer"), Some(&steward), &json!({ "kind": "pointed", "code": "999999999/999999" }))
        .await
        .unwrap();
    assert_eq!(e["field"].as_str(), Some("code"), "{s} {e}");
    let (s, e) = srv.post(&url("answer"), Some(&steward), &json!({ "kind": "maybe" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("kind")));
    let (_, still) = srv.get(&format!("/api/v1/share/demands/{id}"), Some(&datauser)).await.unwrap();
    assert_eq!(still["demand"]["state"], "routed", "refused answers changed nothing");
    let (s, a) = srv
        .post(
            &url("answer"),
            Some(&steward),
            &json!({ "kind": "pointed", "code": CODE, "note": "人口基础信息已含准驾信息" }),
        )
        .await
        .unwrap();
    assert_eq!((s, a["state"].as_str(), a["answer_kind"].as_str()), (200, Some("answered"), Some("pointed")), "{a}");
    assert_eq!((a["answer_code"].as_str(), a["due_date"].is_null()), (Some(CODE), true));
    let (s, _) =
        srv.post(&url("answer"), Some(&steward), &json!({ "kind": "declined", "note": "again" })).await.unwrap();
    assert_eq!(s, 409, "answered already");

    // Closing and re-opening: the requesting department only.
    let (s, e) = srv.post(&url("close"), Some(&mz_user), &json!({})).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("forbidden")), "{e}");
    let (s, e) = srv.post(&url("reopen"), Some(&datauser), &json!({})).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("note")), "re-opening needs reasons: {e}");
    let (s, c) = srv.post(&url("close"), Some(&datauser), &json!({ "note": "已满足" })).await.unwrap();
    assert_eq!((s, c["state"].as_str()), (200, Some("closed")), "{c}");
    assert_eq!(srv.post(&url("close"), Some(&datauser), &json!({})).await.unwrap().0, 409);
    let (s, r) = srv.post(&url("reopen"), Some(&datauser), &json!({ "note": "缺少驾驶证状态" })).await.unwrap();
    assert_eq!((s, r["state"].as_str(), r["provider"].as_str()), (200, Some("routed"), Some("西宁市公安局")), "{r}");
    assert_eq!(r["due_date"], "2026-10-20", "a fresh 5 working days from Tuesday 13 October");
    assert!(r["answer_kind"].is_null());

    // The history and the audit trail hold every transition.
    let (_, detail) = srv.get(&format!("/api/v1/share/demands/{id}"), Some(&mz_user)).await.unwrap();
    let steps: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["post", "route", "escalate", "answer", "close", "reopen"]);
    assert_eq!(detail["events"][1]["due_date"], "2026-10-12");
    assert_eq!(detail["events"][3]["answer_kind"], "pointed");
    assert_eq!(detail["events"][5]["note"], "缺少驾驶证状态");
    let (_, trail) = srv.get("/api/v1/audit?action=demand.&limit=1000", Some(&auditor)).await.unwrap();
    let done: Vec<(&str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "succeeded")
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    let target = format!("demand:{id}");
    let mut actions: Vec<&str> = done.iter().filter(|(_, t)| *t == target).map(|(a, _)| *a).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["demand.answer", "demand.close", "demand.escalate", "demand.post", "demand.reopen", "demand.route"],
        "{trail}"
    );
    let denied = trail.as_array().unwrap().iter().filter(|e| e["outcome"] == "denied").count();
    assert!(denied >= 4, "role refusals are recorded too: {denied}");
    let unknown = srv.get("/api/v1/share/demands/987654", Some(&datauser)).await.unwrap();
    assert_eq!(unknown.0, 404);
    let _: Value = unknown.1;
}
