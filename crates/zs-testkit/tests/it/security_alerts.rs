//! Anomaly detection and response end to end, on both stores: the detector running in the server
//! reads the audit trail and raises alerts on a scripted misuse of the data API (calls from an
//! unusual address, sequential key enumeration through a credential → automatic suspension,
//! calls after revocation, a burst of refusals); security administrators answer them (suspend the
//! grant, dismiss with a reason, acknowledge), the auditor reads only, the system administrator
//! has no access (三员分立); alerts, responses and the client address are in the audit trail.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::Clock;

use crate::share::{day, hand_in, CODE};

on_backends!(alerts_raised_and_answered);

const PEOPLE: &str =
    "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021240,李四,2,1990-02-02\n";

/// A data-API call from `client` (the server trusts `X-Forwarded-For` in this test).
async fn call_from(srv: &TestServer, path: &str, token: &str, client: &str) -> u16 {
    let r = TestServer::client()
        .get(format!("{}{path}", srv.url))
        .bearer_auth(token)
        .header("x-forwarded-for", format!("198.51.100.1, {client}"))
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

/// The active alerts once `pred` holds for them (the detector runs every second).
async fn alerts_when(srv: &TestServer, token: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..150 {
        let (s, list) = srv.get("/api/v1/security/alerts?state=all", Some(token)).await.unwrap();
        assert_eq!(s, 200, "{list}");
        let alerts = list["alerts"].as_array().unwrap().clone();
        if pred(&alerts) {
            return alerts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, list) = srv.get("/api/v1/security/alerts?state=all", Some(token)).await.unwrap();
    panic!("the expected alerts did not appear: {list}");
}

fn find<'a>(alerts: &'a [Value], rule: &str) -> Option<&'a Value> {
    alerts.iter().find(|a| a["rule"] == rule)
}

async fn alerts_raised_and_answered(backend: Backend) {
    let Some(srv) = TestServer::start_with(backend, "security_alerts", |c| {
        c.anomaly_interval_seconds = 1;
        c.anomaly_enumeration_calls = 10;
        c.anomaly_denial_burst = 5;
        c.anomaly_address_min_calls = 5;
        c.anomaly_auto_suspend = true;
        c.trust_forwarded_for = true;
    })
    .await
    else {
        return;
    };
    // Wednesday 10:00 in Xining: working hours.
    let now = srv.clock.now();
    srv.clock.advance(day("2026-11-25") - now);
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let secadmin = srv.login("secadmin", &pw("secadmin")).await.unwrap();
    let auditor = srv.login("auditor", &pw("auditor")).await.unwrap();
    let sysadmin = srv.login("sysadmin", &pw("sysadmin")).await.unwrap();
    hand_in(&srv, &steward, CODE, PEOPLE).await;
    let apply = json!({
        "code": CODE, "fields": ["id_number", "name"], "purpose": "核验低保申请人身份", "scenario": "社会救助审批",
        "legal_basis": "《社会救助暂行办法》第十一条", "until": "2027-06-30", "calls_per_day": 1000, "rows_per_day": 1000
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(&datauser), &apply).await.unwrap();
    assert_eq!(s, 201, "{a}");
    let url = format!("/api/v1/share/applications/{}/review", a["id"]);
    let (s, r) = srv.post(&url, Some(&steward), &json!({ "decision": "grant" })).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let grant = r["grant_id"].as_i64().unwrap();
    let api = format!("/api/v1/share/grants/{grant}");
    let (s, issued) =
        srv.post(&format!("{api}/credentials"), Some(&datauser), &json!({ "name": "核验系统" })).await.unwrap();
    assert_eq!(s, 201, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let credential = issued["credential"]["id"].as_i64().unwrap();

    // Normal use from the department's network: no alert.
    for _ in 0..6 {
        assert_eq!(call_from(&srv, &format!("{api}/rows/630102199001011235"), &token, "10.20.30.40").await, 200);
    }
    // The same credential from elsewhere: an unusual address.
    assert_eq!(call_from(&srv, &format!("{api}/rows/630102199001011235"), &token, "203.0.113.9").await, 200);
    let alerts = alerts_when(&srv, &secadmin, |a| find(a, "new_address").is_some()).await;
    assert_eq!(alerts.len(), 1, "normal use raised nothing: {alerts:?}");
    let addr = find(&alerts, "new_address").unwrap().clone();
    assert_eq!((addr["severity"].as_str(), addr["state"].as_str()), (Some("medium"), Some("open")));
    assert_eq!((addr["credential_id"].as_i64(), addr["grant_id"].as_i64()), (Some(credential), Some(grant)));
    assert_eq!(addr["address"], "203.0.113.0/24");
    assert_eq!(addr["org_name"], "西宁市人力资源和社会保障局");

    // Keys through the credential that mostly find nothing (a guess: high), then keep stepping
    // through (sequential: the episode escalates to critical and is suspended automatically — the
    // credential is revoked); its further use is a use after revocation.
    for i in 0..10u64 {
        let key = format!("{}0", 63010219900101124 + i);
        let s = call_from(&srv, &format!("{api}/rows/{key}"), &token, "10.20.30.40").await;
        assert!(s == 404 || s == 401, "{s}");
    }
    let alerts =
        alerts_when(&srv, &secadmin, |a| find(a, "enumeration").is_some_and(|e| e["state"] == "suspended")).await;
    let en: Vec<&Value> = alerts.iter().filter(|a| a["rule"] == "enumeration").collect();
    assert_eq!(en.len(), 2, "{en:?}");
    assert_eq!(
        (en[0]["severity"].as_str(), en[0]["response"].as_str()),
        (Some("critical"), Some("auto_suspended_credential"))
    );
    assert_eq!(en[0]["facts"]["pattern"], "sequential_keys");
    assert_eq!((en[1]["severity"].as_str(), en[1]["state"].as_str()), (Some("high"), Some("open")));
    assert_eq!(en[1]["facts"]["pattern"], "guessing_keys");
    let guessing = en[1].clone();
    assert_eq!(call_from(&srv, &format!("{api}/rows/630102199001011235"), &token, "10.20.30.40").await, 401);
    let alerts = alerts_when(&srv, &secadmin, |a| find(a, "after_revocation").is_some()).await;
    let revoked = find(&alerts, "after_revocation").unwrap().clone();
    assert_eq!(revoked["subject"], format!("credential:{credential}"));

    // A burst of refusals by the data user's session.
    for _ in 0..5 {
        let (s, _) = srv.post("/api/v1/users", Some(&datauser), &json!({})).await.unwrap();
        assert_eq!(s, 403);
    }
    let alerts = alerts_when(&srv, &secadmin, |a| find(a, "denials").is_some()).await;
    let denials = find(&alerts, "denials").unwrap().clone();
    // Its evidence is the user's refused requests of the episode (the revoked credential's
    // refused call above, the user's too, opened it).
    let (s, one) = srv.get(&format!("/api/v1/security/alerts/{}", denials["id"]), Some(&secadmin)).await.unwrap();
    assert_eq!(s, 200, "{one}");
    let evidence = one["evidence"].as_array().unwrap();
    assert_eq!(evidence.len() as i64, one["facts"]["refusals"].as_i64().unwrap(), "{one}");
    assert!(evidence.iter().all(|r| r["outcome"] == "denied" && r["actor_user"] == evidence[0]["actor_user"]), "{one}");
    assert!(evidence.iter().filter(|r| r["action"] == "user.create").count() >= 4, "{one}");

    // 三员分立: the system administrator has no access; the auditor reads but cannot answer.
    assert_eq!(srv.get("/api/v1/security/alerts", Some(&sysadmin)).await.unwrap().0, 403);
    let respond = |id: &Value| format!("/api/v1/security/alerts/{id}/respond");
    let (s, _) = srv.post(&respond(&addr["id"]), Some(&auditor), &json!({ "action": "acknowledge" })).await.unwrap();
    assert_eq!(s, 403);
    let (s, one) = srv.get(&format!("/api/v1/security/alerts/{}", addr["id"]), Some(&auditor)).await.unwrap();
    assert_eq!(s, 200, "{one}");
    assert!(!one["evidence"].as_array().unwrap().is_empty(), "{one}");

    // The security administrator suspends the grant over the unusual address: the next call is refused.
    let (s, e) = srv.post(&respond(&addr["id"]), Some(&secadmin), &json!({ "action": "suspend_grant" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("reason")), "{e}");
    let body = json!({ "action": "suspend_grant", "reason": "来源地址异常，待核实", "revision": addr["revision"] });
    let (s, done) = srv.post(&respond(&addr["id"]), Some(&secadmin), &body).await.unwrap();
    assert_eq!(s, 200, "{done}");
    assert_eq!((done["state"].as_str(), done["response"].as_str()), (Some("suspended"), Some("suspended_grant")));
    let (s, e) = srv.get(&format!("{api}/rows/630102199001011235"), Some(&datauser)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_revoked")), "{e}");
    let (s, _) = srv.post(&respond(&addr["id"]), Some(&secadmin), &body).await.unwrap();
    assert_eq!(s, 409, "answered once");

    // Acknowledge, then dismiss with a reason; a credential already revoked counts as suspended.
    let (s, _) =
        srv.post(&respond(&denials["id"]), Some(&secadmin), &json!({ "action": "acknowledge" })).await.unwrap();
    assert_eq!(s, 200);
    let (s, d) = srv
        .post(&respond(&denials["id"]), Some(&secadmin), &json!({ "action": "dismiss", "reason": "误操作，已核实" }))
        .await
        .unwrap();
    assert_eq!((s, d["state"].as_str(), d["reason"].as_str()), (200, Some("dismissed"), Some("误操作，已核实")));
    let (s, e) = srv
        .post(&respond(&revoked["id"]), Some(&secadmin), &json!({ "action": "suspend_grant", "reason": "x" }))
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (409, Some("conflict")), "this alert names no grant: {e}");
    let (s, r) = srv
        .post(&respond(&revoked["id"]), Some(&secadmin), &json!({ "action": "suspend_credential", "reason": "已吊销" }))
        .await
        .unwrap();
    assert_eq!((s, r["state"].as_str()), (200, Some("suspended")), "{r}");
    let (s, g) = srv
        .post(
            &respond(&guessing["id"]),
            Some(&secadmin),
            &json!({ "action": "dismiss", "reason": "已升级为严重告警并处置" }),
        )
        .await
        .unwrap();
    assert_eq!((s, g["state"].as_str()), (200, Some("dismissed")), "{g}");
    let (s, e) = srv.get("/api/v1/security/alerts?state=nope", Some(&secadmin)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("state")));
    let (_, active) = srv.get("/api/v1/security/alerts", Some(&secadmin)).await.unwrap();
    assert!(active["alerts"].as_array().unwrap().is_empty(), "every alert answered: {active}");

    // Recorded: raised alerts and responses (in the ledger), the data calls with credential and
    // client address.
    let (_, raised) = srv.get("/api/v1/audit?action=alert.raise", Some(&auditor)).await.unwrap();
    let raised = raised.as_array().unwrap();
    assert!(raised.len() >= 4 && raised.iter().all(|r| r["ledger_index"].is_i64()), "{raised:?}");
    let (_, handled) = srv.get("/api/v1/audit?action=alert.handle", Some(&auditor)).await.unwrap();
    let handled = handled.as_array().unwrap();
    assert!(handled.iter().any(|r| r["detail"]["automatic"] == true && r["outcome"] == "succeeded"));
    assert!(handled.iter().any(|r| r["detail"]["response"] == "suspended_grant"));
    let (_, calls) = srv.get("/api/v1/audit?action=share.data", Some(&auditor)).await.unwrap();
    let calls = calls.as_array().unwrap();
    assert!(calls.iter().any(|r| r["detail"]["client"] == "203.0.113.9" && r["detail"]["credential"] == credential));
    assert!(calls.iter().any(|r| r["detail"]["client"] == "127.0.0.1"), "a session call from the peer address");
}
