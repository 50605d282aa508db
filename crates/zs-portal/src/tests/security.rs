//! The security alerts pages (异常告警): 三员分立 (the system administrator has no access, the
//! auditor reads only), the security administrator's responses with CSRF and precise errors,
//! English on request.

use super::setup;
use axum::http::StatusCode;
use zs_meta::alert::NewAlert;

#[tokio::test]
async fn alerts_pages_are_authorised_per_role_and_answered_by_security_administrators() {
    let t = setup(true).await;
    let du = t.store.user_by_username("datauser").await.unwrap().unwrap();
    let org = t.store.get_org(du.org_id).await.unwrap().unwrap();
    let now = zs_types::clock::to_ms(time::OffsetDateTime::now_utc());
    let new = |key: &str, credential: Option<i64>| NewAlert {
        rule: "enumeration".into(),
        severity: "critical".into(),
        dedup_key: key.into(),
        subject: "grant:987".into(),
        org_id: Some(org.id.0),
        org_path: org.path.clone(),
        user_id: Some(du.id.0),
        credential_id: credential,
        grant_id: Some(987),
        address: Some("10.1.2.0/24".into()),
        facts: serde_json::json!({ "pattern": "sequential_keys", "lookups": 120 }),
        first_seq: 1,
        last_seq: 2,
        window_from: now - 600_000,
        window_to: now,
        created_at: now,
    };
    let a = t.store.insert_alert(&new("portal-a", None)).await.unwrap().unwrap();
    let b = t.store.insert_alert(&new("portal-b", Some(424_242))).await.unwrap().unwrap();

    // 三员分立: no access for the system administrator, nor for departments' roles.
    for user in ["sysadmin", "datauser", "steward", "operator"] {
        let s = t.session(user).await;
        assert_eq!(t.get("/security/alerts", &s).await.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(t.get(&format!("/security/alerts/{}", a.id), &s).await.status, StatusCode::FORBIDDEN, "{user}");
    }
    let sys = t.session("sysadmin").await;
    assert!(!t.get("/", &sys).await.body.contains("id=\"nav-security-alerts\""));

    // The auditor reads the list and the alert, without the response forms, and cannot answer.
    let auditor = t.session("auditor").await;
    let list = t.get("/security/alerts", &auditor).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("异常告警") && list.body.contains("id=\"nav-security-alerts\""));
    assert!(list.body.contains(&format!("id=\"alert-{}\"", a.id)) && list.body.contains("遍历枚举"));
    let one = t.get(&format!("/security/alerts/{}", a.id), &auditor).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("sequential_keys") && !one.body.contains("id=\"alert-close-form\""));
    let r = t
        .post(
            &format!("/security/alerts/{}/respond", a.id),
            &auditor,
            &[("csrf", &one.csrf()), ("action", "acknowledge")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The security administrator acknowledges, then must give a reason to dismiss.
    let sa = t.session("secadmin").await;
    let one = t.get(&format!("/security/alerts/{}", a.id), &sa).await;
    assert!(one.body.contains("id=\"alert-ack-form\"") && one.body.contains("id=\"alert-suspend-grant\""));
    assert!(!one.body.contains("id=\"alert-suspend-credential\""), "no credential to suspend");
    let csrf = one.csrf();
    let path = format!("/security/alerts/{}/respond", a.id);
    assert_eq!(t.post(&path, &sa, &[("csrf", "bad"), ("action", "acknowledge")]).await.status, StatusCode::FORBIDDEN);
    let r = t.post(&path, &sa, &[("csrf", &csrf), ("action", "acknowledge"), ("revision", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/security/alerts/{}?done=acknowledge", a.id));
    let again = t.post(&path, &sa, &[("csrf", &csrf), ("action", "acknowledge")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("id=\"form-error\"") && again.body.contains("id=\"alert-facts\""), "the alert again");
    let r = t.post(&path, &sa, &[("csrf", &csrf), ("action", "dismiss"), ("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not an error page: the alert again, the message next to the form.
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("data-field=\"reason\""), "{}", r.body);
    assert!(r.body.contains("id=\"alert-facts\"") && r.body.contains("id=\"alert-close-form\""));
    let r = t.post(&path, &sa, &[("csrf", &csrf), ("action", "dismiss"), ("reason", "计划内的数据核对")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let one = t.get(&format!("/security/alerts/{}?done=dismiss", a.id), &sa).await;
    assert!(one.body.contains("data-state=\"dismissed\"") && one.body.contains("计划内的数据核对"));
    assert!(one.body.contains("已忽略告警") && !one.body.contains("id=\"alert-close-form\""));
    // Suspending a credential that does not exist is not found, and the alert stays open.
    let r = t
        .post(
            &format!("/security/alerts/{}/respond", b.id),
            &sa,
            &[("csrf", &csrf), ("action", "suspend_credential"), ("reason", "枚举")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // Lists by state; English on request; every response recorded for the auditor.
    let active = t.get("/security/alerts", &sa).await;
    assert!(
        active.body.contains(&format!("id=\"alert-{}\"", b.id))
            && !active.body.contains(&format!("id=\"alert-{}\"", a.id))
    );
    let dismissed = t.get("/security/alerts?state=dismissed", &sa).await;
    assert!(dismissed.body.contains(&format!("id=\"alert-{}\"", a.id)));
    assert_eq!(t.get("/security/alerts?state=gone", &sa).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let en = t.get("/security/alerts", &format!("{sa}; zs_lang=en")).await;
    assert!(en.body.contains("Security alerts") && en.body.contains("Enumeration"));
    let audit = t.get("/audit?action=alert.handle", &auditor).await;
    assert!(audit.body.contains("data-outcome=\"succeeded\""));
}
