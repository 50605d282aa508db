//! Anomaly detection and response end to end, on both stores: the detector running in the server
//! reads the audit trail and raises alerts on a scripted misuse of the data API (calls from an
//! unusual address, sequential key enumeration through a credential → automatic suspension,
//! calls after suspension, a burst of refusals); security administrators answer them (suspend the
//! grant, dismiss with a reason, acknowledge, reinstate through the API and the portal), the
//! auditor reads only, the system administrator has no access (三员分立); a suspended credential
//! or grant is refused with its own code and works again once reinstated; alerts, responses,
//! suspensions, reinstatements and the client address are in the audit trail.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::Clock;

use crate::security_pages::Portal;
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
    // credential is suspended); its further use is a use after suspension.
    for i in 0..10u64 {
        let key = format!("{}0", 63010219900101124 + i);
        let s = call_from(&srv, &format!("{api}/rows/{key}"), &token, "10.20.30.40").await;
        assert!(s == 404 || s == 403, "{s}");
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
    let r = TestServer::client()
        .get(format!("{}{api}/rows/630102199001011235", srv.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "credential_suspended", "suspended, not revoked: {e}");
    let (_, creds) = srv.get("/api/v1/credentials", Some(&secadmin)).await.unwrap();
    let cred = creds.as_array().unwrap().iter().find(|c| c["id"] == credential).unwrap().clone();
    assert!(cred["suspended_at"].is_string() && cred["revoked_at"].is_null(), "{cred}");
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
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_suspended")), "{e}");
    let (_, g) = srv.get(&api, Some(&datauser)).await.unwrap();
    assert_eq!((g["state"].as_str(), g["revoked_at"].is_null()), (Some("suspended"), true), "{g}");
    let (s, _) = srv.post(&respond(&addr["id"]), Some(&secadmin), &body).await.unwrap();
    assert_eq!(s, 409, "answered once");

    // Acknowledge, then dismiss with a reason; a credential already suspended counts as suspended.
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
        .post(&respond(&revoked["id"]), Some(&secadmin), &json!({ "action": "suspend_credential", "reason": "已暂停" }))
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

    // The portal: a refused response (dismiss without a reason) shows the alert again with the
    // message next to the form, not an error page.
    let secadmin_portal = Portal::new(&srv, &secadmin).await;
    let page = secadmin_portal.get(&format!("/security/alerts/{}", en[0]["id"])).await;
    assert!(page.has("alert-reinstate-form") && !page.has("alert-close-form"), "{}", page.body);
    let bad =
        secadmin_portal.post(&format!("/security/alerts/{}/respond", en[0]["id"]), &[("action", "reinstate")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.has("form-error") && bad.body.contains("data-field=\"reason\"") && bad.has("alert-facts"));
    assert!(bad.has("alert-reinstate-form"), "the form is still there");
    let auditor_portal = Portal::new(&srv, &auditor).await;
    assert!(!auditor_portal.get(&format!("/security/alerts/{}", en[0]["id"])).await.has("alert-reinstate-form"));
    let no = auditor_portal
        .post(&format!("/security/alerts/{}/respond", en[0]["id"]), &[("action", "reinstate"), ("reason", "x")])
        .await;
    assert_eq!(no.status, 403, "the auditor cannot reinstate");

    // Reinstate the grant through the API (a reason is needed; the auditor may not): calls work again.
    let reinstate = json!({ "action": "reinstate", "reason": "已核实为本单位新机房出口" });
    let (s, _) = srv.post(&respond(&addr["id"]), Some(&auditor), &reinstate).await.unwrap();
    assert_eq!(s, 403);
    let (s, e) = srv.post(&respond(&addr["id"]), Some(&secadmin), &json!({ "action": "reinstate" })).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (s, r) = srv.post(&respond(&addr["id"]), Some(&secadmin), &reinstate).await.unwrap();
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["state"].as_str(), r["response"].as_str()), (Some("reinstated"), Some("reinstated_grant")), "{r}");
    let (s, rows) = srv.get(&format!("{api}/rows/630102199001011235"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "the grant works again: {rows}");
    let (s, _) = srv.post(&respond(&addr["id"]), Some(&secadmin), &reinstate).await.unwrap();
    assert_eq!(s, 409, "reinstated once");

    // Reinstate the credential from the alert page in the portal: the token works again.
    let done = secadmin_portal
        .post(
            &format!("/security/alerts/{}/respond", en[0]["id"]),
            &[("action", "reinstate"), ("reason", "系统故障已修复，核实非恶意")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = secadmin_portal.get(&done.location).await;
    assert!(page.has("notice") && page.body.contains("data-state=\"reinstated\""), "{}", page.body);
    assert_eq!(call_from(&srv, &format!("{api}/rows/630102199001011235"), &token, "10.20.30.40").await, 200);
    let (_, list) = srv.get("/api/v1/security/alerts?state=reinstated", Some(&secadmin)).await.unwrap();
    assert_eq!(list["alerts"].as_array().unwrap().len(), 2, "{list}");

    // Recorded: raised alerts and responses (in the ledger), the data calls with credential and
    // client address.
    let (_, raised) = srv.get("/api/v1/audit?action=alert.raise", Some(&auditor)).await.unwrap();
    let raised = raised.as_array().unwrap();
    assert!(raised.len() >= 4 && raised.iter().all(|r| r["ledger_index"].is_i64()), "{raised:?}");
    let (_, handled) = srv.get("/api/v1/audit?action=alert.handle", Some(&auditor)).await.unwrap();
    let handled = handled.as_array().unwrap();
    assert!(handled.iter().any(|r| r["detail"]["automatic"] == true && r["outcome"] == "succeeded"));
    assert!(handled.iter().any(|r| r["detail"]["response"] == "suspended_grant"));
    assert!(handled.iter().any(|r| r["detail"]["response"] == "reinstated_credential"));
    for action in ["credential.suspend", "credential.reinstate", "share.suspend", "share.reinstate"] {
        let (_, recs) = srv.get(&format!("/api/v1/audit?action={action}"), Some(&auditor)).await.unwrap();
        let recs = recs.as_array().unwrap();
        assert!(
            recs.iter()
                .any(|r| r["outcome"] == "succeeded" && r["ledger_index"].is_i64() && r["detail"]["alert"].is_i64()),
            "{action}: {recs:?}"
        );
    }
    let (_, calls) = srv.get("/api/v1/audit?action=share.data", Some(&auditor)).await.unwrap();
    let calls = calls.as_array().unwrap();
    assert!(calls.iter().any(|r| r["detail"]["client"] == "203.0.113.9" && r["detail"]["credential"] == credential));
    assert!(calls.iter().any(|r| r["detail"]["client"] == "127.0.0.1"), "a session call from the peer address");
}
