//! Sharing through the API: apply → review on the working-day clock (across the National Day
//! holiday and its 调休) → escalation of overdue applications → a narrower grant → the data API
//! (only granted items, masked, only granted rows, cursor paging, CSV) → credentials bound to a
//! grant → revocation on the next call; the three share types, quotas, expiry and withdrawal.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::model::NewUser;
use zs_types::Role;

on_backends!(apply_review_and_call, share_types_quotas_expiry_and_withdrawal);

pub(crate) const CODE: &str = "101001000/000001";
const PEOPLE: &str = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021240,李四,2,1990-02-02\n630103198505051232,欧阳修文,1,1985-05-05\n";

pub(crate) async fn wait_job(srv: &TestServer, token: &str, id: i64) -> Value {
    for _ in 0..500 {
        let (s, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(token)).await.unwrap();
        assert_eq!(s, 200, "{j}");
        if j["job"]["state"] == "succeeded" || j["job"]["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("job {id} did not end");
}

pub(crate) async fn hand_in(srv: &TestServer, steward: &str, code: &str, csv: &str) {
    let url = format!("/api/v1/resources/{code}/uploads?file_name=data.csv");
    let (s, job) = srv.post_raw(&url, Some(steward), Some("text/csv"), csv.as_bytes().to_vec()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(srv, steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
}

/// A data user in another department.
pub(crate) async fn other_data_user(srv: &TestServer) -> String {
    let orgs = srv.store.list_orgs("/").await.unwrap();
    let other = orgs.iter().find(|o| o.name == "西宁市民政局").expect("a second department");
    let hash = zs_identity::password::hash("Other-user-pass-2026").unwrap();
    let user = NewUser {
        username: "mz.datauser".into(),
        display_name: "民政使用".into(),
        org_id: other.id,
        role: Role::DataUser,
        password_hash: hash,
        must_change_password: false,
    };
    srv.store.create_user(user, 0).await.unwrap();
    srv.login("mz.datauser", "Other-user-pass-2026").await.unwrap()
}

async fn get_text(srv: &TestServer, path: &str, token: &str) -> (u16, String) {
    let r = TestServer::client().get(format!("{}{path}", srv.url)).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) fn day(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(&format!("{s}T10:00:00+08:00"), &time::format_description::well_known::Rfc3339).unwrap()
}

async fn apply_review_and_call(backend: Backend) {
    // Tuesday 29 September 2026, 10:00 in Xining; 1-7 October is the National Day holiday and
    // Saturday 10 October a make-up working day (调休).
    let Some(srv) = TestServer::start_at(backend, "share_flow", day("2026-09-29")).await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let mut steward = srv.login("steward", &pw("steward")).await.unwrap();
    let mut datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let mut operator = srv.login("operator", &pw("operator")).await.unwrap();
    hand_in(&srv, &steward, CODE, PEOPLE).await;

    // 有条件共享: the application waits for the provider, due in 5 working days.
    let apply = json!({
        "code": CODE, "fields": ["id_number", "name", "sex", "birth_date"],
        "purpose": "核验低保申请人身份", "scenario": "社会救助审批", "legal_basis": "《社会救助暂行办法》第十一条",
        "until": "2027-06-30", "calls_per_day": 50, "rows_per_day": 100
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(&datauser), &apply).await.unwrap();
    assert_eq!(s, 201, "{a}");
    assert_eq!((a["state"].as_str(), a["share_kind"].as_str()), (Some("pending"), Some("conditional")));
    assert_eq!(a["due_date"], "2026-10-12", "5 working days: 30 Sep, 8, 9, 10 (调休) and 12 Oct");
    assert_eq!(a["working_days_left"], 5);
    let app_id = a["id"].as_i64().unwrap();
    let mut bad = apply.clone();
    bad["fields"] = json!(["no_such_item"]);
    let (s, e) = srv.post("/api/v1/share/applications", Some(&datauser), &bad).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("fields")), "{e}");
    assert_eq!(
        srv.post("/api/v1/share/applications", Some(&steward), &apply).await.unwrap().0,
        403,
        "stewards do not apply"
    );

    let (s, mine) = srv.get("/api/v1/share/applications", Some(&datauser)).await.unwrap();
    assert_eq!((s, mine.as_array().unwrap().len()), (200, 1));
    let (_, queue) = srv.get("/api/v1/share/reviews", Some(&steward)).await.unwrap();
    assert_eq!(queue[0]["id"], app_id, "{queue}");
    assert_eq!(queue[0]["overdue"], false);
    let (_, overdue) = srv.get("/api/v1/share/overdue", Some(&operator)).await.unwrap();
    assert_eq!(overdue.as_array().unwrap().len(), 0);

    // On 12 October it is still due; on 13 October it is overdue and escalated to the operator.
    srv.clock.advance(day("2026-10-12") - day("2026-09-29"));
    operator = srv.login("operator", &pw("operator")).await.unwrap();
    let (_, overdue) = srv.get("/api/v1/share/overdue", Some(&operator)).await.unwrap();
    assert_eq!(overdue.as_array().unwrap().len(), 0, "due today is not overdue");
    srv.clock.advance(time::Duration::days(1));
    operator = srv.login("operator", &pw("operator")).await.unwrap();
    steward = srv.login("steward", &pw("steward")).await.unwrap();
    datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let auditor = srv.login("auditor", &pw("auditor")).await.unwrap();
    let (_, overdue) = srv.get("/api/v1/share/overdue", Some(&operator)).await.unwrap();
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert!(overdue[0]["escalated_at"].is_i64() && overdue[0]["overdue"] == true);
    let (_, esc) = srv.get("/api/v1/audit?action=share.escalate", Some(&auditor)).await.unwrap();
    assert_eq!(esc.as_array().unwrap().len(), 1, "escalated once: {esc}");

    // Review: never more than asked for; a refusal needs reasons; grant narrower.
    let review_url = format!("/api/v1/share/applications/{app_id}/review");
    let review = |body: Value| {
        let (srv, url, steward) = (&srv, review_url.clone(), steward.clone());
        async move { srv.post(&url, Some(&steward), &body).await }
    };
    let (s, e) = review(json!({ "decision": "grant", "fields": ["phone"] })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("fields")), "{e}");
    let (s, e) = review(json!({ "decision": "grant", "until": "2027-12-31" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("until")), "no longer than asked: {e}");
    let (s, e) = review(json!({ "decision": "grant", "calls_per_day": 51 })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("calls_per_day")), "{e}");
    let (s, e) = review(json!({ "decision": "refuse" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("note")), "{e}");
    let (s, r) = review(json!({
        "decision": "grant", "fields": ["id_number", "name", "sex"], "note": "出生日期不予提供",
        "row_filter": [{ "item": "sex", "value": "1" }], "until": "2026-12-31", "calls_per_day": 40, "rows_per_day": 100
    }))
    .await
    .unwrap();
    assert_eq!((s, r["state"].as_str()), (200, Some("granted")), "{r}");
    let grant = r["grant_id"].as_i64().unwrap();
    assert_eq!(review(json!({ "decision": "refuse", "note": "again" })).await.unwrap().0, 409);

    let (_, g) = srv.get(&format!("/api/v1/share/grants/{grant}"), Some(&datauser)).await.unwrap();
    assert_eq!(g["fields"], json!(["id_number", "name", "sex"]), "{g}");
    assert_eq!(g["masking"]["id_number"], json!({ "kind": "keep_ends", "first": 6, "last": 4 }));
    assert_eq!(g["state"], "active");
    let api = g["api"].as_str().unwrap().to_owned();

    // The data API: granted items only, masked, only the rows the restriction lets through.
    let (s, page) = srv.get(&format!("{api}/rows"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["fields"], json!(["id_number", "name", "sex"]));
    assert_eq!(page["version"], 1);
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "only sex=1: {page}");
    assert_eq!(rows[0], json!({ "id_number": "630102********1235", "name": "张*", "sex": "1" }));
    assert_eq!(rows[1]["name"], "欧阳**");
    assert!(!page.to_string().contains("1990-01-01") && !page.to_string().contains("张三"));
    assert_eq!(page["digest"].as_str().unwrap().len(), 64);
    for q in ["fields=birth_date", "fields=name,phone", "birth_date=1990-01-01"] {
        let (s, e) = srv.get(&format!("{api}/rows?{q}"), Some(&datauser)).await.unwrap();
        assert_eq!((s, e["code"].as_str()), (403, Some("field_not_granted")), "{q}: {e}");
    }
    let (_, one) = srv.get(&format!("{api}/rows?fields=name&limit=1"), Some(&datauser)).await.unwrap();
    assert_eq!(one["rows"], json!([{ "name": "张*" }]), "{one}");
    let cursor = one["next_cursor"].as_str().unwrap().to_owned();
    let (_, two) = srv.get(&format!("{api}/rows?fields=name&limit=1&cursor={cursor}"), Some(&datauser)).await.unwrap();
    assert_eq!(two["rows"], json!([{ "name": "欧阳**" }]), "{two}");
    let (s, row) = srv.get(&format!("{api}/rows/630102199001011235"), Some(&datauser)).await.unwrap();
    assert_eq!((s, row["row"]["name"].as_str()), (200, Some("张*")), "{row}");
    let (s, _) = srv.get(&format!("{api}/rows/630102199002021240"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 404, "a row outside the restriction does not exist for the consumer");
    let (s, n) = srv.get(&format!("{api}/count"), Some(&datauser)).await.unwrap();
    assert_eq!((s, n["count"].as_u64()), (200, Some(2)), "{n}");
    let (s, csv) = get_text(&srv, &format!("{api}/rows?format=csv"), &datauser).await;
    assert_eq!(s, 200);
    assert!(csv.starts_with("id_number,name,sex\n630102********1235,张*,1\n"), "{csv}");

    // Not usable by another department, nor by the provider, nor without a grant.
    let other = other_data_user(&srv).await;
    let (s, e) = srv.get(&format!("{api}/rows"), Some(&other)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")), "{e}");
    assert_eq!(srv.get(&format!("{api}/rows"), Some(&steward)).await.unwrap().0, 403);
    let (s, e) = srv.get("/api/v1/share/grants/987654/rows", Some(&datauser)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")));

    // A credential bound to the grant: the data API only, this grant only.
    let (s, issued) =
        srv.post(&format!("{api}/credentials"), Some(&datauser), &json!({ "name": "低保核验系统" })).await.unwrap();
    assert_eq!(s, 201, "{issued}");
    assert_eq!(issued["credential"]["scopes"], json!([format!("share.grant:{grant}")]));
    let token = issued["token"].as_str().unwrap().to_owned();
    let (s, by_program) = srv.get(&format!("{api}/rows/630103198505051232"), Some(&token)).await.unwrap();
    assert_eq!((s, by_program["row"]["name"].as_str()), (200, Some("欧阳**")), "{by_program}");
    let (s, e) = srv.get("/api/v1/share/grants", Some(&token)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("scope_not_granted")));
    let (s, e) = srv.post(&format!("{api}/credentials"), Some(&other), &json!({})).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")), "{e}");
    let (_, loose) = srv
        .post("/api/v1/credentials", Some(&datauser), &json!({ "name": "unbound", "scopes": ["share.data"] }))
        .await
        .unwrap();
    let (s, e) = srv.get(&format!("{api}/rows"), Some(loose["token"].as_str().unwrap())).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")), "a credential not bound to the grant: {e}");

    // Every call recorded: fields, rows, version, digest; never the values.
    let (_, calls) = srv.get("/api/v1/audit?action=share.data&limit=1000", Some(&auditor)).await.unwrap();
    let calls = calls.as_array().unwrap();
    let ok: Vec<&Value> = calls.iter().filter(|c| c["outcome"] == "succeeded").collect();
    assert_eq!(ok.len(), 7, "rows, two pages, lookup, count, CSV, by credential");
    let first = ok.iter().find(|c| c["detail"]["op"] == "list" && c["detail"]["rows"] == 2).expect("the first listing");
    assert_eq!(first["detail"]["digest"], page["digest"]);
    assert_eq!(first["detail"]["version"], 1);
    assert_eq!(first["target"], format!("grant:{grant}"));
    assert!(calls.iter().any(|c| c["outcome"] == "failed" && c["detail"]["code"] == "field_not_granted"));
    let all = serde_json::to_string(calls).unwrap();
    assert!(!all.contains("张") && !all.contains("630102199001011235"), "no personal data in the audit trail");

    // A new version lands: lookups by key (through the key index) follow it at once, with the
    // grant's restriction applied to the new rows, and the audit record names the new version.
    // The new version swaps two people's sex: the steward's rules check ID numbers without the
    // sex digit (the default rule would block those rows at hand-in).
    let rules = json!({ "rules": [{ "id": "id", "target": { "item": "id_number" }, "kind": "id_number" }] });
    let (s, r) = srv.put(&format!("/api/v1/resources/{CODE}/quality/rules"), Some(&steward), &rules).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let upsert = "公民身份号码,姓名,性别,出生日期\n630102199002021240,李四,1,1990-02-02\n630103198505051232,欧阳修文,2,1985-05-05\n";
    let url = format!("/api/v1/resources/{CODE}/uploads?file_name=v2.csv&mode=upsert");
    let (s, job) = srv.post_raw(&url, Some(&steward), Some("text/csv"), upsert.as_bytes().to_vec()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    let (s, row) = srv.get(&format!("{api}/rows/630102199002021240"), Some(&token)).await.unwrap();
    assert_eq!((s, row["row"]["name"].as_str(), row["version"].as_u64()), (200, Some("李*"), Some(2)), "{row}");
    let (s, e) = srv.get(&format!("{api}/rows/630103198505051232"), Some(&token)).await.unwrap();
    assert_eq!(s, 404, "now outside the restriction: {e}");
    let (s, row) = srv.get(&format!("{api}/rows/630102199001011235?fields=sex"), Some(&datauser)).await.unwrap();
    assert_eq!((s, &row["row"]), (200, &json!({ "sex": "1" })), "{row}");
    let (_, calls) = srv.get("/api/v1/audit?action=share.data&limit=1000", Some(&auditor)).await.unwrap();
    let last = calls.as_array().unwrap().iter().find(|c| c["detail"]["op"] == "lookup").unwrap().clone();
    assert_eq!((last["detail"]["version"].as_u64(), last["detail"]["rows"].as_u64()), (Some(2), Some(1)), "{last}");
    assert_eq!(last["detail"]["fields"], json!(["sex"]));
    assert!(
        calls.as_array().unwrap().iter().all(|c| c["outcome"] != "allowed"),
        "one record per call: no separate authorisation record: {calls}"
    );

    // Revocation takes effect on the next call, for sessions and credentials alike.
    let (s, e) = srv.post(&format!("{api}/revoke"), Some(&datauser), &json!({ "reason": "x" })).await.unwrap();
    assert_eq!(s, 403, "the consumer cannot revoke: {e}");
    let (s, g) = srv.post(&format!("{api}/revoke"), Some(&steward), &json!({ "reason": "业务已办结" })).await.unwrap();
    assert_eq!((s, g["state"].as_str()), (200, Some("revoked")), "{g}");
    let (s, e) = srv.get(&format!("{api}/rows"), Some(&datauser)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_revoked")));
    let (s, e) = srv.get(&format!("{api}/rows/630103198505051232"), Some(&token)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_revoked")));
}

/// Make a published entry of the steward's department from the population entry's body with
/// another name and share type.
async fn publish_variant(srv: &TestServer, steward: &str, operator: &str, name: &str, sharing: Value) -> (i64, String) {
    let base = srv.store.entry_by_code(CODE).await.unwrap().unwrap();
    let (_, e) = srv.get(&format!("/api/v1/catalog/entries/{}", base.id), Some(steward)).await.unwrap();
    let mut body = e["body"].clone();
    body["name"] = json!(name);
    let kind = sharing["kind"].clone();
    body["sharing"] = sharing;
    for item in body["items"].as_array_mut().unwrap() {
        item["sharing"] = kind.clone();
    }
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(steward), &body).await.unwrap();
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_i64().unwrap();
    let (s, e) = srv.post(&format!("/api/v1/catalog/entries/{id}/submit"), Some(steward), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{e}");
    let (s, e) = srv.post(&format!("/api/v1/catalog/entries/{id}/approve"), Some(operator), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{e}");
    (id, e["code"].as_str().unwrap().to_owned())
}

async fn share_types_quotas_expiry_and_withdrawal(backend: Backend) {
    let Some(srv) = TestServer::start_at(backend, "share_types", day("2026-11-02")).await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let mut datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let operator = srv.login("operator", &pw("operator")).await.unwrap();

    let (open_id, open) = publish_variant(
        &srv,
        &steward,
        &operator,
        "人口信息（无条件）",
        json!({ "kind": "unconditional", "method": "api" }),
    )
    .await;
    let (_, closed) = publish_variant(
        &srv,
        &steward,
        &operator,
        "人口信息（不予共享）",
        json!({ "kind": "none", "legal_basis": "《测试保密条例》第三条", "method": "api" }),
    )
    .await;
    hand_in(&srv, &steward, &open, PEOPLE).await;

    let apply = |code: &str, until: &str, calls: i64, rows: i64| {
        json!({ "code": code, "fields": ["name", "sex"], "purpose": "统计分析", "scenario": "人口结构分析",
                "legal_basis": "《统计法》", "until": until, "calls_per_day": calls, "rows_per_day": rows })
    };
    // 不予共享: refused, naming the legal basis.
    let (s, e) =
        srv.post("/api/v1/share/applications", Some(&datauser), &apply(&closed, "2026-12-31", 1, 1)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("not_shareable")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("《测试保密条例》第三条"), "{e}");

    // 无条件共享: granted at once, as asked.
    let (s, a) =
        srv.post("/api/v1/share/applications", Some(&datauser), &apply(&open, "2026-11-04", 3, 3)).await.unwrap();
    assert_eq!((s, a["state"].as_str(), a["due_date"].is_null()), (201, Some("granted"), true), "{a}");
    let short = a["grant_id"].as_i64().unwrap();
    let (_, b) =
        srv.post("/api/v1/share/applications", Some(&datauser), &apply(&open, "2026-12-31", 100, 1000)).await.unwrap();
    let long = b["grant_id"].as_i64().unwrap();

    // Quotas: 3 calls and 3 rows a day.
    let rows = |g: i64, q: &str| {
        let (srv, url, token) = (&srv, format!("/api/v1/share/grants/{g}/rows?{q}"), datauser.clone());
        async move { srv.get(&url, Some(&token)).await }
    };
    let (s, p) = rows(short, "limit=2").await.unwrap();
    assert_eq!((s, p["rows"].as_array().unwrap().len()), (200, 2), "{p}");
    let (s, p) = rows(short, "limit=100").await.unwrap();
    assert_eq!((s, p["rows"].as_array().unwrap().len()), (200, 1), "one row left today: {p}");
    let (s, e) = rows(short, "").await.unwrap();
    assert_eq!((s, e["code"].as_str()), (429, Some("quota_exceeded")), "rows used up: {e}");
    let (s, e) = srv.get(&format!("/api/v1/share/grants/{short}/count"), Some(&datauser)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (429, Some("quota_exceeded")), "calls used up: {e}");
    let (_, g) = srv.get(&format!("/api/v1/share/grants/{short}"), Some(&datauser)).await.unwrap();
    assert_eq!((g["calls_today"].as_i64(), g["rows_today"].as_i64()), (Some(3), Some(3)), "{g}");
    srv.clock.advance(time::Duration::days(1));
    datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let rows = |g: i64, q: &str| {
        let (srv, url, token) = (&srv, format!("/api/v1/share/grants/{g}/rows?{q}"), datauser.clone());
        async move { srv.get(&url, Some(&token)).await }
    };
    assert_eq!(rows(short, "limit=1").await.unwrap().0, 200, "a new day, a new quota");

    // Expiry: the short grant ends after its last day of use; the long one goes on.
    srv.clock.advance(time::Duration::days(2));
    let datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let operator = srv.login("operator", &pw("operator")).await.unwrap();
    let rows = |g: i64, q: &str| {
        let (srv, url, token) = (&srv, format!("/api/v1/share/grants/{g}/rows?{q}"), datauser.clone());
        async move { srv.get(&url, Some(&token)).await }
    };
    let (s, e) = rows(short, "").await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_expired")), "{e}");
    assert_eq!(rows(long, "").await.unwrap().0, 200);

    // Withdrawal (下架) stops every grant on the resource.
    let url = format!("/api/v1/catalog/entries/{open_id}");
    let (s, e) = srv.post(&format!("{url}/withdraw"), Some(&steward), &json!({ "reason": "系统停用" })).await.unwrap();
    assert_eq!(s, 200, "{e}");
    let (s, e) = srv.post(&format!("{url}/approve"), Some(&operator), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{e}");
    let (s, e) = rows(long, "").await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("resource_withdrawn")), "{e}");
    let (s, e) =
        srv.post("/api/v1/share/applications", Some(&datauser), &apply(&open, "2026-12-31", 1, 1)).await.unwrap();
    assert_eq!(s, 404, "a withdrawn resource is no longer in the catalogue to apply for: {e}");
}
