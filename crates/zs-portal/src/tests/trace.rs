//! The tracing page (全流程监管): who may open it, what each role sees, the person query audited,
//! a trace with verified proofs and the bundle download.

use super::setup;
use axum::http::StatusCode;

#[tokio::test]
async fn tracing_page_is_authorised_per_role_and_answers_with_proofs() {
    let t = setup(true).await;
    // 三员分立: the system administrator does not trace; a data user traces without the person form.
    let sys = t.session("sysadmin").await;
    assert_eq!(t.get("/trace", &sys).await.status, StatusCode::FORBIDDEN);
    let du = t.session("datauser").await;
    let page = t.get("/trace", &du).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("全流程监管") && page.body.contains("id=\"nav-trace\""));
    assert!(!page.body.contains("id=\"trace-person-form\""), "only security and audit administrators trace a person");
    let steward = t.session("steward").await;
    let r = t.post("/trace/person", &steward, &[("csrf", &page.csrf()), ("id_number", "630102199001011235")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The auditor: the person form; a wrong ID number is a precise error; a right one is answered
    // (nobody received it) and recorded; in English on request.
    let auditor = t.session("auditor").await;
    let page = t.get("/trace", &auditor).await;
    assert!(page.body.contains("id=\"trace-person-form\""));
    let csrf = page.csrf();
    let r = t.post("/trace/person", &auditor, &[("csrf", &csrf), ("id_number", "630102199001011234")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = t.post("/trace/person", &auditor, &[("csrf", "bad"), ("id_number", "630102199001011235")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.post("/trace/person", &auditor, &[("csrf", &csrf), ("id_number", "630102199001011235")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"trace-no-receivers\""));
    let audit = t.get("/audit?action=trace.person", &auditor).await;
    assert!(audit.body.contains("data-outcome=\"succeeded\"") && !audit.body.contains("630102199001011235"));

    // Bad input is a precise error; an unknown grant is not found; a department outside the
    // data user's own is not found for it, its own is traced with the bundle link.
    assert_eq!(t.get("/trace?department=abc", &du).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get("/trace?grant=987654", &auditor).await.status, StatusCode::NOT_FOUND);
    let own = t.store.user_by_username("datauser").await.unwrap().unwrap().org_id.0;
    let r = t.get(&format!("/trace?department={own}"), &du).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(&format!("href=\"/trace/bundle?department={own}\"")) && r.body.contains("id=\"trace-empty\"")
    );
    let other = own + 1;
    assert_eq!(t.get(&format!("/trace?department={other}"), &du).await.status, StatusCode::NOT_FOUND);
    let bundle = t.get(&format!("/trace/bundle?department={own}"), &du).await;
    assert_eq!(bundle.status, StatusCode::OK);
    let report = zs_ledger::bundle::verify_bundle(&bundle.body, None).unwrap();
    assert!(report.ok && report.items == 0 && report.key_source == "bundle", "{report:?}");
}
